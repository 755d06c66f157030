// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { conversationOfSpan, fillTooltip, markerTooltip, rowLines, spanLines } from "../src/tooltip";
import { expected, sample } from "./helpers";

const XSS_TAG = "<img src=x onerror=alert(1)>";

describe("tooltip text", () => {
  it("describes a span: operation, category, status, duration, turn, ids and the turn's feedback", async () => {
    const data = await sample();
    const s = 0;
    const row = expected.spans[s];
    const text = spanLines(data, s).map((l) => l.text);
    expect(text[0]).toBe(row.operation_name);
    expect(text).toContain(`${row.category} · ${row.status}`);
    expect(text.some((t) => t.startsWith("duration "))).toBe(true);
    expect(text.some((t) => t.startsWith(`turn ${row.turn_index + 1} of `))).toBe(true);
    expect(text).toContain(`span ${row.span_id}`);
    expect(text).toContain(`trace ${row.trace_id}`);
    expect(text).toContain("Feedback on this turn");
    expect(text.some((t) => t.includes(XSS_TAG))).toBe(true);
    expect(text.some((t) => t.includes("quality .90 (confidence 0.70)"))).toBe(true);
  });

  it("finds the conversation of a span", async () => {
    const data = await sample();
    expected.spans.forEach((row, s) => {
      expect(data.conversationIds.get(conversationOfSpan(data, s))).toBe(row.conversation_id);
    });
  });

  it("describes conversation-level markers and row summaries", async () => {
    const data = await sample();
    const m = expected.feedback.findIndex((f) => f.level === "conversation");
    expect(markerTooltip(data, 0, m)[0].text).toBe("Conversation feedback");
    const unknown = expected.feedback.findIndex((f) => f.level === "turn" && f.turn_index === null);
    expect(markerTooltip(data, 0, unknown)[0].text).toBe("Feedback on a turn not in these spans");
    expect(rowLines(data, 0)[0].text).toBe(expected.conversations[0].conversation_id);
  });

  it("renders server text as text: markup stays inert", () => {
    const el = document.createElement("div");
    fillTooltip(el, [{ text: XSS_TAG, kind: "title" }, { text: "<script>alert(1)</script>" }]);
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("script")).toBeNull();
    expect(el.children[0].textContent).toBe(XSS_TAG);
    expect(el.children[0].className).toBe("wwm-tt-title");
    expect(el.children[1].textContent).toBe("<script>alert(1)</script>");
  });
});
