// Interaction: hover, click and keys on the canvas, tooltip placement and screen-reader announcements.
import type { MinimapData } from "./decode";
import { listen } from "./dom";
import { formatDuration } from "./format";
import { hitTest, type Hit } from "./hittest";
import { type Focus, keyAction } from "./keyboard";
import { type Columns, nearestSpan, ROW, type RowGeometry } from "./layout";
import { pickMode, type PickMode } from "./selection";
import { fillTooltip, type Line, markerTooltip, rowLines, spanLines } from "./tooltip";

/** What interaction reads and drives in the view. */
export interface InteractionHost {
  readonly root: HTMLElement;
  readonly scroll: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly tooltip: HTMLElement;
  readonly live: HTMLElement;
  readonly data: MinimapData | null;
  readonly rows: Uint32Array;
  readonly cols: Columns;
  hoverRow: number;
  focus: Focus | null;
  geometry(row: number): RowGeometry;
  /** Scroll so that visible row ``row`` is fully shown. */
  reveal(row: number): void;
  /** Repaint on the next animation frame. */
  schedule(): void;
  select(row: number, span: number): void;
  clearSelection(): void;
  /** Row-label multi-selection: a press, the pressed pointer over another row, the release. */
  pressLabel(row: number, mode: PickMode): void;
  dragLabel(row: number): void;
  releaseLabel(): void;
}

export class Interaction {
  constructor(private readonly host: InteractionHost) {}

  /** Listen to the pointer, the keyboard and scrolling; returns the disposers. */
  listen(): (() => void)[] {
    const { scroll, canvas } = this.host;
    return [
      listen(scroll, "scroll", () => {
        this.hideTooltip();
        this.host.schedule();
      }),
      listen(canvas, "mousemove", (e) => this.onHover(e)),
      listen(canvas, "mouseleave", () => {
        this.host.hoverRow = -1;
        this.hideTooltip();
        this.host.schedule();
      }),
      listen(canvas, "click", (e) => this.onClick(e)),
      listen(canvas, "mousedown", (e) => this.onPress(e)),
      listen(canvas.ownerDocument, "mouseup", () => this.host.releaseLabel()),
      listen(scroll, "keydown", (e) => this.onKey(e)),
      // A tooltip opened from the keyboard goes when focus or a click goes elsewhere.
      listen(scroll, "blur", () => this.hideTooltip()),
      listen(this.host.root.ownerDocument, "pointerdown", (e) => {
        if (e.target !== canvas) this.hideTooltip();
      }),
    ];
  }

  hideTooltip(): void {
    this.host.tooltip.hidden = true;
  }

  private hitAt(e: MouseEvent): Hit {
    const { data, canvas, scroll, rows, cols } = this.host;
    if (!data) return { kind: "none" };
    const rect = canvas.getBoundingClientRect();
    return hitTest(e.clientX - rect.left, e.clientY - rect.top, scroll.scrollTop, rows.length, cols, (row) =>
      this.host.geometry(row),
    );
  }

  private onPress(e: MouseEvent): void {
    if (e.button !== 0) return;
    const hit = this.hitAt(e);
    if (hit.kind !== "label") return;
    e.preventDefault();
    this.host.pressLabel(hit.row, pickMode(e));
  }

  private onHover(e: MouseEvent): void {
    const host = this.host;
    const data = host.data;
    const hit = this.hitAt(e);
    const row = hit.kind === "none" ? -1 : hit.row;
    if (e.buttons & 1 && row >= 0) host.dragLabel(row);
    if (row !== host.hoverRow) {
      host.hoverRow = row;
      host.schedule();
    }
    if (!data || hit.kind === "none" || hit.kind === "row" || host.rows[hit.row] >= data.nConversations) {
      host.canvas.style.cursor = "default";
      this.hideTooltip();
      return;
    }
    const c = host.rows[hit.row];
    host.canvas.style.cursor = hit.kind === "span" || hit.kind === "label" ? "pointer" : "default";
    const lines =
      hit.kind === "span"
        ? spanLines(data, data.spanOffsets[c] + hit.span)
        : hit.kind === "marker"
          ? markerTooltip(data, c, hit.item.marker, hit.item.hidden)
          : rowLines(data, c);
    const rootRect = host.root.getBoundingClientRect();
    this.showTooltip(lines, e.clientX - rootRect.left, e.clientY - rootRect.top);
  }

