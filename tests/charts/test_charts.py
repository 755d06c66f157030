"""The Altair charts: what each one draws, read back from its Vega-Lite spec."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import pytest
from chart_data import make_data

from weave_widgets import charts
from weave_widgets.data._frames import ConversationData
from weave_widgets.palette import CATEGORIES, CATEGORY_COLORS, STATUS_COLORS


def layers(chart: Any) -> list[dict[str, Any]]:
    """Each layer of a chart's spec with its rows inlined as ``values``."""
    spec = chart.to_dict()
    datasets = spec.get("datasets", {})
    out = []
    for layer in spec.get("layer", [spec]):
        data = layer.get("data", spec.get("data", {}))
        values = data["values"] if "values" in data else datasets[data["name"]]
        out.append({**layer, "values": values})
    return out


def by_mark(chart: Any, mark: str) -> list[dict[str, Any]]:
    found = []
    for layer in layers(chart):
        kind = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if kind == mark:
            found.append(layer)
    return found


def test_minimap_one_row_per_conversation_in_order(data: ConversationData) -> None:
    chart = charts.minimap_chart(data)
    [bars] = by_mark(chart, "bar")
    domain = bars["encoding"]["y"]["scale"]["domain"]
    assert domain == list(data.conversations["conversation_id"])
    assert domain[-1] == "empty-conv"
    assert len(bars["values"]) == len(data.spans)


def test_minimap_lays_spans_end_to_end(data: ConversationData) -> None:
    [bars] = by_mark(charts.minimap_chart(data, width_by="uniform"), "bar")
    frame = pd.DataFrame(bars["values"])
    assert (frame["x0"] == frame["span_index"]).all()
    assert (frame["x1"] == frame["span_index"] + 1).all()

    [bars] = by_mark(charts.minimap_chart(data, scale="linear"), "bar")
    frame = pd.DataFrame(bars["values"])
    first = frame[frame["conversation_id"] == "conv-0000"]
    assert first["x0"].iloc[0] == 0
    assert (first["x0"].iloc[1:].to_numpy() == first["x1"].iloc[:-1].to_numpy()).all()
    timed = first["duration_ms"] > 0
    widths = first["x1"] - first["x0"]
    assert (widths[timed] == first["duration_ms"][timed]).all()
    assert (widths[~timed] > 0).all(), "zero-length spans keep a visible width"


@pytest.mark.parametrize("scale", ["sqrt", "log"])
def test_minimap_scales_compress_long_spans(data: ConversationData, scale: str) -> None:
    [bars] = by_mark(charts.minimap_chart(data, scale=scale), "bar")  # type: ignore[arg-type]
    frame = pd.DataFrame(bars["values"])
    longest = frame.loc[frame["duration_ms"].idxmax()]
    assert longest["x1"] - longest["x0"] < longest["duration_ms"] / 10
    assert scale in bars["encoding"]["x"]["title"] or "√" in bars["encoding"]["x"]["title"]


