// Text formatting of numbers for labels, tooltips and announcements (durations, counts, ratings).

/** A count with thousands separators ("1,200"). */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 turn", "3 turns". */
export function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? "" : "s"}`;
}

/** A duration in ms as short text (e.g. "850 ms", "1.2 s", "3 m 5 s"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m} m ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

/** A rating value as printed on its badge. */
export function formatRating(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return Math.abs(value) >= 10 ? value.toFixed(0) : value.toFixed(2).replace(/^0\./, ".").replace(/^-0\./, "-.");
}

/** A confidence in 0..1 as two decimals. */
export function formatConfidence(value: number): string {
  return value.toFixed(2);
}
