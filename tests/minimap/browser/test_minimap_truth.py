"""Defects of issue #12, each caught in real chromium: keyboard, tooltip, scroll, filters,
Tab order and contrast measured from the canvas pixels, in both themes."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_support import PageLog
from minimap_dom import NEXT_FRAME, marker_rects, page_point, pixels, span_rect
from minimap_sample import sample_data
from wcag import contrast

from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap._widget import ConversationMinimap

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def data() -> ConversationData:
    return sample_data(60)


@pytest.fixture(scope="module")
def page_url(data: ConversationData, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("truth") / "minimap.html"
    ConversationMinimap(data, height=400).to_html(path)
    return path.as_uri()


def scroll_top(page: Any) -> float:
    return float(page.locator(".wwm-scroll").evaluate("(s) => s.scrollTop"))


def focus_minimap(page: Any) -> None:
    page.locator(".wwm-scroll").evaluate("(s) => s.focus({ preventScroll: true })")


def tooltip_shown(page: Any) -> bool:
    return bool(page.locator(".wwm-tooltip").evaluate("(t) => !t.hidden"))


def live(page: Any) -> str:
    return str(page.locator(".wwm-live").inner_text())


def row_of(page: Any, conversation_id: str) -> int:
    return int(
        page.locator(".wwm-root").evaluate("(r, c) => r.weaveMinimap.rowOf(c)", conversation_id)
    )


def test_keyboard_tooltip_goes_with_sort_filter_and_clicks(
    open_minimap: Callable[..., tuple[Any, PageLog]],
) -> None:
    page, _ = open_minimap()
    for leave in (
        lambda: page.select_option(".wwm-toolbar select[name=sort_by]", "spans"),
        lambda: page.locator(".wwm-chip[data-status=ERROR]").click(),
        lambda: page.locator(".wwm-summary").click(),
        lambda: page.evaluate("() => window.weaveMinimapModel.set('filter_category', ['llm'])"),
    ):
        focus_minimap(page)
        page.keyboard.press("ArrowRight")
        assert tooltip_shown(page)
        leave()
        assert not tooltip_shown(page), "the tooltip still describes a row that moved"


def test_sort_and_filter_start_at_the_top(
    open_minimap: Callable[..., tuple[Any, PageLog]],
) -> None:
    page, _ = open_minimap()
    for change in (
        lambda: page.select_option(".wwm-toolbar select[name=sort_by]", "turns"),
        lambda: page.locator(".wwm-direction").click(),
        lambda: page.locator(".wwm-chip[data-category=tool]").click(),
    ):
        page.locator(".wwm-scroll").evaluate("(s) => { s.scrollTop = 600; }")
        assert scroll_top(page) > 0
        change()
        assert scroll_top(page) == 0
    # a change of encoding keeps the place
    page.evaluate("() => window.weaveMinimapModel.set('filter_category', [])")
    page.locator(".wwm-scroll").evaluate("(s) => { s.scrollTop = 600; }")
    page.select_option(".wwm-toolbar select[name=color_by]", "status")
    assert scroll_top(page) == 600


def test_first_arrow_starts_in_view(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData
) -> None:
    page, _ = open_minimap()
    page.locator(".wwm-scroll").evaluate("(s) => { s.scrollTop = 20 * 40; }")
    page.locator(".wwm-root").evaluate(NEXT_FRAME)
    focus_minimap(page)
    page.keyboard.press("ArrowDown")
    expected = str(data.conversations["conversation_id"].iloc[20])
    assert f"conversation {expected}" in live(page)
    assert scroll_top(page) == 20 * 40


def centre(rect: dict[str, float]) -> float:
    return rect["x"] + rect["w"] / 2


def test_up_and_down_keep_the_horizontal_position(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData
) -> None:
    page, _ = open_minimap(viewport={"width": 1280, "height": 900})
    ids = data.conversations["conversation_id"].tolist()
    counts = data.conversations.set_index("conversation_id")["n_spans"]
    moved = 0
    for upper, lower in itertools.pairwise(ids[:13]):
        if not counts[upper] or not counts[lower]:
            continue
        shape = page.locator(".wwm-root").evaluate("(r, c) => r.weaveMinimap.rowShape(c)", lower)
        focus_minimap(page)
        page.keyboard.press("Escape")
        page.evaluate("() => window.weaveMinimapModel.set('selected', {})")
        # focus the last span of the upper row, then go down
        page.locator(".wwm-root").evaluate(
            "(r, c) => r.weaveMinimap.spanRect(c, 0)", upper
        )  # reveal
        start = span_rect(page, upper, int(counts[upper]) - 1)
        page.mouse.click(*page_point(page, centre(start), start["y"] + start["h"] / 2))
        page.keyboard.press("ArrowDown")
        match = re.search(r"span (\d+) of (\d+), conversation (\S+)", live(page))
        assert match, live(page)
        assert match.group(3) == lower, live(page)
        got = int(match.group(1)) - 1
        marks = [i for i in range(int(counts[lower])) if not shape["frames"][i]]
        nearest = min(marks, key=lambda i: abs(centre(span_rect(page, lower, i)) - centre(start)))
        assert got == nearest, (upper, lower, got, nearest)
        moved += got != int(counts[upper]) - 1
    assert moved, "no case where the index and the position differ"


def test_tab_reaches_the_minimap_in_few_presses(
    open_minimap: Callable[..., tuple[Any, PageLog]],
) -> None:
    page, _ = open_minimap()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    presses = 0
    while presses < 30:
        presses += 1
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.classList.contains('wwm-scroll')"):
            break
    assert presses <= 10, presses
    # the legend is one stop; arrows move inside it
    page.keyboard.press("Shift+Tab")
    first = page.evaluate("() => document.activeElement?.textContent")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => document.activeElement?.textContent") != first


def test_tooltip_stays_inside_a_small_output(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData, artifacts: Path
) -> None:
    page, _ = open_minimap(viewport={"width": 420, "height": 300})
    first = str(data.conversations["conversation_id"].iloc[0])
    n = int(data.conversations["n_spans"].iloc[0])
    r = span_rect(page, first, n - 1)
    # the output area scrolled so that the first row sits at the bottom edge of the view
    page.evaluate(
        "(y) => window.scrollTo(0, y)",
        page.locator(".wwm-canvas").evaluate(
            "(c) => c.getBoundingClientRect().top + window.scrollY"
        )
        + 40
        - 300,
    )
    page.mouse.move(*page_point(page, r["x"] + r["w"] / 2, r["y"] + r["h"] / 2))
    box = page.locator(".wwm-tooltip").bounding_box()
    assert box is not None
    assert tooltip_shown(page)
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["x"] + box["width"] <= 420 + 0.5
    assert box["y"] + box["height"] <= 300 + 0.5
    page.screenshot(path=artifacts / "truth-tooltip-small.png")


def test_two_filters_keep_only_rows_that_light_up(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData
) -> None:
    page, _ = open_minimap()
    spans = data.spans
    both = spans[(spans["status"] == "ERROR") & (spans["category"] == "tool")]
    page.locator(".wwm-chip[data-status=ERROR]").click()
    page.locator(".wwm-chip[data-category=tool]").click()
    summary = page.locator(".wwm-summary").inner_text()
    total = len(data.conversations)
    rows = both["conversation_id"].nunique()
    assert summary == f"{rows} of {total} conversations · {len(both)} matching spans", summary


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_contrast_measured_from_pixels(
    open_minimap: Callable[..., tuple[Any, PageLog]],
    data: ConversationData,
    scheme: str,
    artifacts: Path,
) -> None:
    page, _ = open_minimap(color_scheme=scheme)
    rated = data.ratings["conversation_id"].unique().tolist()
    measured = []
    for conversation_id in rated[:6]:
        for badge in (m for m in marker_rects(page, conversation_id) if m["kind"] == "rating"):
            box = pixels(page, badge["x"] + 3, badge["y"] + 2, badge["w"] - 6, badge["h"] - 4)
            fill = max(set(box), key=box.count)
            # the text's strokes: the pixels furthest from the fill, as a reader sees them
            text = sorted((contrast(p, fill) for p in box), reverse=True)[:12]
            measured.append(min(text))
    assert measured
    assert min(measured) >= 4.5, measured

    divider_contrast = []
    for conversation_id in data.conversations["conversation_id"].tolist()[:8]:
        shape = page.locator(".wwm-root").evaluate(
            "(r, c) => r.weaveMinimap.rowShape(c)", conversation_id
        )
        if not shape or not shape["dividers"]:
            continue
        r = span_rect(page, conversation_id, 0)
        line = pixels(page, shape["dividers"][0] - 2, r["y"] - 2, 5, 1)
        background = line[0]
        divider_contrast.append(max(contrast(p, background) for p in line))
    assert divider_contrast
    assert min(divider_contrast) >= 3, divider_contrast
    page.locator(".wwm-root").screenshot(path=artifacts / f"truth-contrast-{scheme}.png")


def test_text_tags_show_their_first_letters_and_unplaced_feedback_says_so(
    open_minimap: Callable[..., tuple[Any, PageLog]],
    data: ConversationData,
    artifacts: Path,
) -> None:
    """Two different text tags look different (their first letters on the mark, the whole
    text in the tooltip); feedback on a turn with no spans here sits behind a "?" after the
    row's last mark instead of floating at the track end."""
    page, _ = open_minimap()
    found: dict[str, dict[str, Any]] = {}
    shots = {}
    for text in ("helpful", "hallucination"):
        marks = marker_rects(page, first_with_tag(data, text))  # revealed and painted
        found[text] = next(m for m in marks if m["text"] == text)
        shots[text] = pixels(page, found[text]["x"], found[text]["y"], 34, found[text]["h"])
    assert shots["helpful"] != shots["hallucination"]
    assert found["hallucination"]["w"] > 40  # a label, not a 10 px shape
    marks = marker_rects(page, first_with_tag(data, "hallucination"))
    mark = next(m for m in marks if m["text"] == "hallucination")
    page.mouse.move(*page_point(page, mark["x"] + mark["w"] / 2, mark["y"] + mark["h"] / 2))
    assert "hallucination" in page.locator(".wwm-tooltip").inner_text()
    assert page.locator(".wwm-chip:has-text('text tag (first letters)')").count() == 1

    marks = marker_rects(page, "conv-000")
    kinds = [m["kind"] for m in marks]
    unplaced = marks[kinds.index("unplaced")]
    assert marks[kinds.index("unplaced") + 1]["text"] == "👎"
    spans = [
        span_rect(page, "conv-000", i) for i in range(int(data.conversations["n_spans"].iloc[0]))
    ]
    last = max(s["x"] + s["w"] for s in spans)
    assert unplaced["x"] <= last + 6.5
    page.mouse.move(*page_point(page, unplaced["x"] + 5, unplaced["y"] + 6))
    assert "not in these spans" in page.locator(".wwm-tooltip").inner_text()
    assert page.locator(".wwm-chip:has-text('feedback on a turn not drawn')").count() == 1
    page.locator(".wwm-root").screenshot(path=artifacts / "truth-tags.png")


def first_with_tag(data: ConversationData, tag: str) -> str:
    """The first conversation with text tag ``tag``."""
    feedback = data.feedback
    return str(feedback[feedback["tags"].map(lambda t: tag in t)]["conversation_id"].iloc[0])
