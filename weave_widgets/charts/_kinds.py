"""``chart(data, kind)``: every chart by name, for ``ConversationData.chart`` and the demo."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Final

import altair as alt

from weave_widgets.charts._minimap import minimap_chart
from weave_widgets.charts._overview import (
    conversation_durations,
    duration_by_category,
    errors_by_operation,
    ratings_by_turn,
    turns_per_conversation,
)
from weave_widgets.charts._turn_profile import turn_profile
from weave_widgets.data._frames import ConversationData

KINDS: Final[dict[str, Callable[..., Any]]] = {
    "minimap": minimap_chart,
    "errors": errors_by_operation,
    "durations": duration_by_category,
    "ratings": ratings_by_turn,
    "turns": turns_per_conversation,
    "turn_profile": turn_profile,
    "conversation_durations": conversation_durations,
}
"""``chart(data, kind)`` names and the functions behind them."""
_made: dict[int, tuple[str, dict[str, Any]]] = {}
"""Kind and options of the charts ``chart`` made and that are still alive, by ``id``: kept
beside the chart, not in its spec (``usermeta`` is refused inside a concatenation)."""


def chart(data: ConversationData, kind: str = "minimap", **options: Any) -> alt.TopLevelMixin:
    """The chart ``kind`` (one of ``KINDS``) of ``data``; ``options`` go to its function."""
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not a chart kind; choose one of {list(KINDS)}")
    made: alt.TopLevelMixin = KINDS[kind](data, **options)
    _made[id(made)] = (kind, dict(options))
    weakref.finalize(made, _made.pop, id(made), None)
    return made


def made_as(made: Any) -> tuple[str, dict[str, Any]] | None:
    """The kind and options ``chart`` made ``made`` with (for ``weave_widgets.link`` to redraw
    it for other conversations), or None for any other chart."""
    return _made.get(id(made))
