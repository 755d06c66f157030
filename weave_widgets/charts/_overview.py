"""Overview charts of ``ConversationData``, aggregated in pandas so that each embeds a handful
of rows whatever the number of spans."""

from __future__ import annotations

from typing import Final, Literal

import altair as alt
import numpy as np
import pandas as pd

from weave_widgets.charts._style import (
    STATUSES,
    category_color,
    chart_title,
    choice,
    errors_color,
    has_errors,
    status_color,
)
from weave_widgets.data._frames import ConversationData

LABEL_ROOM: Final = 1.18
"""The count axis of ``errors_by_operation`` reaches this factor of the longest bar, leaving
room for the error-rate labels at the bar ends."""
OPERATION_PICK: Final = "operation_pick"
"""The point selection of ``errors_by_operation`` (fields ``operation_name`` and ``status``):
a click on a bar segment picks those spans, which a linked minimap lights up."""
DURATION_BRUSH: Final = "duration_brush"
"""The interval selection of ``conversation_durations`` on ``wall_time_ms``, the figure each
minimap row shows and sorts by: a linked minimap shows only the brushed conversations."""
MAX_TURN_TICKS: Final = 16
"""At most this many labelled turns on the x axis of ``ratings_by_turn``."""


def errors_by_operation(data: ConversationData, *, top: int = 25) -> alt.LayerChart:
    """Span counts per operation, stacked by status, with the error rate at the bar end;
    the ``top`` operations with the most errors (then most spans)."""
    spans = data.spans
    counts = (
        spans.assign(status=spans["status"].astype(str))
        .groupby(["operation_name", "status"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(STATUSES), fill_value=0)
    )
    totals = pd.DataFrame({"n_spans": counts.sum(axis=1), "n_errors": counts["ERROR"]})
    totals = totals.sort_values(["n_errors", "n_spans"], ascending=False).head(top)
    totals["error_rate"] = totals["n_errors"] / totals["n_spans"]
    totals["label"] = np.where(
        totals["n_errors"] > 0,
        (100 * totals["error_rate"]).map("{:.0f}% errors".format),
        "no errors",
    )
    room = float(totals["n_spans"].max()) * LABEL_ROOM if len(totals) else 1.0
    stacked = counts.loc[totals.index].stack().rename("n").reset_index()  # type: ignore[call-overload]
    stacked = stacked[stacked["n"] > 0].astype({"operation_name": object})
    order = list(totals.index)
    y = alt.Y("operation_name:N", sort=order, title="operation", axis=alt.Axis(labelLimit=200))
    pick = alt.selection_point(name=OPERATION_PICK, fields=["operation_name", "status"])
    bars = (
        alt.Chart(stacked)
        .mark_bar()
        .add_params(pick)
        .encode(
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            x=alt.X("n:Q", title="spans", stack="zero", scale=alt.Scale(domainMax=room)),
            y=y,
            color=status_color(),
            order=alt.Order("status_order:Q"),
            tooltip=[
                alt.Tooltip("operation_name:N", title="operation"),
                alt.Tooltip("status:N"),
                alt.Tooltip("n:Q", title="spans", format=","),
            ],
        )
        .transform_calculate(status_order=f"indexof({list(STATUSES)}, datum.status)")
    )
    labels = (
        alt.Chart(totals.reset_index().astype({"operation_name": object}))
        .mark_text(align="left", dx=4, fontSize=11, color="#333")
        .encode(x="n_spans:Q", y=y, text="label:N")
    )
    return alt.LayerChart(
        layer=[bars, labels],
        title=chart_title(
            "Errors by operation",
            subtitle=f"{int(totals['n_errors'].sum()):,} ERROR spans of {len(spans):,}",
        ),
        width=420,
    )


def duration_by_category(
    data: ConversationData, *, scale: Literal["log", "linear"] = "log"
) -> alt.LayerChart:
    """Span duration distribution per category as box plots computed in pandas: the box is
    the interquartile range, the white tick the median, whiskers the 5th-95th percentiles.
    On the log scale durations below 1 ms are drawn at 1 ms."""
    choice("scale", scale, ("log", "linear"))
    spans = data.spans
    ms = spans["duration_ms"].astype("float64")
    if scale == "log":
        ms = ms.clip(lower=1.0)
    grouped = ms.groupby(spans["category"].astype(str))
    quantiles = {"p05": 0.05, "q1": 0.25, "median": 0.5, "q3": 0.75, "p95": 0.95}
    stats = pd.DataFrame({name: grouped.quantile(q) for name, q in quantiles.items()})
    stats["n"] = grouped.size()
    stats = stats.reindex([c for c in data.categories if c in stats.index])
    stats = stats.rename_axis("category").reset_index().astype({"category": object})
    y = alt.Y("category:N", sort=list(data.categories), title="category")
    x_title = "span duration (ms" + (", log scale)" if scale == "log" else ")")
    base = alt.Chart(stats).encode(
        y=y,
        tooltip=[
            alt.Tooltip("category:N"),
            alt.Tooltip("n:Q", title="spans", format=","),
            alt.Tooltip("p05:Q", title="5th pct (ms)", format=",.0f"),
            alt.Tooltip("q1:Q", title="25th pct (ms)", format=",.0f"),
            alt.Tooltip("median:Q", title="median (ms)", format=",.0f"),
            alt.Tooltip("q3:Q", title="75th pct (ms)", format=",.0f"),
            alt.Tooltip("p95:Q", title="95th pct (ms)", format=",.0f"),
        ],
    )
    x = alt.X(
        "p05:Q",
        title=x_title,
        scale=alt.Scale(type=scale),
        axis=alt.Axis(labelOverlap="greedy", labelSeparation=6),
    )
    whisker = base.mark_rule(color="#555").encode(x=x, x2="p95:Q")
    box = base.mark_bar(size=16).encode(
        x="q1:Q", x2="q3:Q", color=category_color(colors=data.category_colors)
    )
    median = base.mark_tick(color="#1a1a1a", size=18, thickness=2).encode(x="median:Q")
    count = base.mark_text(align="left", dx=6, fontSize=10, color="#555").encode(
        x="p95:Q", text=alt.Text("n:Q", format=",")
    )
    return alt.LayerChart(
        layer=[whisker, box, median, count],
        title=chart_title(
            "Span duration by category",
            subtitle="box: 25th-75th percentile, black tick: median, whiskers: 5th-95th; "
            "number: spans",
        ),
        width=420,
    )


def ratings_by_turn(data: ConversationData) -> alt.LayerChart:
    """Mean rating per turn index and rating name (turn-level ratings only; the band spans
    min to max). Ratings over time are not possible: the response carries no timestamps."""
    ratings = data.ratings.dropna(subset=["turn_index"])
    grouped = ratings.groupby([ratings["name"].astype(str), ratings["turn_index"].astype(int)])
    stats = grouped["value"].agg(["mean", "min", "max", "size"]).reset_index()
    stats = stats.rename(columns={"size": "n"}).astype({"name": object})
    last = int(stats["turn_index"].max()) if len(stats) else 0
    step = max(1, -(-(last + 1) // MAX_TURN_TICKS))
    x = alt.X(
        "turn_index:Q",
        title="turn (0-based)",
        scale=alt.Scale(domain=[0, max(last, 1)], nice=False),
        axis=alt.Axis(values=list(range(0, last + 1, step)), format="d", grid=False),
    )
    tooltip = [
        alt.Tooltip("name:N", title="rating"),
        alt.Tooltip("turn_index:Q", title="turn"),
        alt.Tooltip("mean:Q", format=".2f"),
        alt.Tooltip("min:Q", format=".2f"),
        alt.Tooltip("max:Q", format=".2f"),
        alt.Tooltip("n:Q", title="ratings"),
    ]
    legend = alt.Legend(symbolType="stroke", symbolStrokeWidth=3, symbolOpacity=1)
    color = alt.Color("name:N", title="rating", legend=legend)
    base = alt.Chart(stats).encode(x=x, color=color, tooltip=tooltip)
    band = base.mark_area(opacity=0.15).encode(y="min:Q", y2="max:Q")
    line = base.mark_line(point=True).encode(y=alt.Y("mean:Q", title="mean rating"))
    return alt.LayerChart(
        layer=[band, line],
        title=chart_title(
            "Ratings per turn",
            subtitle=f"{len(ratings):,} turn-level ratings; line: mean, band: min-max",
        ),
        width=420,
        height=240,
    )


def turns_per_conversation(data: ConversationData) -> alt.Chart:
    """How many conversations have each number of turns, split by whether they had errors."""
    conv = data.conversations
    errors = has_errors(conv["n_errors"])
    counts = (
        pd.DataFrame({"n_turns": conv["n_turns"].to_numpy(), "errors": errors})
        .value_counts()
        .rename("conversations")
        .reset_index()
    )
    bars: alt.Chart = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X(
                "n_turns:O",
                title="turns in the conversation",
                sort="ascending",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("conversations:Q", title="conversations", stack="zero"),
            color=errors_color(),
            tooltip=[
                alt.Tooltip("n_turns:O", title="turns"),
                alt.Tooltip("errors:N", title="errors"),
                alt.Tooltip("conversations:Q"),
            ],
        )
        .properties(
            title=chart_title(
                "Turns per conversation",
                subtitle=f"{len(conv):,} conversations",
            ),
            width=420,
            height=240,
        )
    )
    return bars


def conversation_durations(data: ConversationData, *, bins: int = 30) -> alt.Chart:
    """How many conversations took how long (``wall_time_ms``: their turns' wall times, the
    figure the minimap's rows show and sort by; log-spaced bins), split by whether they had
    errors; drag across it to brush a range (``DURATION_BRUSH``)."""
    conv = data.conversations
    ms = conv["wall_time_ms"].to_numpy(dtype=np.float64).clip(min=1.0)
    top = float(ms.max()) if len(ms) else 10.0
    edges = np.unique(np.geomspace(1.0, max(top, 10.0) * 1.0001, bins + 1))
    which = np.clip(np.searchsorted(edges, ms, side="right") - 1, 0, len(edges) - 2)
    errors = has_errors(conv["n_errors"])
    counts = (
        pd.DataFrame({"bin": which, "errors": errors})
        .value_counts()
        .rename("conversations")
        .reset_index()
    )
    counts["wall_time_ms"] = edges[counts["bin"].to_numpy()]
    counts["bin_end"] = edges[counts["bin"].to_numpy() + 1]
    brush = alt.selection_interval(name=DURATION_BRUSH, encodings=["x"])
    chart: alt.Chart = (
        alt.Chart(counts.drop(columns="bin"))
        .mark_bar()
        .add_params(brush)
        .encode(
            x=alt.X(
                "wall_time_ms:Q",
                title="conversation wall time (ms, turns added up, log scale)",
                scale=alt.Scale(type="log"),
            ),
            x2="bin_end:Q",
            y=alt.Y("conversations:Q", stack="zero"),
            color=errors_color(),
            tooltip=[
                alt.Tooltip("wall_time_ms:Q", title="from (ms)", format=",.0f"),
                alt.Tooltip("bin_end:Q", title="to (ms)", format=",.0f"),
                alt.Tooltip("errors:N"),
                alt.Tooltip("conversations:Q"),
            ],
        )
        .properties(
            title=chart_title(
                "Conversation durations",
                subtitle=f"{len(conv):,} conversations; drag to brush a range",
            ),
            width=420,
            height=200,
        )
    )
    return chart
