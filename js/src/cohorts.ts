// Cohorts: the visible rows split into labelled, collapsible groups (the `groups` trait, from
// `ConversationMinimap(data, group_by=...)`), each with its own summary. A group's header takes a
// row of its own: in the row list it is the number nConversations + group code.
import type { MinimapData } from "./decode";

/** The `groups` trait: group labels and each conversation's group code (index into labels). */
export interface Groups {
  labels?: string[];
  codes?: number[];
}

/** What a group header shows, over the group's rows that pass the filters. */
export interface GroupSummary {
  label: string;
  collapsed: boolean;
  count: number;
  /** Share of its conversations with an ERROR span. */
  errorRate: number;
  /** Median summed span duration (ms), NaN when empty. */
  medianMs: number;
  /** Mean of its conversations' mean ratings, NaN when none is rated. */
  meanRating: number;
}

/** Whether ``groups`` holds a grouping of ``data``'s conversations. */
export function hasGroups(data: MinimapData, groups: Groups): boolean {
  return !!groups.labels?.length && groups.codes?.length === data.nConversations;
}

/** True when visible row entry ``c`` is a group header, not a conversation. */
export function isHeader(data: MinimapData, c: number): boolean {
  return c >= data.nConversations;
}

function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/** Split ``rows`` (already filtered and sorted) into groups in label order, keeping the sort within
 * each group; a header row leads each non-empty group, and a collapsed group shows only its header. */
export function groupRows(
  data: MinimapData,
  rows: Uint32Array,
  groups: Groups,
  collapsed: readonly string[],
): { rows: Uint32Array; summaries: GroupSummary[] } {
  const labels = groups.labels ?? [];
  const codes = groups.codes ?? [];
  const members: number[][] = labels.map(() => []);
  for (const c of rows) {
    const g = codes[c];
    if (g >= 0 && g < labels.length) members[g].push(c);
  }
  const closed = new Set(collapsed);
  const out: number[] = [];
  const summaries = labels.map((label, g): GroupSummary => {
    const list = members[g];
    let errors = 0;
    let rated = 0;
    let ratingSum = 0;
    const durations: number[] = [];
    for (const c of list) {
      if (data.nErrors[c] > 0) errors++;
      durations.push(data.totalDuration[c]);
      const r = data.meanRating[c];
      if (Number.isFinite(r)) {
        rated++;
        ratingSum += r;
      }
    }
    if (list.length) {
      out.push(data.nConversations + g);
      if (!closed.has(label)) out.push(...list);
    }
    return {
      label,
      collapsed: closed.has(label),
      count: list.length,
      errorRate: list.length ? errors / list.length : 0,
      medianMs: median(durations),
      meanRating: rated ? ratingSum / rated : Number.NaN,
    };
  });
  return { rows: Uint32Array.from(out), summaries };
}

/** The number of conversation rows (not headers) among ``rows``. */
export function conversationCount(data: MinimapData, rows: Uint32Array): number {
  let n = 0;
  for (const c of rows) if (c < data.nConversations) n++;
  return n;
}
