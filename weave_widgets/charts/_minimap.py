"""The span minimap as an Altair chart: one row per conversation, one bar per span or turn,
feedback as text marks; it refuses, with a clear message, to draw more than ``max_spans``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

import altair as alt
import emoji
import numpy as np
import pandas as pd

from weave_widgets.charts._style import (
    ALTAIR_MAX_ROWS,
    ERROR_RED,
    RATING_COLORS,
    Scale,
    category_color,
    chart_data,
    chart_title,
    choice,
    status_color,
)
from weave_widgets.data._frames import ConversationData
from weave_widgets.palette import ColorBy, WidthMode

Aggregate = Literal["span", "turn"]

DEFAULT_MAX_SPANS: Final = ALTAIR_MAX_ROWS
"""The most bars ``minimap_chart`` draws unless told otherwise."""
MIN_WIDTH_FRACTION: Final = 0.003
"""Zero-length spans still get this fraction of the longest row, so they stay visible."""
RATING_BADGE_PX: Final = 44
"""Room left for the rating badge before the text tags on the line below the bars."""

_SCALES: Final[dict[str, Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]]] = {
    "linear": lambda ms: ms,
    "sqrt": np.sqrt,
    "log": np.log1p,
}
_X_TITLES: Final = {
    "linear": "cumulative duration (ms)",
    "sqrt": "cumulative √duration (√ms)",
    "log": "cumulative log(1 + duration in ms)",
}


@dataclass(frozen=True)
class _RowLayout:
    """Vertical layout inside one conversation row, in pixels from the row centre."""

    bar_height: int
    offset: float  # bar centre (negative: up, leaving room for the text line below)

    @classmethod
    def for_row(cls, row_step: int, with_feedback: bool) -> _RowLayout:
        if not with_feedback:
            return cls(bar_height=max(4, round(row_step * 0.6)), offset=0.0)
        return cls(bar_height=max(6, round(row_step * 0.3)), offset=-round(row_step * 0.09))

    @property
    def above(self) -> float:
        """``dy`` of the bottom of text drawn above the bars."""
        return self.offset - self.bar_height / 2 - 1

    @property
    def below(self) -> float:
        """``dy`` of the top of text drawn below the bars."""
        return self.offset + self.bar_height / 2 + 2


def minimap_chart(
    data: ConversationData,
    *,
    color_by: ColorBy = "category",
    width_by: WidthMode = "duration",
    scale: Scale = "sqrt",
    aggregate: Aggregate = "span",
    max_spans: int = DEFAULT_MAX_SPANS,
    width: int = 640,
    row_step: int = 46,
    show_feedback: bool = True,
) -> alt.LayerChart:
    """The span minimap as a Vega-Lite chart: one row per conversation (in
    ``data.conversations`` order), spans as bars laid end to end, coloured by category or
    status, ERROR spans outlined in red, turn starts as ticks, and feedback at its turn
    (conversation-level feedback at x=0): emoji tags as glyphs above the bars, text tags and
    rating badges below. ``aggregate="turn"`` draws one bar per turn (its dominant category,
    ERROR if any span failed). Raises ``ValueError`` when more than ``max_spans`` bars would
    be drawn, saying how to choose fewer conversations."""
    choice("color_by", color_by, ("category", "status"))
    choice("width_by", width_by, ("duration", "uniform"))
    choice("scale", scale, tuple(_SCALES))
    choice("aggregate", aggregate, ("span", "turn"))
    bars = _turn_rows(data.spans) if aggregate == "turn" else data.spans
    _check_size(data, bars, aggregate, max_spans)
    bars = _place(bars, width_by, scale)
    ids = list(data.conversations["conversation_id"])
    layout = _RowLayout.for_row(row_step, show_feedback)
    y = alt.Y(
        "conversation_id:N",
        title="conversation",
        scale=alt.Scale(domain=ids),
        axis=alt.Axis(
            labelLimit=220, labelFontSize=11, labelOffset=layout.offset, ticks=False, domain=False
        ),
    )
    x_title = "span position (one unit per bar)" if width_by == "uniform" else _X_TITLES[scale]
    layers = [_bar_layer(bars, y, x_title, color_by, aggregate, layout, data.category_colors)]
    if aggregate == "span":
        layers.append(_turn_tick_layer(bars, y, layout))
    if show_feedback:
        layers.extend(_feedback_layers(data, bars, y, layout))
    drawn = f"{len(bars):,} turns" if aggregate == "turn" else f"{len(bars):,} spans"
    ticks = "" if aggregate == "turn" else ", ticks mark turn starts"
    title = chart_title(
        "Conversation minimap",
        subtitle=f"{len(ids):,} conversations, {drawn}; coloured by {color_by}, "
        f"ERROR outlined in red{ticks}",
    )
    minimap = alt.LayerChart(layer=layers, title=title, width=width, height=alt.Step(row_step))
    resolved: alt.LayerChart = minimap.resolve_scale(color="independent")
    return resolved


def _check_size(data: ConversationData, bars: pd.DataFrame, aggregate: str, max_spans: int) -> None:
    if len(bars) <= max_spans:
        return
    per_conv = bars.groupby("conversation_id", sort=False).size()
    counts = per_conv.reindex(data.conversations["conversation_id"]).fillna(0).cumsum()
    fit = int((counts <= max_spans).sum())
    unit = "turns" if aggregate == "turn" else "spans"
    fixes = [
        f"choose fewer conversations, e.g. data.select(data.conversations.conversation_id[:{fit}])"
        f" (the first {fit} fit)"
        if fit
        else f"the first conversation alone has {int(counts.iloc[0]):,} {unit}"
    ]
    if aggregate == "span":
        fixes.append("draw one bar per turn with aggregate='turn'")
    fixes.append("pass a larger max_spans")
    raise ValueError(
        f"minimap_chart would draw {len(bars):,} {unit} of {len(data.conversations):,} "
        f"conversations, over max_spans={max_spans:,} (a Vega-Lite chart embeds every bar): "
        + "; ".join(fixes)
        + "."
    )


def _turn_rows(spans: pd.DataFrame) -> pd.DataFrame:
    """One row per turn: summed duration, span/error counts, dominant category by duration."""
    keys = ["conversation_id", "turn_index"]
    grouped = spans.groupby(keys, sort=False, observed=True)
    turns = grouped.agg(
        trace_id=("trace_id", "first"),
        span_index=("span_index", "min"),
        n_spans=("span_id", "size"),
        duration_ms=("duration_ms", "sum"),
    )
    status = spans["status"].astype(str)
    turns["n_errors"] = (status == "ERROR").groupby([spans[k] for k in keys]).sum()
    unset = (status == "UNSET").groupby([spans[k] for k in keys]).any()
    turns["status"] = np.where(turns["n_errors"] > 0, "ERROR", np.where(unset, "UNSET", "OK"))
    by_cat = (
        spans.assign(category=spans["category"].astype(str), weight=spans["duration_ms"] + 1)
        .groupby([*keys, "category"], sort=False)["weight"]
        .sum()
    )
    dominant = by_cat.loc[by_cat.groupby(level=[0, 1]).idxmax()].reset_index(level="category")
    turns["category"] = dominant["category"]
    turns = turns.reset_index()
    turns["operation_name"] = turns["n_spans"].astype(str) + " spans"
    return turns.sort_values(["conversation_id", "span_index"], kind="stable").reset_index(
        drop=True
    )


def _place(bars: pd.DataFrame, width_by: str, scale: str) -> pd.DataFrame:
    """Plain-typed copy of ``bars`` with x0/x1: bars laid end to end within each conversation."""
    duration = bars["duration_ms"].to_numpy(dtype=np.float64)
    if width_by == "uniform":
        widths = np.ones(len(bars))
    else:
        widths = _SCALES[scale](duration)
        totals = pd.Series(widths).groupby(bars["conversation_id"].to_numpy()).sum()
        longest = float(totals.max()) if len(totals) else 0.0
        widths = np.maximum(widths, MIN_WIDTH_FRACTION * longest if longest > 0 else 1.0)
    x1 = pd.Series(widths).groupby(bars["conversation_id"].to_numpy(), sort=False).cumsum()
    placed = pd.DataFrame({c: _plain(bars[c]) for c in bars.columns})
    placed["x0"] = (x1 - widths).to_numpy()
    placed["x1"] = x1.to_numpy()
    return placed


def _plain(column: pd.Series) -> pd.Series:
    """Categorical/string extension columns as plain object/number columns for Vega-Lite."""
    if isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(column):
        return column.astype(object).where(column.notna(), None)
    return column


def _bar_layer(
    bars: pd.DataFrame,
    y: alt.Y,
    x_title: str,
    color_by: str,
    aggregate: str,
    layout: _RowLayout,
    category_colors: dict[str, str],
) -> alt.Chart:
    legend = alt.Legend(orient="bottom", direction="horizontal")
    color = (
        category_color(legend, category_colors) if color_by == "category" else status_color(legend)
    )
    is_error = alt.datum.status == "ERROR"
    tooltip = [
        alt.Tooltip("conversation_id:N", title="conversation"),
        alt.Tooltip("turn_index:Q", title="turn"),
        alt.Tooltip("trace_id:N", title="trace_id"),
    ]
    if aggregate == "turn":
        tooltip += [
            alt.Tooltip("n_spans:Q", title="spans"),
            alt.Tooltip("n_errors:Q", title="errors"),
        ]
    else:
        tooltip += [
            alt.Tooltip("span_index:Q", title="span"),
            alt.Tooltip("span_id:N", title="span_id"),
            alt.Tooltip("operation_name:N", title="operation"),
        ]
    tooltip += [
        alt.Tooltip("category:N"),
        alt.Tooltip("status:N"),
        alt.Tooltip("duration_ms:Q", title="duration (ms)", format=","),
    ]
    layer: alt.Chart = (
        alt.Chart(chart_data(bars))
        .mark_bar(height=layout.bar_height, yOffset=layout.offset, cornerRadius=1)
        .encode(
            x=alt.X("x0:Q", title=x_title, axis=alt.Axis(grid=False, tickCount=8)),
            x2="x1:Q",
            y=y,
            color=color,
            stroke=alt.condition(is_error, alt.value(ERROR_RED), alt.value("white")),
            strokeWidth=alt.condition(is_error, alt.value(2), alt.value(0.6)),
            tooltip=tooltip,
        )
    )
    return layer


def _turn_tick_layer(bars: pd.DataFrame, y: alt.Y, layout: _RowLayout) -> alt.Chart:
    """A tick where a new turn starts (every turn change after the first span)."""
    conv = bars["conversation_id"]
    new_turn = (bars["turn_index"] != bars["turn_index"].shift()) & (conv == conv.shift())
    starts = bars.loc[new_turn, ["conversation_id", "turn_index", "trace_id", "x0"]]
    ticks: alt.Chart = (
        alt.Chart(chart_data(starts))
        .mark_tick(
            color="#222",
            thickness=1.5,
            size=layout.bar_height + 6,
            yOffset=layout.offset,
            orient="vertical",
        )
        .encode(
            x="x0:Q",
            y=y,
            tooltip=[
                alt.Tooltip("turn_index:Q", title="turn starts"),
                alt.Tooltip("trace_id:N", title="trace_id"),
            ],
        )
    )
    return ticks


def _feedback_layers(
    data: ConversationData, bars: pd.DataFrame, y: alt.Y, layout: _RowLayout
) -> list[alt.Chart]:
    """Emoji glyphs above the bars; below them a rating badge (mean value, coloured) then the
    text tags; all at the start of their turn (conversation-level feedback at x=0)."""
    marks = _feedback_marks(data, bars)
    tooltip = [
        alt.Tooltip("conversation_id:N", title="conversation"),
        alt.Tooltip("where:N", title="on"),
        alt.Tooltip("detail:N", title="feedback"),
    ]

    def text_layer(frame: pd.DataFrame, **mark: Any) -> alt.Chart:
        layer: alt.Chart = (
            alt.Chart(chart_data(frame))
            .mark_text(align="left", **mark)
            .encode(x="x:Q", y=y, text="text:N", tooltip=tooltip)
        )
        return layer

    below = {"dy": layout.below, "baseline": "top", "fontSize": 10}
    emojis = text_layer(marks["emoji"], dx=1, dy=layout.above, baseline="bottom", fontSize=13)
    tags = text_layer(
        marks["tag"], dx=RATING_BADGE_PX, color="#444", fontStyle="italic", limit=160, **below
    )
    ratings: alt.Chart = text_layer(marks["rating"], dx=2, fontWeight="bold", **below).encode(
        color=alt.Color(
            "value:Q",
            title="mean rating",
            scale=alt.Scale(domain=[0, 0.5, 1], range=list(RATING_COLORS), clamp=True),
            legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=120),
        )
    )
    return [emojis, tags, ratings]


def _feedback_marks(data: ConversationData, bars: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Marker text per (conversation, position): ``emoji``, ``tag`` and ``rating`` frames with
    columns conversation_id, x, where, text, detail (and value, the mean, for ratings)."""
    turn_x = bars.groupby(["conversation_id", "turn_index"], sort=False)["x0"].min()

    def position(frame: pd.DataFrame) -> pd.DataFrame:
        turn = frame["turn_index"].astype("float64")
        key = pd.MultiIndex.from_arrays([frame["conversation_id"].astype(object), turn])
        x = pd.Series(turn_x.reindex(key).to_numpy(), index=frame.index).fillna(0.0)
        turn_name = "turn " + turn.astype("Int64").astype(str)
        where = np.where(
            frame["trace_id"].isna(),
            "conversation",
            np.where(turn.isna(), "turn not in spans", turn_name),
        )
        return frame.assign(
            conversation_id=frame["conversation_id"].astype(object), x=x.to_numpy(), where=where
        )

    def joined(frame: pd.DataFrame, column: str, sep: str) -> pd.DataFrame:
        grouped = frame.groupby(["conversation_id", "x"], sort=False)
        out = pd.DataFrame(
            {
                "where": grouped["where"].agg(lambda w: ", ".join(dict.fromkeys(w))),
                "text": grouped[column].agg(sep.join),
            }
        )
        out["detail"] = out["text"]
        return out.reset_index()

    tags = position(data.feedback).explode("tags").dropna(subset=["tags"])
    tags = tags.assign(tags=tags["tags"].astype(str))
    is_emoji = tags["tags"].map(emoji.purely_emoji).astype(bool)

    ratings = position(data.ratings)
    ratings = ratings.assign(
        badge=ratings["name"].astype(str) + " " + ratings["value"].map("{:.2f}".format).astype(str)
    )
    badges = joined(ratings, "badge", " · ")
    mean = ratings.groupby(["conversation_id", "x"], sort=False)["value"].mean()
    badges["value"] = mean.to_numpy()
    badges["text"] = badges["value"].map("★{:.2f}".format)
    return {
        "emoji": joined(tags[is_emoji], "tags", ""),
        "tag": joined(tags[~is_emoji], "tags", " · "),
        "rating": badges,
    }
