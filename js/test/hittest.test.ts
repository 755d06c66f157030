import { describe, expect, it } from "vitest";
import { hitTest } from "../src/hittest";
import { columns, FRAME_BAND, layoutMarkers, layoutRow, ROW } from "../src/layout";
import { sample } from "./helpers";

describe("hitTest", async () => {
  const data = await sample();
  const cols = columns(900);
  const rows = [0, 1, 2, 3];
  const geometry = (row: number) => {
    const spans = layoutRow(data, rows[row], cols, { mode: "duration", scale: "sqrt", shared: false, axisMax: 0 });
    return { spans, markers: layoutMarkers(data, rows[row], spans, cols) };
  };
  const at = (x: number, y: number, scrollTop = 0) => hitTest(x, y, scrollTop, rows.length, cols, geometry);

  it("finds every span at its centre, in any row and scroll position", () => {
    for (const row of [0, 1, 2]) {
      const g = geometry(row);
      for (let i = 0; i < g.spans.x.length; i++) {
        // Marks in the upper track, a turn's framing root span in the band under it.
        const y = row * ROW.height + ROW.trackTop + (g.spans.frame[i] ? ROW.trackHeight - FRAME_BAND / 2 : (ROW.trackHeight - FRAME_BAND) / 2);
        expect(at(g.spans.x[i] + g.spans.w[i] / 2, y)).toEqual({ kind: "span", row, span: i });
        expect(at(g.spans.x[i] + g.spans.w[i] / 2, y - 30, 30)).toEqual({ kind: "span", row, span: i });
      }
    }
  });

  it("has framing spans to find in the sample", () => {
    expect([0, 1, 2].some((row) => geometry(row).spans.frame.some((f) => f === 1))).toBe(true);
  });

  it("finds feedback markers in the marker lane", () => {
    const g = geometry(0);
    const item = g.markers[0];
    const hit = at(item.x + item.w / 2, ROW.markerTop + ROW.markerHeight / 2);
    expect(hit.kind).toBe("marker");
    if (hit.kind === "marker") expect(hit.item).toEqual(item);
  });

  it("reports labels, empty row space and misses", () => {
    expect(at(10, 5)).toEqual({ kind: "label", row: 0 });
    expect(at(cols.trackX + 5, ROW.height - 1)).toEqual({ kind: "row", row: 0 });
    expect(at(cols.trackX + 5, rows.length * ROW.height + 3)).toEqual({ kind: "none" });
    expect(at(-1, 5)).toEqual({ kind: "none" });
  });
});
