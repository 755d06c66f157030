// Toolbar (sort, width, scale, colour, feedback filter, PNG) and the legend (doubles as filters).
import type { Palette } from "./decode";
import type { Theme } from "./theme";

export interface ControlState {
  sort_by: string;
  sort_descending: boolean;
  filter_status: string[];
  filter_category: string[];
  filter_has_feedback: boolean;
  width_mode: string;
  scale: string;
  color_by: string;
}

export interface Controls {
  toolbar: HTMLElement;
  legend: HTMLElement;
  summary: HTMLElement;
  update(state: ControlState, palette: Palette | null, anyCapped: boolean): void;
}

type Setter = (name: keyof ControlState, value: unknown) => void;

const SORTS: [string, string][] = [
  ["input", "input"],
  ["errors", "errors"],
  ["duration", "duration"],
  ["rating", "rating"],
  ["turns", "turns"],
  ["spans", "spans"],
];

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function select(doc: Document, label: string, name: keyof ControlState, options: [string, string][], set: Setter): HTMLLabelElement {
  const wrap = el(doc, "label", "wwm-field");
  wrap.append(el(doc, "span", "wwm-field-label", label));
  const sel = el(doc, "select", "wwm-select");
  sel.name = name;
  for (const [value, text] of options) {
    const opt = el(doc, "option", "", text);
    opt.value = value;
    sel.append(opt);
  }
  sel.addEventListener("change", () => set(name, sel.value));
  wrap.append(sel);
  return wrap;
}

function toggleList(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

/** Build the toolbar and legend; ``set`` writes a trait, ``onPng`` downloads the image. */
export function buildControls(doc: Document, set: Setter, onPng: () => void): Controls {
  const toolbar = el(doc, "div", "wwm-toolbar");
  const sortField = select(doc, "Sort", "sort_by", SORTS, set);
  const direction = el(doc, "button", "wwm-button wwm-direction");
  direction.type = "button";
  direction.name = "sort_descending";
  sortField.append(direction);
  const widthField = select(doc, "Width", "width_mode", [["duration", "duration"], ["uniform", "uniform"]], set);
  const scaleField = select(doc, "Scale", "scale", [["linear", "linear"], ["sqrt", "sqrt"], ["log", "log"]], set);
  const colorField = select(doc, "Colour", "color_by", [["category", "category"], ["status", "status"]], set);
  const feedbackField = el(doc, "label", "wwm-field wwm-check");
  const feedbackBox = el(doc, "input", "");
  feedbackBox.type = "checkbox";
  feedbackBox.name = "filter_has_feedback";
  feedbackBox.addEventListener("change", () => set("filter_has_feedback", feedbackBox.checked));
  feedbackField.append(feedbackBox, el(doc, "span", "", "with feedback"));
  const summary = el(doc, "span", "wwm-summary");
  const png = el(doc, "button", "wwm-button wwm-png", "PNG");
  png.type = "button";
  png.title = "Download the visible minimap as a PNG image";
  png.addEventListener("click", onPng);
  const end = el(doc, "span", "wwm-end");
  end.append(summary, png);
  toolbar.append(sortField, widthField, scaleField, colorField, feedbackField, end);

  const legend = el(doc, "div", "wwm-legend");
  let state: ControlState | null = null;
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

  const update = (next: ControlState, palette: Palette | null, anyCapped: boolean): void => {
    state = next;
    for (const sel of toolbar.querySelectorAll("select")) {
      const value = String(next[sel.name as keyof ControlState]);
      if (sel.value !== value) sel.value = value;
    }
    direction.textContent = next.sort_descending ? "↓" : "↑";
    direction.setAttribute("aria-label", next.sort_descending ? "descending" : "ascending");
    direction.title = next.sort_descending ? "Descending (click for ascending)" : "Ascending (click for descending)";
    (scaleField.querySelector("select") as HTMLSelectElement).disabled = next.width_mode === "uniform";
    feedbackBox.checked = next.filter_has_feedback;
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
    for (const name of ["OK", "ERROR", "UNSET"]) {
      const node = chip(name, `wwm-sw-${name.toLowerCase()}`, next.filter_status.includes(name), () =>
        set("filter_status", toggleList(next.filter_status, name)),
      );
      const color = palette.statusColors[palette.statuses.indexOf(name)];
      (node.firstChild as HTMLElement).style.setProperty("--wwm-sw", color);
      node.dataset.status = name;
      items.push(node);
    }
    items.push(el(doc, "span", "wwm-legend-title", "Feedback"));
    items.push(chip("emoji tag", "wwm-sw-emoji", false, null));
    items.push(chip("text tag", "wwm-sw-tag", false, null));
    items.push(chip("rating 0→1", "wwm-sw-rating", false, null));
    if (anyCapped) items.push(chip("older spans dropped", "wwm-sw-cap", false, null));
    legend.replaceChildren(...items);
  };
  return { toolbar, legend, summary, update };
}

/** CSS custom properties of a theme, applied on the root element. */
export function themeVariables(theme: Theme): Record<string, string> {
  return {
    "--wwm-bg": theme.background,
    "--wwm-fg": theme.foreground,
    "--wwm-muted": theme.muted,
    "--wwm-divider": theme.divider,
    "--wwm-accent": theme.accent,
    "--wwm-alt": theme.rowAlt,
    "--wwm-tt-bg": theme.tooltipBackground,
    "--wwm-tag": theme.tagFill,
    "--wwm-warning": theme.warning,
    "--wwm-error-outline": theme.errorOutline,
    "--wwm-font": theme.font,
  };
}
