// The widget's layout places the same marks as the Python layout the PNG/SVG export draws
// (js/test/fixtures/layout.json, written by tests/minimap/js_fixture.py from the same data).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Scale, WidthMode } from "../src/contract";
import { columns, isEmoji, layoutMarkers, layoutRow, rowWeight } from "../src/layout";
import { sample } from "./helpers";

interface Case {
  options: { width_mode: WidthMode; scale: Scale; time_axis: "shared" | "fit" };
  width: number;
  rows: Record<string, { spans: [number, number, number][]; markers: [string, number, number, string][] }>;
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "layout.json"), "utf-8")) as {
  cases: Case[];
  emoji: Record<string, boolean>;
};

describe("layout parity with the Python export", () => {
  it.each(fixture.cases.map((c) => [`${c.options.width_mode}/${c.options.scale}/${c.options.time_axis} at ${c.width} px`, c] as const))(
    "places every span mark and marker item within a pixel: %s",
    async (_name, kase) => {
      const data = await sample();
      const cols = columns(kase.width);
      const { width_mode: mode, scale, time_axis } = kase.options;
      let axisMax = 0;
      for (let c = 0; c < data.nConversations; c++) axisMax = Math.max(axisMax, rowWeight(data, c, mode, scale));
      const axis = { mode, scale, shared: time_axis === "shared", axisMax };
      expect(Object.keys(kase.rows).length).toBe(data.nConversations);
      for (let c = 0; c < data.nConversations; c++) {
        const want = kase.rows[data.conversationIds.get(c)];
        const row = layoutRow(data, c, cols, axis);
        const spans: [number, number, number][] = [];
        for (let i = 0; i < row.x.length; i++) if (!row.frame[i]) spans.push([i, row.x[i], row.w[i]]);
        expect(spans.map((s) => s[0])).toEqual(want.spans.map((s) => s[0]));
        spans.forEach(([, x, w], k) => {
          expect(Math.abs(x - want.spans[k][1])).toBeLessThan(1);
          expect(Math.abs(w - want.spans[k][2])).toBeLessThan(1);
        });
        const items = layoutMarkers(data, c, row, cols);
        expect(items.map((i) => [i.kind, i.text])).toEqual(want.markers.map((m) => [m[0], m[3]]));
        items.forEach((item, k) => {
          expect(Math.abs(item.x - want.markers[k][1])).toBeLessThan(1);
          expect(Math.abs(item.w - want.markers[k][2])).toBeLessThan(1);
        });
      }
    },
  );
  it("classes the same tags as emoji", () => {
    for (const [tag, emoji] of Object.entries(fixture.emoji)) expect([tag, isEmoji(tag)]).toEqual([tag, emoji]);
  });
});
