// Automation hooks (root.weaveMinimap): where a span or a feedback marker is drawn, for tests and tools.
import type { MinimapData } from "./decode";
import { FRAME_BAND, ROW, type RowGeometry } from "./layout";
import { conversationIndex } from "./sync";

/** What the hooks read in the view. */
export interface HookHost {
  readonly data: MinimapData | null;
  readonly rows: Uint32Array;
  readonly scroll: HTMLElement;
  geometry(row: number): RowGeometry;
  reveal(row: number): void;
  /** The label texts of visible row ``row`` as drawn: the id and the second line. */
  labelOf(row: number): { id: string; detail: string };
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The hooks; rectangles are in CSS px relative to the canvas, after scrolling the row into view. */
export interface AutomationHooks {
  /** The visible row of a conversation, or -1. */
  rowOf(conversationId: string): number;
  spanRect(conversationId: string, spanIndex: number): Rect | null;
  markerRects(conversationId: string): (Rect & { kind: string; text: string; value: number })[];
  /** x of the turn dividers of a conversation's row, and whether each span frames its turn. */
  rowShape(conversationId: string): { dividers: number[]; frames: number[] } | null;
  /** The row label as drawn (cut to the label column), or null when the row is not shown. */
  rowLabel(conversationId: string): { id: string; detail: string } | null;
}

export function automationHooks(host: HookHost): AutomationHooks {
  const rowOf = (conversationId: string): number => host.rows.indexOf(conversationIndex(host.data, conversationId));
  const rect = (row: number, x: number, w: number, top: number, height: number): Rect => ({
    x,
    y: row * ROW.height - host.scroll.scrollTop + top,
    w,
    h: height,
  });
  return {
    rowOf,
    spanRect: (conversationId, spanIndex) => {
      const row = rowOf(conversationId);
      if (row < 0) return null;
      host.reveal(row);
      const g = host.geometry(row);
      // What is drawn: a turn's framing root span as the band under the turn, others above it.
      const markH = ROW.trackHeight - FRAME_BAND - 1;
      return g.spans.frame[spanIndex]
        ? rect(row, g.spans.x[spanIndex], g.spans.w[spanIndex], ROW.trackTop + markH + 1, FRAME_BAND)
        : rect(row, g.spans.x[spanIndex], g.spans.w[spanIndex], ROW.trackTop, markH);
    },
    rowShape: (conversationId) => {
      const row = rowOf(conversationId);
      if (row < 0) return null;
      host.reveal(row);
      const g = host.geometry(row);
      return { dividers: [...g.spans.dividers], frames: Array.from(g.spans.frame) };
    },
    rowLabel: (conversationId) => {
      const row = rowOf(conversationId);
      return row < 0 ? null : host.labelOf(row);
    },
    markerRects: (conversationId) => {
      const row = rowOf(conversationId);
      if (row < 0) return [];
      host.reveal(row);
      return host.geometry(row).markers.map((m) => ({
        ...rect(row, m.x, m.w, ROW.markerTop, ROW.markerHeight),
        kind: m.kind,
        text: m.text,
        value: m.value,
      }));
    },
  };
}

/** Expose the hooks as ``root.weaveMinimap``. */
export function installAutomationHooks(root: HTMLElement, host: HookHost): void {
  Object.assign(root, { weaveMinimap: automationHooks(host) });
}
