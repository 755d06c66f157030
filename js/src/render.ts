// Canvas drawing of the visible rows.
import { type ColorBy, STATUS_CODE } from "./contract";
import type { MinimapData } from "./decode";
import { formatCount, formatDuration, plural } from "./format";
import type { GroupSummary } from "./cohorts";
import { type Columns, FRAME_BAND, type MarkerItem, ROW, type RowGeometry, type RowLayout, tagLabelFor } from "./layout";
import { spanMatches } from "./rows";
import { type Theme, ratingColor } from "./theme";

export interface Frame {
  data: MinimapData;
  rows: Uint32Array;
  theme: Theme;
  cols: Columns;
  width: number;
  height: number;
  scrollTop: number;
  dpr: number;
  colorBy: ColorBy;
  statusMask: number;
  categoryMask: number;
  hoverRow: number;
  focus: { row: number; span: number } | null;
  /** Selected span as (conversation index, span position in the row), or null. */
  selected: { conversation: number; span: number } | null;
  /** 1 per conversation picked by its row label (multi-selection), or null. */
  picked?: Uint8Array | null;
  /** 1 per span lit up by a linked view, or null. */
  lit?: Uint8Array | null;
  /** The cohort summary when visible row ``row`` is a group header, else null. */
  group?: (row: number) => GroupSummary | null;
  geometry: (row: number) => RowGeometry;
}

const { ERROR } = STATUS_CODE;

/** The fill colour of span ``s``. */
export function spanColor(data: MinimapData, s: number, colorBy: ColorBy): string {
  const status = data.spanStatus[s];
  if (status === ERROR || colorBy === "status") return data.palette.statusColors[status];
  return data.palette.categoryColors[data.spanCategory[s]];
}

/** Snap a CSS-pixel rectangle to whole device pixels. */
function snap(v: number, dpr: number): number {
  return Math.round(v * dpr) / dpr;
}

function fitText(ctx: Pick<CanvasRenderingContext2D, "measureText">, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** ``text`` cut in the middle to fit: ids keep their unique ending (``1a5b41…e2c1``). */
export function fitMiddle(ctx: Pick<CanvasRenderingContext2D, "measureText">, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  const chars = Array.from(text);
  let keep = chars.length - 1;
  while (keep > 2) {
    const tail = Math.min(8, Math.floor(keep / 2));
    const candidate = `${chars.slice(0, keep - tail).join("")}…${chars.slice(chars.length - tail).join("")}`;
    if (ctx.measureText(candidate).width <= maxWidth) return candidate;
    keep--;
  }
  return `${chars[0] ?? ""}…`;
}

/** Where row labels start, in CSS px from the left edge. */
const LABEL_X = 12;

/** The room a row label has in columns ``cols``. */
export function labelRoom(cols: Columns): number {
  return cols.labelWidth - LABEL_X - 4;
}

/** A row label's second line as pieces to draw (``error`` pieces in the error colour). */
export interface LabelPiece {
  text: string;
  kind: "muted" | "error";
}

/** The texts of conversation ``c``'s label cut to ``maxWidth``: the id keeps its unique ending,
 * and the second line gives up span and turn counts before the error count and the wall time
 * (the row's tooltip has them all). Sets ``ctx.font`` to measure, as ``drawLabel`` draws. */
export function labelTexts(
  ctx: Pick<CanvasRenderingContext2D, "measureText" | "font">,
  data: MinimapData,
  c: number,
  maxWidth: number,
  font: string,
): { id: string; detail: LabelPiece[] } {
  ctx.font = `600 12px ${font}`;
  const id = fitMiddle(ctx, data.conversationIds.get(c), maxWidth);
  ctx.font = `11px ${font}`;
  const spans = data.spanOffsets[c + 1] - data.spanOffsets[c];
  const tail: LabelPiece[] = [];
  if (data.nErrors[c]) tail.push({ text: `${formatCount(data.nErrors[c])} err`, kind: "error" });
  if (spans) tail.push({ text: formatDuration(data.wallTime[c]), kind: "muted" });
  const spanCount = data.atSpanCap[c] ? `${formatCount(spans)}+ spans` : plural(spans, "span");
  const turns = plural(data.nTurns[c], "turn");
  const join = (lead: string[]): LabelPiece[] => {
    const pieces = [...lead.map((text): LabelPiece => ({ text, kind: "muted" })), ...tail];
    return pieces.map((piece, i) => (i ? { ...piece, text: ` · ${piece.text}` } : piece));
  };
  const width = (pieces: LabelPiece[]): number => ctx.measureText(pieces.map((p) => p.text).join("")).width;
  const choices = [join([spanCount, turns]), join([turns]), join([])].filter((pieces) => pieces.length);
  const fits = choices.find((pieces) => width(pieces) <= maxWidth);
  if (fits) return { id, detail: fits };
  // Nothing fits whole: the shortest choice, cut where it overflows.
  const detail: LabelPiece[] = [];
  let used = 0;
  for (const piece of choices[choices.length - 1]) {
    const text = fitText(ctx, piece.text, maxWidth - used);
    detail.push({ ...piece, text });
    used += ctx.measureText(text).width;
    if (text !== piece.text) break;
  }
  return { id, detail };
}

function drawLabel(ctx: CanvasRenderingContext2D, f: Frame, c: number, y: number): void {
  const { data, theme, cols } = f;
  const { id, detail } = labelTexts(ctx, data, c, labelRoom(cols), theme.font);
  ctx.textBaseline = "alphabetic";
  ctx.font = `600 12px ${theme.font}`;
  ctx.fillStyle = theme.foreground;
  ctx.fillText(id, LABEL_X, y + 16);
  ctx.font = `11px ${theme.font}`;
  let cursor = LABEL_X;
  for (const piece of detail) {
    ctx.fillStyle = piece.kind === "error" ? data.palette.statusColors[ERROR] : theme.muted;
    ctx.fillText(piece.text, cursor, y + 31);
    cursor += ctx.measureText(piece.text).width;
  }
}

function hatch(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, color: string): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  for (let k = x - h; k < x + w; k += 5) {
    ctx.moveTo(k, y + h);
    ctx.lineTo(k + h, y);
  }
  ctx.stroke();
  ctx.restore();
}

