// Themes and colours: follow the host theme (JupyterLab, Notebook 7, Voila, VS Code, marimo, then the OS), rating colours.
import {
  NO_RATING_COLOR,
  NO_RATING_COLOR_DARK,
  RATING_COLORS,
  RATING_COLORS_DARK,
  RATING_STOPS,
  THEME_COLORS,
  type ThemeOption,
} from "./contract";

export type ThemeName = Exclude<ThemeOption, "auto">;

export interface Theme {
  name: ThemeName;
  background: string;
  foreground: string;
  muted: string;
  rowAlt: string;
  rowHover: string;
  rowSelected: string;
  /** A cohort's header row: neutral, so that it never reads as a picked row (rowSelected). */
  groupHeader: string;
  divider: string;
  accent: string;
  errorOutline: string;
  hatch: string;
  warning: string;
  tagFill: string;
  /** Turn dividers: at least 3:1 against the row backgrounds (WCAG non-text contrast). */
  turnDivider: string;
  /** Text on a rating badge. */
  badgeText: string;
  tooltipBackground: string;
  font: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export const THEMES: Record<ThemeName, Theme> = {
  light: { name: "light", ...THEME_COLORS.light, font: FONT },
  dark: { name: "dark", ...THEME_COLORS.dark, font: FONT },
};

/** The [r, g, b] (0..255) of a CSS colour in #rgb, #rrggbb or rgb()/rgba() form; null if unparsable or transparent. */
export function parseColor(color: string): number[] | null {
  const c = color.trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((d) => d + d).join("") : hex[1];
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  }
  const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c);
  return m && (m[4] === undefined || parseFloat(m[4]) > 0) ? [m[1], m[2], m[3]].map(Number) : null;
}

/** Relative luminance (0..1) of a CSS colour (see ``parseColor``); NaN if unparsable. */
export function luminance(color: string): number {
  const rgb = parseColor(color);
  if (!rgb) return Number.NaN;
  const [r, g, b] = rgb.map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The theme a host's markers name on ``node`` (body or html), or null when it names none. */
function markedTheme(node: Element | null | undefined): ThemeName | null {
  if (!node) return null;
  const classes = node.classList;
  // VS Code (notebook webviews): the kind attribute, else the body classes; high contrast light
  // also carries ``vscode-high-contrast``, so it is checked first.
  const kind = node.getAttribute("data-vscode-theme-kind");
  if (kind === "vscode-high-contrast-light" || kind === "vscode-light") return "light";
  if (kind === "vscode-high-contrast" || kind === "vscode-dark") return "dark";
  if (classes.contains("vscode-high-contrast-light") || classes.contains("vscode-light")) return "light";
  if (classes.contains("vscode-high-contrast") || classes.contains("vscode-dark")) return "dark";
  // marimo: ``dark dark-theme`` or ``light light-theme`` on the body.
  if (classes.contains("dark-theme") || classes.contains("dark")) return "dark";
  if (classes.contains("light-theme") || classes.contains("light")) return "light";
  // Pages that name their scheme in data-theme / theme (e.g. Colab's ``theme="dark"``).
  const named = node.getAttribute("data-theme") ?? node.getAttribute("theme");
  return named === "dark" || named === "light" ? named : null;
}

/** Light or dark, from the preference and the host page around ``el``: JupyterLab, Notebook 7
 * and Voila (``data-jp-theme-light``, else the ``--jp-layout-color0`` they set), VS Code, marimo,
 * other pages' markers, then the OS setting. */
export function detectTheme(el: Element, preference: ThemeOption): ThemeName {
  if (preference !== "auto") return preference;
  const doc = el.ownerDocument;
  const body = doc.body;
  const jpLight = body?.dataset.jpThemeLight;
  if (jpLight === "true" || jpLight === "false") return jpLight === "true" ? "light" : "dark";
  const jpColor = doc.defaultView?.getComputedStyle(el).getPropertyValue("--jp-layout-color0") ?? "";
  const lum = luminance(jpColor);
  if (!Number.isNaN(lum)) return lum < 0.4 ? "dark" : "light";
  const marked = markedTheme(body) ?? markedTheme(doc.documentElement);
  if (marked) return marked;
  return doc.defaultView?.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Call ``onChange`` when anything ``detectTheme`` reads may have changed; returns a disposer. */
export function watchTheme(el: Element, onChange: () => void): () => void {
  const doc = el.ownerDocument;
  const observer = new MutationObserver(onChange);
  const attributeFilter = [
    "class",
    "style",
    "data-jp-theme-light",
    "data-jp-theme-name",
    "data-theme",
    "theme",
    "data-vscode-theme-kind",
  ];
  observer.observe(doc.documentElement, { attributes: true, attributeFilter });
  if (doc.body) observer.observe(doc.body, { attributes: true, attributeFilter });
  const media = doc.defaultView?.matchMedia?.("(prefers-color-scheme: dark)");
  media?.addEventListener("change", onChange);
  return () => {
    observer.disconnect();
    media?.removeEventListener("change", onChange);
  };
}

const RATING_RGB = RATING_COLORS.map((color) => parseColor(color) as number[]);
const RATING_RGB_DARK = RATING_COLORS_DARK.map((color) => parseColor(color) as number[]);

/** The colour of a rating: the contract's rating colours (the dark theme's when ``dark``),
 * interpolated between their stops. */
export function ratingColor(value: number, dark = false): string {
  if (!Number.isFinite(value)) return dark ? NO_RATING_COLOR_DARK : NO_RATING_COLOR;
  const rgb = dark ? RATING_RGB_DARK : RATING_RGB;
  const last = RATING_STOPS.length - 1;
  const t = Math.max(RATING_STOPS[0], Math.min(RATING_STOPS[last], value));
  let seg = 0;
  while (seg < last - 1 && t > RATING_STOPS[seg + 1]) seg++;
  const u = (t - RATING_STOPS[seg]) / (RATING_STOPS[seg + 1] - RATING_STOPS[seg]);
  const mix = rgb[seg].map((a, i) => Math.round(a + (rgb[seg + 1][i] - a) * u));
  return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
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
    // the key of the badges' colour scale: the dark theme's badges have their own colours
    "--wwm-rating-gradient": ratingGradient(theme.name === "dark"),
  };
}

/** The rating scale as CSS gradient stops, in the theme's badge colours. */
export function ratingGradient(dark: boolean): string {
  return (dark ? RATING_COLORS_DARK : RATING_COLORS).map((color, i) => `${color} ${RATING_STOPS[i] * 100}%`).join(",");
}
