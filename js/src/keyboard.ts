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

/**
 * What a key does. ``spansIn(row)`` is the number of spans of a visible row; ``rowCount`` the
 * number of visible rows. Rows without spans can be focused (span -1).
 */
export function keyAction(key: string, focus: Focus | null, rowCount: number, spansIn: (row: number) => number): KeyAction {
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
  if (!focus) {
    return ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].includes(key)
      ? { kind: "move", focus: at(0, 0) }
      : { kind: "none" };
  }
  switch (key) {
    case "ArrowLeft":
      return { kind: "move", focus: at(focus.row, focus.span - 1) };
    case "ArrowRight":
      return { kind: "move", focus: at(focus.row, focus.span + 1) };
    case "ArrowUp":
      return { kind: "move", focus: at(focus.row - 1, focus.span) };
    case "ArrowDown":
      return { kind: "move", focus: at(focus.row + 1, focus.span) };
    case "PageUp":
      return { kind: "move", focus: at(focus.row - PAGE, focus.span) };
    case "PageDown":
      return { kind: "move", focus: at(focus.row + PAGE, focus.span) };
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
