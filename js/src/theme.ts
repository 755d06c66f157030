// Follow the host theme: JupyterLab first, then VS Code, then the OS preference.

export type ThemeName = "light" | "dark";
export type ThemePreference = "auto" | ThemeName;

export interface Theme {
  name: ThemeName;
  background: string;
  foreground: string;
  muted: string;
  rowAlt: string;
  rowHover: string;
  rowSelected: string;
  divider: string;
  accent: string;
  errorOutline: string;
  hatch: string;
  warning: string;
  tagFill: string;
  badgeText: string;
  tooltipBackground: string;
  font: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

export const THEMES: Record<ThemeName, Theme> = {
  light: {
    name: "light",
    background: "#ffffff",
    foreground: "#1f2328",
    muted: "#656d76",
    rowAlt: "#f6f8fa",
    rowHover: "#eef3fc",
    rowSelected: "#e2ebfb",
    divider: "#c9d1d9",
    accent: "#1f6feb",
    errorOutline: "#5c0a0a",
    hatch: "#ff8a8a",
    warning: "#9a6700",
    tagFill: "#57606a",
    badgeText: "#ffffff",
    tooltipBackground: "#ffffff",
    font: FONT,
  },
  dark: {
    name: "dark",
    background: "#16191f",
    foreground: "#e6edf3",
    muted: "#8d96a0",
    rowAlt: "#1c2028",
    rowHover: "#222b3a",
    rowSelected: "#263553",
    divider: "#3d444d",
    accent: "#58a6ff",
    errorOutline: "#ffd1d1",
    hatch: "#8c1010",
    warning: "#d29922",
    tagFill: "#b1bac4",
    badgeText: "#0d1117",
    tooltipBackground: "#22272e",
    font: FONT,
  },
};

/** Relative luminance (0..1) of a CSS colour in #rgb, #rrggbb or rgb()/rgba() form; NaN if unparsable. */
export function luminance(color: string): number {
  const c = color.trim();
  let rgb: number[] | null = null;
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((d) => d + d).join("") : hex[1];
    rgb = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  } else {
    const m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/i.exec(c);
    if (m && (m[4] === undefined || parseFloat(m[4]) > 0)) rgb = [m[1], m[2], m[3]].map(Number);
  }
  if (!rgb) return Number.NaN;
  const [r, g, b] = rgb.map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Light or dark, from the preference and the host page around ``el``. */
export function detectTheme(el: Element, preference: ThemePreference): ThemeName {
  if (preference !== "auto") return preference;
  const doc = el.ownerDocument;
  const body = doc.body;
  const jpLight = body?.dataset.jpThemeLight;
  if (jpLight === "true" || jpLight === "false") return jpLight === "true" ? "light" : "dark";
  const jpColor = doc.defaultView?.getComputedStyle(el).getPropertyValue("--jp-layout-color0") ?? "";
  const lum = luminance(jpColor);
  if (!Number.isNaN(lum)) return lum < 0.4 ? "dark" : "light";
  if (body?.classList.contains("vscode-dark") || body?.classList.contains("vscode-high-contrast")) return "dark";
  if (body?.classList.contains("vscode-light")) return "light";
  return doc.defaultView?.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Call ``onChange`` when anything ``detectTheme`` reads may have changed; returns a disposer. */
export function watchTheme(el: Element, onChange: () => void): () => void {
  const doc = el.ownerDocument;
  const observer = new MutationObserver(onChange);
  const attributeFilter = ["class", "style", "data-jp-theme-light", "data-jp-theme-name", "data-theme"];
  observer.observe(doc.documentElement, { attributes: true, attributeFilter });
  if (doc.body) observer.observe(doc.body, { attributes: true, attributeFilter });
  const media = doc.defaultView?.matchMedia?.("(prefers-color-scheme: dark)");
  media?.addEventListener("change", onChange);
  return () => {
    observer.disconnect();
    media?.removeEventListener("change", onChange);
  };
}

/** A rating colour on a red -> amber -> green scale for values in 0..1. */
export function ratingColor(value: number): string {
  if (!Number.isFinite(value)) return "#8a8f98";
  const t = Math.max(0, Math.min(1, value));
  const stops = [
    [215, 48, 39],
    [230, 160, 20],
    [26, 152, 80],
  ];
  const seg = t < 0.5 ? 0 : 1;
  const u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
  const mix = stops[seg].map((a, i) => Math.round(a + (stops[seg + 1][i] - a) * u));
  return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
}
