"""Theme detection in chromium, host by host: each case puts on the page the markers that
front end sets (body attributes and classes, theme variables, the OS setting) and checks the
widget's theme and its painted background, against an OS setting that says the opposite.

The markers, as each front end sets them:
- JupyterLab 4, Notebook 7 and Voila 0.5 (``--theme=dark``): ``data-jp-theme-light`` and
  ``data-jp-theme-name`` on the body, and the ``--jp-layout-color0`` variable (Voila's classic
  template sets only the variables).
- marimo: ``dark dark-theme`` / ``light light-theme`` body classes.
- VS Code notebooks: ``vscode-light``, ``vscode-dark``, ``vscode-high-contrast`` and
  ``vscode-high-contrast vscode-high-contrast-light`` body classes, and
  ``data-vscode-theme-kind``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser_support import open_page
from minimap_dom import pixel, span_rect
from minimap_sample import sample_data

from weave_widgets.minimap._widget import ConversationMinimap

pytestmark = pytest.mark.browser

BACKGROUND = {"light": (255, 255, 255), "dark": (22, 25, 31)}


@dataclass(frozen=True)
class Host:
    theme: str
    body_attributes: dict[str, str] = field(default_factory=dict)
    body_classes: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    page_background: str = ""


def jupyter(light: bool, name: str) -> Host:
    return Host(
        "light" if light else "dark",
        {"data-jp-theme-light": str(light).lower(), "data-jp-theme-name": name},
        variables={"--jp-layout-color0": "#ffffff" if light else "#111111"},
        page_background="#ffffff" if light else "#111111",
    )


HOSTS = {
    "jupyterlab-light": jupyter(True, "JupyterLab Light"),
    "jupyterlab-dark": jupyter(False, "JupyterLab Dark"),
    "notebook7-light": jupyter(True, "JupyterLab Light"),
    "notebook7-dark": jupyter(False, "JupyterLab Dark"),
    "voila-dark": jupyter(False, "JupyterLab Dark"),
    "voila-classic-dark": Host(
        "dark", variables={"--jp-layout-color0": "#111111"}, page_background="#111111"
    ),
    "marimo-light": Host("light", body_classes="light light-theme", page_background="#ffffff"),
    "marimo-dark": Host("dark", body_classes="dark dark-theme", page_background="#181c1a"),
    "vscode-light": Host(
        "light",
        {"data-vscode-theme-kind": "vscode-light"},
        "vscode-light",
        page_background="#ffffff",
    ),
    "vscode-dark": Host(
        "dark", {"data-vscode-theme-kind": "vscode-dark"}, "vscode-dark", page_background="#1f1f1f"
    ),
    "vscode-high-contrast-dark": Host(
        "dark",
        {"data-vscode-theme-kind": "vscode-high-contrast"},
        "vscode-high-contrast",
        page_background="#000000",
    ),
    "vscode-high-contrast-light": Host(
        "light",
        {"data-vscode-theme-kind": "vscode-high-contrast-light"},
        "vscode-high-contrast vscode-high-contrast-light",
        page_background="#ffffff",
    ),
    # Markers only in the classes (older VS Code builds set no theme-kind attribute).
    "vscode-high-contrast-light-classes": Host(
        "light", body_classes="vscode-high-contrast vscode-high-contrast-light"
    ),
}

MARK = """([attributes, classes, variables, background]) => {
  const body = document.body;
  for (const [k, v] of Object.entries(attributes)) body.setAttribute(k, v);
  if (classes) body.className = classes;
  for (const [k, v] of Object.entries(variables)) body.style.setProperty(k, v);
  if (background) body.style.background = background;
}"""


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("hosts") / "minimap.html"
    ConversationMinimap(sample_data(8), height=260).to_html(path, title="Host theme")
    return path.as_uri()


@pytest.fixture
def pages(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for page in opened:
        page.context.close()


def open_with(browser: Any, pages: list[Any], url: str, scheme: str, width: int) -> Any:
    page, _ = open_page(browser, color_scheme=scheme, viewport={"width": width, "height": 520})
    pages.append(page)
    page.goto(url)
    page.wait_for_selector(".wwm-root[data-ready='1']", timeout=15_000)
    return page


@pytest.mark.parametrize("name", list(HOSTS))
def test_theme_follows_each_hosts_markers(
    browser: Any, pages: list[Any], page_url: str, artifacts: Path, name: str
) -> None:
    host = HOSTS[name]
    against = "light" if host.theme == "dark" else "dark"  # the OS says the opposite
    width = 560 if name.endswith("dark") else 1100  # narrow and wide
    page = open_with(browser, pages, page_url, against, width)
    root = page.locator(".wwm-root")
    assert root.get_attribute("data-theme") == against  # no markers yet: the OS setting
    page.evaluate(
        MARK, [host.body_attributes, host.body_classes, host.variables, host.page_background]
    )
    page.wait_for_function(
        "(t) => document.querySelector('.wwm-root').dataset.theme === t", arg=host.theme
    )
    root.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    span_rect(page, "conv-000", 0)
    assert pixel(page, 4, 4) == BACKGROUND[host.theme]
    page.screenshot(path=artifacts / f"host-{name}.png")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_without_markers_the_os_setting_decides(
    browser: Any, pages: list[Any], page_url: str, scheme: str
) -> None:
    page = open_with(browser, pages, page_url, scheme, 900)
    assert page.locator(".wwm-root").get_attribute("data-theme") == scheme
    page.emulate_media(color_scheme="light" if scheme == "dark" else "dark")
    page.wait_for_function(
        "(t) => document.querySelector('.wwm-root').dataset.theme === t",
        arg="light" if scheme == "dark" else "dark",
    )
