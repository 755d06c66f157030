"""The widget's chrome (toolbar, width key, legend, search) at the widths it meets: a wide
notebook, a 600 px output area, a 400 px side panel; measured from the DOM in real chromium,
light and dark. The layout follows the widget's own width, so the page stays wide and only the
widget's host is narrowed."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_support import PageLog
from minimap_dom import NEXT_FRAME, page_point
from minimap_sample import conversation

from weave_widgets.data._frames import ConversationData, conversation_data
from weave_widgets.minimap._widget import ConversationMinimap
from weave_widgets.models import AgentConversationSpansRes

pytestmark = pytest.mark.browser

#: The most room (CSS px) the chrome may take above the first row, per widget width.
CHROME_MAX = {320: 130, 400: 130, 600: 110, 880: 110, 1100: 160}


@pytest.fixture(scope="module")
def data() -> ConversationData:
    """Conversations with UUID ids (long enough to be cut) and errors in many rows."""
    rng = random.Random(7)
    entries = [
        conversation(
            rng,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            rng.randint(1, 6),
            error_rate=0.12,
        )
        for _ in range(30)
    ]
    return conversation_data(AgentConversationSpansRes(conversations=entries), project_id="e/p")


@pytest.fixture(scope="module")
def page_url(data: ConversationData, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("chrome") / "minimap.html"
    ConversationMinimap(data, height=400).to_html(path)
    return path.as_uri()


def at_width(page: Any, width: int) -> None:
    """Narrow the widget's host (not the window) to ``width`` px and let it lay out."""
    page.evaluate(
        "(w) => { document.getElementById('weave-minimap').style.width = w + 'px'; }", width
    )
    page.locator(".wwm-root").evaluate(NEXT_FRAME)


def chrome_height(page: Any) -> float:
    """CSS px between the widget's top edge and its first row."""
    return float(
        page.evaluate(
            """() => document.querySelector('.wwm-scroll').getBoundingClientRect().top
                   - document.querySelector('.wwm-root').getBoundingClientRect().top"""
        )
    )


#: Every control and text of the chrome that is shown: the boxes that must not overlap.
BOXES = """() => {
  const root = document.querySelector('.wwm-root').getBoundingClientRect();
  const parts = document.querySelectorAll(
    '.wwm-toolbar .wwm-field, .wwm-search, .wwm-summary, .wwm-png, .wwm-key-toggle, .wwm-key');
  return {
    root: [root.left, root.right],
    boxes: [...parts].filter((n) => n.getClientRects().length).map((n) => {
      const r = n.getBoundingClientRect();
      return { name: n.className, l: r.left, r: r.right, t: r.top, b: r.bottom,
               clipped: n.scrollWidth > n.clientWidth + 1 };
    }),
  };
}"""


def overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["l"] < b["r"] - 0.5
        and b["l"] < a["r"] - 0.5
        and a["t"] < b["b"] - 0.5
        and b["t"] < a["b"] - 0.5
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", sorted(CHROME_MAX))
def test_chrome_leaves_room_for_rows(
    open_minimap: Callable[..., tuple[Any, PageLog]], scheme: str, width: int, artifacts: Path
) -> None:
    page, log = open_minimap(color_scheme=scheme)
    at_width(page, width)
    root = page.locator(".wwm-root")
    assert root.evaluate("(r) => r.getBoundingClientRect().width") == width
    height = chrome_height(page)
    root.screenshot(path=artifacts / f"chrome-{scheme}-{width}.png")
    assert height <= CHROME_MAX[width], f"{height} px of chrome at {width} px"
    layout = "wide" if width >= 900 else "compact" if width >= 480 else "narrow"
    assert root.get_attribute("data-layout") == layout
    compact = layout != "wide"
    assert page.locator(".wwm-legend").is_visible() is not compact
    assert page.locator(".wwm-key-toggle").is_visible() is compact
    shown = page.evaluate(BOXES)
    left, right = shown["root"]
    for box in shown["boxes"]:
        assert left <= box["l"], f"{box['name']} sticks out at {width} px"
        assert box["r"] <= right, f"{box['name']} sticks out at {width} px"
        assert not box["clipped"], f"{box['name']} is clipped at {width} px"
    for i, a in enumerate(shown["boxes"]):
        for b in shown["boxes"][i + 1 :]:
            assert not overlaps(a, b), f"{a['name']} overlaps {b['name']} at {width} px"
    assert not log.errors


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_key_toggle_opens_the_legend(
    open_minimap: Callable[..., tuple[Any, PageLog]], scheme: str, artifacts: Path
) -> None:
    page, _ = open_minimap(color_scheme=scheme)
    at_width(page, 600)
    toggle = page.locator(".wwm-key-toggle")
    legend = page.locator(".wwm-legend")
    key = page.locator(".wwm-key")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == legend.get_attribute("id")
    short = key.inner_text()
    full_width = re.search(r"full width = [^;,]+", short)
    assert full_width, short
    assert full_width.group(0) in str(key.get_attribute("title")), "the tooltip says it in full"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert legend.is_visible()
    assert key.inner_text() == key.get_attribute("title"), "the open key says it in full"
    page.locator(".wwm-root").screenshot(path=artifacts / f"chrome-legend-open-{scheme}-600.png")
    # keyboard: Enter closes, Space opens, Tab goes from the toggle into the legend
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not legend.is_visible()
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('wwm-chip')")
    # a filter set in the legend stays visible on the closed toggle
    page.keyboard.press("Enter")
    toggle.click()
    assert re.fullmatch(r"Key · 1 filter ▸", toggle.inner_text()), toggle.inner_text()
    page.locator(".wwm-root").screenshot(path=artifacts / f"chrome-filtered-{scheme}-600.png")


def test_compact_tab_order(open_minimap: Callable[..., tuple[Any, PageLog]]) -> None:
    """Toolbar left to right, then the key toggle, then the rows (the closed legend is skipped)."""
    page, _ = open_minimap()
    at_width(page, 400)
    page.locator(".wwm-toolbar select[name=sort_by]").focus()
    stops = []
    for _ in range(12):
        stops.append(
            page.evaluate(
                "() => { const a = document.activeElement; return a.name || a.className; }"
            )
        )
        if "wwm-scroll" in stops[-1]:
            break
        page.keyboard.press("Tab")
    assert stops == [
        "sort_by",
        "sort_descending",
        "width_mode",
        "time_axis",
        "scale",
        "color_by",
        "filter_has_feedback",
        "wwm-button wwm-png",
        "wwm-button wwm-key-toggle",
        "wwm-scroll",
    ], stops


def test_narrow_labels_keep_errors_and_wall_time(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData, artifacts: Path
) -> None:
    page, _ = open_minimap()
    at_width(page, 400)
    root = page.locator(".wwm-root")
    conversations = data.conversations.set_index("conversation_id")
    checked = 0
    for conversation_id in conversations.index[:10]:
        label = root.evaluate("(r, c) => r.weaveMinimap.rowLabel(c)", conversation_id)
        assert label["id"].endswith(conversation_id[-4:]), label
        assert label["id"] != conversation_id, "a UUID is cut at 400 px"
        # the full text is in the row's tooltip, shown on the label
        row = root.evaluate("(r, c) => r.weaveMinimap.rowOf(c)", conversation_id)
        root.evaluate("(r, y) => { r.querySelector('.wwm-scroll').scrollTop = y; }", row * 40)
        root.evaluate(NEXT_FRAME)
        top = row * 40 - root.evaluate("(r) => r.querySelector('.wwm-scroll').scrollTop")
        page.mouse.move(*page_point(page, 30, top + 20))
        tooltip = page.locator(".wwm-tooltip").inner_text()
        assert conversation_id in tooltip
        wall = re.search(r"· (\S+(?: \S+)?) wall time", tooltip)
        assert wall, tooltip
        assert label["detail"].endswith(wall.group(1)), (label, tooltip)
        errors = int(conversations.loc[conversation_id, "n_errors"])
        if errors:
            assert f"{errors} err" in label["detail"], label
            checked += 1
        assert "…" not in label["detail"], label
    assert checked, "no conversation with errors among the first rows"
    root.screenshot(path=artifacts / "chrome-labels-400.png")
