"""``weave_widgets.link(widget, chart)``: the minimap and an Altair ``JupyterChart`` of the same
data as one view, both ways.

Chart to minimap: a point selection over span fields (``operation_name``, ``category``,
``status``: the errors chart's bars) lights those spans up (the widget's ``highlight``); one
over ``conversation_id`` picks those rows; an interval selection over a column of
``data.conversations`` (the duration histogram's brush) shows only the conversations inside it
(``filter_conversations``). Minimap to chart: picking rows redraws a chart made by
``weave_widgets.charts.chart`` (``charts.made_as`` gives its kind and options) from just those
conversations, and from all of them again when none is picked.

This module sits at the top, beside the composition root: it is the one place that knows both
the widget and the charts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap._widget import HIGHLIGHT_KEYS, ConversationMinimap


@dataclass
class Link:
    """A live link between a minimap and a ``JupyterChart``; ``unlink()`` ends it."""

    widget: ConversationMinimap
    chart: Any
    redraw: Callable[[ConversationData], Any] | None
    _handlers: list[tuple[Any, Callable[..., None], str]] = field(default_factory=list)

    def unlink(self) -> None:
        """Stop following each other (the widget keeps its current highlight and filter)."""
        for owner, handler, name in self._handlers:
            owner.unobserve(handler, names=name)
        self._handlers.clear()

    def apply_selections(self) -> None:
        """Read the chart's selections into the widget (called on every selection change)."""
        selections = getattr(self.chart, "selections", None)
        values = selections.trait_values() if selections is not None else {}
        highlight: dict[str, list[str]] = {}
        picked: list[str] | None = None
        kept: list[str] | None = None
        conv = self.widget.data.conversations
        for selection in values.values():
            value = getattr(selection, "value", None)
            if isinstance(value, list):  # a point selection: [{field: value, ...}, ...]
                for point in value:
                    if not isinstance(point, dict):
                        continue
                    for key, item in point.items():
                        if key in HIGHLIGHT_KEYS:
                            highlight.setdefault(key, []).append(str(item))
                        elif key == "conversation_id":
                            picked = [*(picked or []), str(item)]
            elif isinstance(value, dict):  # an interval selection: {field: [low, high]}
                for key, bounds in value.items():
                    if key not in conv.columns or not isinstance(bounds, list) or not bounds:
                        continue
                    try:
                        column = conv[str(key)].astype("float64").to_numpy()
                    except (TypeError, ValueError):
                        continue  # not a numeric column: nothing to brush
                    low, high = float(min(bounds)), float(max(bounds))
                    inside = (column >= low) & (column <= high)
                    ids = conv["conversation_id"].astype(object).to_numpy()[inside]
                    before = kept
                    kept = [str(i) for i in ids if before is None or i in before]
        with self.widget.hold_trait_notifications():
            self.widget.highlight = {k: list(dict.fromkeys(v)) for k, v in highlight.items()}
            self.widget.filter_conversations = kept  # type: ignore[assignment]
            if picked is not None:
                self.widget.selected_conversations = picked

    def apply_rows(self) -> None:
        """Redraw the chart from the picked conversations (all of them when none is)."""
        if self.redraw is None:
            return
        picked = self.widget.selection
        self.chart.chart = self.redraw(picked if picked is not None else self.widget.data)


def _redraw_of(made: Any) -> Callable[[ConversationData], Any] | None:
    """How to draw ``made`` again for other data when ``weave_widgets.charts.chart`` made it,
    else None (the chart then only drives the widget)."""
    from weave_widgets.charts import chart, made_as

    found = made_as(made)
    if found is None:
        return None
    kind, options = found
    return lambda data: chart(data, kind, **options)


def link(widget: ConversationMinimap, chart: Any) -> Link:
    """Link ``widget`` with ``chart`` both ways and return the ``Link``.

    ``chart`` is an ``altair.JupyterChart``, an Altair chart (wrapped in one), or a chart kind
    name (``data.chart(kind)`` of the widget's data, e.g. ``"errors"`` or
    ``"conversation_durations"``); show ``link.chart`` (the ``JupyterChart``) in the notebook.
    A chart wrapped here draws with Vega bundled by vl-convert, as the minimap needs no
    network: altair's default ``JupyterChart`` imports Vega from a CDN, and shows only an
    error where there is none. (A ``JupyterChart`` you make yourself: call
    ``altair.JupyterChart.enable_offline()`` first.)
    """
    import altair as alt

    if not isinstance(widget, ConversationMinimap):
        raise TypeError(f"link: widget must be a ConversationMinimap, not {type(widget).__name__}")
    if isinstance(chart, str):
        chart = widget.data.chart(chart)
    if not isinstance(chart, alt.JupyterChart):
        alt.JupyterChart.enable_offline(True)
        chart = alt.JupyterChart(chart)
    made = _redraw_of(chart.chart)
    linked = Link(widget, chart, made)

    def on_selection(_change: Any) -> None:
        linked.apply_selections()

    def on_rows(_change: Any) -> None:
        linked.apply_rows()

    # _vl_selections is what the browser writes; chart.selections is rebuilt on each redraw,
    # and altair's own handler (registered first) has updated it before this one runs.
    chart.observe(on_selection, names="_vl_selections")
    linked._handlers.append((chart, on_selection, "_vl_selections"))
    widget.observe(on_rows, names="selected_conversations")
    linked._handlers.append((widget, on_rows, "selected_conversations"))
    return linked
