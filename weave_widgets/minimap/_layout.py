"""Row and mark geometry of the still image: the Python twin of ``js/src/layout.ts`` and the row
order of ``js/src/rows.ts``.

The image (PNG and SVG) is laid out here once, with the widget's rules: columns, turns as the
unit, minimum widths, turn gaps, feedback markers pinned at their turn (labelled text tags,
conversation feedback bracketed, feedback on a turn that is not drawn said so after the row's
last mark). ``tests/minimap/test_layout_parity.py`` and ``js/test/parity.test.ts`` check both
sides against one fixture, so a change to either side's width encoding fails until the other
follows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from weave_widgets.data._frames import ConversationData

ROW_HEIGHT = 40
MARKER_TOP = 3
MARKER_HEIGHT = 13
TRACK_TOP = 19
TRACK_HEIGHT = 16
LABEL_MAX = 240
LABEL_MIN = 120
PAD_RIGHT = 14
MIN_MARK = 2
MIN_ERROR = 6
TURN_GAP = 4
FRAME_BAND = 4
MAX_MARKER_SHIFT = 6
"""How far (px) a marker item may be pushed right to avoid overlapping its left neighbour."""
ITEM_WIDTH = {"emoji": 14.0, "rating": 28.0, "conversation": 5.0, "unplaced": 12.0}
"""Widths of marker items; a text tag's width follows its label (``tag_width``)."""
TAG_LABEL_MAX = 8
"""Characters of a text tag shown on its mark (longer tags end in an ellipsis; the tooltip has
the whole text), so two different tags look different."""
TAG_CHAR_WIDTH = 6
"""Width given to each label character (9.5 px text): the widget squeezes a wider label, the
image cuts it further."""


@dataclass(frozen=True)
class Columns:
    label_width: float
    track_x: float
    track_width: float


def columns(width: float) -> Columns:
    """The label column and the mark track, as ``columns`` in js/src/layout.ts."""
    label = max(LABEL_MIN, min(LABEL_MAX, _round(width * 0.28)))
    track_x = label + 8
    return Columns(label, track_x, max(20, width - track_x - PAD_RIGHT))


def _round(v: float) -> int:
    """JavaScript's ``Math.round`` (halves up), not Python's banker's rounding."""
    return math.floor(v + 0.5)


def weight(ms: float, mode: str, scale: str) -> float:
    """As ``weight`` in js/src/layout.ts."""
    if mode == "uniform":
        return 1.0
    d = max(0.0, float(ms))
    return math.sqrt(d) if scale == "sqrt" else math.log1p(d) if scale == "log" else d


@dataclass
class RowLayout:
    """As ``RowLayout`` in js/src/layout.ts (``turn_x`` by turn index)."""

    x: list[float]
    w: list[float]
    frame: list[bool]
    turn_x: dict[int, float]
    dividers: list[float]
    end: float


def layout_spans(
    durations: list[float],
    turns: list[int],
    errors: list[bool],
    frames: list[bool],
    track_x: float,
    track_width: float,
    mode: str,
    scale: str,
    max_width: float,
) -> RowLayout:
    """Left edges, widths, framing bands, turn starts and dividers of one row's spans, as
    ``layoutSpans`` in js/src/layout.ts."""
    n = len(durations)
    x = [0.0] * n
    w = [0.0] * n
    framed = [False] * n
    if n == 0:
        return RowLayout(x, w, framed, {}, [], track_x)
    starts = [i for i in range(n) if i == 0 or turns[i] != turns[i - 1]] + [n]
    runs = len(starts) - 1
    run_weight = [0.0] * runs
    run_inner = [0.0] * runs
    marks = 0
    min_total = 0.0
    for k in range(runs):
        summed = inner = 0.0
        framed_ms: float | None = None
        for i in range(starts[k], starts[k + 1]):
            if i == starts[k] and frames[i] and starts[k + 1] - i > 1:
                framed[i] = True
                framed_ms = durations[i]
                continue
            marks += 1
            summed += max(0.0, durations[i])
            inner += weight(durations[i], mode, scale)
            min_total += MIN_ERROR if errors[i] else MIN_MARK
        run_inner[k] = inner
        wall = summed if framed_ms is None else framed_ms
        run_weight[k] = inner if mode == "uniform" else weight(wall, mode, scale)
    total = sum(run_weight)
    boundaries = runs - 1
    track_width = max(track_width, min(max_width, min_total + boundaries * TURN_GAP + marks - runs))
    turn_gap: float = TURN_GAP
    span_gap = 1 if track_width / marks >= 5 else 0
    avail = track_width - boundaries * turn_gap - (marks - runs) * span_gap
    if avail < marks:
        turn_gap, span_gap = 1, 0
        avail = track_width - boundaries
    avail = max(avail, 0.0)
    shrink = min(1.0, avail / min_total) if min_total else 1.0
    spare = max(0.0, avail - min_total * shrink)
    dividers: list[float] = []
    turn_x: dict[int, float] = {}
    cursor = track_x
    for k in range(runs):
        if k:
            dividers.append(cursor + turn_gap / 2)
            cursor += turn_gap
        run_spare = spare * run_weight[k] / total if total > 0 else spare / runs
        left = cursor
        drawn = sum(1 for i in range(starts[k], starts[k + 1]) if not framed[i])
        first = True
        for i in range(starts[k], starts[k + 1]):
            if framed[i]:
                continue
            if not first:
                cursor += span_gap
            first = False
            share = (
                weight(durations[i], mode, scale) / run_inner[k] if run_inner[k] > 0 else 1 / drawn
            )
            x[i] = cursor
            w[i] = (MIN_ERROR if errors[i] else MIN_MARK) * shrink + run_spare * share
            cursor += w[i]
        turn_x.setdefault(int(turns[starts[k]]), left)
        if framed[starts[k]]:
            x[starts[k]] = left
            w[starts[k]] = cursor - left
    return RowLayout(x, w, framed, turn_x, dividers, cursor)