function drawSpans(ctx: CanvasRenderingContext2D, f: Frame, c: number, y: number, layout: RowLayout): void {
  const { data, theme, dpr } = f;
  const start = data.spanOffsets[c];
  const top = y + ROW.trackTop;
  // Marks sit above the band where a turn's framing root span is drawn.
  const h = ROW.trackHeight - FRAME_BAND - 1;
  ctx.strokeStyle = theme.turnDivider;
  ctx.lineWidth = 1;
  for (const dx of layout.dividers) {
    const lx = Math.floor(dx * dpr) / dpr + 0.5 / dpr;
    ctx.beginPath();
    ctx.moveTo(lx, y + ROW.markerTop + ROW.markerHeight + 1);
    ctx.lineTo(lx, top + h + 2);
    ctx.stroke();
  }
  for (let i = 0; i < layout.x.length; i++) {
    const s = start + i;
    const x0 = snap(layout.x[i], dpr);
    const x1 = Math.max(snap(layout.x[i] + layout.w[i], dpr), x0 + 1 / dpr);
    const w = x1 - x0;
    const dim = !spanMatches(data, s, f.statusMask, f.categoryMask);
    ctx.globalAlpha = dim ? 0.18 : 1;
    const color = spanColor(data, s, f.colorBy);
    const status = data.spanStatus[s];
    if (layout.frame[i]) {
      // The turn's root span: a band under the whole turn (it frames its children).
      ctx.fillStyle = color;
      ctx.fillRect(x0, top + h + 1, w, FRAME_BAND);
      if (status === ERROR) {
        ctx.fillStyle = theme.errorOutline;
        for (let k = x0; k < x1; k += 6) ctx.fillRect(k, top + h + 1, 3, FRAME_BAND);
      }
      continue;
    }
    // UNSET is OTel's status of every span that did not fail, so it is drawn filled like OK.
    ctx.fillStyle = color;
    ctx.fillRect(x0, top, w, h);
    if (status === ERROR) {
      if (w > 6) hatch(ctx, x0 + 2, top + 2, w - 4, h - 4, theme.hatch);
      ctx.strokeStyle = theme.errorOutline;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + 1, top + 1, Math.max(w - 2, 0), h - 2);
      // A notch above the mark keeps errors visible even when the mark is 1-2 px wide.
      ctx.fillStyle = data.palette.statusColors[ERROR];
      ctx.fillRect(x0, top - 3, Math.max(w, 2), 2);
    }
  }
  ctx.globalAlpha = 1;
}

