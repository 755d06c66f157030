"""Browser: first full paint and scroll frames of the minimap in headless chromium.

The widget's self-contained ``to_html`` page is opened in Debian's chromium through
Playwright. The widget emits the performance marks ``weave-minimap:data-set`` (payload handed
to the widget) and ``weave-minimap:first-paint`` (the first canvas frame with the data) and a
``weave-minimap:frame`` measure per painted frame; the page is then scrolled programmatically
one animation frame at a time.

Baseline, in the same browser and run: ``JSON.parse`` of the plain-JSON equivalent of the same
data (``bench.payload.plain_json``), fetched from a loopback HTTP server into a blank page. A
JSON-fed widget could not even start laying out before that parse finishes, so the ratio is
how many times sooner our pixels are on screen than a JSON widget's data is merely parsed.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import statistics
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import Row, Sizes, faster, ms, percentile
from bench.payload import plain_json
from bench.seed import load

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Flags of every headless chromium run here; tests/minimap/browser launches with them too."""
CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium (never a browser download); the tests skip their browser cases without it."""
FIRST_PAINT_TARGET_MS = 300.0
FRAME_TARGET_MS = 16.0
SCROLL_STEPS = 120
READY_TIMEOUT_MS = 120_000

_MARKS = """() => {
  const mark = (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? null;
  return { dataSet: mark("weave-minimap:data-set"), firstPaint: mark("weave-minimap:first-paint") };
}"""

_SCROLL = """async (steps) => {
  const scroller = document.querySelector(".wwm-scroll");
  const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
  const before = performance.getEntriesByName("weave-minimap:frame").length;
  const room = scroller.scrollHeight - scroller.clientHeight;
  const step = Math.max(1, Math.floor(room / steps));
  for (let i = 0; i < steps; i++) {
    scroller.scrollTop = Math.min(room, (i + 1) * step);
    await frame();
    await frame();
  }
  return performance.getEntriesByName("weave-minimap:frame").slice(before).map((e) => e.duration);
}"""

_PARSE = """async (url) => {
  const text = await (await fetch(url)).text();
  const start = performance.now();
  const value = JSON.parse(text);
  const seconds = (performance.now() - start) / 1000;
  return { seconds, spans: value.spans.length };
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""


@contextlib.contextmanager
def _static(directory: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def measure(page_html: str, json_body: bytes) -> dict[str, Any]:
    """Open the page, wait for its first paint, scroll it; then time the JSON baseline."""
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp,
        sync_playwright() as pw,
    ):
        root = Path(tmp)
        (root / "minimap.html").write_text(page_html, encoding="utf-8")
        (root / "data.json").write_bytes(json_body)
        (root / "blank.html").write_text("<!DOCTYPE html><title>baseline</title>")
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            with _static(root) as base:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(base + "/minimap.html")
                page.wait_for_selector(
                    '.wwm-root[data-ready="1"]', state="attached", timeout=READY_TIMEOUT_MS
                )
                marks = page.evaluate(_MARKS)
                frames = page.evaluate(_SCROLL, SCROLL_STEPS)
                page.close()
                blank = browser.new_page()
                blank.goto(base + "/blank.html")
                parsed = blank.evaluate(_PARSE, base + "/data.json")
                blank.close()
        finally:
            browser.close()
    return {
        "first_paint_s": (marks["firstPaint"] - marks["dataSet"]) / 1000,
        "frames_ms": frames,
        "json_parse_s": parsed["seconds"],
    }


def rows(sizes: Sizes, seed: int = 0) -> list[Row]:
    from weave_widgets.minimap._widget import ConversationMinimap

    data = load(*sizes.browser, seed)
    page = ConversationMinimap(data).to_html()
    result = measure(page, plain_json(data))
    case = f"{sizes.browser[0]:,}x{sizes.browser[1]}"
    first_paint = result["first_paint_s"]
    frames: list[float] = result["frames_ms"]
    median_frame = statistics.median(frames) if frames else float("nan")
    return [
        Row(
            "browser",
            f"{case} data set -> first full paint",
            ms(first_paint),
            f"{ms(result['json_parse_s'])} JSON.parse",
            faster(first_paint, result["json_parse_s"]),
            "< 300 ms",
            first_paint * 1000 < FIRST_PAINT_TARGET_MS,
            "baseline: JSON.parse of the same data as plain JSON, same browser",
        ),
        Row(
            "browser",
            f"{case} scroll frame ({len(frames)} frames)",
            f"median {median_frame:,.2f} ms, p95 {percentile(frames, 95) if frames else 0:,.2f} ms",
            f"{FRAME_TARGET_MS:.1f} ms budget",
            FRAME_TARGET_MS / median_frame if frames else 0.0,
            "< 16 ms median",
            bool(frames) and median_frame < FRAME_TARGET_MS,
            "weave-minimap:frame measures while scrolling; ratio = budget / median",
        ),
    ]
