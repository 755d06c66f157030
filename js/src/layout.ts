// Row and mark geometry: scales, minimum visible width, turn gaps, feedback marker anchors.
import { FEEDBACK_LEVEL, type Scale, STATUSES, type WidthMode } from "./contract";
import type { MinimapData } from "./decode";
import { formatRating } from "./format";

/** Fixed geometry of one row, in CSS pixels. */
export const ROW = {
  height: 40,
  markerTop: 3,
  markerHeight: 13,
  trackTop: 19,
  trackHeight: 16,
  labelMax: 240,
  labelMin: 120,
  padRight: 14,
  minMark: 2,
  turnGap: 4,
} as const;

export interface Columns {
  labelWidth: number;
  trackX: number;
  trackWidth: number;
}

/** Split the canvas width into the label column and the mark track. */
export function columns(width: number): Columns {
  const labelWidth = Math.max(ROW.labelMin, Math.min(ROW.labelMax, Math.round(width * 0.28)));
  const trackX = labelWidth + 8;
  return { labelWidth, trackX, trackWidth: Math.max(20, width - trackX - ROW.padRight) };
}

/** The weight of a span of duration ``ms`` under a scale. */
export function weight(ms: number, mode: WidthMode, scale: Scale): number {
  if (mode === "uniform") return 1;
  const d = Math.max(0, ms);
  if (scale === "sqrt") return Math.sqrt(d);
  if (scale === "log") return Math.log1p(d);
  return d;
}

export interface RowLayout {
  /** Left edge and width of each span of the row (index = span position in the row). A span
   * that frames its turn spans the whole turn (its children lie over it). */
  x: Float64Array;
  w: Float64Array;
  /** 1 where the span frames its turn: drawn as a band under the turn, hit in that band only. */
  frame: Uint8Array;
  /** Left edge of each turn (by turn index), NaN when the turn has no span. */
  turnX: Float64Array;
  /** x of the dividers drawn between turns. */
  dividers: number[];
  /** Right edge of the row's last mark (the row's length under a shared time axis). */
  end: number;
}

/** Everything drawn in one row: its span marks and its feedback marker items. */
export interface RowGeometry {
  spans: RowLayout;
  markers: MarkerItem[];
}

/** Minimum visible width of a span by status code: errors and unfinished spans stay easy to
 * see even when they are short. */
export const MIN_WIDTH_BY_STATUS: readonly number[] = STATUSES.map((status) => (status === "ERROR" ? 6 : ROW.minMark));

/** Height of the band a framing (root) span is drawn in, at the bottom of the track. */
export const FRAME_BAND = 4;

/**
 * Lay out spans [start, end) in [trackX, trackX + trackWidth), turn by turn. A turn's width
 * follows its wall time: the framing span's duration when ``frames`` marks one (the root
 * ``invoke_agent``, drawn as a band under its children and taking no width of its own), else
 * its spans end to end. Inside a turn the other spans share the turn's width by weight. Every
 * drawn mark gets at least its minimum visible width (zero and sub-millisecond spans stay
 * visible; all shrunk together when the row is too narrow); turns are separated by a gap.
 */
