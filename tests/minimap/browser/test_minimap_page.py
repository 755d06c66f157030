"""The exported minimap page in headless chromium: pixels, tooltip, keyboard, XSS, theme.

Fast route: ``widget.to_html`` opened over file:// (no kernel), driven through the page's
model shim (``window.weaveMinimapModel``).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_support import PageLog
from minimap_dom import (
    dominant,
    hex_rgb,
    marker_rects,
    page_point,
    pixel,
    rating_rgb,
    span_rect,
)
from minimap_sample import XSS_OPERATION, XSS_TAG, sample_data

from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap._widget import ConversationMinimap
from weave_widgets.palette import CATEGORY_COLORS, STATUS_COLORS

pytestmark = pytest.mark.browser

LIGHT_BG = (255, 255, 255)
DARK_BG = (22, 25, 31)
ERROR_OUTLINE_LIGHT = (92, 10, 10)


@pytest.fixture(scope="module")
def data() -> ConversationData:
    return sample_data(40)


@pytest.fixture(scope="module")
def page_url(data: ConversationData, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("page") / "minimap.html"
    ConversationMinimap(data, height=520).to_html(path, title="Conversation minimap")
    return path.as_uri()


def span(data: ConversationData, conversation_id: str, index: int) -> Any:
    spans = data.spans
    return spans[(spans["conversation_id"] == conversation_id)].iloc[index]


def model_get(page: Any, name: str) -> Any:
    return page.evaluate("(n) => window.weaveMinimapModel.get(n)", name)


def test_renders_offline_with_exact_colours(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData, artifacts: Path
) -> None:
    page, log = open_minimap()
    ok = span(data, "conv-000", 0)
    assert (ok["status"], ok["category"]) == ("OK", "agent")
    r = span_rect(page, "conv-000", 0)
    assert pixel(page, r["x"] + r["w"] / 2, r["y"] + r["h"] / 2) == hex_rgb(
        CATEGORY_COLORS["agent"]
    )

    assert span(data, "conv-000", 1)["status"] == "ERROR"
    e = span_rect(page, "conv-000", 1)
    assert dominant(page, e["x"] + 3, e["y"] + 3, e["w"] - 6, e["h"] - 6) == hex_rgb(
        STATUS_COLORS["ERROR"]
    )
    assert pixel(page, e["x"] + 0.5, e["y"] + e["h"] / 2) == ERROR_OUTLINE_LIGHT
    assert pixel(page, e["x"] + e["w"] - 0.5, e["y"] + e["h"] / 2) == ERROR_OUTLINE_LIGHT

    assert span(data, "conv-000", 2)["status"] == "UNSET"
    u = span_rect(page, "conv-000", 2)
    unset_category = span(data, "conv-000", 2)["category"]
    # UNSET is OTel's status of a span that did not fail: filled like OK, never hollow
    assert pixel(page, u["x"] + u["w"] / 2, u["y"] + u["h"] / 2) == hex_rgb(
        CATEGORY_COLORS[unset_category]
    )

    markers = marker_rects(page, "conv-000")
    badge = next(m for m in markers if m["kind"] == "rating" and m["value"] == 0.9)
    assert pixel(page, badge["x"] + 3.5, badge["y"] + badge["h"] / 2) == rating_rgb(0.9)
    emoji = next(m for m in markers if m["kind"] == "emoji")
    glyph = dominant(page, emoji["x"], emoji["y"], emoji["w"], emoji["h"])
    assert any(
        pixel(page, emoji["x"] + dx, emoji["y"] + dy) != LIGHT_BG
        for dx in range(2, 12)
        for dy in range(2, 11)
    ), f"no glyph drawn (dominant {glyph})"

    assert all(u.startswith(("file:", "blob:", "data:")) for u in log.requests), log.requests
    assert log.errors == []
    page.locator(".wwm-canvas").screenshot(path=artifacts / "page-canvas-light.png")
    page.screenshot(path=artifacts / "page-light.png", full_page=True)


def test_hover_shows_the_span_tooltip_as_text(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData, artifacts: Path
) -> None:
    page, _ = open_minimap()
    target = span(data, "conv-000", 1)
    r = span_rect(page, "conv-000", 1)
    page.mouse.move(*page_point(page, r["x"] + r["w"] / 2, r["y"] + r["h"] / 2))
    tooltip = page.locator(".wwm-tooltip")
    assert tooltip.is_visible()
    text = tooltip.inner_text()
    for expected in (
        target["operation_name"],
        f"{target['category']} · ERROR",
        "duration ",
        f"turn {target['turn_index'] + 1} of",
        f"span {target['span_id']}",
        "Feedback on this turn",
        XSS_TAG,
        "quality .90",
    ):
        assert expected in text, (expected, text)
    page.screenshot(path=artifacts / "page-tooltip.png")


def test_markup_in_server_text_stays_text(
    open_minimap: Callable[..., tuple[Any, PageLog]], artifacts: Path
) -> None:
    page, log = open_minimap()
    r = span_rect(page, "conv-001", 0)
    page.mouse.move(*page_point(page, r["x"] + r["w"] / 2, r["y"] + r["h"] / 2))
    assert page.locator(".wwm-tooltip .wwm-tt-title").inner_text() == XSS_OPERATION
    page.screenshot(path=artifacts / "page-xss-operation.png")

    tag = next(m for m in marker_rects(page, "conv-000") if m["text"] == XSS_TAG)
    page.mouse.move(*page_point(page, tag["x"] + tag["w"] / 2, tag["y"] + tag["h"] / 2))
    assert XSS_TAG in page.locator(".wwm-tooltip").inner_text()
    page.screenshot(path=artifacts / "page-xss-tag.png")

    page.wait_for_timeout(100)
    assert page.locator("img").count() == 0
    assert page.locator(".wwm-root script").count() == 0
    assert log.dialogs == []
    assert log.errors == []


def test_keyboard_moves_selects_and_clears(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData
) -> None:
    page, _ = open_minimap()
    page.locator(".wwm-scroll").focus()
    for key in ("ArrowDown", "ArrowRight", "Enter"):
        page.keyboard.press(key)
    target = span(data, "conv-000", 1)
    assert model_get(page, "selected") == {
        "conversation_id": "conv-000",
        "trace_id": target["trace_id"],
        "span_id": target["span_id"],
    }
    assert page.locator(".wwm-live").inner_text().startswith("Selected ")
    page.keyboard.press("ArrowDown")
    assert "conversation conv-001" in page.locator(".wwm-live").inner_text()
    page.keyboard.press("Escape")
    assert model_get(page, "selected") == {}

    far = span(data, "conv-035", 3)
    page.evaluate(
        "(v) => window.weaveMinimapModel.set('selected', v)",
        {"conversation_id": "conv-035", "trace_id": far["trace_id"], "span_id": far["span_id"]},
    )
    assert page.locator(".wwm-scroll").evaluate("(s) => s.scrollTop") > 0  # revealed
    page.keyboard.press("ArrowRight")
    assert "span 5 of" in page.locator(".wwm-live").inner_text()


def test_click_and_controls_drive_the_model(
    open_minimap: Callable[..., tuple[Any, PageLog]], data: ConversationData
) -> None:
    page, _ = open_minimap()
    r = span_rect(page, "conv-003", 2)
    page.mouse.click(*page_point(page, r["x"] + r["w"] / 2, r["y"] + r["h"] / 2))
    assert model_get(page, "selected")["span_id"] == span(data, "conv-003", 2)["span_id"]

    page.select_option(".wwm-toolbar select[name=sort_by]", "errors")
    # choosing "errors" puts the most errors first, and the button says so
    assert model_get(page, "sort_by") == "errors"
    assert model_get(page, "sort_descending") is True
    assert page.locator(".wwm-direction").inner_text() == "↓ most first"
    most_errors = data.conversations.sort_values("n_errors", ascending=False, kind="stable")
    top = str(most_errors.iloc[0]["conversation_id"])
    row_of = "(root, c) => root.weaveMinimap.rowOf(c)"
    assert page.locator(".wwm-root").evaluate(row_of, top) == 0
    page.locator(".wwm-direction").click()
    assert model_get(page, "sort_descending") is False
    assert page.locator(".wwm-direction").inner_text() == "↑ fewest first"
    page.select_option(".wwm-toolbar select[name=sort_by]", "rating")
    assert model_get(page, "sort_descending") is False
    assert page.locator(".wwm-direction").inner_text() == "↑ lowest first"
    rated = data.conversations.dropna(subset=["mean_rating"])
    lowest = str(rated.sort_values("mean_rating", kind="stable").iloc[0]["conversation_id"])
    assert page.locator(".wwm-root").evaluate(row_of, lowest) == 0
    page.select_option(".wwm-toolbar select[name=sort_by]", "duration")
    assert model_get(page, "sort_descending") is True
    longest = data.conversations.sort_values("wall_time_ms", ascending=False, kind="stable")
    top = str(longest.iloc[0]["conversation_id"])
    assert page.locator(".wwm-root").evaluate(row_of, top) == 0

    page.locator(".wwm-chip[data-status=ERROR]").click()
    assert model_get(page, "filter_status") == ["ERROR"]
    with_errors = int((data.conversations["n_errors"] > 0).sum())
    total = len(data.conversations)
    assert page.locator(".wwm-summary").inner_text().startswith(f"{with_errors} of {total}")

    page.evaluate("() => window.weaveMinimapModel.set('filter_status', [])")
    assert page.locator(".wwm-summary").inner_text().startswith(f"{total} of {total}")


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_theme_follows_the_host(
    open_minimap: Callable[..., tuple[Any, PageLog]], scheme: str, artifacts: Path
) -> None:
    page, _ = open_minimap(color_scheme=scheme)
    root = page.locator(".wwm-root")
    assert root.get_attribute("data-theme") == scheme
    background = DARK_BG if scheme == "dark" else LIGHT_BG
    span_rect(page, "conv-000", 0)  # scrolled to the top, painted
    assert pixel(page, 4, 4) == background  # first row, left padding
    page.screenshot(path=artifacts / f"page-{scheme}.png")
    forced = "light" if scheme == "dark" else "dark"
    page.evaluate("(t) => window.weaveMinimapModel.set('theme', t)", forced)
    assert root.get_attribute("data-theme") == forced


def test_hidpi_canvas_is_crisp(open_minimap: Callable[..., tuple[Any, PageLog]]) -> None:
    page, _ = open_minimap(device_scale_factor=2)
    size = page.locator(".wwm-canvas").evaluate("(c) => [c.width, c.clientWidth]")
    assert size[0] == 2 * size[1]
    r = span_rect(page, "conv-000", 0)
    assert pixel(page, r["x"] + r["w"] / 2, r["y"] + r["h"] / 2) == hex_rgb(
        CATEGORY_COLORS["agent"]
    )


def test_virtualised_scrolling_and_span_cap_hint(
    open_minimap: Callable[..., tuple[Any, PageLog]], artifacts: Path
) -> None:
    page, _ = open_minimap()
    marks = page.evaluate(
        "(names) => names.map((n) => performance.getEntriesByName(n).length)",
        ["weave-minimap:data-set", "weave-minimap:first-paint", "weave-minimap:frame"],
    )
    assert marks[0] >= 1
    assert marks[1] == 1
    assert marks[2] >= 1
    renders = int(page.locator(".wwm-root").get_attribute("data-renders") or 0)
    page.locator(".wwm-scroll").evaluate("(s) => { s.scrollTop = s.scrollHeight; }")
    page.locator(".wwm-root").evaluate("() => new Promise((r) => requestAnimationFrame(r))")
    assert int(page.locator(".wwm-root").get_attribute("data-renders") or 0) > renders
    r = span_rect(page, "conv-capped", 0)
    page.mouse.move(*page_point(page, 20, r["y"]))
    assert "older spans dropped by the server" in page.locator(".wwm-tooltip").inner_text()
    page.locator(".wwm-canvas").screenshot(path=artifacts / "page-capped-row.png")


def test_png_button_downloads_the_canvas(
    open_minimap: Callable[..., tuple[Any, PageLog]], artifacts: Path
) -> None:
    page, _ = open_minimap()
    with page.expect_download() as info:
        page.locator(".wwm-png").click()
    path = artifacts / "page-download.png"
    info.value.save_as(path)
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    size = page.locator(".wwm-canvas").evaluate("(c) => [c.width, c.height]")
    # the rows as drawn, with the legend and the width key above them
    assert width == size[0]
    assert height == size[1] + 44
    from PIL import Image

    image = Image.open(path).convert("RGB")
    top = {image.getpixel((x, y)) for x in range(0, width, 2) for y in range(0, 44)}
    assert hex_rgb(CATEGORY_COLORS["agent"]) in top
    key_ink = {image.getpixel((x, 32)) for x in range(12, 400)}
    assert len(key_ink) > 3  # the key's text is there


def test_status_legend_swatches_match_the_marks(
    open_minimap: Callable[..., tuple[Any, PageLog]],
) -> None:
    """OK and UNSET (OTel's success) are plain filled swatches like their marks; ERROR alone is
    hatched and outlined."""
    page, _ = open_minimap()
    swatches = page.evaluate(
        """() => Object.fromEntries(['ok', 'unset', 'error'].map((name) => {
            const s = getComputedStyle(document.querySelector(`.wwm-sw-${name}`));
            return [name, {image: s.backgroundImage, color: s.backgroundColor, inset: s.boxShadow}];
        }))"""
    )
    for name in ("ok", "unset"):
        assert swatches[name]["image"] == "none", swatches
        assert swatches[name]["color"] not in ("rgba(0, 0, 0, 0)", "transparent"), swatches
        assert swatches[name]["inset"] == "none", swatches
    assert "repeating-linear-gradient" in swatches["error"]["image"], swatches
    assert swatches["error"]["inset"] != "none", swatches
