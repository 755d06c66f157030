"""``save``: PNG, SVG, PDF, HTML and JSON written offline through vl-convert."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from chart_data import HOSTILE, hostile_data, make_data

from weave_widgets import charts
from weave_widgets.charts import _export as export
from weave_widgets.charts._export import save
from weave_widgets.data._frames import ConversationData


@pytest.mark.parametrize(
    ("suffix", "header"),
    [(".png", b"\x89PNG\r\n\x1a\n"), (".pdf", b"%PDF-"), (".svg", b"<svg")],
)
@pytest.mark.filterwarnings("ignore:a font in this chart:UserWarning")
def test_images_have_valid_headers(
    tmp_path: Path, data: ConversationData, suffix: str, header: bytes
) -> None:
    written = save(charts.minimap_chart(data), tmp_path / f"minimap{suffix}")
    assert written == tmp_path / f"minimap{suffix}"
    assert written.read_bytes().startswith(header)


def test_pdf_is_vector_when_fonts_embed(tmp_path: Path, data: ConversationData) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdf = save(data.chart("turns"), tmp_path / "turns.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"/Font" in pdf
    assert b"/Subtype /Image" not in pdf


def test_pdf_falls_back_to_raster_when_a_font_cannot_embed(
    tmp_path: Path, data: ConversationData, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_font(spec: object) -> bytes:
        raise ValueError("Failed to convert SVG to PDF: An error occurred while subsetting a font.")

    monkeypatch.setattr(export.vlc, "vegalite_to_pdf", no_font)
    with pytest.warns(UserWarning, match="raster image; save as .svg"):
        pdf = save(data.chart("turns"), tmp_path / "turns.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"/Subtype /Image" in pdf


def test_png_scale_factor_sets_pixel_size(tmp_path: Path, data: ConversationData) -> None:
    def width(path: Path) -> int:
        return int.from_bytes(path.read_bytes()[16:20], "big")  # IHDR width

    one = save(data.chart("turns"), tmp_path / "one.png", scale_factor=1)
    two = save(data.chart("turns"), tmp_path / "two.png", scale_factor=2)
    assert width(two) == 2 * width(one)


def test_html_is_self_contained(tmp_path: Path, data: ConversationData) -> None:
    html = save(data.chart("errors"), tmp_path / "errors.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html), "no external scripts"
    assert "cdn" not in html.lower()
    assert "execute_tool" in html
    assert len(html) > 500_000, "vega, vega-lite and vega-embed are bundled inline"


def test_json_is_the_vega_lite_spec(tmp_path: Path, data: ConversationData) -> None:
    chart = data.chart("durations")
    spec = json.loads(save(chart, tmp_path / "spec.json").read_text(encoding="utf-8"))
    assert spec == chart.to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


def test_server_text_stays_text(tmp_path: Path) -> None:
    chart = charts.minimap_chart(hostile_data())
    svg = save(chart, tmp_path / "m.svg").read_text(encoding="utf-8")
    assert "<img" not in svg
    assert "<script" not in svg
    assert "&lt;img src=x" in svg
    html = save(chart, tmp_path / "m.html").read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert html.count("</script>") == html.count("<script")


def test_unknown_suffix_lists_the_supported_ones(tmp_path: Path, data: ConversationData) -> None:
    with pytest.raises(ValueError, match=r"'chart\.gif'.*\['\.png', '\.svg', '\.pdf'"):
        save(data.chart(), tmp_path / "chart.gif")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(data.chart(), tmp_path / "missing" / "chart.png")


def test_large_minimap_saves_when_asked(tmp_path: Path) -> None:
    data = make_data(n_conversations=850, n_turns=1)
    chart = charts.minimap_chart(data, max_spans=6_000, show_feedback=False, row_step=8)
    assert save(chart, tmp_path / "big.svg").read_text(encoding="utf-8").startswith("<svg")
