// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { NO_RATING_COLOR, RATING_COLORS, RATING_COLORS_DARK, RATING_STOPS, RATING_TEXT_COLOR } from "../src/contract";
import { detectTheme, luminance, parseColor, ratingColor, THEMES, themeVariables } from "../src/theme";

/** WCAG contrast ratio of two colours. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const rgb = (hex: string) => `rgb(${(parseColor(hex) as number[]).join(", ")})`;

afterEach(() => {
  document.body.removeAttribute("data-jp-theme-light");
  document.body.removeAttribute("data-vscode-theme-kind");
  document.documentElement.removeAttribute("theme");
  document.body.className = "";
  document.body.style.removeProperty("--jp-layout-color0");
});

describe("theme", () => {
  it("parses colours into luminance", () => {
    expect(luminance("#ffffff")).toBeCloseTo(1);
    expect(luminance("#000")).toBeCloseTo(0);
    expect(luminance("rgb(17, 17, 17)")).toBeLessThan(0.05);
    expect(luminance("transparent")).toBeNaN();
  });

  it("honours an explicit preference", () => {
    document.body.dataset.jpThemeLight = "true";
    expect(detectTheme(document.body, "dark")).toBe("dark");
  });

  it("follows JupyterLab's data-jp-theme-light first", () => {
    const el = document.createElement("div");
    document.body.append(el);
    document.body.className = "vscode-light";
    document.body.dataset.jpThemeLight = "false";
    expect(detectTheme(el, "auto")).toBe("dark");
    document.body.dataset.jpThemeLight = "true";
    expect(detectTheme(el, "auto")).toBe("light");
  });

  it("falls back to VS Code body classes", () => {
    const el = document.createElement("div");
    document.body.append(el);
    document.body.className = "vscode-dark";
    expect(detectTheme(el, "auto")).toBe("dark");
    document.body.className = "vscode-light";
    expect(detectTheme(el, "auto")).toBe("light");
  });

  it.each([
    ["vscode-light", "light"],
    ["vscode-dark", "dark"],
    ["vscode-high-contrast", "dark"],
    ["vscode-high-contrast vscode-high-contrast-light", "light"],
    ["dark dark-theme", "dark"],
    ["light light-theme", "light"],
  ])("reads the host's body classes %j as %s", (classes, theme) => {
    document.body.className = classes;
    expect(detectTheme(document.body, "auto")).toBe(theme);
  });

  it("reads VS Code's theme kind and a theme attribute on the page", () => {
    document.body.setAttribute("data-vscode-theme-kind", "vscode-high-contrast-light");
    document.body.className = "vscode-high-contrast";
    expect(detectTheme(document.body, "auto")).toBe("light");
    document.body.removeAttribute("data-vscode-theme-kind");
    document.body.className = "";
    document.documentElement.setAttribute("theme", "dark");
    expect(detectTheme(document.body, "auto")).toBe("dark");
  });

  it("colours ratings with the contract's colours at its stops, clamped", () => {
    RATING_STOPS.forEach((stop, i) => expect(ratingColor(stop)).toBe(rgb(RATING_COLORS[i])));
    expect(ratingColor(-3)).toBe(rgb(RATING_COLORS[0]));
    expect(ratingColor(7)).toBe(rgb(RATING_COLORS[RATING_COLORS.length - 1]));
    expect(ratingColor(Number.NaN)).toBe(NO_RATING_COLOR);
  });

  it("keeps rating badges readable in both themes, with each theme's badge text", () => {
    for (let t = 0; t <= 1.0001; t += 0.05) {
      for (const theme of Object.values(THEMES)) {
        const badge = ratingColor(t, theme.name === "dark");
        expect(contrast(theme.badgeText, badge), `text on ${badge}`).toBeGreaterThanOrEqual(6);
        expect(contrast(badge, theme.background), `${badge} on ${theme.name}`).toBeGreaterThanOrEqual(3);
      }
    }
    expect(THEMES.light.badgeText).toBe(RATING_TEXT_COLOR);
  });

  it("draws turn dividers at 3:1 or more against every row background", () => {
    for (const theme of Object.values(THEMES)) {
      for (const bg of [theme.background, theme.rowAlt]) {
        expect(contrast(theme.turnDivider, bg), `${theme.name} divider on ${bg}`).toBeGreaterThanOrEqual(3);
      }
    }
  });
});

describe("rating key", () => {
  it("shows each theme's own badge colours", () => {
    const light = themeVariables(THEMES.light)["--wwm-rating-gradient"];
    const dark = themeVariables(THEMES.dark)["--wwm-rating-gradient"];
    for (const color of RATING_COLORS) expect(light).toContain(color);
    for (const color of RATING_COLORS_DARK) expect(dark).toContain(color);
  });
});