function drawMarkers(ctx: CanvasRenderingContext2D, f: Frame, y: number, items: MarkerItem[]): void {
  const { theme } = f;
  const top = y + ROW.markerTop;
  const h = ROW.markerHeight;
  for (const item of items) {
    if (item.kind === "conversation") {
      // A bracket: what follows is about the whole conversation, not its first turn.
      ctx.strokeStyle = theme.muted;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(item.x + 4, top + 0.75);
      ctx.lineTo(item.x + 1, top + 0.75);
      ctx.lineTo(item.x + 1, top + h - 0.75);
      ctx.lineTo(item.x + 4, top + h - 0.75);
      ctx.stroke();
    } else if (item.kind === "emoji") {
      ctx.font = `12px "Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji",${theme.font}`;
      ctx.textBaseline = "middle";
      ctx.fillStyle = theme.foreground;
      ctx.fillText(item.text, item.x, top + h / 2 + 1, item.w);
    } else if (item.kind === "tag") {
      // A price-tag shape (pointed left end) holding the tag's first letters, so two
      // different tags look different; the tooltip has the whole text.
      ctx.fillStyle = theme.tagFill;
      ctx.beginPath();
      ctx.moveTo(item.x, top + h / 2);
      ctx.lineTo(item.x + 4, top + 0.5);
      ctx.lineTo(item.x + item.w, top + 0.5);
      ctx.lineTo(item.x + item.w, top + h - 0.5);
      ctx.lineTo(item.x + 4, top + h - 0.5);
      ctx.closePath();
      ctx.fill();
      ctx.fillStyle = theme.background;
      ctx.font = `9.5px ${theme.font}`;
      ctx.textBaseline = "middle";
      ctx.fillText(tagLabelFor(item.text, item.w), item.x + 5, top + h / 2 + 0.5, item.w - 6);
    } else if (item.kind === "unplaced") {
      // "?": the feedback after it is on a turn whose spans are not in the data.
      ctx.strokeStyle = theme.muted;
      ctx.lineWidth = 1;
      ctx.strokeRect(item.x + 0.5, top + 0.5, item.w - 1, h - 1);
      ctx.fillStyle = theme.foreground;
      ctx.font = `700 11px ${theme.font}`;
      ctx.textBaseline = "middle";
      ctx.textAlign = "center";
      ctx.fillText("?", item.x + item.w / 2, top + h / 2 + 0.5);
      ctx.textAlign = "left";
    } else {
      ctx.fillStyle = ratingColor(item.value, theme.name === "dark");
      ctx.beginPath();
      ctx.roundRect(item.x, top, item.w, h, 3);
      ctx.fill();
      ctx.fillStyle = theme.badgeText;
      ctx.font = `700 11px ${theme.font}`;
      ctx.textBaseline = "middle";
      ctx.textAlign = "center";
      ctx.fillText(item.text, item.x + item.w / 2, top + h / 2 + 0.5);
      ctx.textAlign = "left";
    }
  }
}

function drawCapHint(ctx: CanvasRenderingContext2D, f: Frame, y: number): void {
  // A torn left edge: older spans exist but were dropped by the server's span cap.
  const x = f.cols.trackX - 6;
  const top = y + ROW.trackTop;
  ctx.strokeStyle = f.theme.warning;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let k = 0; k <= 4; k++) ctx.lineTo(x + (k % 2 ? 3 : 0), top + (k * ROW.trackHeight) / 4);
  ctx.stroke();
}

function ring(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, color: string, dashed: boolean): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash(dashed ? [3, 2] : []);
  ctx.strokeRect(x - 2, y - 2, w + 4, h + 4);
  ctx.setLineDash([]);
}

/** Mark the spans of conversation ``c`` that a linked view lights up: an accent bar under each, and a ring. */
function drawLit(ctx: CanvasRenderingContext2D, f: Frame, c: number, top: number, layout: RowLayout): void {
  const lit = f.lit as Uint8Array;
  const start = f.data.spanOffsets[c];
  ctx.fillStyle = f.theme.accent;
  for (let i = 0; i < layout.x.length; i++) {
    if (!lit[start + i]) continue;
    ctx.fillRect(layout.x[i], top + ROW.trackHeight + 2, Math.max(2, layout.w[i]), 3);
    ring(ctx, layout.x[i], top, Math.max(1, layout.w[i]), ROW.trackHeight, f.theme.accent, false);
  }
}

/** Room kept for a header's summary when its label is long, CSS px. */
const HEADER_SUMMARY_MIN = 140;

/** A cohort's header row: fold triangle, label, and its summary (count, error rate, median
 * duration, mean rating). The label takes the width it needs (cohort labels such as several
 * agents' names are long), the summary follows it, in the track column when the label fits the
 * label column so that the summaries line up. */