def is_emoji(tag: str) -> bool:
    """Tags made only of emoji (drawn as the glyph: flags, keycaps, ZWJ sequences and skin
    tones included), as ``isEmoji`` in js/src/layout.ts."""
    import emoji

    return bool(tag) and emoji.purely_emoji(tag)


def tag_label(tag: str, limit: int = TAG_LABEL_MAX) -> str:
    """What a text tag's mark says: its first characters (at most ``limit``), an ellipsis when
    cut."""
    chars = list(tag)
    return tag if len(chars) <= limit else "".join(chars[: limit - 1]) + "…"


def tag_label_for(tag: str, w: float) -> str:
    """The label a tag mark of width ``w`` has room for (narrower when shortened to make room)."""
    return tag_label(tag, max(1, math.floor((w - 8) / TAG_CHAR_WIDTH)))


TAG_MIN_WIDTH = 8.0 + TAG_CHAR_WIDTH
"""The narrowest a text tag's mark gets when it makes room: one character and the point."""


def tag_width(label: str) -> float:
    """Width of a text tag's mark: the pointed end, then the label."""
    return 8.0 + TAG_CHAR_WIDTH * len(label)


@dataclass
class MarkerItem:
    """One drawn piece of a feedback marker, as ``MarkerItem`` in js/src/layout.ts."""

    kind: str
    marker: int
    x: float
    w: float
    text: str
    value: float = math.nan
    hidden: int = 0


@dataclass
class RowFeedback:
    """One conversation's feedback markers: per marker its level, turn (None when unknown),
    tags and rating values."""

    level: list[str] = field(default_factory=list)
    turn: list[int | None] = field(default_factory=list)
    tags: list[list[str]] = field(default_factory=list)
    ratings: list[list[float]] = field(default_factory=list)


def layout_markers(
    feedback: RowFeedback, row: RowLayout, cols: Columns, rating_text: Callable[[float], str]
) -> list[MarkerItem]:
    """Marker items pinned at their turn's first span, conversation feedback at the row start
    behind a bracket, feedback on a turn that is not drawn after the row's last mark behind a
    "?" mark (never floating at the track end), as ``layoutMarkers`` in js/src/layout.ts."""
    items: list[MarkerItem] = []
    cursors: dict[float, float] = {}
    row_end = cols.track_x + cols.track_width
    unplaced: list[MarkerItem] = []
    for m, level in enumerate(feedback.level):
        pieces: list[MarkerItem] = []
        for tag in feedback.tags[m]:
            if is_emoji(tag):
                pieces.append(MarkerItem("emoji", m, 0.0, ITEM_WIDTH["emoji"], tag))
            else:
                pieces.append(MarkerItem("tag", m, 0.0, tag_width(tag_label(tag)), tag))
        for value in feedback.ratings[m]:
            pieces.append(
                MarkerItem("rating", m, 0.0, ITEM_WIDTH["rating"], rating_text(value), value)
            )
        if level == "conversation" and pieces:
            pieces.insert(0, MarkerItem("conversation", m, 0.0, ITEM_WIDTH["conversation"], ""))
        turn = feedback.turn[m]
        if level == "conversation":
            anchor = cols.track_x
        elif turn is not None and turn in row.turn_x:
            anchor = row.turn_x[turn]
        else:
            unplaced.extend(pieces)
            continue
        need = sum(p.w + 2 for p in pieces) - 2
        cursor = cursors.get(anchor, max(cols.track_x, min(anchor, row_end - need)))
        for p in pieces:
            p.x = cursor
            cursor += p.w + 2
            items.append(p)
        cursors[anchor] = cursor
    if unplaced:
        head = MarkerItem("unplaced", unplaced[0].marker, 0.0, ITEM_WIDTH["unplaced"], "?")
        pieces = [head, *unplaced]
        need = sum(p.w + 2 for p in pieces) - 2
        cursor = max(cols.track_x, min(row.end + 6, row_end - need))
        for p in pieces:
            p.x = cursor
            cursor += p.w + 2
        items.extend(pieces)
    return declutter(items, row_end)


