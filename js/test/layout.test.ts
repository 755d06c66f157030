import { describe, expect, it } from "vitest";
import {
  columns,
  declutter,
  frameAt,
  isEmoji,
  TAG_LABEL_MAX,
  tagLabel,
  tagLabelFor,
  tagWidth,
  layoutMarkers,
  layoutRow,
  layoutSpans,
  MAX_MARKER_SHIFT,
  type MarkerItem,
  MIN_WIDTH_BY_STATUS,
  ROW,
  rowWeight,
  spanAt,
  weight,
} from "../src/layout";
import { type Scale, STATUS_CODE } from "../src/contract";
import { fitMiddle, labelTexts } from "../src/render";
import { formatDuration, formatRating, plural } from "../src/format";
import type { MinimapData } from "../src/decode";
import { expected, sample } from "./helpers";

const { OK, ERROR, UNSET } = STATUS_CODE;
const ok = (n: number) => new Array<number>(n).fill(OK);
const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);

describe("scales", () => {
  it("weights durations linearly, by square root, by log1p, or uniformly", () => {
    expect(weight(100, "duration", "linear")).toBe(100);
    expect(weight(100, "duration", "sqrt")).toBe(10);
    expect(weight(100, "duration", "log")).toBeCloseTo(Math.log(101));
    expect(weight(100, "uniform", "linear")).toBe(1);
    expect(weight(-5, "duration", "linear")).toBe(0);
  });
});

describe("layoutSpans", () => {
  it("fills the track: marks plus gaps add up to the track width", () => {
    const l = layoutSpans([10, 20, 30, 40], [0, 0, 1, 1], ok(4), 0, 4, 100, 400, "duration", "linear");
    const gaps = ROW.turnGap + 2 * 1;
    expect(sum(l.w) + gaps).toBeCloseTo(400);
    expect(l.x[0]).toBe(100);
    expect(l.x[3] + l.w[3]).toBeCloseTo(500);
  });

  it("orders widths by duration and keeps the minimum visible width for zero-length spans", () => {
    const l = layoutSpans([0, 1000, 10, 0], [0, 0, 0, 0], ok(4), 0, 4, 0, 300, "duration", "linear");
    expect(l.w[0]).toBeCloseTo(ROW.minMark);
    expect(l.w[3]).toBeCloseTo(ROW.minMark);
    expect(l.w[1]).toBeGreaterThan(l.w[2]);
    expect(l.w[2]).toBeGreaterThan(l.w[0]);
  });

  it("gives errors a wider minimum; UNSET (OTel's success) is as narrow as OK", () => {
    const l = layoutSpans([0, 0, 0, 1000], [0, 0, 0, 0], [UNSET, OK, ERROR, OK], 0, 4, 0, 300, "duration", "linear");
    expect(l.w[0]).toBeCloseTo(MIN_WIDTH_BY_STATUS[UNSET]);
    expect(l.w[1]).toBeCloseTo(MIN_WIDTH_BY_STATUS[OK]);
    expect(l.w[2]).toBeCloseTo(MIN_WIDTH_BY_STATUS[ERROR]);
    expect(MIN_WIDTH_BY_STATUS[ERROR]).toBeGreaterThan(MIN_WIDTH_BY_STATUS[OK]);
    expect(MIN_WIDTH_BY_STATUS[UNSET]).toBe(MIN_WIDTH_BY_STATUS[OK]);
  });

  it("compresses big differences with sqrt and more with log", () => {
    const d = [1, 10000];
    const ratio = (scale: Scale) => {
      const l = layoutSpans(d, [0, 0], ok(2), 0, 2, 0, 1000, "duration", scale);
      return l.w[1] / l.w[0];
    };
    expect(ratio("linear")).toBeGreaterThan(ratio("sqrt"));
    expect(ratio("sqrt")).toBeGreaterThan(ratio("log"));
    expect(ratio("log")).toBeGreaterThan(1);
  });

  it("gives every span the same width in uniform mode", () => {
    const l = layoutSpans([1, 500, 90000], [0, 0, 0], ok(3), 0, 3, 0, 303, "uniform", "linear");
    expect(l.w[0]).toBeCloseTo(l.w[1]);
    expect(l.w[1]).toBeCloseTo(l.w[2]);
  });

  it("marks turn boundaries with a divider in the gap and records each turn's start", () => {
    const l = layoutSpans([5, 5, 5], [0, 1, 1], ok(3), 0, 3, 10, 200, "duration", "linear");
    expect(l.dividers).toHaveLength(1);
    expect(l.dividers[0]).toBeGreaterThan(l.x[0] + l.w[0]);
    expect(l.dividers[0]).toBeLessThan(l.x[1]);
    expect(l.turnX[0]).toBe(10);
    expect(l.turnX[1]).toBe(l.x[1]);
  });

  it("squeezes 200 spans into a narrow track without overflowing", () => {
    const n = 200;
    const turns = Array.from({ length: n }, (_, i) => Math.floor(i / 4));
    const l = layoutSpans(new Array(n).fill(100), turns, ok(n), 0, n, 0, 250, "duration", "sqrt");
    expect(l.x[n - 1] + l.w[n - 1]).toBeLessThanOrEqual(250 + 1e-6);
    for (let i = 1; i < n; i++) expect(l.x[i]).toBeGreaterThanOrEqual(l.x[i - 1] + l.w[i - 1] - 1e-9);
  });

  it("lays out an empty row", () => {
    const l = layoutSpans([], [], [], 0, 0, 0, 100, "duration", "linear");
    expect(l.x).toHaveLength(0);
  });
});

