// align="turn": turn k of every row in the same column, so that rows (and cohorts) compare turn by turn.
import type { Scale, WidthMode } from "./contract";
import type { MinimapData } from "./decode";
import { type Columns, layoutSpans, type RowLayout } from "./layout";

/** Gap between turn columns, CSS px. */
const COLUMN_GAP = 3;
/** Narrowest turn column, CSS px: past that many columns, the later turns share the last one. */
const MIN_COLUMN = 36;

const mostTurns = new WeakMap<MinimapData, number>();

/** The number of turn columns: the most turns of any conversation (at least 1; counted once per data). */
export function turnColumns(data: MinimapData): number {
  let most = mostTurns.get(data);
  if (most === undefined) {
    most = 1;
    for (let c = 0; c < data.nConversations; c++) if (data.nTurns[c] > most) most = data.nTurns[c];
    mostTurns.set(data, most);
  }
  return most;
}

/** Layout of conversation ``c`` with turn t of the row in column t of ``columns`` equal columns
 * (at most one per MIN_COLUMN px: the turns past the last column share it, end to end);
 * within its column a turn's spans are laid out as a row's are (by duration or uniform). */
export function layoutAligned(
  data: MinimapData,
  c: number,
  cols: Columns,
  mode: WidthMode,
  scale: Scale,
  columns: number,
): RowLayout {
  const start = data.spanOffsets[c];
  const end = data.spanOffsets[c + 1];
  const n = end - start;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const frame = new Uint8Array(n);
  let maxTurn = -1;
  for (let s = start; s < end; s++) if (data.spanTurn[s] > maxTurn) maxTurn = data.spanTurn[s];
  const turnX = new Float64Array(maxTurn + 1).fill(Number.NaN);
  const dividers: number[] = [];
  let end_ = cols.trackX;
  columns = Math.max(1, Math.min(columns, Math.floor(cols.trackWidth / MIN_COLUMN)));
  const width = cols.trackWidth / columns;
  const gap = width > 4 * COLUMN_GAP ? COLUMN_GAP : 0;
  const members: number[][] = Array.from({ length: columns }, () => []);
  for (let s = start; s < end; s++) members[Math.min(data.spanTurn[s], columns - 1)].push(s);
  for (let k = 0; k < columns; k++) {
    const spans = members[k];
    if (!spans.length) continue;
    const colX = cols.trackX + k * width;
    if (k > 0) dividers.push(colX - gap / 2);
    const durations = spans.map((s) => data.spanDuration[s]);
    const turns = spans.map((s) => data.spanTurn[s]);
    const statuses = spans.map((s) => data.spanStatus[s]);
    const frames = spans.map((s) => data.spanFrames[s]);
    const inner = layoutSpans(durations, turns, statuses, 0, spans.length, colX, width - gap, mode, scale, frames);
    for (const t of new Set(turns)) turnX[t] = inner.turnX[t];
    dividers.push(...inner.dividers);
    spans.forEach((s, i) => {
      x[s - start] = inner.x[i];
      w[s - start] = inner.w[i];
      frame[s - start] = inner.frame[i];
    });
    end_ = Math.max(end_, inner.end);
  }
  return { x, w, frame, turnX, dividers, end: end_ };
}
