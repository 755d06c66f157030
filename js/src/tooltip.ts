// Tooltip text. Server strings only ever reach the page through textContent, never HTML.
import { FEEDBACK_LEVEL, type FeedbackType } from "./contract";
import type { MinimapData } from "./decode";
import { el } from "./dom";
import { formatConfidence, formatDuration, formatRating, plural } from "./format";

export interface Line {
  text: string;
  kind?: "title" | "muted" | "error" | "section" | "warning";
}

const TYPE_LABEL: Record<FeedbackType, string> = {
  "wandb.agent_user_feedback": "user",
  "wandb.agent_monitor": "monitor",
};

/** Statuses in words: UNSET is how OTel marks a span that did not fail. */
const STATUS_WORDS: Record<string, string> = { UNSET: "UNSET (no error)", OK: "OK", ERROR: "ERROR" };

/** Longest reason shown in a tooltip (the full text stays in data.ratings). */
export const REASON_MAX = 160;

/** ``text`` cut to ``max`` characters (whole code points) with an ellipsis. */
export function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** The conversation index that contains span ``s`` (binary search over span offsets). */
export function conversationOfSpan(data: MinimapData, s: number): number {
  let lo = 0;
  let hi = data.nConversations - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (data.spanOffsets[mid] <= s) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** One line describing feedback marker ``m`` (its kind, tags and ratings). */
export function markerLines(data: MinimapData, m: number): Line[] {
  const type = data.feedbackTypes[data.feedbackType[m]];
  const tags: string[] = [];
  for (let k = data.feedbackTagOffsets[m]; k < data.feedbackTagOffsets[m + 1]; k++) {
    tags.push(data.tags.get(data.tagCodes[k]));
  }
  const lines: Line[] = [{ text: `${TYPE_LABEL[type as FeedbackType] ?? type}: ${tags.length ? tags.join(", ") : "(no tags)"}` }];
  for (let k = data.ratingStart[m]; k < data.ratingStart[m + 1]; k++) {
    const r = data.ratingOrder[k];
    let text = `  ${data.ratingNames.get(data.ratingName[r])} ${formatRating(data.ratingValue[r])}`;
    const confidence = data.ratingConfidence[r];
    if (Number.isFinite(confidence)) text += ` (confidence ${formatConfidence(confidence)})`;
    const reason = data.ratingReason[r];
    if (reason !== data.ratingReasonNone) text += ` — ${shorten(data.reasons.get(reason), REASON_MAX)}`;
    lines.push({ text, kind: "muted" });
  }
  return lines;
}

/** Lines for the feedback pinned to turn ``turn`` of conversation ``c``. */
export function turnFeedbackLines(data: MinimapData, c: number, turn: number): Line[] {
  const lines: Line[] = [];
  for (let m = data.feedbackOffsets[c]; m < data.feedbackOffsets[c + 1]; m++) {
    if (data.feedbackLevel[m] === FEEDBACK_LEVEL.turn && data.feedbackTurn[m] === turn) lines.push(...markerLines(data, m));
  }
  return lines.length ? [{ text: "Feedback on this turn", kind: "section" }, ...lines] : [];
}

/** Tooltip of span ``s``: operation, category, status, duration, turn, ids and turn feedback. */
export function spanLines(data: MinimapData, s: number): Line[] {
  const c = conversationOfSpan(data, s);
  const status = data.palette.statuses[data.spanStatus[s]];
  const turn = data.spanTurn[s];
  return [
    { text: data.operations.get(data.spanOperation[s]), kind: "title" },
    { text: `${data.palette.categories[data.spanCategory[s]]} · ${STATUS_WORDS[status] ?? status}`, kind: status === "ERROR" ? "error" : undefined },
    { text: `duration ${formatDuration(data.spanDuration[s])}` },
    ...(data.spanFrames[s] ? [{ text: "root of its turn: the band under the turn (its duration is the turn's wall time)" }] : []),
    { text: `turn ${turn + 1} of ${data.nTurns[c]} · span ${s - data.spanOffsets[c] + 1} of ${data.spanOffsets[c + 1] - data.spanOffsets[c]}` },
    { text: `span ${data.spanId.get(s)}`, kind: "muted" },
    { text: `trace ${data.traces.get(data.spanTrace[s])}`, kind: "muted" },
    { text: `conversation ${data.conversationIds.get(c)}`, kind: "muted" },
    ...turnFeedbackLines(data, c, turn),
  ];
}

/** Tooltip of a feedback marker: where it is pinned and what it says. */
export function markerTooltip(data: MinimapData, c: number, m: number, hidden = 0): Line[] {
  const turn = data.feedbackTurn[m];
  const where =
    data.feedbackLevel[m] === FEEDBACK_LEVEL.conversation
      ? "Conversation feedback"
      : turn >= 0
        ? `Feedback on turn ${turn + 1}`
        : "Feedback on a turn not in these spans";
  const lines: Line[] = [{ text: where, kind: "title" }, ...markerLines(data, m)];
  if (hidden) lines.push({ text: `+${plural(hidden, "more marker")} nearby: hover the spans for each turn's feedback`, kind: "muted" });
  lines.push({ text: `conversation ${data.conversationIds.get(c)}`, kind: "muted" });
  return lines;
}

/** Tooltip of a row label: the conversation's summary. */
export function rowLines(data: MinimapData, c: number): Line[] {
  const spans = data.spanOffsets[c + 1] - data.spanOffsets[c];
  const lines: Line[] = [
    { text: data.conversationIds.get(c), kind: "title" },
    { text: `${plural(spans, "span")} · ${plural(data.nTurns[c], "turn")} · ${formatDuration(data.wallTime[c])} wall time` },
  ];
  if (data.nErrors[c]) lines.push({ text: plural(data.nErrors[c], "error span"), kind: "error" });
  const feedback = data.feedbackOffsets[c + 1] - data.feedbackOffsets[c];
  if (feedback) lines.push({ text: plural(feedback, "feedback marker") });
  if (Number.isFinite(data.meanRating[c])) lines.push({ text: `mean rating ${formatRating(data.meanRating[c])}` });
  if (data.atSpanCap[c]) lines.push({ text: "older spans dropped by the server (span cap reached)", kind: "warning" });
  return lines;
}

/** Replace the children of ``box`` with one text-only div per line. */
export function fillTooltip(box: HTMLElement, lines: Line[]): void {
  const doc = box.ownerDocument;
  box.replaceChildren(...lines.map((line) => el(doc, "div", line.kind ? `wwm-tt-${line.kind}` : "wwm-tt-line", line.text)));
}
