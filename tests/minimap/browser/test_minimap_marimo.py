"""End to end in marimo (``mo.ui.anywidget``) in run mode, on demo data written to
the embedded local server: the data reaches the view by message, the widget draws and hovers,
a click reaches Python (a cell reading the selection re-runs), and marimo's dark theme
(``dark dark-theme`` body classes) turns the widget dark."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import free_port, open_page
from conftest import REPO, WIDGET_TESTS
from minimap_dom import hex_rgb, page_point, pixel, span_rect
from playwright.sync_api import expect

from weave_widgets.palette import CATEGORY_COLORS

pytestmark = pytest.mark.browser

APP = """\
import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import json

    import marimo as mo

    from weave_widgets import WeaveClient, local
    from weave_widgets.demo import write_demo

    url = local.serve({db!r})
    client = WeaveClient(project="marimo-e2e/minimap", url=url)
    ids = write_demo(client, 8, seed=4)
    data = client.conversation_spans(ids)
    first = data.spans[data.spans["conversation_id"] == ids[0]].iloc[0]
    plan = {{
        "conversation_id": ids[0],
        "span_id": first["span_id"],
        "trace_id": first["trace_id"],
        "category": first["category"],
    }}
    w = data.widget(height=360)
    wrapped = mo.ui.anywidget(w)
    return json, mo, plan, w, wrapped


@app.cell
def _(json, mo, plan):
    mo.plain_text("PLAN " + json.dumps(plan))
    return


@app.cell
def _(wrapped):
    wrapped
    return


@app.cell
def _(json, mo, w, wrapped):
    _ = wrapped.value
    mo.plain_text("SELECTED " + json.dumps(w.selected, sort_keys=True))
    return


if __name__ == "__main__":
    app.run()
"""


def serve(mode: str, app: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(REPO), str(WIDGET_TESTS), os.environ.get("PYTHONPATH", "")]
        ),
        "MARIMO_SKIP_UPDATE_CHECK": "1",
    }
    command = [
        sys.executable, "-m", "marimo", mode, str(app), "--headless", "--no-token",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    log = (app.parent / f"marimo-{mode}.log").open("wb")
    proc = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2).close()
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError(f"marimo {mode} did not start") from None
            time.sleep(0.2)
    yield url
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(params=["run"])  # edit mode: its cells did not run headless (see README)
def marimo_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    app = tmp_path / "minimap_app.py"
    app.write_text(APP.format(db=str(tmp_path / "marimo.db")), encoding="utf-8")
    for url in serve(request.param, app):
        yield request.param, url


def text_of(page: Any, pattern: str) -> str:
    line = page.get_by_text(re.compile(pattern)).first
    line.wait_for(timeout=90_000)
    return str(line.inner_text())


def test_render_hover_click_and_dark_theme_in_marimo(
    browser: Any, marimo_app: tuple[str, str], artifacts: Path
) -> None:
    mode, url = marimo_app
    page, log = open_page(browser, viewport={"width": 1200, "height": 1000})
    page.goto(url)
    plan = json.loads(text_of(page, r"^PLAN \{").removeprefix("PLAN "))
    root = page.locator(".wwm-root")
    page.locator(".wwm-root[data-ready='1']").wait_for(timeout=90_000)
    assert root.get_attribute("data-theme") == "light"
    scope = page.locator("body")
    rect = span_rect(scope, plan["conversation_id"], 0)
    centre = (rect["x"] + rect["w"] / 2, rect["y"] + rect["h"] / 2)
    assert pixel(scope, *centre) == hex_rgb(CATEGORY_COLORS[plan["category"]])
    page.mouse.move(*page_point(scope, *centre))
    expect(root.locator(".wwm-tooltip")).to_contain_text(f"span {plan['span_id']}")
    page.screenshot(path=artifacts / f"marimo-{mode}-light-tooltip.png")
    page.mouse.click(*page_point(scope, *centre))
    selected = {k: plan[k] for k in ("conversation_id", "span_id", "trace_id")}
    wanted = re.escape(f"SELECTED {json.dumps(selected, sort_keys=True)}")
    text_of(page, wanted)

    # marimo's dark theme: its body classes.
    page.evaluate("() => { document.body.classList.remove('light', 'light-theme');"
                  " document.body.classList.add('dark', 'dark-theme'); }")  # fmt: skip
    expect(root).to_have_attribute("data-theme", "dark")  # in marimo's shadow DOM
    page.screenshot(path=artifacts / f"marimo-{mode}-dark.png")
    assert not [e for e in log.errors if "wwm" in e or "minimap" in e.lower()]