def declutter(items: list[MarkerItem], limit: float = math.inf) -> list[MarkerItem]:
    """Push items right a little to avoid overlaps; a text tag in the way first gives up label
    characters; hide (and count on the left neighbour) those that would still move too far or
    past ``limit``, as ``declutter`` in js/src/layout.ts."""
    placed: list[MarkerItem] = []
    end = -math.inf
    for item in sorted(items, key=lambda i: i.x):
        if placed and placed[-1].kind == "tag" and end + 1 - item.x > MAX_MARKER_SHIFT:
            prev = placed[-1]
            room = item.x + MAX_MARKER_SHIFT - 1 - prev.x
            if room >= TAG_MIN_WIDTH:
                prev.w = min(prev.w, room)
                end = prev.x + prev.w
        x = max(item.x, end + 1)
        if x - item.x > MAX_MARKER_SHIFT or x + item.w > limit + 0.5:
            if placed:
                placed[-1].hidden += 1
            continue
        item.x = x
        placed.append(item)
        end = item.x + item.w
    return placed


SORT_COLUMNS = {
    "errors": "n_errors",
    "duration": "wall_time_ms",
    "rating": "mean_rating",
    "turns": "n_turns",
    "spans": "n_spans",
}


def visible_rows(data: ConversationData, options: dict[str, Any]) -> np.ndarray:
    """Positions in ``data.conversations`` of the rows shown, in display order (filters, then
    a stable sort with unrated conversations last), as ``visibleRows`` in js/src/rows.ts.
    Vectorised: 20,000 rows sort in milliseconds."""
    conv = data.conversations
    spans = data.spans
    statuses = list(options.get("filter_status", []))
    categories = list(options.get("filter_category", []))
    keep = np.ones(len(conv), dtype=bool)
    if statuses or categories:
        match = np.ones(len(spans), dtype=bool)
        if statuses:
            match &= spans["status"].isin(statuses).to_numpy()
        if categories:
            match &= spans["category"].isin(categories).to_numpy()
        keep &= conv["conversation_id"].isin(spans["conversation_id"][match]).to_numpy()
    if options.get("filter_has_feedback"):
        keep &= (conv["n_feedback"] > 0).to_numpy()
    rows = np.flatnonzero(keep)
    descending = bool(options.get("sort_descending", False))
    column = SORT_COLUMNS.get(options.get("sort_by", "input"))
    if column is None:
        return rows[::-1].copy() if descending else rows
    key = conv[column].to_numpy(dtype="float64", na_value=np.nan)[rows]
    missing = np.isnan(key)
    signed = np.where(missing, 0.0, -key if descending else key)
    return rows[np.lexsort((rows, signed, missing))]


def span_offsets(data: ConversationData) -> tuple[np.ndarray, np.ndarray]:
    """Start and end position in ``data.spans`` of each conversation's spans (the frames keep
    a conversation's spans together, in order), without a Python loop over spans."""
    return _offsets(data, data.spans)


def _offsets(data: ConversationData, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    n = len(data.conversations)
    starts = np.zeros(n, dtype=np.int64)
    ends = np.zeros(n, dtype=np.int64)
    if len(frame) == 0:
        return starts, ends
    ids = pa.array(frame["conversation_id"], type=pa.string())
    size = len(ids)
    change = (
        np.flatnonzero(
            pc.not_equal(ids.slice(1), ids.slice(0, size - 1)).to_numpy(zero_copy_only=False)
        )
        + 1
    )
    first = np.concatenate(([0], change))
    last = np.concatenate((change, [size]))
    runs = pd.Index(data.conversations["conversation_id"]).get_indexer(
        ids.take(pa.array(first)).to_pandas()
    )
    starts[runs] = first
    ends[runs] = last
    return starts, ends


def feedback_offsets(data: ConversationData) -> tuple[np.ndarray, np.ndarray]:
    """As ``span_offsets``, for ``data.feedback``."""
    return _offsets(data, data.feedback)


def rating_offsets(data: ConversationData) -> tuple[np.ndarray, np.ndarray]:
    """As ``span_offsets``, for ``data.ratings``."""
    return _offsets(data, data.ratings)


__all__ = [
    "Columns",
    "MarkerItem",
    "RowFeedback",
    "RowLayout",
    "columns",
    "declutter",
    "feedback_offsets",
    "is_emoji",
    "layout_markers",
    "layout_spans",
    "rating_offsets",
    "span_offsets",
    "tag_label",
    "tag_label_for",
    "tag_width",
    "visible_rows",
    "weight",
]
