"""Exploring in the exported page (real chromium, no kernel): multi-selection by row labels
(click, shift-click, ctrl-click, drag), rows picked from Python, spans lit up and rows kept by
a linked view, and the user's own categories in the legend and on the marks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_support import PageLog, open_page
from minimap_dom import NEXT_FRAME, dominant, hex_rgb, page_point, pixel, span_rect
from minimap_sample import sample_data

from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap._widget import ConversationMinimap

pytestmark = pytest.mark.browser

ACCENT_LIGHT = hex_rgb("#1f6feb")
TOOLS = "#123456"
TRACK_HEIGHT = 16


@pytest.fixture(scope="module")
def data() -> ConversationData:
    return sample_data(30).with_categories(
        {"execute_tool": "tools", "chat": "model calls"}, colors={"tools": TOOLS}
    )


@pytest.fixture(scope="module")
def page_url(data: ConversationData, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("explore") / "explore.html"
    ConversationMinimap(data, height=600).to_html(path, title="Explore")
    return path.as_uri()


def model_get(page: Any, name: str) -> Any:
    return page.evaluate("(n) => window.weaveMinimapModel.get(n)", name)


def model_set(page: Any, name: str, value: Any) -> None:
    page.evaluate("([n, v]) => window.weaveMinimapModel.set(n, v)", [name, value])
    page.locator(".wwm-root").evaluate(NEXT_FRAME)


def ids(data: ConversationData) -> list[str]:
    return [str(c) for c in data.conversations["conversation_id"]]


def label_point(page: Any, conversation_id: str) -> tuple[float, float]:
    """A point on the row label of a conversation (page coordinates)."""
    r = span_rect(page, conversation_id, 0) if _has_spans(page, conversation_id) else None
    assert r is not None
    return page_point(page, 30, r["y"] + r["h"] / 2)


def _has_spans(page: Any, conversation_id: str) -> bool:
    row = page.locator(".wwm-root").evaluate(
        "(root, c) => root.weaveMinimap.rowOf(c)", conversation_id
    )
    return bool(row >= 0)


def test_click_shift_ctrl_and_drag_pick_rows(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData, artifacts: Path
) -> None:
    page, log = open_minimap()
    c = ids(data)
    page.mouse.click(*label_point(page, c[1]))
    assert model_get(page, "selected_conversations") == [c[1]]
    page.keyboard.down("Shift")
    page.mouse.click(*label_point(page, c[4]))
    page.keyboard.up("Shift")
    assert model_get(page, "selected_conversations") == c[1:5]
    page.keyboard.down("Control")
    page.mouse.click(*label_point(page, c[2]))
    page.keyboard.up("Control")
    assert model_get(page, "selected_conversations") == [c[1], c[3], c[4]]
    assert page.locator(".wwm-root").get_attribute("data-picked") == "3"
    r = span_rect(page, c[3], 0)
    assert pixel(page, 1, r["y"]) == ACCENT_LIGHT  # the picked row's accent bar
    r0 = span_rect(page, c[0], 0)
    assert pixel(page, 1, r0["y"]) != ACCENT_LIGHT

    start = label_point(page, c[6])
    end = label_point(page, c[9])
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0], (start[1] + end[1]) / 2, steps=4)
    page.mouse.move(*end, steps=4)
    page.mouse.up()
    assert model_get(page, "selected_conversations") == c[6:10]
    page.mouse.click(*label_point(page, c[7]))  # a plain click picks just that row
    page.mouse.click(*label_point(page, c[7]))  # and again: none
    assert model_get(page, "selected_conversations") == []
    page.locator(".wwm-root").screenshot(path=artifacts / "explore-picked-light.png")
    assert not log.errors


def test_python_picks_highlight_and_row_filter(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData, artifacts: Path
) -> None:
    page, log = open_minimap(viewport={"width": 700, "height": 800}, color_scheme="dark")
    c = ids(data)
    model_set(page, "selected_conversations", [c[2], c[5]])
    assert page.locator(".wwm-root").get_attribute("data-picked") == "2"
    r = span_rect(page, c[5], 0)
    assert pixel(page, 1, r["y"]) == hex_rgb("#58a6ff")  # dark theme accent

    model_set(page, "highlight", {"operation_name": ["execute_tool"], "status": ["ERROR"]})
    spans = data.spans
    lit = spans[(spans["operation_name"] == "execute_tool") & (spans["status"] == "ERROR")]
    assert page.locator(".wwm-root").get_attribute("data-lit") == str(len(lit))
    first = lit.iloc[0]
    rect = span_rect(page, str(first["conversation_id"]), int(first["span_index"]))
    # under the track (ROW.trackHeight = 16 px, the turn's framing band included)
    under = dominant(page, rect["x"], rect["y"] + TRACK_HEIGHT + 2, max(2, rect["w"]), 3)
    assert under == hex_rgb("#58a6ff")  # the bar under a lit span
    page.locator(".wwm-root").screenshot(path=artifacts / "explore-lit-dark-narrow.png")

    model_set(page, "filter_conversations", c[:3])
    total = len(data.conversations)
    assert page.locator(".wwm-summary").inner_text().startswith(f"3 of {total}")
    model_set(page, "filter_conversations", None)
    assert page.locator(".wwm-summary").inner_text().startswith(f"{total} of {total}")
    assert not log.errors


def test_own_categories_in_legend_and_marks(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData, artifacts: Path
) -> None:
    page, log = open_minimap(viewport={"width": 1400, "height": 800})
    chips = page.locator(".wwm-chip[data-category]")
    names = [chips.nth(i).get_attribute("data-category") for i in range(chips.count())]
    assert names == list(data.categories)
    spans = data.spans
    tool = spans[(spans["category"] == "tools") & (spans["status"] != "ERROR")].iloc[0]
    r = span_rect(page, str(tool["conversation_id"]), int(tool["span_index"]))
    assert dominant(page, r["x"], r["y"] + 2, max(1, r["w"]), r["h"] - 4) == hex_rgb(TOOLS)
    page.locator(".wwm-chip[data-category='tools']").click()
    assert model_get(page, "filter_category") == ["tools"]
    page.locator(".wwm-root").screenshot(path=artifacts / "explore-categories-light-wide.png")
    assert not log.errors


def test_cohorts_sections_fold_and_pick(
    browser: Any, data: ConversationData, tmp_path: Path, artifacts: Path
) -> None:
    c = ids(data)
    cohort = {
        cid: ("with errors" if n > 0 else "clean")
        for cid, n in zip(c, data.conversations["n_errors"], strict=True)
    }
    path = tmp_path / "cohorts.html"
    ConversationMinimap(
        data, group_by=cohort, sort_by="spans", sort_descending=True, height=1500
    ).to_html(path)
    for scheme, width in (("light", 1300), ("dark", 640)):
        page, log = open_page(
            browser, viewport={"width": width, "height": 1700}, color_scheme=scheme
        )
        page.goto(path.as_uri())
        page.wait_for_selector(".wwm-root[data-ready='1']", timeout=15_000)
        root = page.locator(".wwm-root")
        clean = [x for x in c if cohort[x] == "clean"]
        failing = [x for x in c if cohort[x] == "with errors"]
        # clean first (labels sorted), its header in row 0, rows sorted by spans within it
        assert root.evaluate("(r, x) => r.weaveMinimap.rowOf(x)", clean[0]) >= 1
        rows = [root.evaluate("(r, x) => r.weaveMinimap.rowOf(x)", x) for x in failing]
        assert min(rows) == len(clean) + 2  # after the clean header, its rows and our header
        spans = data.conversations.set_index("conversation_id")["n_spans"]
        by_row = [spans[x] for _, x in sorted(zip(rows, failing, strict=True))]
        assert by_row == sorted(by_row, reverse=True)
        page.locator(".wwm-root").screenshot(path=artifacts / f"explore-cohorts-{scheme}.png")
        header_y = (len(clean) + 1) * 40 + 20  # the "with errors" header row
        page.keyboard.down("Shift")
        page.mouse.click(*page_point(page, 40, header_y))
        page.keyboard.up("Shift")
        assert sorted(model_get(page, "selected_conversations")) == sorted(failing)
        page.mouse.click(*page_point(page, 40, 20))  # fold "clean"
        assert model_get(page, "collapsed_groups") == ["clean"]
        assert root.evaluate("(r, x) => r.weaveMinimap.rowOf(x)", clean[0]) == -1
        assert root.evaluate("(r, x) => r.weaveMinimap.rowOf(x)", failing[0]) >= 2
        # folding hides rows, it does not filter them: the summary still counts them
        assert page.locator(".wwm-summary").inner_text().startswith(f"{len(c)} of {len(c)}")
        page.locator(".wwm-root").screenshot(
            path=artifacts / f"explore-cohorts-folded-{scheme}.png"
        )
        assert not log.errors
        page.context.close()


def test_align_turn_lines_up_turns(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData, artifacts: Path
) -> None:
    page, log = open_minimap()
    spans = data.spans
    firsts = spans[spans["turn_index"] == 1].groupby("conversation_id", observed=True)
    starts = firsts["span_index"].min().head(6)
    before = {span_rect(page, str(cid), int(i))["x"] for cid, i in starts.items()}
    assert len(before) > 1  # end to end, turn 1 starts wherever turn 0 ends
    key = page.locator(".wwm-key")
    assert key.inner_text().startswith("Width: wall time per turn")
    assert "full width = " in key.inner_text()
    model_set(page, "align", "turn")
    after = {round(span_rect(page, str(cid), int(i))["x"], 3) for cid, i in starts.items()}
    assert len(after) == 1  # aligned: turn 1 starts in the same column in every row
    # the key says what width means now: turn columns, not the shared time scale
    aligned = key.inner_text()
    assert aligned.startswith("Aligned by turn: column k holds turn k of every row"), aligned
    assert "all columns equally wide" in aligned
    assert "full width" not in aligned
    page.locator(".wwm-root").screenshot(path=artifacts / "explore-align-turn-light.png")
    model_set(page, "align", "none")
    assert "full width = " in key.inner_text()
    assert not log.errors