export function layoutSpans(
  durations: ArrayLike<number>,
  turns: ArrayLike<number>,
  statuses: ArrayLike<number>,
  start: number,
  end: number,
  trackX: number,
  trackWidth: number,
  mode: WidthMode,
  scale: Scale,
  frames: ArrayLike<number> | null = null,
  maxWidth: number = trackWidth,
): RowLayout {
  const n = end - start;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const frame = new Uint8Array(n);
  let maxTurn = -1;
  for (let i = 0; i < n; i++) maxTurn = Math.max(maxTurn, turns[start + i]);
  const turnX = new Float64Array(maxTurn + 1).fill(Number.NaN);
  const dividers: number[] = [];
  if (n === 0) return { x, w, frame, turnX, dividers, end: trackX };

  // Runs of one turn: [runStart[k], runStart[k + 1]), their weight and their drawn marks.
  const runStart: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || turns[start + i] !== turns[start + i - 1]) runStart.push(i);
  runStart.push(n);
  const runs = runStart.length - 1;
  const runWeight = new Float64Array(runs);
  const runInner = new Float64Array(runs);
  let marks = 0;
  let minTotal = 0;
  for (let k = 0; k < runs; k++) {
    let summed = 0;
    let inner = 0;
    let framed = Number.NaN;
    for (let i = runStart[k]; i < runStart[k + 1]; i++) {
      const s = start + i;
      if (i === runStart[k] && frames && frames[s] && runStart[k + 1] - i > 1) {
        frame[i] = 1;
        framed = durations[s];
        continue;
      }
      marks++;
      summed += Math.max(0, durations[s]);
      inner += weight(durations[s], mode, scale);
      minTotal += MIN_WIDTH_BY_STATUS[statuses[s]] ?? ROW.minMark;
    }
    runInner[k] = inner;
    runWeight[k] = mode === "uniform" ? inner : weight(Number.isNaN(framed) ? summed : framed, mode, scale);
  }
  const total = runWeight.reduce((a, b) => a + b, 0);
  const boundaries = runs - 1;
  // A short row on a shared axis grows to fit its marks' minimum widths (up to maxWidth).
  trackWidth = Math.max(trackWidth, Math.min(maxWidth, minTotal + boundaries * ROW.turnGap + (marks - runs)));
  let turnGap: number = ROW.turnGap;
  let spanGap = trackWidth / marks >= 5 ? 1 : 0;
  let avail = trackWidth - boundaries * turnGap - (marks - runs) * spanGap;
  if (avail < marks) {
    turnGap = 1;
    spanGap = 0;
    avail = trackWidth - boundaries;
  }
  avail = Math.max(avail, 0);
  const shrink = Math.min(1, avail / minTotal);
  const spare = Math.max(0, avail - minTotal * shrink);
  let cursor = trackX;
  for (let k = 0; k < runs; k++) {
    if (k > 0) {
      dividers.push(cursor + turnGap / 2);
      cursor += turnGap;
    }
    const runSpare = total > 0 ? (spare * runWeight[k]) / total : spare / runs;
    const runLeft = cursor;
    let first = true;
    let drawn = 0;
    for (let i = runStart[k]; i < runStart[k + 1]; i++) if (!frame[i]) drawn++;
    for (let i = runStart[k]; i < runStart[k + 1]; i++) {
      if (frame[i]) continue;
      if (!first) cursor += spanGap;
      first = false;
      const d = weight(durations[start + i], mode, scale);
      const share = runInner[k] > 0 ? d / runInner[k] : 1 / drawn;
      x[i] = cursor;
      w[i] = (MIN_WIDTH_BY_STATUS[statuses[start + i]] ?? ROW.minMark) * shrink + runSpare * share;
      cursor += w[i];
    }
    const t = turns[start + runStart[k]];
    if (Number.isNaN(turnX[t])) turnX[t] = runLeft;
    if (frame[runStart[k]]) {
      x[runStart[k]] = runLeft;
      w[runStart[k]] = cursor - runLeft;
    }
  }
  return { x, w, frame, turnX, dividers, end: cursor };
}

/** How long rows are: a shared time axis gives every row the same scale (``axisMax`` is the
 * largest row weight shown, full width); ``fit`` stretches every row to the width. */
export interface RowAxis {
  mode: WidthMode;
  scale: Scale;
  shared: boolean;
  axisMax: number;
}

/** The weight of conversation ``c``'s whole row on a shared axis: its wall time under the
 * scale, or its number of drawn marks in uniform mode. */
export function rowWeight(data: MinimapData, c: number, mode: WidthMode, scale: Scale): number {
  if (mode === "uniform") {
    let marks = 0;
    for (let s = data.spanOffsets[c]; s < data.spanOffsets[c + 1]; s++) if (!data.spanFrames[s]) marks++;
    return Math.max(marks, data.spanOffsets[c + 1] > data.spanOffsets[c] ? 1 : 0);
  }
  return weight(data.wallTime[c], mode, scale);
}

/** Layout of conversation ``c`` of ``data``. */
export function layoutRow(data: MinimapData, c: number, cols: Columns, axis: RowAxis): RowLayout {
  let width = cols.trackWidth;
  if (axis.shared && axis.axisMax > 0) width = (cols.trackWidth * rowWeight(data, c, axis.mode, axis.scale)) / axis.axisMax;
  return layoutSpans(
    data.spanDuration,
    data.spanTurn,
    data.spanStatus,
    data.spanOffsets[c],
    data.spanOffsets[c + 1],
    cols.trackX,
    Math.min(cols.trackWidth, width),
    axis.mode,
    axis.scale,
    data.spanFrames,
    cols.trackWidth,
  );
}