describe("turns as the unit", () => {
  const agentTurn = [900, 500, 300];
  it("lets the root span frame its turn instead of taking width from its children", () => {
    // turn 0: a 900 ms root over 500 + 300 ms of work; turn 1: one 900 ms span
    const l = layoutSpans([...agentTurn, 900], [0, 0, 0, 1], ok(4), 0, 4, 0, 1000, "duration", "linear", [1, 0, 0, 0]);
    expect(Array.from(l.frame)).toEqual([1, 0, 0, 0]);
    const turn0 = l.x[2] + l.w[2] - l.x[1];
    expect(l.x[0]).toBe(l.x[1]);
    expect(l.w[0]).toBeCloseTo(turn0);
    // both turns took 900 ms of wall time, so they are equally wide (within the 1 px span gap
    // and one more minimum mark width); adding the root in would have made turn 0 twice as wide
    expect(Math.abs(turn0 - l.w[3])).toBeLessThanOrEqual(1 + ROW.minMark);
    expect(l.w[1] / l.w[2]).toBeCloseTo((500 - 2) / (300 - 2), 0);
  });

  it("adds the spans of a turn with no framing root end to end", () => {
    const l = layoutSpans([500, 400, 900], [0, 0, 1], ok(3), 0, 3, 0, 1000, "duration", "linear", [0, 0, 0]);
    expect(Math.abs(l.x[1] + l.w[1] - l.x[0] - l.w[2])).toBeLessThanOrEqual(1 + ROW.minMark);
  });

  it("keeps zero and sub-millisecond turns visible", () => {
    const l = layoutSpans([0, 0, 0, 60000], [0, 0, 1, 2], ok(4), 0, 4, 0, 500, "duration", "linear", [1, 0, 0, 0]);
    expect(l.w[1]).toBeGreaterThanOrEqual(ROW.minMark - 1e-9);
    expect(l.w[2]).toBeGreaterThanOrEqual(ROW.minMark - 1e-9);
  });

  it("a framing span is hit only through its band, never in its children's track", () => {
    const l = layoutSpans(agentTurn, [0, 0, 0], ok(3), 0, 3, 0, 300, "duration", "linear", [1, 0, 0]);
    expect(spanAt(l, l.x[1] + 1)).toBe(1);
    expect(frameAt(l, l.x[2] + 1)).toBe(0);
  });
});

describe("shared time axis", async () => {
  const data = await sample();
  const cols = columns(1000);
  const n = data.nConversations;
  const shown = Array.from({ length: n }, (_, c) => c).filter((c) => data.spanOffsets[c + 1] > data.spanOffsets[c]);
  const axisMax = Math.max(...shown.map((c) => rowWeight(data, c, "duration", "linear")));
  it("gives the longest row the full width and shorter rows their share of it", () => {
    const ends = shown.map((c) => layoutRow(data, c, cols, { mode: "duration", scale: "linear", shared: true, axisMax }).end);
    const longest = shown.reduce((a, c) => (data.wallTime[c] > data.wallTime[a] ? c : a), shown[0]);
    expect(ends[shown.indexOf(longest)]).toBeCloseTo(cols.trackX + cols.trackWidth, 0);
    for (const c of shown) {
      const end = layoutRow(data, c, cols, { mode: "duration", scale: "linear", shared: true, axisMax }).end;
      const expectedWidth = (cols.trackWidth * data.wallTime[c]) / data.wallTime[longest];
      // never shorter than its marks need, otherwise its share of the axis
      expect(end - cols.trackX).toBeGreaterThanOrEqual(Math.min(cols.trackWidth, expectedWidth) - 1);
    }
  });
  it("stretches every row to the width when fit", () => {
    for (const c of shown) {
      const l = layoutRow(data, c, cols, { mode: "duration", scale: "linear", shared: false, axisMax });
      expect(l.end).toBeCloseTo(cols.trackX + cols.trackWidth, 0);
    }
  });
});

