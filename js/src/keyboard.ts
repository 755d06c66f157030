// Keyboard navigation model: pure, so it can be tested without a DOM.

/** The focused span: ``row`` is a position in the visible row order, ``span`` within that row. */
export interface Focus {
  row: number;
  span: number;
}

export type KeyAction =
  | { kind: "move"; focus: Focus }
  | { kind: "select"; focus: Focus }
  | { kind: "clear" }
  | { kind: "none" };

const PAGE = 10;

/** Where keys land: the first row in view (where a first arrow starts), and the span of a row
 * nearest a span of another row (so ArrowUp/Down keep the horizontal position, not the index). */
export interface KeyContext {
  firstRow: number;
  spanNear: ((row: number, fromRow: number, fromSpan: number) => number) | null;
}

/**
 * What a key does. ``spansIn(row)`` is the number of spans of a visible row; ``rowCount`` the
 * number of visible rows. Rows without spans can be focused (span -1).
 */
export function keyAction(
  key: string,
  focus: Focus | null,
  rowCount: number,
  spansIn: (row: number) => number,
  context: KeyContext = { firstRow: 0, spanNear: null },
): KeyAction {
  if (key === "Escape") return { kind: "clear" };
  if (rowCount === 0) return { kind: "none" };
  const clampSpan = (row: number, span: number): number => {
    const n = spansIn(row);
    return n === 0 ? -1 : Math.max(0, Math.min(n - 1, span));
  };
  const at = (row: number, span: number): Focus => {
    const r = Math.max(0, Math.min(rowCount - 1, row));
    return { row: r, span: clampSpan(r, span) };
  };
  const vertical = (row: number): Focus => {
    const r = Math.max(0, Math.min(rowCount - 1, row));
    if (!context.spanNear || !focus || focus.span < 0 || spansIn(r) === 0) return at(r, focus?.span ?? 0);
    return { row: r, span: clampSpan(r, context.spanNear(r, focus.row, focus.span)) };
  };
  if (!focus) {
    return ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].includes(key)
      ? { kind: "move", focus: at(context.firstRow, 0) }
      : { kind: "none" };
  }
  switch (key) {
    case "ArrowLeft":
      return { kind: "move", focus: at(focus.row, focus.span - 1) };
    case "ArrowRight":
      return { kind: "move", focus: at(focus.row, focus.span + 1) };
    case "ArrowUp":
      return { kind: "move", focus: vertical(focus.row - 1) };
    case "ArrowDown":
      return { kind: "move", focus: vertical(focus.row + 1) };
    case "PageUp":
      return { kind: "move", focus: vertical(focus.row - PAGE) };
    case "PageDown":
      return { kind: "move", focus: vertical(focus.row + PAGE) };
    case "Home":
      return { kind: "move", focus: at(focus.row, 0) };
    case "End":
      return { kind: "move", focus: at(focus.row, Number.MAX_SAFE_INTEGER) };
    case "Enter":
    case " ":
      return focus.span >= 0 ? { kind: "select", focus } : { kind: "none" };
    default:
      return { kind: "none" };
  }
}
