// Map a pointer position to a row, a span, a feedback marker or a row label.
import { type Columns, FRAME_BAND, frameAt, type MarkerItem, ROW, type RowGeometry, spanAt } from "./layout";

export type Hit =
  | { kind: "span"; row: number; span: number }
  | { kind: "marker"; row: number; item: MarkerItem }
  | { kind: "label"; row: number }
  | { kind: "row"; row: number }
  | { kind: "none" };

/**
 * Hit-test canvas point (x, y) (CSS px, relative to the canvas) with the content scrolled by
 * ``scrollTop``. ``rowGeometry(row)`` returns the layouts of a visible row.
 */
export function hitTest(
  x: number,
  y: number,
  scrollTop: number,
  rowCount: number,
  cols: Columns,
  rowGeometry: (row: number) => RowGeometry,
): Hit {
  const contentY = y + scrollTop;
  const row = Math.floor(contentY / ROW.height);
  if (row < 0 || row >= rowCount || x < 0) return { kind: "none" };
  if (x < cols.labelWidth) return { kind: "label", row };
  const inRow = contentY - row * ROW.height;
  const geometry = rowGeometry(row);
  if (inRow >= ROW.markerTop - 1 && inRow < ROW.markerTop + ROW.markerHeight + 1) {
    for (const item of geometry.markers) {
      if (x >= item.x - 1 && x <= item.x + item.w + 1) return { kind: "marker", row, item };
    }
  }
  if (inRow >= ROW.trackTop + ROW.trackHeight - FRAME_BAND - 1 && inRow < ROW.trackTop + ROW.trackHeight + 2) {
    const span = frameAt(geometry.spans, x);
    if (span >= 0) return { kind: "span", row, span };
  }
  if (inRow >= ROW.trackTop - 2 && inRow < ROW.trackTop + ROW.trackHeight + 2) {
    const span = spanAt(geometry.spans, x);
    if (span >= 0) return { kind: "span", row, span };
  }
  return { kind: "row", row };
}
