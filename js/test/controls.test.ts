import { describe, expect, it } from "vitest";
import { keyShortText, keyText, summaryText } from "../src/controls";
import { sample } from "./helpers";

describe("compact chrome texts", () => {
  it("shortens the count by width, keeping 'N of M' first", async () => {
    const data = await sample();
    const n = data.nConversations;
    const texts = summaryText(data, 3, 40, false);
    expect(texts.full).toBe(`3 of ${n} conversations · 40 spans`);
    expect(texts.short).toBe(`3 of ${n} · 40 spans`);
    expect(texts.narrow).toBe(`3 of ${n}`);
    expect(summaryText(data, 3, 40, true).short).toBe(`3 of ${n} · 40 spans match`);
  });

  it("says what width means in a few words, with the same full width as the sentence", () => {
    const shared = { width_mode: "duration", time_axis: "shared", scale: "sqrt", align: "none" } as const;
    expect(keyShortText(shared, 57_400)).toBe("Width: wall time (sqrt), full width = 57.4 s");
    expect(keyText(shared, 57_400)).toContain("full width = 57.4 s");
    expect(keyShortText({ ...shared, time_axis: "fit", scale: "linear" }, 57_400)).toBe("Width: wall time, rows fit the width");
    expect(keyShortText({ ...shared, width_mode: "uniform" }, 0)).toBe("Width: one slot per span, same in every row");
    expect(keyShortText({ ...shared, align: "turn" }, 57_400)).toBe("Aligned by turn: column k = turn k; wall time within it");
  });
});
