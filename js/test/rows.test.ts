import { describe, expect, it } from "vitest";
import type { MinimapData } from "../src/decode";
import { maskOf, matchingSpans, type RowOptions, spanMatches, visibleRows } from "../src/rows";
import { expected, sample } from "./helpers";

const base: RowOptions = { sortBy: "input", descending: false, filterStatus: [], filterCategory: [], filterHasFeedback: false };
const ids = (data: MinimapData, rows: Uint32Array) => Array.from(rows, (c) => data.conversationIds.get(c));

describe("two filters", () => {
  it("keep only rows with a span passing both, so no kept row is fully dimmed", async () => {
    const data = await sample();
    for (const status of data.palette.statuses) {
      for (const category of data.palette.categories) {
        const opts = { ...base, filterStatus: [status], filterCategory: [category] };
        const rows = visibleRows(data, opts);
        const sm = maskOf(data.palette.statuses, [status]);
        const cm = maskOf(data.palette.categories, [category]);
        for (let c = 0; c < data.nConversations; c++) {
          let lit = 0;
          for (let s = data.spanOffsets[c]; s < data.spanOffsets[c + 1]; s++) if (spanMatches(data, s, sm, cm)) lit++;
          expect(rows.includes(c)).toBe(lit > 0);
        }
        // the summary counts the spans that light up, not every span of the kept rows
        let lit = 0;
        for (const c of rows) for (let s = data.spanOffsets[c]; s < data.spanOffsets[c + 1]; s++) if (spanMatches(data, s, sm, cm)) lit++;
        expect(matchingSpans(data, rows, sm, cm)).toBe(lit);
      }
    }
  });
});

describe("visibleRows", () => {
  it("keeps input order by default and reverses it when descending", async () => {
    const data = await sample();
    const all = expected.conversations.map((c) => c.conversation_id);
    expect(ids(data, visibleRows(data, base))).toEqual(all);
    expect(ids(data, visibleRows(data, { ...base, descending: true }))).toEqual([...all].reverse());
  });

  it("sorts by spans, turns, errors and duration", async () => {
    const data = await sample();
    for (const [sortBy, column] of [
      ["spans", "n_spans"],
      ["turns", "n_turns"],
      ["errors", "n_errors"],
      ["duration", "wall_time_ms"],
    ] as const) {
      const rows = visibleRows(data, { ...base, sortBy, descending: true });
      const values = Array.from(rows, (c) => expected.conversations[c][column] as number);
      expect(values).toEqual([...values].sort((a, b) => b - a));
    }
  });

  it("sorts conversations without a rating last, in both directions", async () => {
    const data = await sample();
    for (const descending of [false, true]) {
      const rows = visibleRows(data, { ...base, sortBy: "rating", descending });
      const ratings = Array.from(rows, (c) => data.meanRating[c]);
      const rated = ratings.filter((r) => !Number.isNaN(r));
      expect(ratings.slice(0, rated.length)).toEqual(rated);
      expect(rated).toEqual([...rated].sort((a, b) => (descending ? b - a : a - b)));
      expect(ratings.slice(rated.length).every(Number.isNaN)).toBe(true);
    }
  });

  it("filters by status, category and feedback", async () => {
    const data = await sample();
    const withErrors = ids(data, visibleRows(data, { ...base, filterStatus: ["ERROR"] }));
    expect(withErrors).toEqual(expected.conversations.filter((c) => (c.n_errors as number) > 0).map((c) => c.conversation_id));
    const withFeedback = ids(data, visibleRows(data, { ...base, filterHasFeedback: true }));
    expect(withFeedback).toEqual(expected.conversations.filter((c) => (c.n_feedback as number) > 0).map((c) => c.conversation_id));
    const retrieval = new Set(expected.spans.filter((s) => s.category === "retrieval").map((s) => s.conversation_id));
    expect(ids(data, visibleRows(data, { ...base, filterCategory: ["retrieval"] }))).toEqual(
      expected.conversations.map((c) => c.conversation_id as string).filter((c) => retrieval.has(c)),
    );
    expect(visibleRows(data, { ...base, filterCategory: ["embeddings"], filterStatus: ["UNSET"], filterHasFeedback: true }).length).toBeLessThanOrEqual(1);
  });

  it("dims spans outside the filters", async () => {
    const data = await sample();
    const errors = maskOf(data.palette.statuses, ["ERROR"]);
    for (let s = 0; s < data.nSpans; s++) {
      expect(spanMatches(data, s, errors, 0)).toBe(expected.spans[s].status === "ERROR");
      expect(spanMatches(data, s, 0, 0)).toBe(true);
    }
  });
});
