"""``ConversationMinimap``: the Jupyter widget drawing one span minimap row per conversation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets

from weave_widgets.data._cohorts import NO_GROUP, cohort_labels
from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap import _payload as payload
from weave_widgets.palette import (
    ALIGN_MODES,
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
HIGHLIGHT_KEYS = ("operation_name", "category", "status")
"""Span columns ``highlight`` can match on (a span lights up when it matches every one given)."""


def _ids(data: ConversationData) -> list[str]:
    return [str(v) for v in data.conversations["conversation_id"]]


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
    align = traitlets.Enum(
        ALIGN_MODES, default_value="none", help="turn: turn k of every row in column k."
    ).tag(sync=True)
    theme = traitlets.Enum(THEME_OPTIONS, default_value="auto").tag(sync=True)
    height = traitlets.Int(480, min=80, help="Maximum height of the rows area in px.").tag(
        sync=True
    )
    selected = traitlets.Dict(
        default_value={}, help="{} or {conversation_id, trace_id, span_id}"
    ).tag(sync=True)
    selected_conversations = traitlets.List(
        traitlets.Unicode(),
        default_value=[],
        help="Conversation ids picked by row label (click, shift-click, drag), in row order.",
    ).tag(sync=True)
    filter_conversations = traitlets.List(
        traitlets.Unicode(),
        default_value=None,
        allow_none=True,
        help="Only these conversations are shown (null: all); set by linked charts.",
    ).tag(sync=True)
    highlight = traitlets.Dict(
        default_value={},
        help="Spans to light up: {operation_name, category, status: [values]}, all must match.",
    ).tag(sync=True)
    groups = traitlets.Dict(
        default_value={},
        help="Cohorts: {labels, codes (a label index per conversation)}; set by group_by.",
    ).tag(sync=True)
    collapsed_groups = traitlets.List(
        traitlets.Unicode(), default_value=[], help="Labels of the groups shown folded."
    ).tag(sync=True)
    selection = traitlets.Instance(
        ConversationData,
        allow_none=True,
        help="The selected conversations as ConversationData (None when none); settable.",
    )

    def __init__(self, data: ConversationData, **options: Any) -> None:
        if "_esm" not in ConversationMinimap.__dict__:
            raise FileNotFoundError(BUILD_HINT)
        if not isinstance(data, ConversationData):
            raise TypeError(
                "ConversationMinimap(data): data must be a ConversationData (from "
                "WeaveClient.conversation_spans or conversation_data), "
                f"not {type(data).__name__}"
            )
        unknown = set(options) - {*self._option_names(), "group_by"}
        if unknown:
            raise TypeError(
                f"ConversationMinimap: unknown option(s) {sorted(unknown)}; "
                f"valid options are {sorted(self._option_names())}"
            )
        self._data = data
        self._group_by: Any = options.pop("group_by", None)
        descending = options.pop("sort_descending", None)
        selected = options.pop("selected", {})
        picked = options.pop("selected_conversations", [])
        options.setdefault("groups", self._groups_of(data))
        super().__init__(payload=payload.encode(data), **options)
        if descending is None:
            descending = SORT_DESCENDING.get(self.sort_by, False)
        self.sort_descending = descending
        self.selected = selected
        self.selected_conversations = picked

    @staticmethod
    def _option_names() -> list[str]:
        # anywidget subclasses the instance's class in __init__, so name this class explicitly.
        return [
            name
            for name, trait in ConversationMinimap.class_own_traits().items()
            if name != "payload" and trait.metadata.get("sync")
        ]

    @traitlets.validate("selected_conversations", "filter_conversations")
    def _validate_conversation_ids(self, proposal: dict[str, Any]) -> list[str] | None:
        name = proposal["trait"].name
        if proposal["value"] is None:
            return None
        value = list(dict.fromkeys(str(v) for v in proposal["value"]))
        known = set(self._data.conversations["conversation_id"].astype(object))
        unknown = [v for v in value if v not in known]
        if unknown:
            raise traitlets.TraitError(
                f"{name}: conversation {unknown[0]!r} is not in this widget's data"
                + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
            )
        return value

    @traitlets.validate("highlight")
    def _validate_highlight(self, proposal: dict[str, Any]) -> dict[str, list[str]]:
        value = dict(proposal["value"])
        extra = set(value) - set(HIGHLIGHT_KEYS)
        if extra:
            raise traitlets.TraitError(
                f"highlight: unexpected keys {sorted(extra)}; use some of {list(HIGHLIGHT_KEYS)}"
            )
        return {key: [str(v) for v in value[key]] for key in HIGHLIGHT_KEYS if key in value}

    @traitlets.observe("selected_conversations")
    def _on_selected_conversations(self, change: dict[str, Any]) -> None:
        ids = list(change["new"])
        current = self.selection
        if current is not None and _ids(current) == ids:
            return
        self.selection = self._data.select(ids) if ids else None

    @traitlets.validate("selection")
    def _validate_selection(self, proposal: dict[str, Any]) -> ConversationData | None:
        value = proposal["value"]
        if value is not None:
            self._validate_conversation_ids(
                {"trait": ConversationMinimap.selected_conversations, "value": _ids(value)}
            )
        return value  # type: ignore[no-any-return]

    @traitlets.observe("selection")
    def _on_selection(self, change: dict[str, Any]) -> None:
        ids = _ids(change["new"]) if change["new"] is not None else []
        if ids != self.selected_conversations:
            self.selected_conversations = ids

    @traitlets.observe("sort_by")
    def _natural_direction(self, change: dict[str, Any]) -> None:
        """A new sort key starts in the direction people ask for first (worst on top)."""
        self.sort_descending = SORT_DESCENDING[change["new"]]

    @traitlets.validate("filter_category")
    def _validate_filter_category(self, proposal: dict[str, Any]) -> list[str]:
        value: list[str] = list(proposal["value"])
        known = self._data.categories if hasattr(self, "_data") else CATEGORIES
        bad = [v for v in value if v not in known]
        if bad:
            raise traitlets.TraitError(
                f"filter_category: unknown categor{'ies' if len(bad) > 1 else 'y'} {bad}; "
                f"use some of {list(known)}"
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
        known = set(value.conversations["conversation_id"].astype(object))
        with self.hold_sync():
            self.payload = payload.encode(value)
            self.groups = self._groups_of(value)
            self.selected_conversations = [c for c in self.selected_conversations if c in known]
            if self.filter_conversations is not None:
                self.filter_conversations = [c for c in self.filter_conversations if c in known]
            self.filter_category = [c for c in self.filter_category if c in value.categories]
            if keep and self._span_row(keep["conversation_id"], keep["span_id"]) is None:
                self.selected = {}

    @property
    def group_by(self) -> Any:
        """The cohorts: a column name of ``data.conversations``, a Series or mapping by
        conversation id (agent version, score bucket, date...), or None. Each group is drawn
        as a labelled, collapsible section with its own summary; sorting applies within it."""
        return self._group_by

    @group_by.setter
    def group_by(self, value: Any) -> None:
        groups = self._groups_of(self._data, value)  # raises before anything changes
        self._group_by = value
        self.groups = groups

    def _groups_of(self, data: ConversationData, by: Any = ...) -> dict[str, Any]:
        by = self._group_by if by is ... else by
        if by is None:
            return {}
        labels = cohort_labels(data, by)
        names = sorted(set(labels), key=lambda v: (v == NO_GROUP, v))
        code = {name: i for i, name in enumerate(names)}
        return {"labels": names, "codes": [code[v] for v in labels]}

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