def test_minimap_colours_come_from_categories(data: ConversationData) -> None:
    [bars] = by_mark(charts.minimap_chart(data), "bar")
    scale = bars["encoding"]["color"]["scale"]
    assert scale["domain"] == list(CATEGORIES)
    assert scale["range"] == [CATEGORY_COLORS[c] for c in CATEGORIES]

    [bars] = by_mark(charts.minimap_chart(data, color_by="status"), "bar")
    scale = bars["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == STATUS_COLORS


def test_minimap_outlines_error_spans_in_red(data: ConversationData) -> None:
    [bars] = by_mark(charts.minimap_chart(data), "bar")
    stroke = bars["encoding"]["stroke"]
    assert "ERROR" in stroke["condition"]["test"]
    assert stroke["condition"]["value"] == STATUS_COLORS["ERROR"]
    assert stroke["value"] != STATUS_COLORS["ERROR"]
    statuses = {row["status"] for row in bars["values"]}
    assert statuses == {"OK", "ERROR"}


def test_minimap_ticks_mark_each_new_turn(data: ConversationData) -> None:
    [ticks] = by_mark(charts.minimap_chart(data), "tick")
    frame = pd.DataFrame(ticks["values"])
    per_conv = frame.groupby("conversation_id").size()
    assert (per_conv == 2).all()
    assert len(per_conv) == 6
    [bars] = by_mark(charts.minimap_chart(data), "bar")
    spans = pd.DataFrame(bars["values"])
    starts = spans[(spans["span_index"] == 6) & (spans["conversation_id"] == "conv-0002")]
    assert frame[frame["conversation_id"] == "conv-0002"]["x0"].min() == starts["x0"].iloc[0]


def test_minimap_feedback_markers_at_their_turn(data: ConversationData) -> None:
    chart = charts.minimap_chart(data, width_by="uniform")
    emoji_layer, tag_layer, rating_layer = by_mark(chart, "text")
    emojis = pd.DataFrame(emoji_layer["values"]).set_index(["conversation_id", "x"])["text"]
    assert emojis[("conv-0001", 0)] == "👍"
    assert emojis[("conv-0001", 6)] == "👎"  # turn 1 starts at its 7th span
    tags = pd.DataFrame(tag_layer["values"]).set_index(["conversation_id", "x"])
    assert tags.loc[("conv-0000", 0), "text"] == "needs-review · helpful"
    assert tags.loc[("conv-0000", 0), "where"] == "conversation, turn 0"
    assert tags.loc[("conv-0000", 12), "text"] == "helpful"
    ratings = pd.DataFrame(rating_layer["values"]).set_index(["conversation_id", "x"])
    expected = data.ratings[
        (data.ratings["conversation_id"] == "conv-0003") & (data.ratings["turn_index"] == 2)
    ]
    badge = ratings.loc[("conv-0003", 12)]
    assert badge["value"] == pytest.approx(expected["value"].mean())
    assert badge["text"] == f"★{expected['value'].mean():.2f}"
    assert badge["detail"].startswith("quality ")
    assert rating_layer["encoding"]["color"]["field"] == "value"


def test_minimap_without_feedback_has_only_bars_and_ticks(data: ConversationData) -> None:
    chart = charts.minimap_chart(data, show_feedback=False)
    assert [layer["mark"]["type"] for layer in layers(chart)] == ["bar", "tick"]


def test_minimap_aggregate_turn_draws_one_bar_per_turn(data: ConversationData) -> None:
    [bars] = by_mark(charts.minimap_chart(data, aggregate="turn"), "bar")
    frame = pd.DataFrame(bars["values"])
    assert len(frame) == data.spans.groupby(["conversation_id", "turn_index"]).ngroups == 18
    assert (frame["n_spans"] == 6).all()
    assert set(frame.loc[frame["turn_index"] == 1, "status"]) == {"ERROR"}
    assert set(frame.loc[frame["turn_index"] != 1, "status"]) == {"OK"}
    durations = data.spans.groupby(["conversation_id", "turn_index"])["duration_ms"].sum()
    assert frame.set_index(["conversation_id", "turn_index"])["duration_ms"].equals(
        durations.rename("duration_ms").loc[
            frame.set_index(["conversation_id", "turn_index"]).index
        ]
    )
    spans = data.spans
    turn = spans[(spans["conversation_id"] == "conv-0000") & (spans["turn_index"] == 0)]
    dominant = turn.groupby("category", observed=True)["duration_ms"].sum().idxmax()
    assert frame.iloc[0]["category"] == dominant
    assert not by_mark(charts.minimap_chart(data, aggregate="turn"), "tick")


def test_minimap_over_max_spans_says_how_to_choose_fewer() -> None:
    data = make_data(n_conversations=40, n_turns=2)  # 12 spans per conversation
    with pytest.raises(ValueError, match="max_spans") as info:
        charts.minimap_chart(data, max_spans=100)
    message = str(info.value)
    assert "480 spans of 41 conversations" in message
    assert "data.select(data.conversations.conversation_id[:8])" in message
    assert "aggregate='turn'" in message
    assert "(the first 8 fit)" in message
    fewer = data.select(list(data.conversations.conversation_id[:8]))
    assert len(by_mark(charts.minimap_chart(fewer, max_spans=100), "bar")[0]["values"]) == 96
    turns = charts.minimap_chart(data, aggregate="turn", max_spans=100)
    assert len(by_mark(turns, "bar")[0]["values"]) == 80


def test_minimap_too_big_first_conversation_says_so() -> None:
    data = make_data(n_conversations=3, n_turns=2)
    with pytest.raises(ValueError, match="the first conversation alone has 12 spans") as info:
        charts.minimap_chart(data, max_spans=10)
    assert "data.select" not in str(info.value)


def test_minimap_default_limit_is_altairs() -> None:
    data = make_data(n_conversations=850, n_turns=1)  # 5,100 spans
    with pytest.raises(ValueError, match=r"5,100 spans of 851 conversations"):
        charts.minimap_chart(data)


def test_minimap_beyond_altairs_row_limit_when_asked() -> None:
    data = make_data(n_conversations=850, n_turns=1)
    chart = charts.minimap_chart(data, max_spans=6_000, show_feedback=False)
    [bars] = by_mark(chart, "bar")  # no MaxRowsError: rows are inlined on purpose
    assert len(bars["values"]) == 5_100


def test_bad_options_name_the_field(data: ConversationData) -> None:
    with pytest.raises(ValueError, match=r"color_by='size' .* \['category', 'status'\]"):
        charts.minimap_chart(data, color_by="size")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scale='cubic'"):
        charts.minimap_chart(data, scale="cubic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"kind='pie' .*'minimap', 'errors'"):
        charts.chart(data, "pie")


def test_errors_by_operation_counts(data: ConversationData) -> None:
    chart = charts.errors_by_operation(data)
    bars, labels = layers(chart)
    stacked = pd.DataFrame(bars["values"]).set_index(["operation_name", "status"])["n"]
    assert stacked[("execute_tool", "ERROR")] == 6
    assert stacked[("execute_tool", "OK")] == 12
    assert stacked[("chat", "OK")] == 36
    totals = pd.DataFrame(labels["values"])
    assert totals["operation_name"].iloc[0] == "execute_tool"
    assert totals["label"].iloc[0] == "33% errors"
    assert set(totals["label"].iloc[1:]) == {"no errors"}
    assert bars["encoding"]["x"]["scale"]["domainMax"] > totals["n_spans"].max(), "label room"


def test_duration_by_category_is_computed_in_pandas(data: ConversationData) -> None:
    stats = pd.DataFrame(layers(charts.duration_by_category(data, scale="linear"))[0]["values"])
    llm = data.spans.loc[data.spans["category"] == "llm", "duration_ms"]
    row = stats.set_index("category").loc["llm"]
    assert row["median"] == pytest.approx(llm.median())
    assert row["q1"] == pytest.approx(llm.quantile(0.25))
    assert row["n"] == len(llm) == 36
    assert list(stats["category"]) == ["agent", "llm", "tool", "retrieval", "other"]
    log_stats = pd.DataFrame(layers(charts.duration_by_category(data))[0]["values"])
    assert log_stats.set_index("category").loc["other", "median"] == 1.0  # 0 ms drawn at 1


def test_ratings_by_turn_means(data: ConversationData) -> None:
    _band, line = layers(charts.ratings_by_turn(data))
    stats = pd.DataFrame(line["values"]).set_index(["name", "turn_index"])
    ratings = data.ratings
    quality = ratings[(ratings["name"] == "quality") & (ratings["turn_index"] == 1)]["value"]
    assert stats.loc[("quality", 1), "mean"] == pytest.approx(quality.mean())
    assert stats.loc[("quality", 1), "n"] == 6
    assert len(stats) == 6  # 2 names x 3 turns


def test_turns_per_conversation_counts(data: ConversationData) -> None:
    [bars] = layers(charts.turns_per_conversation(data))
    counts = pd.DataFrame(bars["values"]).set_index(["n_turns", "errors"])["conversations"]
    assert counts[(3, "with errors")] == 6
    assert counts[(0, "no errors")] == 1


def test_overview_charts_send_few_rows_for_many_spans() -> None:
    data = make_data(n_conversations=1_200, n_turns=2)  # 14,400 spans
    for kind in ("errors", "durations", "ratings", "turns"):
        for layer in layers(data.chart(kind)):
            assert len(layer["values"]) < 50, kind


def test_every_kind_handles_no_spans() -> None:
    empty = make_data(n_conversations=0)
    for kind in charts.KINDS:
        assert isinstance(charts.chart(empty, kind).to_dict(), dict)


def test_charts_are_restylable(data: ConversationData) -> None:
    chart = data.chart("turns").properties(width=200).configure_axis(labelFontSize=14)
    spec = chart.to_dict()
    assert spec["width"] == 200
    assert spec["config"]["axis"]["labelFontSize"] == 14
    assert isinstance(data.chart("minimap"), alt.LayerChart)
