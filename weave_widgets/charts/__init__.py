"""Charts: the span minimap as an Altair chart, overview charts, their shared style, and
``save`` to PNG, SVG, PDF, HTML or JSON, fully offline."""

from weave_widgets.charts._export import save
from weave_widgets.charts._kinds import KINDS, chart, made_as
from weave_widgets.charts._minimap import minimap_chart
from weave_widgets.charts._overview import (
    conversation_durations,
    duration_by_category,
    errors_by_operation,
    ratings_by_turn,
    turns_per_conversation,
)
from weave_widgets.charts._turn_profile import turn_profile, turn_profile_table

__all__ = [
    "KINDS",
    "chart",
    "conversation_durations",
    "duration_by_category",
    "errors_by_operation",
    "made_as",
    "minimap_chart",
    "ratings_by_turn",
    "save",
    "turn_profile",
    "turn_profile_table",
    "turns_per_conversation",
]
