"""Server text never becomes HTML in the browser: a hostile conversation id, trace id, span id,
operation name and tag render as text in the exported minimap page (headless chromium).

Hostile operation names and tags in the tooltip are covered by
``tests/minimap/browser/test_minimap_page.py::test_markup_in_server_text_stays_text``; this
adds the ids and the keyboard's live region, and a static guard on the TypeScript sources.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bench.browser import ARGS, CHROMIUM
from weave_widgets.data._frames import conversation_data
from weave_widgets.minimap._widget import ConversationMinimap
from weave_widgets.models import AgentConversationSpansRes

JS_SOURCES = Path(__file__).resolve().parents[2] / "js" / "src"
PWN = "<img src=x onerror=\"window.pwned=1;alert('xss')\">"
HOSTILE_ID = f"conv {PWN}"
HOSTILE_OP = '<svg onload="window.pwned=2"></svg>'
HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write|\bv-html\b")


def hostile_page(tmp_path: Path) -> str:
    res = AgentConversationSpansRes.model_validate(
        {
            "conversations": [
                {
                    "conversation_id": HOSTILE_ID,
                    "spans": [
                        {
                            "operation_name": op,
                            "trace_id": f"<b>turn</b>{n // 2}",
                            "span_id": f"<i>span</i>{n}",
                            "status": "ERROR" if n == 1 else "OK",
                            "duration_ms": 100 * (n + 1),
                        }
                        for n, op in enumerate(["invoke_agent", HOSTILE_OP, "chat"])
                    ],
                    "spans_feedback": [
                        {
                            "trace_id": "<b>turn</b>0",
                            "feedback_type": "wandb.agent_user_feedback",
                            "tags": [PWN],
                        }
                    ],
                }
            ]
        }
    )
    path = tmp_path / "hostile.html"
    ConversationMinimap(conversation_data(res)).to_html(path, title=PWN)
    return path.as_uri()


def record(log: list[str], message: str, then: Any) -> None:
    log.append(message)
    then()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")
def test_hostile_ids_render_as_text(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page: Any = browser.new_page()
            page.on("dialog", lambda d: record(dialogs, d.message, d.dismiss))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(hostile_page(tmp_path))
            page.wait_for_selector(".wwm-root[data-ready='1']", timeout=15_000)
            page.locator(".wwm-scroll").focus()
            for key in ("ArrowDown", "ArrowRight", "Enter"):
                page.keyboard.press(key)
            live = page.locator(".wwm-live").inner_text()
            selected = page.evaluate("() => window.weaveMinimapModel.get('selected')")
            title = page.locator("h1").inner_text()
            body = page.locator("body").inner_html()
            pwned = page.evaluate("() => window.pwned === undefined")
        finally:
            browser.close()
    assert selected["conversation_id"] == HOSTILE_ID
    assert selected["span_id"] == "<i>span</i>1"
    assert live.startswith(f"Selected {HOSTILE_OP}, other, ERROR")
    assert live.endswith(f"conversation {HOSTILE_ID}")
    assert title == PWN
    for markup in ("<img", "<svg", "<i>span", "<b>turn"):
        assert markup not in body
    assert pwned
    assert dialogs == []
    assert errors == []


def test_front_end_sources_have_no_html_sinks() -> None:
    sources = sorted(JS_SOURCES.glob("*.ts"))
    assert sources
    found = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sources
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HTML_SINKS.search(line)
    ]
    assert found == []
