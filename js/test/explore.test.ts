import { describe, expect, it } from "vitest";
import { conversationCount, groupRows, hasGroups } from "../src/cohorts";
import type { MinimapData } from "../src/decode";
import { visibleRows } from "../src/rows";
import { keepConversations, litSpans, pickMode, RowSelection } from "../src/selection";
import { expected, sample } from "./helpers";

const all = (data: MinimapData) => visibleRows(data, { sortBy: "input", descending: false, filterStatus: [], filterCategory: [], filterHasFeedback: false });
const ids = (data: MinimapData, rows: Uint32Array) => Array.from(rows, (c) => data.conversationIds.get(c));

describe("RowSelection", () => {
  it("click picks one, shift extends from the anchor, ctrl toggles, a drag picks a range", async () => {
    const data = await sample();
    const rows = all(data);
    const s = new RowSelection(data.nConversations);
    s.press(rows, 1, "replace");
    s.release();
    expect(s.ids(data, rows)).toEqual([data.conversationIds.get(rows[1])]);
    s.press(rows, 3, "range");
    s.release();
    expect(s.ids(data, rows)).toEqual(ids(data, rows.slice(1, 4)));
    s.press(rows, 2, "toggle");
    s.release();
    expect(s.ids(data, rows)).toEqual(ids(data, Uint32Array.from([rows[1], rows[3]])));
    s.press(rows, 0, "replace");
    expect(s.extend(rows, 2)).toBe(true);
    expect(s.extend(rows, 2)).toBe(false);
    expect(s.release()).toBe(true);
    expect(s.ids(data, rows)).toEqual(ids(data, rows.slice(0, 3)));
    s.press(rows, 0, "replace"); // picks just row 0
    s.release();
    s.press(rows, 0, "replace"); // and again: none
    s.release();
    expect(s.size).toBe(0);
  });

  it("reads ids from the model, ignoring unknown ones", async () => {
    const data = await sample();
    const s = new RowSelection();
    const first = data.conversationIds.get(0);
    s.setIds(data, ["nope", first]);
    expect(s.size).toBe(1);
    expect(s.ids(data, all(data))).toEqual([first]);
  });

  it("maps modifier keys to modes", () => {
    expect(pickMode({ shiftKey: true, ctrlKey: false, metaKey: false })).toBe("range");
    expect(pickMode({ shiftKey: false, ctrlKey: false, metaKey: true })).toBe("toggle");
    expect(pickMode({ shiftKey: false, ctrlKey: false, metaKey: false })).toBe("replace");
  });
});

describe("linked views", () => {
  it("lights up the spans matching every given field", async () => {
    const data = await sample();
    const lit = litSpans(data, { operation_name: ["execute_tool"], status: ["ERROR"] }) as Uint8Array;
    const want = expected.spans.map((s) => (s.operation_name === "execute_tool" && s.status === "ERROR" ? 1 : 0));
    expect(Array.from(lit)).toEqual(want);
    expect(litSpans(data, {})).toBeNull();
  });

  it("keeps only the given conversations, in row order", async () => {
    const data = await sample();
    const rows = all(data);
    const wanted = [data.conversationIds.get(2), data.conversationIds.get(0)];
    expect(ids(data, keepConversations(data, rows, wanted))).toEqual([wanted[1], wanted[0]]);
    expect(keepConversations(data, rows, null)).toBe(rows);
  });
});

describe("cohorts", () => {
  it("puts a header before each group, keeps the sort within it, folds collapsed ones, and summarises", async () => {
    const data = await sample();
    const n = data.nConversations;
    const codes = Array.from({ length: n }, (_, c) => c % 2);
    const groups = { labels: ["even", "odd"], codes };
    expect(hasGroups(data, groups)).toBe(true);
    expect(hasGroups(data, { labels: ["x"], codes: [0] })).toBe(n === 1);
    const sorted = visibleRows(data, { sortBy: "spans", descending: true, filterStatus: [], filterCategory: [], filterHasFeedback: false });
    const { rows, summaries } = groupRows(data, sorted, groups, []);
    expect(rows[0]).toBe(n); // the "even" header
    const evens = Array.from(sorted).filter((c) => c % 2 === 0);
    expect(Array.from(rows.slice(1, 1 + evens.length))).toEqual(evens);
    expect(rows[1 + evens.length]).toBe(n + 1);
    expect(conversationCount(data, rows)).toBe(n);
    const even = expected.conversations.filter((_, c) => c % 2 === 0);
    expect(summaries[0].count).toBe(even.length);
    expect(summaries[0].errorRate).toBeCloseTo(even.filter((c) => (c.n_errors as number) > 0).length / even.length);
    const folded = groupRows(data, sorted, groups, ["even"]);
    expect(Array.from(folded.rows.slice(0, 2))).toEqual([n, n + 1]);
    expect(folded.summaries[0].collapsed).toBe(true);
  });
});

describe("align by turn", () => {
  it("puts turn k of every row in column k, within the track", async () => {
    const { layoutAligned, turnColumns } = await import("../src/align");
    const { columns } = await import("../src/layout");
    const data = await sample();
    const cols = columns(1000);
    expect(turnColumns(data)).toBe(Math.max(...expected.conversations.map((c) => c.n_turns as number)));
    const k = Math.min(turnColumns(data), Math.floor(cols.trackWidth / 36)); // later turns share the last column
    const width = cols.trackWidth / k;
    for (let c = 0; c < data.nConversations; c++) {
      const layout = layoutAligned(data, c, cols, "duration", "sqrt", turnColumns(data));
      for (let i = 0; i < layout.x.length; i++) {
        const t = Math.min(data.spanTurn[data.spanOffsets[c] + i], k - 1);
        expect(layout.x[i]).toBeGreaterThanOrEqual(cols.trackX + t * width - 1e-9);
        expect(layout.x[i] + layout.w[i]).toBeLessThanOrEqual(cols.trackX + (t + 1) * width + 1e-9);
      }
      layout.turnX.forEach((x, t) => {
        if (!Number.isNaN(x) && t < k - 1) expect(x).toBeCloseTo(cols.trackX + t * width);
      });
    }
  });

  it("says in the key what width means under turn alignment, not the shared time scale", async () => {
    const { keyText } = await import("../src/controls");
    const options = { width_mode: "duration", time_axis: "shared", scale: "sqrt" } as const;
    expect(keyText({ ...options, align: "none" }, 2000)).toContain("full width = ");
    const aligned = keyText({ ...options, align: "turn" }, 2000);
    expect(aligned).toMatch(/^Aligned by turn: column k holds turn k of every row/);
    expect(aligned).toContain("within a column, its spans by wall time (sqrt scale");
    expect(aligned).not.toContain("full width");
    expect(keyText({ ...options, width_mode: "uniform", align: "turn" }, 0)).toContain("one slot per span, fit to it");
  });
});
