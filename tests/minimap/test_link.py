"""``weave_widgets.link``: chart selections drive the widget (highlight, filter, picked rows)
and picked rows redraw the chart, through the traits the browser writes (``_vl_selections``)."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest
from minimap_sample import sample_data

import weave_widgets
from weave_widgets import ConversationMinimap, link


def _point(name: str, *points: dict[str, str]) -> dict[str, object]:
    return {name: {"value": {"vlPoint": {"or": list(points)}}, "store": []}}


def test_errors_chart_click_lights_spans_up_and_rows_redraw_it() -> None:
    data = sample_data()
    widget = ConversationMinimap(data)
    linked = link(widget, "errors")
    assert isinstance(linked.chart, alt.JupyterChart)
    linked.chart._vl_selections = _point(
        "operation_pick", {"operation_name": "execute_tool", "status": "ERROR"}
    )
    assert widget.highlight == {"operation_name": ["execute_tool"], "status": ["ERROR"]}
    linked.chart._vl_selections = _point("operation_pick")
    assert widget.highlight == {}
    ids = data.conversations["conversation_id"].astype(object).tolist()
    before = linked.chart.chart.to_dict()
    widget.selected_conversations = ids[:1]
    after = linked.chart.chart.to_dict()
    assert after["title"]["subtitle"] != before["title"]["subtitle"]  # fewer spans counted
    n_spans = int((data.spans["conversation_id"] == ids[0]).sum())
    assert f"of {n_spans:,}" in after["title"]["subtitle"]
    widget.selected_conversations = []
    assert linked.chart.chart.to_dict()["title"] == before["title"]
    linked.unlink()
    widget.selected_conversations = ids[:1]
    assert linked.chart.chart.to_dict()["title"] == before["title"]


def test_duration_brush_filters_rows() -> None:
    data = sample_data()
    widget = ConversationMinimap(data)
    linked = link(widget, data.chart("conversation_durations"))
    conv = data.conversations
    low, high = 2_000, 20_000
    linked.chart._vl_selections = {
        "duration_brush": {"value": {"wall_time_ms": [high, low]}, "store": []}
    }
    inside = conv[(conv["wall_time_ms"] >= low) & (conv["wall_time_ms"] <= high)]
    assert 0 < len(inside) < len(conv)
    assert widget.filter_conversations == inside["conversation_id"].astype(object).tolist()
    linked.chart._vl_selections = {"duration_brush": {"value": None, "store": []}}
    assert widget.filter_conversations is None


def test_a_users_chart_picking_conversations() -> None:
    data = sample_data()
    widget = ConversationMinimap(data)
    pick = alt.selection_point(name="pick", fields=["conversation_id"])
    frame = data.conversations.astype({"conversation_id": object})
    scatter = alt.Chart(frame).mark_point().encode(x="n_spans:Q", y="n_errors:Q").add_params(pick)
    linked = link(widget, scatter)
    assert linked.redraw is None  # not made by weave_widgets.charts: it only drives the widget
    first, second = frame["conversation_id"].iloc[:2]
    linked.chart._vl_selections = _point(
        "pick", {"conversation_id": first}, {"conversation_id": second}
    )
    assert widget.selected_conversations == [first, second]
    assert isinstance(widget.selection.spans, pd.DataFrame)


def test_refuses_what_it_cannot_link() -> None:
    with pytest.raises(TypeError, match="ConversationMinimap"):
        link(object(), "errors")  # type: ignore[arg-type]
    assert weave_widgets.link is link


def test_linked_charts_load_vega_without_a_network() -> None:
    data = sample_data()
    linked = link(ConversationMinimap(data), "errors")
    module = str(linked.chart._esm)
    assert "vegaEmbed" in module or "vega" in module
    assert not re.search(r"""(import|from)\s*\(?\s*["']https?://""", module)
