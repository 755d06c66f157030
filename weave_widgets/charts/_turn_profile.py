"""Turn-position statistics: how error rate, duration and rating change from the first turn to
the last across conversations, optionally per cohort, with counts and intervals so that a
late turn seen three times does not read like a trend."""

from __future__ import annotations

from typing import Any, Final

import altair as alt
import numpy as np
import pandas as pd

from weave_widgets.charts._style import chart_title
from weave_widgets.data._cohorts import cohort_labels
from weave_widgets.data._frames import ConversationData

Z95: Final = 1.959964
"""The normal quantile of a two-sided 95% interval."""
PROFILE_COLUMNS: Final[tuple[str, ...]] = (
    "group",
    "turn_index",
    "n_turns",
    "n_error_turns",
    "error_rate",
    "error_low",
    "error_high",
    "median_ms",
    "q1_ms",
    "q3_ms",
    "n_rated",
    "mean_rating",
    "rating_low",
    "rating_high",
)
"""Columns of ``turn_profile_table``."""


def _wilson(errors: np.ndarray[Any, Any], n: np.ndarray[Any, Any]) -> tuple[Any, Any]:
    """The Wilson 95% interval of ``errors / n`` (sound at 0 and 1 and for small ``n``)."""
    n = n.astype(np.float64)
    p = errors / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def turn_profile_table(
    data: ConversationData, by: Any = None, *, max_turns: int = 30
) -> pd.DataFrame:
    """Per turn index (and cohort ``group``, ``"all"`` without ``by``): turns seen, the share
    of turns with an ERROR span and its Wilson 95% interval, the median and quartiles of the
    turn's duration (``data.turns.duration_ms``), and the mean turn rating with a normal 95%
    interval. Turns past ``max_turns`` are left out."""
    turns = data.turns
    turns = turns[turns["turn_index"] < max_turns]
    if by is None:
        group = pd.Series("all", index=turns.index)
    else:
        labels = cohort_labels(data, by)
        group = turns["conversation_id"].astype(object).map(labels).fillna("(none)")
    frame = pd.DataFrame(
        {
            "group": group.astype(str).to_numpy(),
            "turn_index": turns["turn_index"].to_numpy(dtype=np.int64),
            "error": (turns["n_errors"] > 0).to_numpy(dtype=np.int64),
            "ms": turns["duration_ms"].to_numpy(dtype=np.float64),
            "rating": turns["mean_rating"].to_numpy(dtype=np.float64),
        }
    )
    grouped = frame.groupby(["group", "turn_index"], sort=True)
    stats = pd.DataFrame(
        {
            "n_turns": grouped.size(),
            "n_error_turns": grouped["error"].sum(),
            "median_ms": grouped["ms"].median(),
            "q1_ms": grouped["ms"].quantile(0.25),
            "q3_ms": grouped["ms"].quantile(0.75),
            "n_rated": grouped["rating"].count(),
            "mean_rating": grouped["rating"].mean(),
            "sd": grouped["rating"].std(ddof=1),
        }
    ).reset_index()
    n = stats["n_turns"].to_numpy(dtype=np.int64)
    errs = stats["n_error_turns"].to_numpy(dtype=np.float64)
    stats["error_rate"] = errs / np.maximum(n, 1)
    low, high = _wilson(errs, np.maximum(n, 1))
    stats["error_low"], stats["error_high"] = low, high
    se = stats["sd"].fillna(0.0) / np.sqrt(stats["n_rated"].clip(lower=1))
    stats["rating_low"] = stats["mean_rating"] - Z95 * se
    stats["rating_high"] = stats["mean_rating"] + Z95 * se
    dtypes = {"n_turns": "int64", "n_error_turns": "int64", "n_rated": "int64"}
    return stats.astype(dtypes)[list(PROFILE_COLUMNS)].astype({"group": object})


def turn_profile(
    data: ConversationData, by: Any = None, *, max_turns: int = 30, width: int = 420
) -> alt.VConcatChart:
    """Error rate, turn duration and rating by turn index (0-based), one line per cohort when
    ``by`` is given (a column of ``data.conversations``, or a Series or mapping by
    conversation id): bands are 95% intervals (Wilson for the error rate, the interquartile
    range for duration, mean +- 1.96 SE for rating); tooltips carry the counts."""
    stats = turn_profile_table(data, by, max_turns=max_turns)
    last = int(stats["turn_index"].max()) if len(stats) else 0
    x = alt.X(
        "turn_index:Q",
        title="turn (0-based)",
        scale=alt.Scale(domain=[0, max(last, 1)], nice=False),
        axis=alt.Axis(format="d", tickMinStep=1),
    )
    color = alt.Color("group:N", title="cohort" if by is not None else "")
    if by is None:
        color = alt.Color("group:N", legend=None)
    tooltip = [
        alt.Tooltip("group:N", title="cohort"),
        alt.Tooltip("turn_index:Q", title="turn"),
        alt.Tooltip("n_turns:Q", title="turns", format=","),
        alt.Tooltip("error_rate:Q", title="error rate", format=".1%"),
        alt.Tooltip("median_ms:Q", title="median ms", format=",.0f"),
        alt.Tooltip("n_rated:Q", title="rated turns", format=","),
        alt.Tooltip("mean_rating:Q", title="mean rating", format=".2f"),
    ]
    base = alt.Chart(stats).encode(x=x, color=color, tooltip=tooltip)

    def panel(y: str, low: str, high: str, title: str, fmt: str, **kw: Any) -> alt.LayerChart:
        band = base.mark_area(opacity=0.18).encode(y=alt.Y(f"{low}:Q"), y2=f"{high}:Q")
        line = base.mark_line(point=True).encode(
            y=alt.Y(f"{y}:Q", title=title, axis=alt.Axis(format=fmt), **kw)
        )
        return alt.LayerChart(layer=[band, line], width=width, height=130)

    rated = stats[stats["n_rated"] > 0]
    rating_base = alt.Chart(rated).encode(x=x, color=color, tooltip=tooltip)
    rating = alt.LayerChart(
        layer=[
            rating_base.mark_area(opacity=0.18).encode(y="rating_low:Q", y2="rating_high:Q"),
            rating_base.mark_line(point=True).encode(y=alt.Y("mean_rating:Q", title="mean rating")),
        ],
        width=width,
        height=130,
    )
    n_turns = int(stats["n_turns"].sum())
    return alt.VConcatChart(
        vconcat=[
            panel("error_rate", "error_low", "error_high", "turns with errors", ".0%"),
            panel("median_ms", "q1_ms", "q3_ms", "turn duration (ms)", ",.0f"),
            rating,
        ],
        title=chart_title(
            "Turn profile",
            subtitle=f"{n_turns:,} turns by position; bands: 95% interval (error rate, "
            "rating), 25th-75th percentile (duration)",
        ),
        spacing=8,
    )