function drawGroupHeader(ctx: CanvasRenderingContext2D, f: Frame, g: GroupSummary, y: number): void {
  const { theme, width } = f;
  ctx.fillStyle = theme.groupHeader;
  ctx.fillRect(0, y, width, ROW.height);
  ctx.fillStyle = theme.divider;
  ctx.fillRect(0, y + ROW.height - 1, width, 1);
  ctx.fillStyle = theme.foreground;
  ctx.beginPath();
  if (g.collapsed) {
    ctx.moveTo(12, y + 14);
    ctx.lineTo(20, y + 20);
    ctx.lineTo(12, y + 26);
  } else {
    ctx.moveTo(10, y + 16);
    ctx.lineTo(22, y + 16);
    ctx.lineTo(16, y + 24);
  }
  ctx.fill();
  ctx.font = `700 13px ${theme.font}`;
  ctx.textBaseline = "middle";
  const label = fitText(ctx, g.label, Math.max(f.cols.labelWidth - 34, width - 30 - HEADER_SUMMARY_MIN));
  ctx.fillText(label, 30, y + ROW.height / 2);
  const labelEnd = 30 + ctx.measureText(label).width;
  const rating = Number.isFinite(g.meanRating) ? ` · mean rating ${g.meanRating.toFixed(2)}` : "";
  const median = Number.isFinite(g.medianMs) ? ` · median ${formatDuration(g.medianMs)}` : "";
  const text = `${plural(g.count, "conversation")} · ${Math.round(100 * g.errorRate)}% with errors${median}${rating}`;
  const x = Math.max(f.cols.trackX, labelEnd + 16);
  ctx.font = `12px ${theme.font}`;
  ctx.fillStyle = g.errorRate > 0 ? theme.foreground : theme.muted;
  ctx.fillText(fitText(ctx, text, width - x - 8), x, y + ROW.height / 2);
}

/** Draw the rows visible in the frame's viewport. */
export function draw(ctx: CanvasRenderingContext2D, f: Frame): void {
  const { theme, width, height, scrollTop, dpr, data, rows } = f;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  const first = Math.max(0, Math.floor(scrollTop / ROW.height));
  const last = Math.min(rows.length - 1, Math.floor((scrollTop + height) / ROW.height));
  for (let r = first; r <= last; r++) {
    const c = rows[r];
    const y = r * ROW.height - scrollTop;
    const group = f.group?.(r);
    if (group) {
      drawGroupHeader(ctx, f, group, y);
      continue;
    }
    const isSelectedRow = f.selected?.conversation === c;
    const isPicked = f.picked?.[c] === 1;
    const background = isSelectedRow || isPicked ? theme.rowSelected : r === f.hoverRow ? theme.rowHover : r % 2 ? theme.rowAlt : "";
    if (background) {
      ctx.fillStyle = background;
      ctx.fillRect(0, y, width, ROW.height);
    }
    const geometry = f.geometry(r);
    drawLabel(ctx, f, c, y);
    if (data.atSpanCap[c]) drawCapHint(ctx, f, y);
    drawSpans(ctx, f, c, y, geometry.spans);
    drawMarkers(ctx, f, y, geometry.markers);
    const top = y + ROW.trackTop;
    if (isPicked) {
      ctx.fillStyle = theme.accent;
      ctx.fillRect(0, y + 2, 4, ROW.height - 4);
    }
    if (f.lit) drawLit(ctx, f, c, top, geometry.spans);
    // A framing span's ring goes round its band; any other span's round its mark.
    const markH = ROW.trackHeight - FRAME_BAND - 1;
    const ringTop = (i: number): number => (geometry.spans.frame[i] ? top + markH + 1 : top);
    const ringH = (i: number): number => (geometry.spans.frame[i] ? FRAME_BAND : markH);
    if (isSelectedRow && f.selected && f.selected.span >= 0) {
      const i = f.selected.span;
      ring(ctx, geometry.spans.x[i], ringTop(i), geometry.spans.w[i], ringH(i), theme.foreground, false);
    }
    if (f.focus?.row === r && f.focus.span >= 0) {
      const i = f.focus.span;
      ring(ctx, geometry.spans.x[i] - 1, ringTop(i) - 1, geometry.spans.w[i] + 2, ringH(i) + 2, theme.accent, true);
    }
  }
  if (rows.length === 0) {
    ctx.fillStyle = theme.muted;
    ctx.font = `13px ${theme.font}`;
    ctx.textBaseline = "middle";
    ctx.fillText(data.nConversations ? "No conversation matches the filters." : "No conversations.", 16, 20);
  }
}