/** The drawn mark (not a framing band) whose centre is nearest x, or -1 in an empty row. */
export function nearestSpan(layout: RowLayout, px: number): number {
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let i = 0; i < layout.x.length; i++) {
    if (layout.frame[i]) continue;
    const distance = Math.abs(layout.x[i] + layout.w[i] / 2 - px);
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

/** The framing span whose turn covers x, or -1. */
export function frameAt(layout: RowLayout, px: number): number {
  for (let i = 0; i < layout.x.length; i++) {
    if (layout.frame[i] && px >= layout.x[i] && px <= layout.x[i] + layout.w[i]) return i;
  }
  return -1;
}

/** The index of the span under x (binary search over sorted left edges), or -1. */
export function spanAt(layout: RowLayout, px: number, slop = 1): number {
  const { x, w } = layout;
  let lo = 0;
  let hi = x.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= px + slop) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (found < 0) return -1;
  if (layout.frame[found]) return -1;
  if (px <= x[found] + w[found] + slop) return found;
  return -1;
}

const EMOJI = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Regional_Indicator}|\u200d|\ufe0f|\u20e3)+$/u;
const FLAG = /\p{Regional_Indicator}{2}/u;
const KEYCAP = /[0-9#*]\ufe0f?\u20e3/u;

/** True for tags made only of emoji (drawn as the glyph): flags (two regional indicators),
 * keycaps, ZWJ sequences and skin tones included, as ``is_emoji`` in Python. */
export function isEmoji(tag: string): boolean {
  return (/\p{Extended_Pictographic}/u.test(tag) || FLAG.test(tag) || KEYCAP.test(tag)) && EMOJI.test(tag);
}

/** Characters of a text tag shown on its mark (the tooltip has the whole text). */
export const TAG_LABEL_MAX = 8;
/** Width given to each label character (10 px text); the label is squeezed if wider. */
export const TAG_CHAR_WIDTH = 6;

/** What a text tag's mark says: its first characters (at most ``max``), an ellipsis when cut. */
export function tagLabel(tag: string, max = TAG_LABEL_MAX): string {
  const chars = Array.from(tag);
  return chars.length <= max ? tag : `${chars.slice(0, max - 1).join("")}…`;
}

/** The label a tag mark of width ``w`` has room for (narrower when shortened to make room). */
export function tagLabelFor(tag: string, w: number): string {
  return tagLabel(tag, Math.max(1, Math.floor((w - 8) / TAG_CHAR_WIDTH)));
}

/** The narrowest a text tag's mark gets when it makes room: one character and the point. */
export const TAG_MIN_WIDTH = 8 + TAG_CHAR_WIDTH;

/** Width of a text tag's mark: the pointed end, then the label. */
export function tagWidth(label: string): number {
  return 8 + TAG_CHAR_WIDTH * Array.from(label).length;
}

/** ``conversation``: the bracket that opens conversation-level feedback, so it never reads as
 * feedback on the first turn, which starts at the same place. ``unplaced``: the "?" before
 * feedback on a turn whose spans are not in the data (drawn after the row's last mark). */
export type MarkerItemKind = "emoji" | "tag" | "rating" | "conversation" | "unplaced";

/** One drawn piece of a feedback marker: a tag glyph, a tag mark or a rating badge. */
export interface MarkerItem {
  kind: MarkerItemKind;
  marker: number;
  x: number;
  w: number;
  text: string;
  value: number;
  /** Items hidden after this one because they would have overlapped it. */
  hidden: number;
}

/** How far (px) an item may be pushed right to avoid overlapping its left neighbour. */
export const MAX_MARKER_SHIFT = 6;

/** Widths of marker items; a text tag's width follows its label (``tagWidth``). */
export const ITEM_WIDTH: Record<Exclude<MarkerItemKind, "tag">, number> = { emoji: 14, rating: 28, conversation: 5, unplaced: 12 };

/**
 * The marker items of conversation ``c``: pinned at their turn's first span, conversation-level
 * markers at the row start behind a bracket, markers on a turn that is not drawn after the
 * row's last mark behind a "?" (never floating at the track end, as if on some later turn).
 */
export function layoutMarkers(data: MinimapData, c: number, row: RowLayout, cols: Columns): MarkerItem[] {
  const items: MarkerItem[] = [];
  const cursors = new Map<number, number>();
  const rowEnd = cols.trackX + cols.trackWidth;
  const unplaced: MarkerItem[] = [];
  for (let m = data.feedbackOffsets[c]; m < data.feedbackOffsets[c + 1]; m++) {
    const turn = data.feedbackTurn[m];
    const pieces: MarkerItem[] = [];
    for (let k = data.feedbackTagOffsets[m]; k < data.feedbackTagOffsets[m + 1]; k++) {
      const text = data.tags.get(data.tagCodes[k]);
      const emoji = isEmoji(text);
      const w = emoji ? ITEM_WIDTH.emoji : tagWidth(tagLabel(text));
      pieces.push({ kind: emoji ? "emoji" : "tag", marker: m, x: 0, w, text, value: Number.NaN, hidden: 0 });
    }
    for (let k = data.ratingStart[m]; k < data.ratingStart[m + 1]; k++) {
      const r = data.ratingOrder[k];
      const value = data.ratingValue[r];
      pieces.push({ kind: "rating", marker: m, x: 0, w: ITEM_WIDTH.rating, text: formatRating(value), value, hidden: 0 });
    }
    if (data.feedbackLevel[m] === FEEDBACK_LEVEL.conversation && pieces.length) {
      pieces.unshift({ kind: "conversation", marker: m, x: 0, w: ITEM_WIDTH.conversation, text: "", value: Number.NaN, hidden: 0 });
    }
    const anchorX =
      data.feedbackLevel[m] === FEEDBACK_LEVEL.conversation ? cols.trackX : turn >= 0 && turn < row.turnX.length ? row.turnX[turn] : Number.NaN;
    if (Number.isNaN(anchorX)) {
      unplaced.push(...pieces);
      continue;
    }
    // Pieces that would run past the row end start further left, so they stay visible.
    const need = pieces.reduce((sum, p) => sum + p.w + 2, -2);
    let cursor = cursors.get(anchorX) ?? Math.max(cols.trackX, Math.min(anchorX, rowEnd - need));
    for (const p of pieces) {
      p.x = cursor;
      cursor += p.w + 2;
      items.push(p);
    }
    cursors.set(anchorX, cursor);
  }
  if (unplaced.length) {
    const pieces: MarkerItem[] = [
      { kind: "unplaced", marker: unplaced[0].marker, x: 0, w: ITEM_WIDTH.unplaced, text: "?", value: Number.NaN, hidden: 0 },
      ...unplaced,
    ];
    const need = pieces.reduce((sum, p) => sum + p.w + 2, -2);
    let cursor = Math.max(cols.trackX, Math.min(row.end + 6, rowEnd - need));
    for (const p of pieces) {
      p.x = cursor;
      cursor += p.w + 2;
      items.push(p);
    }
  }
  return declutter(items, rowEnd);
}

/**
 * Push items right a little to avoid overlaps; a text tag in the way first gives up label
 * characters (a tag's words matter less than a rating or a glyph after it); hide (and count
 * on the left neighbour) those that would still move too far or past ``limit``.
 */
export function declutter(items: MarkerItem[], limit = Number.POSITIVE_INFINITY): MarkerItem[] {
  const sorted = [...items].sort((a, b) => a.x - b.x);
  const placed: MarkerItem[] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const item of sorted) {
    const prev = placed[placed.length - 1];
    if (prev?.kind === "tag" && end + 1 - item.x > MAX_MARKER_SHIFT) {
      const room = item.x + MAX_MARKER_SHIFT - 1 - prev.x;
      if (room >= TAG_MIN_WIDTH) {
        prev.w = Math.min(prev.w, room);
        end = prev.x + prev.w;
      }
    }
    const x = Math.max(item.x, end + 1);
    if (x - item.x > MAX_MARKER_SHIFT || x + item.w > limit + 0.5) {
      if (placed.length) placed[placed.length - 1].hidden++;
      continue;
    }
    item.x = x;
    placed.push(item);
    end = item.x + item.w;
  }
  return placed;
}
