// Toolbar (sort, width, scale, colour, feedback filter, search, PNG), the width key and the
// legend (doubles as filters). Below WIDE_MIN px of the widget's own width the chrome compacts:
// shorter texts, and the legend folds behind a one-line "Key" toggle beside a short width key;
// below NARROW_MAX px the count drops to its first words.
import {
  type Align,
  COLOR_MODES,
  SCALES,
  SORT_DESCENDING,
  SORT_DIRECTION_LABELS,
  SORT_KEYS,
  STATUS_LEGEND,
  TIME_AXES,
  type Traits,
  WIDTH_MODES,
} from "./contract";
import type { MinimapData, Palette } from "./decode";
import { el } from "./dom";
import { formatCount, formatDuration } from "./format";
import type { Options } from "./sync";

/** Narrower than this (the widget's own width, in CSS px), the chrome compacts. */
const WIDE_MIN = 900;
/** Narrower than this, the compact chrome's count says only how many rows show. */
const NARROW_MAX = 480;

/** How the chrome is laid out, by the widget's own width. */
export type Layout = "wide" | "compact" | "narrow";

/** How long a text may be: in full, short (compact) or shortest (narrow). */
export type Length = "full" | "short" | "narrow";

/** The texts that depend on the rows shown: the count at each length, and the width key in
 * full and short (the compact chrome's one line). */
export interface Texts {
  summary: Record<Length, string>;
  key: string;
  keyShort: string;
}

export interface Controls {
  toolbar: HTMLElement;
  /** The width key line: the legend toggle (compact only) and what width means. */
  keybar: HTMLElement;
  legend: HTMLElement;
  update(state: Options, palette: Palette | null, anyCapped: boolean, anyUnplaced?: boolean): void;
  /** Show the count and the width key (full, or short when compact). */
  describe(texts: Texts): void;
  /** Say ``message`` where the count goes (loading, no data), at every width. */
  tell(message: string): void;
  /** The full width key, whatever is shown (for the exported image). */
  keyText(): string;
  /** Lay the chrome out for the widget's own ``width`` (0: not laid out yet, kept wide). */
  fit(width: number): Layout;
}

/** Writes one option trait (and saves it). */
export type Setter = <K extends keyof Options>(name: K, value: Traits[K]) => void;

type Choice = "sort_by" | "width_mode" | "time_axis" | "scale" | "color_by";

function select<K extends Choice>(doc: Document, label: string, name: K, values: readonly Options[K][], set: Setter): HTMLLabelElement {
  const wrap = el(doc, "label", "wwm-field");
  wrap.title = label; // its visible label is hidden in the compact chrome
  wrap.append(el(doc, "span", "wwm-field-label", label));
  const sel = el(doc, "select", "wwm-select");
  sel.name = name;
  sel.setAttribute("aria-label", label);
  for (const value of values) {
    const opt = el(doc, "option", "", value);
    opt.value = value;
    sel.append(opt);
  }
  sel.addEventListener("change", () => {
    set(name, sel.value as Traits[K]);
    // A new sort key starts in its natural direction: most errors, longest, lowest rating first.
    if (name === "sort_by") set("sort_descending", SORT_DESCENDING[sel.value as Traits["sort_by"]]);
  });
  wrap.append(sel);
  return wrap;
}

