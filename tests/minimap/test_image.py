"""``save_png`` draws what the widget shows: the same rows (filters, then the sort), the same
encoding (turns as the unit, ERROR hatched, the cap mark, labelled text tags, rating badges on
the widget's scale), the legend and the width key; more rows are paged and the image says so;
the SVG and HTML twins are vector drawings of the same layout."""

from __future__ import annotations

import datetime
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from minimap_sample import conversation_data, sample_response
from PIL import Image
from wcag import contrast

from weave_widgets.client import WeaveClient
from weave_widgets.data._frames import ConversationData
from weave_widgets.demo import write_demo
from weave_widgets.minimap import _image, _layout, _scene
from weave_widgets.minimap._widget import ConversationMinimap
from weave_widgets.palette import (
    CATEGORY_COLORS,
    RATING_COLORS,
    RATING_COLORS_DARK,
    RATING_TEXT_COLOR,
    RATING_TEXT_COLOR_DARK,
    STATUS_COLORS,
)

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT_ID = "<script>alert(1)</script>"


def rgb(color: str) -> tuple[int, int, int]:
    return _scene.rgb(color)


def colours_in(image: Image.Image, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    pixels = np.asarray(image.crop(box).convert("RGB")).reshape(-1, 3)
    return {(int(r), int(g), int(b)) for r, g, b in np.unique(pixels, axis=0)}


def header_height(image: Image.Image, scale: float, rows: int) -> float:
    return image.height / scale - rows * _layout.ROW_HEIGHT - 4


@pytest.fixture(scope="module")
def data() -> ConversationData:
    """60 demo-like conversations and the edge cases; the first one's id is markup."""
    response = sample_response(60)
    first = response.conversations[0]
    response.conversations[0] = first.model_copy(update={"conversation_id": SCRIPT_ID})
    return conversation_data(response, project_id="test-entity/widget")


def test_rows_follow_the_widgets_sort_and_filters(data: ConversationData) -> None:
    conv = data.conversations
    rows = _layout.visible_rows(data, {"sort_by": "errors", "sort_descending": True})
    errors = conv["n_errors"].to_numpy()[rows]
    assert list(errors) == sorted(errors, reverse=True)
    rows = _layout.visible_rows(data, {"sort_by": "rating", "sort_descending": False})
    ratings = conv["mean_rating"].to_numpy()[rows]
    rated = [r for r in ratings if not math.isnan(r)]
    assert rated == sorted(rated)
    assert all(math.isnan(r) for r in ratings[len(rated) :])
    both = {"filter_status": ["ERROR"], "filter_category": ["tool"]}
    spans = data.spans
    lit = set(
        spans[(spans["status"] == "ERROR") & (spans["category"] == "tool")]["conversation_id"]
    )
    assert {conv["conversation_id"].iloc[c] for c in _layout.visible_rows(data, both)} == lit


def test_the_root_span_frames_its_turn_in_the_image_too() -> None:
    row = _layout.layout_spans(
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
    x, w = row.x, row.w
    turn0 = x[2] + w[2] - x[1]
    assert row.frame == [True, False, False, False]
    assert x[0] == x[1]
    assert w[0] == pytest.approx(turn0)
    assert abs(turn0 - w[3]) <= 1 + _layout.MIN_MARK


def test_save_png_draws_the_sorted_rows_errors_legend_and_key(
    data: ConversationData, tmp_path: Path
) -> None:
    widget = ConversationMinimap(data, sort_by="errors")
    out = widget.save_png(tmp_path / "m.png", scale=1)
    image = Image.open(out).convert("RGB")
    n = len(data.conversations)
    top = header_height(image, 1, n)
    assert image.size == (1100, round(top + n * 40 + 4))
    track = (round(_layout.columns(1100).track_x), 0, 1100, 0)
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
    shown = len(_layout.visible_rows(data, widget.options()))
    assert shown < len(data.conversations)
    assert image.height == round(header_height(image, 1, shown) + shown * 40 + 4)


def test_more_rows_than_a_page_are_paged_and_say_so(data: ConversationData, tmp_path: Path) -> None:
    widget = ConversationMinimap(data)
    image = Image.open(widget.save_png(tmp_path / "p.png", scale=1, max_rows=25, page=3))
    assert image.height < 25 * 40 + 140  # 10 rows on the last page
    with pytest.raises(ValueError, match="page must be between 1 and 3"):
        widget.save_png(tmp_path / "p.png", max_rows=25, page=4)


def test_svg_and_png_paint_one_layout(data: ConversationData, tmp_path: Path) -> None:
    """The SVG is vector (rects, text as text, the hatch as a pattern) with the PNG's marks."""
    widget = ConversationMinimap(data, sort_by="errors")
    scene = _scene.build(data, widget.options())
    image = _image.png(scene, 1).convert("RGB")
    root = ET.fromstring(widget.save_png(tmp_path / "m.svg").read_text(encoding="utf-8"))
    marks = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "span"]
    assert len(marks) == len(scene.spans) > 100
    spans = [s for s in scene.shapes if isinstance(s, _scene.Rect) and s.role == "span"]
    for mark, span in zip(marks, spans, strict=True):
        assert float(mark.get("x", "nan")) == pytest.approx(span.x0, abs=0.01)
        assert float(mark.get("width", "nan")) == pytest.approx(span.x1 - span.x0, abs=0.01)
        assert mark.get("fill") == span.fill
        if span.x1 - span.x0 >= 4 and span.fill != STATUS_COLORS["ERROR"]:
            centre = (int((span.x0 + span.x1) / 2), int((span.y0 + span.y1) / 2))
            assert image.getpixel(centre) == rgb(span.fill)
    assert root.find(f"{SVG}image") is None  # no embedded bitmap
    assert any(p.get("id", "").startswith("hatch") for p in root.iter(f"{SVG}pattern"))
    html = widget.save_png(tmp_path / "m.html").read_text(encoding="utf-8")
    assert "<svg" in html
    assert "base64" not in html
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.html"):
        widget.save_png(tmp_path / "m.jpg")


def test_server_text_stays_text_in_the_svg(data: ConversationData, tmp_path: Path) -> None:
    widget = ConversationMinimap(data)
    text = widget.save_png(tmp_path / "x.svg").read_text(encoding="utf-8")
    root = ET.fromstring(text)  # valid XML
    assert not [e for e in root.iter() if e.tag in (f"{SVG}script", "script", f"{SVG}img")]
    words = [e.text or "" for e in root.iter(f"{SVG}text")]
    assert any(SCRIPT_ID[:20] in w for w in words)  # the id, cut in the middle, as text
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert any(w.startswith("<img") for w in words)  # the XSS tag's label, as text


def test_text_tags_are_labelled_with_their_first_letters(data: ConversationData) -> None:
    scene = _scene.build(data, ConversationMinimap(data).options())
    tags = [item for _, item in scene.markers if item.kind == "tag"]
    assert {t.text for t in tags} >= {"helpful", "hallucination"}
    labels = {s.text for s in scene.shapes if isinstance(s, _scene.Text) and s.role == "tag"}
    assert {"helpful", "halluci…"} <= labels
    image = _image.png(scene, 2).convert("RGB")
    ids = data.conversations["conversation_id"].iloc[_layout.visible_rows(data, {})].tolist()
    header = scene.height - len(ids) * 40 - 4
    top = {cid: r for r, cid in enumerate(ids)}
    crops = {}
    for cid, item in scene.markers:
        if item.kind == "tag" and item.text in ("helpful", "off-topic") and item.text not in crops:
            y = header + top[cid] * 40 + _layout.MARKER_TOP
            box = (round(item.x * 2), round(y * 2), round((item.x + 30) * 2), round((y + 13) * 2))
            crops[item.text] = np.asarray(image.crop(box))
    assert len(crops) == 2
    assert not np.array_equal(crops["helpful"], crops["off-topic"])  # two tags look different


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_rating_badges_and_key_use_the_widgets_scale_and_read(
    data: ConversationData, theme: str
) -> None:
    dark = theme == "dark"
    scene = _scene.build(data, ConversationMinimap(data).options(), theme=theme)
    image = _image.png(scene, 2).convert("RGB")
    (key,) = [s for s in scene.shapes if isinstance(s, _scene.Gradient)]
    stops = RATING_COLORS_DARK if dark else RATING_COLORS
    middle = round(key.y0 + key.y1)  # at scale 2
    row = [image.getpixel((x, middle)) for x in range(round(key.x0 * 2), round(key.x1 * 2))]
    assert len(set(row)) >= 10  # a scale, not one swatch
    assert contrast(row[0], rgb(stops[0])) < 1.1
    assert contrast(row[-1], rgb(stops[-1])) < 1.1
    badges = [s for s in scene.shapes if isinstance(s, _scene.Rect) and s.role == "rating"]
    assert len(badges) > 5
    text = rgb(RATING_TEXT_COLOR_DARK if dark else RATING_TEXT_COLOR)
    measured = []
    ratings = [item.value for _, item in scene.markers if item.kind == "rating"]
    for badge, value in zip(badges, ratings, strict=True):
        assert badge.fill == _scene.rating_color(round(value / 0.05) * 0.05, dark)
        inner = (badge.x0 * 2 + 6, badge.y0 * 2 + 4, badge.x1 * 2 - 6, badge.y1 * 2 - 4)
        box = image.crop(tuple(round(v) for v in inner))
        pixels = [tuple(p) for p in np.asarray(box).reshape(-1, 3).tolist()]
        fill = max(set(pixels), key=pixels.count)
        assert fill == rgb(badge.fill)
        assert text in pixels  # the theme's badge text colour, as the widget draws it
        measured.append(min(sorted((contrast(p, fill) for p in pixels), reverse=True)[:12]))
    assert min(measured) >= 4.5, measured


def test_feedback_on_a_turn_not_drawn_says_so_after_the_row(data: ConversationData) -> None:
    """The first sample conversation has a 👎 on a trace with no spans here: it sits behind a
    "?" right after the row's last mark, not floating at the track end as if on a later turn."""
    options = ConversationMinimap(data).options()
    scene = _scene.build(data, options)
    mine = [item for cid, item in scene.markers if cid == SCRIPT_ID]
    kinds = [item.kind for item in mine]
    at = kinds.index("unplaced")
    assert mine[at + 1].text == "👎"
    spans = [x + w for cid, _, x, w in scene.spans if cid == SCRIPT_ID]
    assert mine[at].x <= max(spans) + 6 + 0.01
    legend = [s.text for s in scene.shapes if isinstance(s, _scene.Text)]
    assert "feedback on a turn not drawn" in legend


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
