import { describe, expect, it } from "vitest";
import { keyAction } from "../src/keyboard";

const spans = [3, 0, 5];
const spansIn = (row: number) => spans[row];
const move = (key: string, row: number, span: number) => keyAction(key, { row, span }, spans.length, spansIn);

describe("keyAction", () => {
  it("starts at the first span of the first row", () => {
    expect(keyAction("ArrowDown", null, 3, spansIn)).toEqual({ kind: "move", focus: { row: 0, span: 0 } });
    expect(keyAction("Enter", null, 3, spansIn)).toEqual({ kind: "none" });
  });
  it("moves left/right within a row and clamps at the ends", () => {
    expect(move("ArrowRight", 0, 1)).toEqual({ kind: "move", focus: { row: 0, span: 2 } });
    expect(move("ArrowRight", 0, 2)).toEqual({ kind: "move", focus: { row: 0, span: 2 } });
    expect(move("ArrowLeft", 0, 0)).toEqual({ kind: "move", focus: { row: 0, span: 0 } });
    expect(move("End", 2, 0)).toEqual({ kind: "move", focus: { row: 2, span: 4 } });
    expect(move("Home", 2, 3)).toEqual({ kind: "move", focus: { row: 2, span: 0 } });
  });
  it("moves up/down between rows, keeping the position where possible", () => {
    expect(move("ArrowDown", 0, 2)).toEqual({ kind: "move", focus: { row: 1, span: -1 } });
    expect(move("ArrowDown", 1, -1)).toEqual({ kind: "move", focus: { row: 2, span: 0 } });
    expect(move("ArrowUp", 2, 4)).toEqual({ kind: "move", focus: { row: 1, span: -1 } });
    expect(move("ArrowUp", 0, 1)).toEqual({ kind: "move", focus: { row: 0, span: 1 } });
    expect(move("PageDown", 0, 1)).toEqual({ kind: "move", focus: { row: 2, span: 1 } });
  });
  it("selects with Enter only on a span, clears with Escape", () => {
    expect(move("Enter", 2, 3)).toEqual({ kind: "select", focus: { row: 2, span: 3 } });
    expect(move("Enter", 1, -1)).toEqual({ kind: "none" });
    expect(move("Escape", 2, 3)).toEqual({ kind: "clear" });
    expect(move("a", 2, 3)).toEqual({ kind: "none" });
  });
  it("starts at the first row in view, not row 0", () => {
    expect(keyAction("ArrowDown", null, 3, spansIn, { firstRow: 2, spanNear: null })).toEqual({ kind: "move", focus: { row: 2, span: 0 } });
  });
  it("keeps the horizontal position on ArrowUp/Down rather than the span index", () => {
    // spanNear maps a span of one row to the span under the same x in another
    const near = (row: number, fromRow: number, fromSpan: number) => (row === 2 && fromRow === 0 && fromSpan === 2 ? 4 : 0);
    const ctx = { firstRow: 0, spanNear: near };
    expect(keyAction("PageDown", { row: 0, span: 2 }, 3, spansIn, ctx)).toEqual({ kind: "move", focus: { row: 2, span: 4 } });
    expect(keyAction("ArrowDown", { row: 0, span: 2 }, 3, spansIn, ctx)).toEqual({ kind: "move", focus: { row: 1, span: -1 } });
  });
  it("does nothing without rows", () => {
    expect(keyAction("ArrowDown", null, 0, spansIn)).toEqual({ kind: "none" });
  });
});