describe("spanAt", () => {
  const l = layoutSpans([10, 10, 10], [0, 0, 1], ok(3), 0, 3, 0, 300, "uniform", "linear");
  it("finds the span under x", () => {
    for (let i = 0; i < 3; i++) expect(spanAt(l, l.x[i] + l.w[i] / 2)).toBe(i);
  });
  it("misses outside the marks", () => {
    expect(spanAt(l, -20)).toBe(-1);
    expect(spanAt(l, 400)).toBe(-1);
  });
});

describe("columns", () => {
  it("keeps the label column within bounds", () => {
    expect(columns(2000).labelWidth).toBe(ROW.labelMax);
    expect(columns(300).labelWidth).toBe(ROW.labelMin);
    const c = columns(1000);
    expect(c.trackX + c.trackWidth + ROW.padRight).toBe(1000);
  });
});

describe("layoutMarkers", () => {
  it("pins turn feedback at its turn, conversation feedback at the row start, unknown turns after the row behind a ?", async () => {
    const data = await sample();
    const cols = columns(1000);
    const c = 0;
    const row = layoutRow(data, c, cols, { mode: "duration", scale: "sqrt", shared: false, axisMax: 0 });
    const items = layoutMarkers(data, c, row, cols);
    const conv = expected.conversations[c].conversation_id;
    const feedback = expected.feedback.filter((f) => f.conversation_id === conv);
    const first = data.feedbackOffsets[c];
    feedback.forEach((f, k) => {
      const mine = items.filter((i) => i.marker === first + k);
      expect(mine.length).toBeGreaterThan(0);
      if (f.level === "conversation") expect(mine[0].x).toBe(cols.trackX);
      else if (f.turn_index === null) {
        // after the row's last mark, never floating at the track end as if on a later turn
        // (this row fills the track, so the "?" and its feedback end at the track end)
        const unplaced = items.find((i) => i.kind === "unplaced") as MarkerItem;
        expect(unplaced.x).toBeLessThanOrEqual(row.end + 6);
        expect(mine[0]).toBe(unplaced); // the "?" opens the feedback it explains
        expect(mine[1].x).toBe(unplaced.x + unplaced.w + 2);
        expect(mine[mine.length - 1].x + mine[mine.length - 1].w).toBeLessThanOrEqual(cols.trackX + cols.trackWidth);
        const shared = layoutRow(data, c, cols, { mode: "duration", scale: "sqrt", shared: true, axisMax: 1.6 * rowWeight(data, c, "duration", "sqrt") });
        const short = layoutMarkers(data, c, shared, cols).find((i) => i.kind === "unplaced") as MarkerItem;
        expect(short.x).toBe(shared.end + 6); // a short row: right after its last mark
      }
      else expect(mine[0].x).toBeGreaterThanOrEqual(row.turnX[f.turn_index]);
    });
    const kinds = new Set(items.map((i) => i.kind));
    expect(kinds).toEqual(new Set(["conversation", "emoji", "tag", "rating", "unplaced"]));
    // a text tag shows its first letters: its width follows its label
    const tag = items.find((i) => i.kind === "tag");
    expect(tag?.w).toBe(tagWidth(tagLabel(tag?.text ?? "")));
    // conversation feedback opens with its bracket, so it never reads as turn-1 feedback
    feedback.forEach((f, k) => {
      const mine = items.filter((i) => i.marker === first + k);
      expect(mine[0].kind === "conversation").toBe(f.level === "conversation");
    });
    const rating = items.find((i) => i.kind === "rating");
    expect(rating?.text).toBe(formatRating(rating?.value ?? Number.NaN));
  });
});

describe("declutter", () => {
  const item = (x: number, w = 10): MarkerItem => ({ kind: "tag", marker: 0, x, w, text: "t", value: Number.NaN, hidden: 0 });
  it("nudges slightly overlapping markers and hides (and counts) the rest", () => {
    const placed = declutter([item(0), item(8), item(22 - MAX_MARKER_SHIFT - 1), item(100)]);
    expect(placed.map((p) => p.x)).toEqual([0, 11, 100]);
    expect(placed[1].hidden).toBe(1);
    expect(placed[0].hidden).toBe(0);
  });
  it("shortens a text tag's label to make room for a rating rather than hide the rating", () => {
    const tag = item(0, tagWidth(tagLabel("needs-review")));
    const rating: MarkerItem = { kind: "rating", marker: 1, x: 30, w: 28, text: ".89", value: 0.89, hidden: 0 };
    const placed = declutter([tag, rating]);
    expect(placed.map((p) => p.kind)).toEqual(["tag", "rating"]);
    expect(placed[0].w).toBe(30 + MAX_MARKER_SHIFT - 1);
    expect(placed[1].x).toBe(placed[0].w + 1);
    expect(tagLabelFor("needs-review", placed[0].w)).toBe("nee…");
    expect(tagLabelFor("needs-review", tagWidth(tagLabel("needs-review")))).toBe(tagLabel("needs-review"));
  });
  it("hides markers that would cross the row end", () => {
    const placed = declutter([item(0), item(95)], 100);
    expect(placed.map((p) => p.x)).toEqual([0]);
    expect(placed[0].hidden).toBe(1);
  });
});