  private onClick(e: MouseEvent): void {
    const hit = this.hitAt(e);
    if (hit.kind !== "span") return;
    this.host.focus = { row: hit.row, span: hit.span };
    this.host.scroll.focus({ preventScroll: true });
    this.host.select(hit.row, hit.span);
  }

  private onKey(e: KeyboardEvent): void {
    const host = this.host;
    const data = host.data;
    if (!data) return;
    const spanNear = (row: number, fromRow: number, fromSpan: number): number => {
      const from = host.geometry(fromRow).spans;
      return nearestSpan(host.geometry(row).spans, from.x[fromSpan] + from.w[fromSpan] / 2);
    };
    const firstRow = Math.min(host.rows.length - 1, Math.ceil(host.scroll.scrollTop / ROW.height));
    const action = keyAction(
      e.key,
      host.focus,
      host.rows.length,
      (row) => {
        const c = host.rows[row];
        if (c >= data.nConversations) return 0; // a cohort header
        return data.spanOffsets[c + 1] - data.spanOffsets[c];
      },
      { firstRow, spanNear },
    );
    if (action.kind === "none") return;
    e.preventDefault();
    if (action.kind === "clear") {
      host.focus = null;
      this.hideTooltip();
      host.live.textContent = "Selection cleared";
      host.clearSelection();
      return;
    }
    host.focus = action.focus;
    host.reveal(action.focus.row);
    if (action.kind === "select") host.select(action.focus.row, action.focus.span);
    this.announce(data, action.focus, action.kind === "select");
    host.schedule();
  }

  /** Say what is focused (live region) and show its tooltip under it. */
  private announce(data: MinimapData, focus: Focus, selected: boolean): void {
    const host = this.host;
    const c = host.rows[focus.row];
    if (c >= data.nConversations) {
      host.live.textContent = "Group header: click to fold or unfold, shift-click to select its conversations";
      this.hideTooltip();
      return;
    }
    const conversation = data.conversationIds.get(c);
    if (focus.span < 0) {
      host.live.textContent = `Conversation ${conversation}: no spans`;
      this.hideTooltip();
      return;
    }
    const s = data.spanOffsets[c] + focus.span;
    const status = data.palette.statuses[data.spanStatus[s]];
    host.live.textContent =
      `${selected ? "Selected " : ""}${data.operations.get(data.spanOperation[s])}, ` +
      `${data.palette.categories[data.spanCategory[s]]}, ${status}, ${formatDuration(data.spanDuration[s])}, ` +
      `turn ${data.spanTurn[s] + 1}, span ${focus.span + 1} of ${data.spanOffsets[c + 1] - data.spanOffsets[c]}, ` +
      `conversation ${conversation}`;
    const g = host.geometry(focus.row);
    const canvasTop = host.canvas.getBoundingClientRect().top - host.root.getBoundingClientRect().top;
    const y = canvasTop + focus.row * ROW.height - host.scroll.scrollTop + ROW.trackTop + ROW.trackHeight;
    this.showTooltip(spanLines(data, s), g.spans.x[focus.span] + g.spans.w[focus.span] / 2, y);
  }

  /** Fill the tooltip and place it beside (x, y) in root coordinates. It is positioned in the
   * viewport (fixed), flipped and clamped to stay inside it, so a small output area whose
   * overflow is hidden cannot clip it. */
  private showTooltip(lines: Line[], x: number, y: number): void {
    const { tooltip, root } = this.host;
    fillTooltip(tooltip, lines);
    tooltip.hidden = false;
    const view = root.ownerDocument.defaultView;
    const vw = view?.innerWidth ?? root.clientWidth;
    const vh = view?.innerHeight ?? root.clientHeight;
    const origin = root.getBoundingClientRect();
    const px = origin.left + x;
    const py = origin.top + y;
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    const left = px + 14 + tw > vw ? px - 14 - tw : px + 14;
    const top = py + 16 + th > vh ? py - 10 - th : py + 16;
    tooltip.style.left = `${Math.max(0, Math.min(vw - tw, left))}px`;
    tooltip.style.top = `${Math.max(0, Math.min(vh - th, top))}px`;
  }
}
