// Sorting and filtering of conversation rows, on typed arrays.
import type { SortKey } from "./contract";
import type { MinimapData } from "./decode";

export interface RowOptions {
  sortBy: SortKey;
  descending: boolean;
  filterStatus: readonly string[];
  filterCategory: readonly string[];
  filterHasFeedback: boolean;
}

/** Bit mask of the names in ``wanted`` (by position in ``names``); 0 means "no filter". */
export function maskOf(names: readonly string[], wanted: readonly string[]): number {
  let mask = 0;
  for (const w of wanted) {
    const i = names.indexOf(w);
    if (i >= 0) mask |= 1 << i;
  }
  return mask;
}

/** The sort key column of each sort key (null: keep input order); typed by the contract, so a
 * sort key added in Python fails the typecheck until it is implemented here. */
const SORT_COLUMNS: Record<SortKey, ((data: MinimapData) => ArrayLike<number>) | null> = {
  input: null,
  errors: (data) => data.nErrors,
  duration: (data) => data.wallTime,
  rating: (data) => data.meanRating,
  turns: (data) => data.nTurns,
  spans: (data) => data.spanOffsets.subarray(1).map((end, c) => end - data.spanOffsets[c]),
};

function sortKey(data: MinimapData, sortBy: SortKey): Float64Array | null {
  const column = SORT_COLUMNS[sortBy];
  if (!column) return null;
  const key = new Float64Array(data.nConversations);
  key.set(column(data));
  return key;
}

/**
 * Row order: indices of the conversations that pass the filters, sorted (stable; ties keep
 * input order; conversations without a rating always sort last).
 */
export function visibleRows(data: MinimapData, opts: RowOptions): Uint32Array {
  const statusMask = maskOf(data.palette.statuses, opts.filterStatus);
  const categoryMask = maskOf(data.palette.categories, opts.filterCategory);
  const kept: number[] = [];
  for (let c = 0; c < data.nConversations; c++) {
    if (statusMask && !(data.statusMask[c] & statusMask)) continue;
    if (categoryMask && !(data.categoryMask[c] & categoryMask)) continue;
    // With both filters a row needs one span that passes both (the spans that light up), not
    // "any ERROR span and any retrieval span" somewhere in it.
    if (statusMask && categoryMask && !anySpanMatches(data, c, statusMask, categoryMask)) continue;
    if (opts.filterHasFeedback && data.feedbackOffsets[c + 1] === data.feedbackOffsets[c]) continue;
    kept.push(c);
  }
  const rows = Uint32Array.from(kept);
  const key = sortKey(data, opts.sortBy);
  const sign = opts.descending ? -1 : 1;
  if (!key) return opts.descending ? rows.reverse() : rows;
  const order = Array.from(rows);
  order.sort((a, b) => {
    const ka = key[a];
    const kb = key[b];
    const na = Number.isNaN(ka);
    const nb = Number.isNaN(kb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return ka === kb ? a - b : sign * (ka - kb);
  });
  return Uint32Array.from(order);
}

function anySpanMatches(data: MinimapData, c: number, statusMask: number, categoryMask: number): boolean {
  for (let s = data.spanOffsets[c]; s < data.spanOffsets[c + 1]; s++) if (spanMatches(data, s, statusMask, categoryMask)) return true;
  return false;
}

/** Spans of ``rows`` that pass the filters (all their spans when there is no span filter). */
export function matchingSpans(data: MinimapData, rows: ArrayLike<number>, statusMask: number, categoryMask: number): number {
  let n = 0;
  for (let r = 0; r < rows.length; r++) {
    const c = rows[r];
    if (!statusMask && !categoryMask) {
      n += data.spanOffsets[c + 1] - data.spanOffsets[c];
      continue;
    }
    for (let s = data.spanOffsets[c]; s < data.spanOffsets[c + 1]; s++) if (spanMatches(data, s, statusMask, categoryMask)) n++;
  }
  return n;
}

/** True when span ``s`` passes the status/category filters (others are drawn dimmed). */
export function spanMatches(data: MinimapData, s: number, statusMask: number, categoryMask: number): boolean {
  if (statusMask && !((1 << data.spanStatus[s]) & statusMask)) return false;
  return !(categoryMask && !((1 << data.spanCategory[s]) & categoryMask));
}