describe("fitMiddle", () => {
  const ctx = { measureText: (t: string) => ({ width: Array.from(t).length * 7 }) as TextMetrics };
  it("keeps an id's unique ending when it must cut", () => {
    const id = "1a5b4125-d54d-4f41-902a-8e9c3f7be2c1";
    const cut = fitMiddle(ctx, id, 140);
    expect(Array.from(cut).length * 7).toBeLessThanOrEqual(140);
    expect(cut.endsWith("7be2c1")).toBe(true);
    expect(cut.startsWith("1a5b")).toBe(true);
    expect(fitMiddle(ctx, "short", 140)).toBe("short");
  });
});

describe("labelTexts", () => {
  const ctx = { font: "", measureText: (t: string) => ({ width: Array.from(t).length * 6 }) as TextMetrics };
  const detail = (data: MinimapData, c: number, width: number) =>
    labelTexts(ctx, data, c, width, "sans").detail.map((p) => p.text).join("");
  it("gives up span and turn counts before the error count and the wall time", async () => {
    const data = await sample();
    const c = Array.from(data.nErrors).findIndex((n, i) => n > 0 && data.nTurns[i] > 1);
    expect(c).toBeGreaterThanOrEqual(0);
    const spans = data.spanOffsets[c + 1] - data.spanOffsets[c];
    const wall = formatDuration(data.wallTime[c]);
    const errors = `${data.nErrors[c]} err`;
    const full = `${plural(spans, "span")} · ${plural(data.nTurns[c], "turn")} · ${errors} · ${wall}`;
    expect(detail(data, c, 1000)).toBe(full);
    const noSpans = `${plural(data.nTurns[c], "turn")} · ${errors} · ${wall}`;
    expect(detail(data, c, noSpans.length * 6)).toBe(noSpans);
    expect(detail(data, c, `${errors} · ${wall}`.length * 6)).toBe(`${errors} · ${wall}`);
    const pieces = labelTexts(ctx, data, c, `${errors} · ${wall}`.length * 6, "sans").detail;
    expect(pieces.map((p) => p.kind)).toEqual(["error", "muted"]);
    // too narrow even for those: cut at the end, the error count first
    expect(detail(data, c, 40).startsWith(errors.slice(0, 3))).toBe(true);
  });
});

describe("formatting", () => {
  it("detects emoji-only tags", () => {
    expect(isEmoji("👍")).toBe(true);
    expect(isEmoji("👍🏽")).toBe(true);
    expect(isEmoji("🏳️‍🌈")).toBe(true);
    expect(isEmoji("🇫🇷")).toBe(true); // a country flag is two regional indicators
    expect(isEmoji("🇫🇷🇩🇪")).toBe(true);
    expect(isEmoji("FR")).toBe(false);
    expect(isEmoji("great")).toBe(false);
    expect(isEmoji("👍 ok")).toBe(false);
    expect(isEmoji("1")).toBe(false);
    expect(isEmoji("1️⃣")).toBe(true); // keycaps
    expect(isEmoji("#️⃣")).toBe(true);
    expect(isEmoji("👨‍👩‍👧")).toBe(true); // a ZWJ family
  });
  it("labels text tags with their first letters", () => {
    expect(tagLabel("great")).toBe("great");
    expect(tagLabel("hallucination")).toBe("halluci…");
    expect(Array.from(tagLabel("hallucination")).length).toBe(TAG_LABEL_MAX);
    expect(tagLabel("👍 très bien")).toBe("👍 très …");
    expect(tagWidth("ab")).toBeLessThan(tagWidth("abcd"));
  });
  it("prints ratings and durations compactly", () => {
    expect(formatRating(0.8)).toBe(".80");
    expect(formatRating(1)).toBe("1.00");
    expect(formatRating(42)).toBe("42");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(1234)).toBe("1.23 s");
    expect(formatDuration(65_000)).toBe("1 m 5 s");
    expect(plural(1, "turn")).toBe("1 turn");
    expect(plural(1200, "span")).toBe("1,200 spans");
  });
});
