"""The exported HTML chart in a real browser (Debian chromium via Playwright), offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from chart_data import HOSTILE, hostile_data

from bench.browser import ARGS, CHROMIUM
from weave_widgets import charts
from weave_widgets.charts._export import save
from weave_widgets.data._frames import ConversationData

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "charts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing"),
]


def render(path: Path, screenshot: Path) -> tuple[str, list[str], list[str]]:
    """Open ``path``; return the chart's SVG text, the requests made and any errors/dialogs."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (problems.append(f"dialog {d.message}"), d.dismiss()))
        page.goto(path.as_uri())
        page.wait_for_selector("#vega-chart svg .mark-rect path", timeout=20_000)
        svg = page.inner_html("#vega-chart svg")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return svg, requests, problems


def test_html_chart_draws_offline(tmp_path: Path, data: ConversationData) -> None:
    path = save(charts.minimap_chart(data), tmp_path / "minimap.html")
    svg, requests, problems = render(path, ARTIFACTS / "minimap-html.png")
    assert problems == []
    assert requests == [path.as_uri()], "nothing but the page itself is loaded"
    assert "conv-0003" in svg
    assert "needs-review" in svg


def test_html_chart_keeps_server_text_as_text(tmp_path: Path) -> None:
    path = save(charts.minimap_chart(hostile_data()), tmp_path / "hostile.html")
    svg, _, problems = render(path, ARTIFACTS / "hostile-html.png")
    assert problems == []
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in svg
    assert HOSTILE not in svg
