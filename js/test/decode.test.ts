import { describe, expect, it } from "vitest";
import { CATEGORIES, CATEGORY_COLORS, STATUS_COLORS, STATUSES } from "../src/contract";
import { asBytes, decodePayload, type MinimapData } from "../src/decode";
import { expected, fixtureBytes, sample } from "./helpers";

function checkAgainstFrames(data: MinimapData): void {
  expect(data.nConversations).toBe(expected.conversations.length);
  expect(data.nSpans).toBe(expected.spans.length);
  expect(data.nFeedback).toBe(expected.feedback.length);
  expect(data.nRatings).toBe(expected.ratings.length);
  expected.conversations.forEach((row, c) => {
    expect(data.conversationIds.get(c)).toBe(row.conversation_id);
    expect(data.spanOffsets[c + 1] - data.spanOffsets[c]).toBe(row.n_spans);
    expect(data.nTurns[c]).toBe(row.n_turns);
    expect(data.nErrors[c]).toBe(row.n_errors);
    expect(data.totalDuration[c]).toBe(row.total_duration_ms);
    expect(data.feedbackOffsets[c + 1] - data.feedbackOffsets[c]).toBe(row.n_feedback);
  });
  expected.spans.forEach((row, s) => {
    expect(data.spanId.get(s)).toBe(row.span_id);
    expect(data.traces.get(data.spanTrace[s])).toBe(row.trace_id);
    expect(data.operations.get(data.spanOperation[s])).toBe(row.operation_name);
    expect(data.palette.categories[data.spanCategory[s]]).toBe(row.category);
    expect(data.palette.statuses[data.spanStatus[s]]).toBe(row.status);
    expect(data.spanDuration[s]).toBe(row.duration_ms);
    expect(data.spanTurn[s]).toBe(row.turn_index);
  });
  expected.feedback.forEach((row, m) => {
    const tags: string[] = [];
    for (let k = data.feedbackTagOffsets[m]; k < data.feedbackTagOffsets[m + 1]; k++) tags.push(data.tags.get(data.tagCodes[k]));
    expect(tags).toEqual(row.tags);
    expect(data.feedbackLevel[m]).toBe(row.level === "conversation" ? 1 : 0);
    expect(data.feedbackTurn[m]).toBe(row.turn_index ?? -1);
    expect(data.feedbackTypes[data.feedbackType[m]]).toBe(row.feedback_type);
    const trace = data.feedbackTrace[m];
    expect(trace === data.feedbackTraceNone ? null : data.traces.get(trace)).toBe(row.trace_id);
  });
  const ratings = expected.ratings.map((r) => [r.name, r.value, r.reason]);
  const decoded: unknown[] = [];
  for (let m = 0; m < data.nFeedback; m++) {
    for (let k = data.ratingStart[m]; k < data.ratingStart[m + 1]; k++) {
      const r = data.ratingOrder[k];
      const reason = data.ratingReason[r];
      decoded.push([data.ratingNames.get(data.ratingName[r]), data.ratingValue[r], reason === data.ratingReasonNone ? null : data.reasons.get(reason)]);
    }
  }
  expect(decoded).toEqual(ratings);
}

describe("decodePayload", () => {
  it("decodes the Python encoder's payload column for column", async () => {
    checkAgainstFrames(await sample());
  });

  it("inflates a zlib-compressed payload to the same data", async () => {
    checkAgainstFrames(await decodePayload(fixtureBytes("sample.zlib.bin")));
  });

  it("decodes from a misaligned DataView (as anywidget may hand it over)", async () => {
    const raw = fixtureBytes("sample.bin");
    const shifted = new Uint8Array(raw.length + 3);
    shifted.set(raw, 3);
    checkAgainstFrames(await decodePayload(asBytes(new DataView(shifted.buffer, 3, raw.length))));
  });

  it("builds per-conversation status and category masks", async () => {
    const data = await sample();
    expected.conversations.forEach((_, c) => {
      const statuses = new Set(expected.spans.filter((s) => s.conversation_id === expected.conversations[c].conversation_id).map((s) => s.status));
      for (const [i, name] of data.palette.statuses.entries()) {
        expect(Boolean(data.statusMask[c] & (1 << i))).toBe(statuses.has(name));
      }
    });
  });

  it("carries the contract's status and category codes", async () => {
    const data = await sample();
    expect(data.palette.statuses).toEqual(STATUSES);
    expect(data.palette.categories).toEqual(CATEGORIES);
    expect(data.palette.statusColors).toEqual(STATUSES.map((s) => STATUS_COLORS[s]));
    expect(data.palette.categoryColors).toEqual(CATEGORIES.map((c) => CATEGORY_COLORS[c]));
  });

  it("refuses a payload whose status codes differ from the contract's", async () => {
    const raw = fixtureBytes("sample.bin").slice();
    const text = new TextDecoder("latin1").decode(raw); // one character per byte
    const swapped = JSON.stringify([STATUSES[1], STATUSES[0], ...STATUSES.slice(2)]);
    const at = text.indexOf(JSON.stringify(STATUSES));
    expect(at).toBeGreaterThan(0);
    raw.set(new TextEncoder().encode(swapped), at);
    await expect(decodePayload(raw)).rejects.toThrow(/status codes .* differ from this widget's/);
  });

  it("rejects bytes that are not a payload, naming the problem", async () => {
    await expect(decodePayload(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).rejects.toThrow(/bad magic/);
    const raw = fixtureBytes("sample.bin").slice();
    raw[4] = 99;
    await expect(decodePayload(raw)).rejects.toThrow(/version 99/);
  });
});
