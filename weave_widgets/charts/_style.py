"""What every chart shares: colours from the palette, titles, option checks and inline data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import altair as alt
import numpy as np
import pandas as pd

from weave_widgets.palette import CATEGORIES, CATEGORY_COLORS, STATUS_COLORS, STATUS_LEGEND

# Re-exported for the charts: one definition, in the palette.
from weave_widgets.palette import RATING_COLORS as RATING_COLORS
from weave_widgets.palette import Scale as Scale

ALTAIR_MAX_ROWS: Final = 5_000
"""Altair's default row limit (``MaxRowsError`` above it)."""

STATUSES: Final = STATUS_LEGEND
"""Statuses in legend order (the palette's)."""
ERROR_RED: Final = STATUS_COLORS["ERROR"]


def choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """A ``ValueError`` naming ``name`` and the allowed values unless ``value`` is one."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; choose one of {list(allowed)}")


def chart_data(frame: pd.DataFrame) -> Any:
    """``frame`` as chart data: the frame itself when small, inline JSON rows when it is over
    Altair's row limit (the caller has already decided, on purpose, to draw that many).
    The rows go in as a plain ``{"values": ...}`` dict, the same spec as ``alt.InlineData``
    without validating every row on construction (5x faster at 10,000 rows)."""
    if len(frame) <= ALTAIR_MAX_ROWS:
        return frame
    return {"values": json.loads(frame.to_json(orient="records"))}


def chart_title(text: str, *, subtitle: str) -> alt.Title:
    """A chart title with its subtitle, left-aligned like every chart here."""
    return alt.Title(text, subtitle=subtitle, anchor="start")


def category_color(
    legend: alt.Legend | None = None, colors: Mapping[str, str] | None = None
) -> alt.Color:
    """The category colour scale: the palette's, or the data's own (``data.category_colors``,
    from ``with_categories``), in legend order."""
    table = colors if colors is not None else {c: CATEGORY_COLORS[c] for c in CATEGORIES}
    return alt.Color(
        "category:N",
        title="category",
        legend=legend if legend is not None else alt.Legend(),
        scale=alt.Scale(domain=list(table), range=list(table.values())),
    )


def status_color(legend: alt.Legend | None = None) -> alt.Color:
    return alt.Color(
        "status:N",
        title="status",
        legend=legend if legend is not None else alt.Legend(),
        scale=alt.Scale(domain=list(STATUSES), range=[STATUS_COLORS[s] for s in STATUSES]),
    )


ERRORS_FIELD: Final = ("no errors", "with errors")
"""Values of the ``errors`` column of charts that split conversations by whether they failed."""


def errors_color() -> alt.Color:
    """Colour for the ``errors`` column: the OK green and the ERROR red of the palette."""
    return alt.Color(
        "errors:N",
        title="",
        scale=alt.Scale(
            domain=list(ERRORS_FIELD),
            range=[STATUS_COLORS["OK"], STATUS_COLORS["ERROR"]],
        ),
    )


def has_errors(n_errors: Any) -> Any:
    """The ``errors`` value (see :data:`ERRORS_FIELD`) for each count of errors."""
    return np.where(np.asarray(n_errors) > 0, ERRORS_FIELD[1], ERRORS_FIELD[0])
