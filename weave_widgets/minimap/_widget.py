"""``ConversationMinimap``: the Jupyter widget drawing one span minimap row per conversation."""

from __future__ import annotations

import base64
import io
import os
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets

from weave_widgets.data._cohorts import NO_GROUP, cohort_labels
from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap import _payload as payload
from weave_widgets.minimap._transcripts import (
    DEFAULT_PREFETCH_BYTES,
    Transcripts,
    turns_by_interest,
)
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


SNAPSHOT_ROWS = 12
"""Rows in the static fallback picture: about what the widget shows before scrolling."""
SNAPSHOT_MAX_BYTES = 400_000
"""The static fallback is left out (text only) rather than saved larger than this."""

_BY_CELL: dict[str, tuple[str, list[weakref.ref[ConversationMinimap]]]] = {}
"""Live widgets per notebook cell id: (the execution that made them, the widgets)."""


def _small_png(png: bytes, colors: int = 128) -> bytes:
    """``png`` with a palette of ``colors``: the chart's flat fills survive, and the picture
    saved with every notebook shrinks about 15-fold."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        quantized = image.convert("RGB").quantize(
            colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    out = io.BytesIO()
    quantized.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _cell_execution() -> tuple[str, str] | None:
    """(cell id, execute request id) of the code running now, when a Jupyter front end sent
    them (JupyterLab and Notebook 7 send ``cellId``); None elsewhere (marimo, scripts)."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        parent = kernel.get_parent() if kernel is not None else None
    except Exception:  # no IPython, or an IPython without a kernel
        return None
    if not isinstance(parent, dict):
        return None
    cell = (parent.get("metadata") or {}).get("cellId")
    msg_id = (parent.get("header") or {}).get("msg_id")
    return (str(cell), str(msg_id)) if cell and msg_id else None


def _close_earlier_runs(widget: ConversationMinimap) -> None:
    """Close the widgets an earlier run of this cell made: re-running a cell must not keep the
    old widget (and its data) alive in the kernel or in the front end's saved widget state."""
    here = _cell_execution()
    if here is None:
        return
    cell, msg_id = here
    run, widgets = _BY_CELL.get(cell, ("", []))
    if run != msg_id:
        for ref in widgets:
            old = ref()
            if old is not None:
                old.close()
        widgets = []
    _BY_CELL[cell] = (msg_id, [*[r for r in widgets if r() is not None], weakref.ref(widget)])


