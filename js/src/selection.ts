// Multi-selection of conversations by their row labels: click, shift-click (range), ctrl/cmd-click (toggle) and
// drag across labels. Pure state here; the view feeds it pointer events and writes `selected_conversations` back.
import { HIGHLIGHT_KEYS, type HighlightKey } from "./contract";
import type { MinimapData, StringTable } from "./decode";
import { conversationIndex } from "./sync";

/** How a press on a row label changes the selection. */
export type PickMode = "replace" | "toggle" | "range";

/** The pick mode of a mouse event's modifier keys. */
export function pickMode(e: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }): PickMode {
  if (e.shiftKey) return "range";
  if (e.ctrlKey || e.metaKey) return "toggle";
  return "replace";
}

/** Conversations picked by row label, as a flag per conversation index, with the drag in progress. */
export class RowSelection {
  /** 1 when conversation c is selected. */
  picked: Uint8Array;
  /** The visible row a range starts from (the last plain or toggle press), or -1. */
  anchor = -1;
  private base: Uint8Array | null = null;
  private dragFrom = -1;

  constructor(n = 0) {
    this.picked = new Uint8Array(n);
  }

  get size(): number {
    let n = 0;
    for (let c = 0; c < this.picked.length; c++) n += this.picked[c];
    return n;
  }

  /** Set the selection from conversation ids (unknown ids are ignored); keeps the anchor when possible. */
  setIds(data: MinimapData | null, ids: readonly string[]): void {
    this.picked = new Uint8Array(data?.nConversations ?? 0);
    for (const id of ids) {
      const c = conversationIndex(data, id);
      if (c >= 0) this.picked[c] = 1;
    }
  }

  /** The selected conversation ids in display order (rows), then any selected but filtered out. */
  ids(data: MinimapData, rows: Uint32Array): string[] {
    const out: string[] = [];
    const seen = new Uint8Array(this.picked.length);
    for (const c of rows) {
      if (this.picked[c]) {
        out.push(data.conversationIds.get(c));
        seen[c] = 1;
      }
    }
    for (let c = 0; c < this.picked.length; c++) if (this.picked[c] && !seen[c]) out.push(data.conversationIds.get(c));
    return out;
  }

  /** A press on the label of visible row ``row``: starts a drag and applies ``mode``. */
  press(rows: Uint32Array, row: number, mode: PickMode): void {
    const c = rows[row];
    if (mode === "range" && this.anchor >= 0) {
      this.base = new Uint8Array(this.picked.length);
      this.dragFrom = this.anchor;
      this.extend(rows, row);
      return;
    }
    if (mode === "toggle") {
      this.base = this.picked.slice();
      this.base[c] = 0;
      this.picked[c] ^= 1;
    } else {
      const onlyThis = this.picked[c] === 1 && this.size === 1;
      this.base = new Uint8Array(this.picked.length);
      this.picked = new Uint8Array(this.picked.length);
      if (!onlyThis) this.picked[c] = 1;
    }
    this.anchor = row;
    this.dragFrom = row;
  }

  /** The pointer, still pressed, is over visible row ``row``: select the rows from the drag's start to it. */
  extend(rows: Uint32Array, row: number): boolean {
    if (!this.base || this.dragFrom < 0) return false;
    const next = this.base.slice();
    const lo = Math.max(0, Math.min(this.dragFrom, row));
    const hi = Math.min(rows.length - 1, Math.max(this.dragFrom, row));
    for (let r = lo; r <= hi; r++) next[rows[r]] = 1;
    const changed = next.some((v, c) => v !== this.picked[c]);
    this.picked = next;
    return changed;
  }

  /** The drag is over (pointer released). True when one was in progress. */
  release(): boolean {
    const was = this.base !== null;
    this.base = null;
    this.dragFrom = -1;
    return was;
  }

  clear(): void {
    this.picked = new Uint8Array(this.picked.length);
    this.anchor = -1;
    this.release();
  }
}

/** ``rows`` without the conversations not in ``ids`` (``null``: keep all), order kept. */
export function keepConversations(data: MinimapData, rows: Uint32Array, ids: readonly string[] | null): Uint32Array {
  if (ids === null) return rows;
  const keep = new Uint8Array(data.nConversations);
  for (const id of ids) {
    const c = conversationIndex(data, id);
    if (c >= 0) keep[c] = 1;
  }
  return rows.filter((c) => keep[c] === 1);
}

/** Which spans a linked view lights up: 1 for each span matching every given field, or null when none is given. */
export function litSpans(data: MinimapData, highlight: Partial<Record<HighlightKey, string[]>>): Uint8Array | null {
  const given = HIGHLIGHT_KEYS.filter((key) => highlight[key] !== undefined);
  if (given.length === 0) return null;
  const wanted = (names: StringTable | readonly string[], values: string[]): Uint8Array => {
    const table = new Uint8Array(names.length + 1);
    const set = new Set(values);
    for (let i = 0; i < names.length; i++) {
      if (set.has("get" in names ? names.get(i) : names[i])) table[i] = 1;
    }
    return table;
  };
  const op = highlight.operation_name ? wanted(data.operations, highlight.operation_name) : null;
  const cat = highlight.category ? wanted(data.palette.categories, highlight.category) : null;
  const status = highlight.status ? wanted(data.palette.statuses, highlight.status) : null;
  const out = new Uint8Array(data.nSpans);
  for (let s = 0; s < data.nSpans; s++) {
    if (op && !op[data.spanOperation[s]]) continue;
    if (cat && !cat[data.spanCategory[s]]) continue;
    if (status && !status[data.spanStatus[s]]) continue;
    out[s] = 1;
  }
  return out;
}