function toggleList<T extends string>(list: readonly T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

let legendIds = 0;

/** Build the toolbar, key and legend; ``set`` writes a trait, ``onPng`` downloads the image,
 * ``search`` (the transcript search box) sits in the toolbar row. */
export function buildControls(doc: Document, set: Setter, onPng: () => void, search: HTMLElement): Controls {
  const toolbar = el(doc, "div", "wwm-toolbar");
  const sortField = select(doc, "Sort", "sort_by", SORT_KEYS, set);
  const direction = el(doc, "button", "wwm-button wwm-direction");
  direction.type = "button";
  direction.name = "sort_descending";
  const arrow = el(doc, "span", "");
  const directionWords = el(doc, "span", "wwm-wide-only");
  direction.append(arrow, directionWords);
  sortField.append(direction);
  const widthField = select(doc, "Width", "width_mode", WIDTH_MODES, set);
  const axisField = select(doc, "Rows", "time_axis", TIME_AXES, set);
  axisField.title = "shared: one time scale for every row; fit: every row fills the width";
  const scaleField = select(doc, "Scale", "scale", SCALES, set);
  const colorField = select(doc, "Colour", "color_by", COLOR_MODES, set);
  const feedbackField = el(doc, "label", "wwm-field wwm-check");
  const feedbackBox = el(doc, "input", "");
  feedbackBox.type = "checkbox";
  feedbackBox.name = "filter_has_feedback";
  feedbackBox.addEventListener("change", () => set("filter_has_feedback", feedbackBox.checked));
  feedbackField.title = "Show only conversations with feedback";
  feedbackField.append(feedbackBox, el(doc, "span", "", "feedback"));
  const summary = el(doc, "span", "wwm-summary");
  const png = el(doc, "button", "wwm-button wwm-png", "PNG");
  png.type = "button";
  png.title = "Download the visible minimap as a PNG image";
  png.addEventListener("click", onPng);
  const end = el(doc, "span", "wwm-end");
  end.append(summary, png);
  toolbar.append(sortField, widthField, axisField, scaleField, colorField, feedbackField, search, end);

  const legend = el(doc, "div", "wwm-legend");
  legend.id = `wwm-legend-${++legendIds}`;
  const toggle = el(doc, "button", "wwm-button wwm-key-toggle");
  toggle.type = "button";
  toggle.setAttribute("aria-controls", legend.id);
  const key = el(doc, "span", "wwm-key");
  const keybar = el(doc, "div", "wwm-keybar");
  keybar.append(toggle, key);
  let state: Options | null = null;
  let texts: Texts = { summary: { full: "", short: "", narrow: "" }, key: "", keyShort: "" };
  let layout: Layout = "wide";
  let open = false;

  /** Show what the layout and the legend's state call for. */
  const show = (): void => {
    const compact = layout !== "wide";
    const filters = state ? state.filter_category.length + state.filter_status.length : 0;
    toggle.textContent = `Key${filters ? ` · ${filters} filter${filters === 1 ? "" : "s"}` : ""} ${open ? "▾" : "▸"}`;
    toggle.setAttribute("aria-expanded", String(open || !compact));
    toggle.title = `${open ? "Hide" : "Show"} the legend, which also filters by category and status`;
    toggle.classList.toggle("wwm-on", filters > 0);
    legend.hidden = compact && !open;
    summary.textContent = texts.summary[layout === "wide" ? "full" : layout === "compact" ? "short" : "narrow"];
    summary.title = texts.summary.full;
    key.textContent = compact && !open ? texts.keyShort : texts.key;
    key.title = texts.key;
  };
  toggle.addEventListener("click", () => {
    open = !open;
    show();
  });
  direction.addEventListener("click", () => state && set("sort_descending", !state.sort_descending));

  const chip = (text: string, swatch: string, pressed: boolean, onClick: (() => void) | null): HTMLElement => {
    const node = el(doc, onClick ? "button" : "span", `wwm-chip${pressed ? " wwm-on" : ""}`);
    if (node instanceof HTMLButtonElement && onClick) {
      node.type = "button";
      node.setAttribute("aria-pressed", String(pressed));
      node.title = `Show only conversations with ${text} spans (toggle)`;
      node.addEventListener("click", onClick);
    }
    const sw = el(doc, "span", `wwm-swatch ${swatch}`);
    node.append(sw, el(doc, "span", "", text));
    return node;
  };

  const update = (next: Options, palette: Palette | null, anyCapped: boolean, anyUnplaced = false): void => {
    state = next;
    for (const sel of toolbar.querySelectorAll("select")) {
      const value = String(next[sel.name as Choice]);
      if (sel.value !== value) sel.value = value;
    }
    const [up, down] = SORT_DIRECTION_LABELS[next.sort_by];
    const words = next.sort_descending ? down : up;
    arrow.textContent = next.sort_descending ? "↓" : "↑";
    directionWords.textContent = ` ${words}`;
    direction.setAttribute("aria-label", `sort direction: ${words}`);
    direction.title = `${words} (click for ${next.sort_descending ? up : down})`;
    (scaleField.querySelector("select") as HTMLSelectElement).disabled = next.width_mode === "uniform";
    feedbackBox.checked = next.filter_has_feedback;
    show();
    if (!palette) return;
    const items: HTMLElement[] = [el(doc, "span", "wwm-legend-title", "Category")];
    palette.categories.forEach((name, i) => {
      const node = chip(name, "", next.filter_category.includes(name), () =>
        set("filter_category", toggleList(next.filter_category, name)),
      );
      (node.firstChild as HTMLElement).style.background = palette.categoryColors[i];
      node.dataset.category = name;
      items.push(node);
    });
    items.push(el(doc, "span", "wwm-legend-title", "Status"));
    for (const name of STATUS_LEGEND) {
      const node = chip(name, `wwm-sw-${name.toLowerCase()}`, next.filter_status.includes(name), () =>
        set("filter_status", toggleList(next.filter_status, name)),
      );
      const color = palette.statusColors[palette.statuses.indexOf(name)];
      (node.firstChild as HTMLElement).style.setProperty("--wwm-sw", color);
      node.dataset.status = name;
      items.push(node);
    }
    items.push(chip("turn root span", "wwm-sw-root", false, null));
    items.push(el(doc, "span", "wwm-legend-title", "Feedback"));
    items.push(chip("emoji tag", "wwm-sw-emoji", false, null));
    items.push(chip("text tag (first letters)", "wwm-sw-tag", false, null));
    items.push(chip("conversation feedback", "wwm-sw-conversation", false, null));
    items.push(chip("rating 0→1", "wwm-sw-rating", false, null));
    if (anyUnplaced) items.push(chip("feedback on a turn not drawn", "wwm-sw-unplaced", false, null));
    if (anyCapped) items.push(chip("older spans dropped", "wwm-sw-cap", false, null));
    legend.replaceChildren(...items);
    // One Tab stop for the whole legend; arrow keys move between its chips.
    const buttons = [...legend.querySelectorAll<HTMLButtonElement>("button.wwm-chip")];
    buttons.forEach((b, i) => {
      b.tabIndex = i === legendFocus ? 0 : -1;
    });
  };
  let legendFocus = 0;
  legend.setAttribute("role", "toolbar");
  legend.setAttribute("aria-label", "Legend and filters");
  legend.addEventListener("keydown", (e) => {
    const buttons = [...legend.querySelectorAll<HTMLButtonElement>("button.wwm-chip")];
    const at = buttons.indexOf(e.target as HTMLButtonElement);
    if (at < 0) return;
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    const next = step ? (at + step + buttons.length) % buttons.length : e.key === "Home" ? 0 : e.key === "End" ? buttons.length - 1 : -1;
    if (next < 0) return;
    e.preventDefault();
    legendFocus = next;
    buttons.forEach((b, i) => {
      b.tabIndex = i === next ? 0 : -1;
    });
    buttons[next].focus();
  });
  const describe = (next: Texts): void => {
    texts = next;
    show();
  };
  const fit = (width: number): Layout => {
    const now: Layout = width <= 0 || width >= WIDE_MIN ? "wide" : width < NARROW_MAX ? "narrow" : "compact";
    if (now !== layout) {
      layout = now;
      show();
    }
    return layout;
  };
  const tell = (message: string): void => describe({ ...texts, summary: { full: message, short: message, narrow: message } });
  return { toolbar, keybar, legend, update, describe, tell, keyText: () => texts.key, fit };
}

/** What a mark's width means, for the key above the rows. ``fullWidth`` is the wall time the
 * full width stands for on a shared axis (the longest row shown); aligned by turn, widths are
 * per turn column instead. */
export function keyText(
  options: Pick<Options, "width_mode" | "time_axis" | "scale"> & { align: Align },
  fullWidth: number,
): string {
  const roots = "a turn's root span is the band under it";
  const scale = options.scale === "linear" ? "" : ` (${options.scale} scale: short spans enlarged)`;
  if (options.align === "turn") {
    // align.ts: equal columns, one per turn index; the time axis does not apply.
    const within = options.width_mode === "uniform" ? "one slot per span" : `its spans by wall time${scale}`;
    return `Aligned by turn: column k holds turn k of every row, all columns equally wide whatever the turns took; within a column, ${within}, fit to it; ${roots}.`;
  }
  if (options.width_mode === "uniform") {
    return options.time_axis === "shared"
      ? `Width: one slot per span, shared by all rows (${roots}).`
      : `Width: one slot per span, every row fit to the width (${roots}).`;
  }
  const axis =
    options.time_axis === "shared"
      ? `one scale for every row, full width = ${formatDuration(fullWidth)}`
      : "every row fit to the width";
  return `Width: wall time per turn${scale}, ${axis}; ${roots}.`;
}

/** The width key in a few words, for the compact chrome's one line (the full sentence is its
 * tooltip and shows when the legend is open). */
export function keyShortText(
  options: Pick<Options, "width_mode" | "time_axis" | "scale"> & { align: Align },
  fullWidth: number,
): string {
  if (options.align === "turn") {
    return `Aligned by turn: column k = turn k; ${options.width_mode === "uniform" ? "one slot per span" : "wall time"} within it`;
  }
  const shared = options.time_axis === "shared";
  if (options.width_mode === "uniform") return `Width: one slot per span, ${shared ? "same in every row" : "rows fit the width"}`;
  const scale = options.scale === "linear" ? "" : ` (${options.scale})`;
  return `Width: wall time${scale}, ${shared ? `full width = ${formatDuration(fullWidth)}` : "rows fit the width"}`;
}

/** The toolbar summary: how many conversations show, of how many, and how many spans they
 * hold (``matching``: the spans that pass the span filters, when there are any), at each
 * length: short and narrow drop the words the compact chrome has no room for. */
export function summaryText(data: MinimapData | null, shown: number, spans: number, filtered: boolean): Record<Length, string> {
  if (!data) return { full: "loading…", short: "loading…", narrow: "loading…" };
  const rows = `${formatCount(shown)} of ${formatCount(data.nConversations)}`;
  return {
    full: `${rows} conversations · ${formatCount(spans)} ${filtered ? "matching spans" : "spans"}`,
    short: `${rows} · ${formatCount(spans)} ${filtered ? "spans match" : "spans"}`,
    narrow: rows,
  };
}
