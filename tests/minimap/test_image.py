"""``save_png`` draws what the widget shows: the same rows (filters, then the sort), the same
encoding (turns as the unit, ERROR hatched, the cap mark), the legend and the width key; more
rows are paged and the image says so; SVG and HTML twins hold the same picture."""

from __future__ import annotations

import base64
import datetime
import math
import re
from pathlib import Path

import numpy as np
import pytest
from minimap_sample import sample_data
from PIL import Image

from weave_widgets.client import WeaveClient
from weave_widgets.data._frames import ConversationData
from weave_widgets.demo import write_demo
from weave_widgets.minimap import _image
from weave_widgets.minimap._widget import ConversationMinimap
from weave_widgets.palette import CATEGORY_COLORS, STATUS_COLORS


def rgb(color: str) -> tuple[int, int, int]:
    return _image._rgb(color)


def colours_in(image: Image.Image, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    pixels = np.asarray(image.crop(box).convert("RGB")).reshape(-1, 3)
    return {(int(r), int(g), int(b)) for r, g, b in np.unique(pixels, axis=0)}


def header_height(image: Image.Image, scale: float, rows: int) -> float:
    return image.height / scale - rows * _image.ROW_HEIGHT - 4


@pytest.fixture(scope="module")
def data() -> ConversationData:
    return sample_data(60)


def test_rows_follow_the_widgets_sort_and_filters(data: ConversationData) -> None:
    conv = data.conversations
    rows = _image.visible_rows(data, {"sort_by": "errors", "sort_descending": True})
    errors = conv["n_errors"].to_numpy()[rows]
    assert list(errors) == sorted(errors, reverse=True)
    rows = _image.visible_rows(data, {"sort_by": "rating", "sort_descending": False})
    ratings = conv["mean_rating"].to_numpy()[rows]
    rated = [r for r in ratings if not math.isnan(r)]
    assert rated == sorted(rated)
    assert all(math.isnan(r) for r in ratings[len(rated) :])
    both = {"filter_status": ["ERROR"], "filter_category": ["tool"]}
    spans = data.spans
    lit = set(
        spans[(spans["status"] == "ERROR") & (spans["category"] == "tool")]["conversation_id"]
    )
    assert {conv["conversation_id"].iloc[c] for c in _image.visible_rows(data, both)} == lit


def test_the_root_span_frames_its_turn_in_the_image_too() -> None:
    x, w, _ = _image.layout_spans(
        [900, 500, 300, 900],
        [0, 0, 0, 1],
        [False] * 4,
        [True, False, False, False],
        0,
        1000,
        "duration",
        "linear",
        1000,
    )
    turn0 = x[2] + w[2] - x[1]
    assert x[0] == x[1]
    assert w[0] == pytest.approx(turn0)
    assert abs(turn0 - w[3]) <= 1 + _image.MIN_MARK


def test_save_png_draws_the_sorted_rows_errors_legend_and_key(
    data: ConversationData, tmp_path: Path
) -> None:
    widget = ConversationMinimap(data, sort_by="errors")
    out = widget.save_png(tmp_path / "m.png", scale=1)
    image = Image.open(out).convert("RGB")
    n = len(data.conversations)
    top = header_height(image, 1, n)
    assert image.size == (1100, round(top + n * 40 + 4))
    track = (_image.LABEL_WIDTH + 8, 0, 1100, 0)
    first = colours_in(image, (track[0], round(top), 1100, round(top + 40)))
    last = colours_in(image, (track[0], round(top + (n - 1) * 40), 1100, round(top + n * 40)))
    assert rgb(STATUS_COLORS["ERROR"]) in first  # the most errors on top
    assert rgb(STATUS_COLORS["ERROR"]) not in last
    legend = colours_in(image, (0, 0, 1100, round(top)))
    for name, colour in CATEGORY_COLORS.items():
        assert rgb(colour) in legend, name


def test_filters_dim_and_drop_rows_in_the_image(data: ConversationData, tmp_path: Path) -> None:
    widget = ConversationMinimap(data, filter_status=["ERROR"])
    image = Image.open(widget.save_png(tmp_path / "f.png", scale=1))
    shown = len(_image.visible_rows(data, widget.options()))
    assert shown < len(data.conversations)
    assert image.height == round(header_height(image, 1, shown) + shown * 40 + 4)


def test_more_rows_than_a_page_are_paged_and_say_so(data: ConversationData, tmp_path: Path) -> None:
    widget = ConversationMinimap(data)
    image = Image.open(widget.save_png(tmp_path / "p.png", scale=1, max_rows=25, page=3))
    assert image.height < 25 * 40 + 140  # 10 rows on the last page
    with pytest.raises(ValueError, match="page must be between 1 and 3"):
        widget.save_png(tmp_path / "p.png", max_rows=25, page=4)


def test_svg_and_html_twins_hold_the_png(data: ConversationData, tmp_path: Path) -> None:
    widget = ConversationMinimap(data.select(["conv-000", "conv-001"]))
    for suffix in ("svg", "html"):
        text = widget.save_png(tmp_path / f"m.{suffix}").read_text(encoding="utf-8")
        encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", text)
        assert encoded
        assert base64.b64decode(encoded.group(1))[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.html"):
        widget.save_png(tmp_path / "m.jpg")


def test_the_demos_own_200_conversations_save(
    local_server: str, project_id: str, tmp_path: Path
) -> None:
    """More than 5,000 spans: the Altair route refused these; the image draws them all."""
    with WeaveClient(project_id, url=local_server) as client:
        ids = write_demo(
            client, 200, now=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC), progress=False
        )
        data = client.conversation_spans(ids)
    assert len(data.spans) > 5000
    out = ConversationMinimap(data, sort_by="duration").save_png(tmp_path / "demo.png", scale=1)
    assert Image.open(out).height > 200 * 40
