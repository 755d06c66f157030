// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { detectTheme, luminance, ratingColor } from "../src/theme";

afterEach(() => {
  document.body.removeAttribute("data-jp-theme-light");
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

  it("colours ratings from red to green", () => {
    expect(ratingColor(0)).toBe("rgb(215, 48, 39)");
    expect(ratingColor(1)).toBe("rgb(26, 152, 80)");
    expect(ratingColor(0.5)).toBe("rgb(230, 160, 20)");
    expect(ratingColor(Number.NaN)).toBe("#8a8f98");
  });
});