class ConversationMinimap(anywidget.AnyWidget):
    """One horizontal minimap per conversation: spans as marks, turns, feedback markers.

    Options are synced traitlets (settable from Python and from the toolbar); ``selected``
    is the clicked span (``{}`` or ``{conversation_id, trace_id, span_id}``). Selecting a
    span opens its turn's transcript in a panel, fetched through the kernel by the data's
    reader (the client) and cached; the search box filters rows by message content.

    The data reaches each view when it renders, as a custom message, so a saved notebook
    holds only the options and a small picture. ``embed=True`` stores the payload in the
    widget state instead (``embedded_bytes`` says how big), so a notebook saved with widget
    state redraws without a kernel.
    """

    if BUNDLE.is_file():
        _esm = BUNDLE

    payload = traitlets.Bytes(
        b"",
        help="The binary columnar payload (weave_widgets.minimap._payload) when embedded, "
        "else empty: views ask for the data with a message.",
    ).tag(sync=True)
    snapshot = traitlets.Bytes(
        b"",
        help="A small PNG of the first rows (set when the widget is displayed): what a view "
        "rendered from saved state, with no kernel to send the data, shows instead.",
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

    def __init__(self, data: ConversationData, *, embed: bool = False, **options: Any) -> None:
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
        refusal = too_many_spans(data)
        if refusal is not None:
            raise ValueError(refusal)
        self._data = data
        self._transcripts = Transcripts(data)
        self._group_by: Any = options.pop("group_by", None)
        descending = options.pop("sort_descending", None)
        self._embed = bool(embed)
        self._encoded: bytes | None = payload.encode(data)
        selected = options.pop("selected", {})
        picked = options.pop("selected_conversations", [])
        options.setdefault("groups", self._groups_of(data))
        super().__init__(payload=self._encoded if self._embed else b"", **options)
        if descending is None:
            descending = SORT_DESCENDING.get(self.sort_by, False)
        self.sort_descending = descending
        self.selected = selected
        self.selected_conversations = picked
        self.on_msg(self._on_message)
        _close_earlier_runs(self)

    # ---- how the data reaches the views ---------------------------------------------------

    @property
    def embed(self) -> bool:
        """Whether the payload is stored in the widget state (and so in saved notebooks)."""
        return self._embed

    @property
    def embedded_bytes(self) -> int:
        """What ``embed=True`` adds to a notebook saved with widget state: the payload as
        base64 (4/3 of its bytes)."""
        return 4 * ((len(self._payload_bytes()) + 2) // 3)

    def _payload_bytes(self) -> bytes:
        if self._encoded is None:
            self._encoded = payload.encode(self._data)
        return self._encoded

    def _on_message(self, _: Any, content: Any, buffers: Sequence[bytes]) -> None:
        """The one dispatch of custom messages from the views (dicts with a ``kind``)."""
        if not isinstance(content, dict):
            return
        kind = content.get("kind")
        if kind == "request_payload":
            self._send_payload()
        else:  # transcript, search
            self._transcripts.handle(content, self.send)

    def _send_payload(self) -> None:
        if self.comm is None:
            return
        self.send({"kind": "payload"}, [self._payload_bytes()])

    def close(self) -> None:
        """Close the views and free the encoded payload (the data stays reachable in Python)."""
        self._encoded = None
        layout = getattr(self, "layout", None)
        if layout is not None:
            layout.close()  # else every re-run leaves a LayoutModel in the saved state
        super().close()

    @staticmethod
    def _option_names() -> list[str]:
        # anywidget subclasses the instance's class in __init__, so name this class explicitly.
        return [
            name
            for name, trait in ConversationMinimap.class_own_traits().items()
            if name not in ("payload", "snapshot") and trait.metadata.get("sync")
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
        self._transcripts = Transcripts(value)
        known = set(value.conversations["conversation_id"].astype(object))
        self._encoded = payload.encode(value)
        with self.hold_sync():
            if self._embed:
                self.payload = self._encoded
            else:
                self._send_payload()
            self.groups = self._groups_of(value)
            self.selected_conversations = [c for c in self.selected_conversations if c in known]
            if self.filter_conversations is not None:
                self.filter_conversations = [c for c in self.filter_conversations if c in known]
            self.filter_category = [c for c in self.filter_category if c in value.categories]
            if keep and self._span_row(keep["conversation_id"], keep["span_id"]) is None:
                self.selected = {}
            if self.snapshot:  # displayed before: keep the saved picture in step
                self.snapshot = self._fallback_png()

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

    @property
    def selected_turn(self) -> pd.DataFrame | None:
        """The transcript of the selected span's turn (``weave_widgets.data.MESSAGE_COLUMNS``,
        one row per message), or None when nothing is selected. Fetched once through the
        data's reader, then cached (the panel shows the same rows)."""
        if not self.selected:
            return None
        return self._transcripts.turn(self.selected["conversation_id"], self.selected["trace_id"])

    def options(self) -> dict[str, Any]:
        """The current display options (every synced trait except the payload)."""
        return {name: getattr(self, name) for name in self._option_names()}

    def to_html(
        self,
        path: str | os.PathLike[str] | None = None,
        title: str | None = None,
        *,
        transcripts: bool = False,
        max_transcript_bytes: int = DEFAULT_PREFETCH_BYTES,
    ) -> str:
        """A self-contained HTML page of this minimap (works offline, no kernel).

        With ``transcripts=True`` the page carries the turns' transcripts, turns with an
        error first, up to ``max_transcript_bytes`` of JSON; the panel says when a turn was
        left out, and without them that reading messages needs a live kernel.
        Writes it to ``path`` when given; returns the HTML either way.
        """
        from weave_widgets.minimap._page import page

        state = self.options()
        if transcripts:
            if max_transcript_bytes < 0:
                raise ValueError("max_transcript_bytes must be >= 0")
            turns, omitted = self._transcripts.prefetch(
                turns_by_interest(self._data), max_transcript_bytes
            )
            state["prefetched_transcripts"] = {"turns": turns, "omitted": omitted}
        html = page(BUNDLE.read_text(encoding="utf-8"), self._payload_bytes(), state, title)
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
        width key and span-cap marks, as a ``.png``, or as vector ``.svg`` / ``.html`` (the
        same layout, text as text).

        More rows than ``max_rows`` (500) are paged: ``page`` picks which, and the image says
        which rows it shows. Drawn with Pillow (no browser), so 200 conversations take well
        under a second (``python -m bench``).
        """
        from weave_widgets.minimap import _image, _scene

        if theme not in ("light", "dark"):
            raise ValueError(f"save_png: theme must be 'light' or 'dark', not {theme!r}")
        scene = _scene.build(
            self._data,
            self.options(),
            width=width,
            theme=theme,
            page=page,
            max_rows=max_rows or _scene.MAX_ROWS,
        )
        return _image.save(scene, Path(path), scale)

    # ---- the static fallback ---------------------------------------------------------------

    def summary(self) -> str:
        """One line: conversations, spans, errors and feedback (the fallback's text/plain)."""
        conversations = self._data.conversations
        n = len(conversations)
        spans = int(conversations["n_spans"].sum()) if n else 0
        errors = int(conversations["n_errors"].sum()) if n else 0
        feedback = int(conversations["n_feedback"].sum()) if n else 0
        return (
            f"Conversation minimap: {n:,} conversation{'s' * (n != 1)}, {spans:,} spans, "
            f"{errors:,} errors, {feedback:,} feedback"
        )

    def snapshot_data(self, rows: int = SNAPSHOT_ROWS) -> ConversationData:
        """The first ``rows`` conversations in the widget's current sort and filters: what
        the widget shows before scrolling, and what the static fallback draws."""
        from weave_widgets.minimap._layout import visible_rows

        shown = visible_rows(self._data, self.options())[:rows]
        ids = self._data.conversations["conversation_id"].iloc[shown]
        return self._data.select(list(ids))

    def snapshot_png(self, rows: int = SNAPSHOT_ROWS) -> bytes:
        """A PNG of the first ``rows`` conversations as the widget shows them (the same
        drawing as ``save_png``, one page of ``rows``)."""
        from weave_widgets.minimap import _image, _scene

        image = _image.png(_scene.build(self._data, self.options(), max_rows=rows), 1)
        rendered = io.BytesIO()
        image.save(rendered, format="PNG")
        return _small_png(rendered.getvalue())

    def _fallback_png(self) -> bytes:
        """The snapshot PNG, or b"" when it cannot be drawn or would weigh too much."""
        try:
            png = self.snapshot_png()
        except Exception:  # the picture is a courtesy: the widget itself still shows
            return b""
        return png if len(png) <= SNAPSHOT_MAX_BYTES else b""

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The widget view plus a static fallback: a PNG of the first rows and a one-line
        summary, which front ends that do not run widgets (viewers, nbconvert, a notebook
        re-opened without its kernel) show instead."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:  # a closed widget
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data)
        data["text/plain"] = self.summary()
        png = self._fallback_png()
        if png:
            data["image/png"] = base64.b64encode(png).decode("ascii")
            self.snapshot = png
        return data, dict(metadata)
