"""``ConversationMinimap``: the Jupyter widget drawing one span minimap row per conversation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets

from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap import _payload as payload
from weave_widgets.palette import (
    CATEGORIES,
    COLOR_MODES,
    SCALES,
    SORT_DESCENDING,
    SORT_KEYS,
    STATUS_LEGEND,
    THEME_OPTIONS,
    TIME_AXES,
    WIDTH_MODES,
)

BUNDLE = Path(__file__).parent.parent / "static" / "widget.js"
BUILD_HINT = (
    f"the widget's JavaScript bundle is missing ({BUNDLE}); build it with "
    "`npm --prefix js ci && npm --prefix js run build` from the repository root "
    "(or reinstall the package), then restart the kernel"
)

SELECTED_KEYS = frozenset({"conversation_id", "trace_id", "span_id"})

MAX_SPANS = 2_000_000
"""The most spans one widget sends to the browser. One million (20,000 conversations x 50)
paint in about 60 ms from a 29 MB payload; at 100,000 conversations x 50 the payload would be
about 145 MB through the kernel's comm and the page would hold several times that, so the
widget refuses before encoding anything and says how to narrow the set."""


def too_many_spans(data: ConversationData) -> str | None:
    """Why ``data`` is too big for one widget (with how to narrow it), or None."""
    n_spans, n_conv = len(data.spans), len(data.conversations)
    if n_spans <= MAX_SPANS:
        return None
    return (
        f"{n_conv:,} conversations with {n_spans:,} spans are more than one minimap sends to "
        f"the browser (at most {MAX_SPANS:,} spans). Narrow the set first: "
        "data.select(ids) for some conversations (e.g. "
        "data.conversations.nlargest(20_000, 'n_errors').conversation_id), a shorter window "
        "(started_after= / started_before= in conversation_spans), or fewer ids from "
        "client.list_conversations(limit=...); charts (data.chart(...)) aggregate any size"
    )


class ConversationMinimap(anywidget.AnyWidget):
    """One horizontal minimap per conversation: spans as marks, turns, feedback markers.

    Options are synced traitlets (settable from Python and from the toolbar); ``selected``
    is the clicked span (``{}`` or ``{conversation_id, trace_id, span_id}``).
    """

    if BUNDLE.is_file():
        _esm = BUNDLE

    payload = traitlets.Bytes(
        b"", help="Binary columnar payload (weave_widgets.minimap._payload)."
    ).tag(sync=True)
    sort_by = traitlets.Enum(SORT_KEYS, default_value="input").tag(sync=True)
    sort_descending = traitlets.Bool(
        False, help="Sort direction; choosing sort_by sets its natural one (SORT_DESCENDING)."
    ).tag(sync=True)
    filter_status = traitlets.List(traitlets.Enum(STATUS_LEGEND), default_value=[]).tag(sync=True)
    filter_category = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    filter_has_feedback = traitlets.Bool(False).tag(sync=True)
    width_mode = traitlets.Enum(WIDTH_MODES, default_value="duration").tag(sync=True)
    time_axis = traitlets.Enum(
        TIME_AXES, default_value="shared", help="One time scale for every row, or fit each row."
    ).tag(sync=True)
    scale = traitlets.Enum(SCALES, default_value="sqrt").tag(sync=True)
    color_by = traitlets.Enum(COLOR_MODES, default_value="category").tag(sync=True)
    theme = traitlets.Enum(THEME_OPTIONS, default_value="auto").tag(sync=True)
    height = traitlets.Int(480, min=80, help="Maximum height of the rows area in px.").tag(
        sync=True
    )
    selected = traitlets.Dict(
        default_value={}, help="{} or {conversation_id, trace_id, span_id}"
    ).tag(sync=True)

    def __init__(self, data: ConversationData, **options: Any) -> None:
        if "_esm" not in ConversationMinimap.__dict__:
            raise FileNotFoundError(BUILD_HINT)
        if not isinstance(data, ConversationData):
            raise TypeError(
                "ConversationMinimap(data): data must be a ConversationData (from "
                "WeaveClient.conversation_spans or conversation_data), "
                f"not {type(data).__name__}"
            )
        unknown = set(options) - set(self._option_names())
        if unknown:
            raise TypeError(
                f"ConversationMinimap: unknown option(s) {sorted(unknown)}; "
                f"valid options are {sorted(self._option_names())}"
            )
        refusal = too_many_spans(data)
        if refusal is not None:
            raise ValueError(refusal)
        self._data = data
        descending = options.pop("sort_descending", None)
        selected = options.pop("selected", {})
        super().__init__(payload=payload.encode(data), **options)
        if descending is None:
            descending = SORT_DESCENDING.get(self.sort_by, False)
        self.sort_descending = descending
        self.selected = selected

    @staticmethod
    def _option_names() -> list[str]:
        # anywidget subclasses the instance's class in __init__, so name this class explicitly.
        return [name for name in ConversationMinimap.class_own_traits() if name != "payload"]

    @traitlets.observe("sort_by")
    def _natural_direction(self, change: dict[str, Any]) -> None:
        """A new sort key starts in the direction people ask for first (worst on top)."""
        self.sort_descending = SORT_DESCENDING[change["new"]]

    @traitlets.validate("filter_category")
    def _validate_filter_category(self, proposal: dict[str, Any]) -> list[str]:
        value: list[str] = list(proposal["value"])
        bad = [v for v in value if v not in CATEGORIES]
        if bad:
            raise traitlets.TraitError(
                f"filter_category: unknown categor{'ies' if len(bad) > 1 else 'y'} {bad}; "
                f"use some of {list(CATEGORIES)}"
            )
        return value

    @traitlets.validate("selected")
    def _validate_selected(self, proposal: dict[str, Any]) -> dict[str, str]:
        value = dict(proposal["value"])
        if not value:
            return {}
        if "span_id" not in value or "conversation_id" not in value:
            raise traitlets.TraitError(
                "selected: give {} or a dict with conversation_id and span_id "
                f"(trace_id optional); got keys {sorted(value)}"
            )
        extra = set(value) - SELECTED_KEYS
        if extra:
            raise traitlets.TraitError(
                f"selected: unexpected keys {sorted(extra)}; use {sorted(SELECTED_KEYS)}"
            )
        row = self._span_row(str(value["conversation_id"]), str(value["span_id"]))
        if row is None:
            raise traitlets.TraitError(
                f"selected: span {value['span_id']!r} of conversation "
                f"{value['conversation_id']!r} is not in this widget's data"
            )
        trace_id = str(row["trace_id"].iloc[0])
        if value.get("trace_id", trace_id) != trace_id:
            raise traitlets.TraitError(
                f"selected: span {value['span_id']!r} belongs to trace {trace_id!r}, "
                f"not {value['trace_id']!r}"
            )
        return {
            "conversation_id": str(value["conversation_id"]),
            "trace_id": trace_id,
            "span_id": str(value["span_id"]),
        }

    def _span_row(self, conversation_id: str, span_id: str) -> pd.DataFrame | None:
        spans = self._data.spans
        row = spans[(spans["span_id"] == span_id) & (spans["conversation_id"] == conversation_id)]
        return row.reset_index(drop=True) if len(row) else None

    @property
    def data(self) -> ConversationData:
        """The conversations shown; assigning new data re-sends it and re-renders."""
        return self._data

    @data.setter
    def data(self, value: ConversationData) -> None:
        if not isinstance(value, ConversationData):
            raise TypeError(
                f"ConversationMinimap.data must be a ConversationData, not {type(value).__name__}"
            )
        keep = dict(self.selected)
        self._data = value
        with self.hold_sync():
            self.payload = payload.encode(value)
            if keep and self._span_row(keep["conversation_id"], keep["span_id"]) is None:
                self.selected = {}

    @property
    def selected_span(self) -> pd.DataFrame | None:
        """The selected span's row of ``data.spans`` (a 1-row DataFrame), or None."""
        if not self.selected:
            return None
        return self._span_row(self.selected["conversation_id"], self.selected["span_id"])

    def options(self) -> dict[str, Any]:
        """The current display options (every synced trait except the payload)."""
        return {name: getattr(self, name) for name in self._option_names()}

    def to_html(self, path: str | os.PathLike[str] | None = None, title: str | None = None) -> str:
        """A self-contained HTML page of this minimap (works offline, no kernel).

        Writes it to ``path`` when given; returns the HTML either way.
        """
        from weave_widgets.minimap._page import page

        html = page(BUNDLE.read_text(encoding="utf-8"), self.payload, self.options(), title)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def save_png(
        self,
        path: str | os.PathLike[str],
        scale: float = 2,
        *,
        width: int = 1100,
        theme: str = "light",
        page: int = 1,
        max_rows: int | None = None,
    ) -> Path:
        """Save the minimap as the widget shows it: the same sort, filters, encoding, legend,
        width key and span-cap marks (a ``.png``, or an ``.svg`` / ``.html`` holding it).

        More rows than ``max_rows`` (500) are paged: ``page`` picks which, and the image says
        which rows it shows. Drawn with Pillow (no browser), so 200 conversations take well
        under a second (``python -m bench``).
        """
        from weave_widgets.minimap import _image

        if theme not in ("light", "dark"):
            raise ValueError(f"save_png: theme must be 'light' or 'dark', not {theme!r}")
        image = _image.render(
            self._data,
            self.options(),
            width=width,
            theme=theme,
            page=page,
            max_rows=max_rows or _image.MAX_ROWS,
            scale_factor=scale,
        )
        return _image.save(image, Path(path), scale)
