"""Turn an ``/agents/conversations/spans`` response into pandas DataFrames.

Columns and dtypes are stable and documented in ``SPAN_COLUMNS`` and friends below; every
frame is built column-wise (no per-row appends), so a million spans frame in about a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from weave_widgets.data._columnar import ResponseColumns, from_models, paused_gc
from weave_widgets.models import (
    AGENT_SPAN_FEEDBACK_TYPES,
    MAX_CONVERSATION_SPANS,
    STATUS_CODES,
    AgentConversationSpans,
    AgentConversationSpansRes,
)
from weave_widgets.palette import (
    CATEGORIES,
    CATEGORY_COLORS,
    FEEDBACK_LEVELS,
    OPERATION_CATEGORIES,
)

ViewFactory = Callable[..., Any]
"""Builds a view (the minimap widget, an Altair chart) of ``ConversationData``."""

_views: dict[str, ViewFactory] = {}
_derived: dict[str, Callable[..., Any]] = {}
"""``data.turns`` and ``data.with_categories``, registered by ``weave_widgets.data`` (their
modules import this one, so this one names them only at run time)."""


def use_derived(*, turns: Callable[..., Any], with_categories: Callable[..., Any]) -> None:
    """Name the functions behind ``ConversationData.turns`` and ``.with_categories``."""
    _derived.update(turns=turns, with_categories=with_categories)


def use_views(*, widget: ViewFactory, chart: ViewFactory) -> None:
    """Name the factories behind ``ConversationData.widget()`` and ``.chart()``.

    ``weave_widgets/__init__.py`` wires the minimap and the charts here, so that the data layer
    never imports the layers drawn from it (imports point one way: data -> minimap, charts)."""
    _views.update(widget=widget, chart=chart)


STRING = pd.StringDtype(na_value=np.nan)
CATEGORY_DTYPE = pd.CategoricalDtype(list(CATEGORIES))
STATUS_DTYPE = pd.CategoricalDtype(list(STATUS_CODES))
FEEDBACK_TYPE_DTYPE = pd.CategoricalDtype(list(AGENT_SPAN_FEEDBACK_TYPES))
LEVEL_DTYPE = pd.CategoricalDtype(list(FEEDBACK_LEVELS))

SPAN_COLUMNS: dict[str, Any] = {
    "conversation_id": STRING,
    "turn_index": "int32",  # 0-based turn within the conversation, by first span
    "trace_id": STRING,  # the turn
    "span_index": "int32",  # 0-based position within the conversation (started_at order)
    "span_id": STRING,
    "operation_name": STRING,  # raw OTel gen_ai.operation.name
    "category": CATEGORY_DTYPE,
    "status": STATUS_DTYPE,
    "duration_ms": "int64",
    "frames_turn": "bool",  # the turn's root span, drawn as a frame around its children
}
FEEDBACK_COLUMNS: dict[str, Any] = {
    "conversation_id": STRING,
    "feedback_index": "int32",  # 0-based marker position within the conversation
    "trace_id": STRING,  # NaN for conversation-level markers
    "turn_index": "Int32",  # <NA> for conversation-level markers and unknown turns
    "level": LEVEL_DTYPE,
    "feedback_type": FEEDBACK_TYPE_DTYPE,
    "tags": "object",  # list[str], emoji skin tones already stripped by the server
}
RATING_COLUMNS: dict[str, Any] = {
    "conversation_id": STRING,
    "feedback_index": "int32",  # the marker this rating belongs to
    "trace_id": STRING,
    "turn_index": "Int32",
    "feedback_type": FEEDBACK_TYPE_DTYPE,
    "name": STRING,
    "value": "float64",
    "reason": STRING,  # NaN when the scorer gave none
    "confidence": "float64",  # NaN when the scorer gave none
}
CONVERSATION_COLUMNS: dict[str, Any] = {
    "conversation_id": STRING,
    "n_spans": "int64",
    "n_turns": "int64",
    "n_errors": "int64",
    "total_duration_ms": "int64",  # every span's duration added up (nested spans count twice)
    "wall_time_ms": "int64",  # the turns' wall times added up (see turn_wall_times)
    "n_feedback": "int64",
    "mean_rating": "float64",  # NaN when the conversation has no ratings
    "at_span_cap": "bool",  # True when the server may have dropped older spans
    "agent_name": STRING,  # its root agent from the listing; NaN when unknown
}


@dataclass(frozen=True, eq=False)
class ConversationData:
    """Spans, feedback, ratings and per-conversation summaries of some conversations."""

    spans: pd.DataFrame
    feedback: pd.DataFrame
    ratings: pd.DataFrame
    conversations: pd.DataFrame
    project_id: str = ""
    window: tuple[Any, Any] = field(default=(None, None))
    reader: Any = field(default=None, repr=False)
    """Where transcripts come from (a ``TranscriptReader``, e.g. the client that fetched
    these spans); None when the data was framed from an answer alone."""
    category_colors: dict[str, str] = field(default_factory=lambda: dict(CATEGORY_COLORS))
    """Colour of each category of ``spans["category"]``, in its order (``with_categories``)."""

    @property
    def categories(self) -> tuple[str, ...]:
        """The span categories in legend (code) order: the palette's, or the user's own."""
        return tuple(self.category_colors)

    @property
    def turns(self) -> pd.DataFrame:
        """One row per turn (see ``weave_widgets.data.TURN_COLUMNS``), computed on each use."""
        frame: pd.DataFrame = _derived["turns"](self)
        return frame

    def with_categories(
        self,
        categories: Any,
        *,
        column: str | None = None,
        colors: dict[str, str] | None = None,
    ) -> ConversationData:
        """The same data with the user's own span categories (colours included), which the
        widget, the charts and the frames then use. See
        ``weave_widgets.data.with_categories``."""
        made: ConversationData = _derived["with_categories"](
            self, categories, column=column, colors=colors
        )
        return made

    def with_listing(self, listing: pd.DataFrame) -> ConversationData:
        """The same data with ``conversations["agent_name"]`` filled from a
        ``list_conversations`` frame (its ``conversation_id`` and ``agent_name``, the root
        agent; or ``agent_names`` through ``agent_label``), for data the client did not fill
        itself (framed from an answer, or listed by another client). Conversations the listing
        lacks keep their value."""
        if "conversation_id" not in listing.columns or not {"agent_name", "agent_names"} & set(
            listing.columns
        ):
            raise ValueError(
                "with_listing: the listing needs conversation_id and agent_name (or "
                "agent_names); pass the frame client.list_conversations() returns"
            )
        if "agent_name" in listing.columns:
            names = [None if pd.isna(n) else str(n) for n in listing["agent_name"]]
        else:
            names = [agent_label(n) for n in listing["agent_names"]]
        return with_agent_names(
            self, dict(zip(map(str, listing["conversation_id"]), names, strict=True))
        )

    def __repr__(self) -> str:
        return (
            f"ConversationData(project_id={self.project_id!r}, "
            f"conversations={len(self.conversations)}, spans={len(self.spans)}, "
            f"feedback={len(self.feedback)}, ratings={len(self.ratings)})"
        )

    def widget(self, **options: Any) -> Any:
        """A ``ConversationMinimap`` of these conversations."""
        return _views["widget"](self, **options)

    def chart(self, kind: str = "minimap", **options: Any) -> Any:
        """An Altair chart of these conversations (see ``weave_widgets.charts.chart``)."""
        return _views["chart"](self, kind, **options)

    def select(self, conversation_ids: Sequence[str]) -> ConversationData:
        """The same data restricted to ``conversation_ids``, in that order."""
        wanted = pd.Index(list(dict.fromkeys(conversation_ids)), dtype=STRING)
        order = {cid: i for i, cid in enumerate(wanted)}

        def take(frame: pd.DataFrame, sort_by: list[str]) -> pd.DataFrame:
            kept = frame[frame["conversation_id"].isin(wanted)]
            rank = kept["conversation_id"].map(order)
            kept = kept.assign(_rank=rank).sort_values(["_rank", *sort_by], kind="stable")
            return kept.drop(columns="_rank").reset_index(drop=True)

        return ConversationData(
            spans=take(self.spans, ["span_index"]),
            feedback=take(self.feedback, ["feedback_index"]),
            ratings=take(self.ratings, ["feedback_index"]),
            conversations=take(self.conversations, []),
            project_id=self.project_id,
            window=self.window,
            reader=self.reader,
            category_colors=dict(self.category_colors),
        )


def agent_label(names: Iterable[str]) -> str | None:
    """A conversation's agent from the listing's ``agent_names``: the one agent's name, or the
    names of several in alphabetical order joined by ", " (the listing neither says which agent
    was the root nor promises an order, so this is the one reading that never changes between
    fetches); None when it names none."""
    distinct = sorted({str(name) for name in names if name})
    return ", ".join(distinct) if distinct else None


def with_agent_names(data: ConversationData, labels: Mapping[str, str | None]) -> ConversationData:
    """``data`` with ``conversations["agent_name"]`` set from ``labels`` (conversation id to
    ``agent_label``) where it names the conversation; other rows keep their value."""
    conv = data.conversations
    known = conv["conversation_id"].map(labels)
    if not known.notna().any():
        return data
    filled = known.astype(STRING).fillna(conv["agent_name"])
    return replace(data, conversations=conv.assign(agent_name=filled))


def empty_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """An empty frame with the documented columns and dtypes."""
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in columns.items()})


def conversation_data(
    res: AgentConversationSpansRes | Sequence[AgentConversationSpans] | ResponseColumns,
    conversation_ids: Sequence[str] | None = None,
    *,
    project_id: str = "",
    window: tuple[Any, Any] = (None, None),
    reader: Any = None,
) -> ConversationData:
    """Frame a response (models, or ``ResponseColumns`` from ``weave_widgets.data._columnar``).
    ``conversation_ids`` (default: the response's) fixes the row order of ``conversations``;
    ids missing from the response get a row with zero counts."""
    if isinstance(res, ResponseColumns):
        columns = res
    else:
        entries = res.conversations if isinstance(res, AgentConversationSpansRes) else res
        columns = from_models(entries)
    position = {cid: i for i, cid in enumerate(columns.conversation_ids)}
    ids = list(dict.fromkeys(conversation_ids if conversation_ids is not None else position))
    with paused_gc():
        present = columns.take([position[cid] for cid in ids if cid in position])
        spans, first_spans = _span_frame(present)
        feedback, ratings = _feedback_frames(present, first_spans)
        conversations = _conversation_frame(ids, spans, feedback, ratings)
    return ConversationData(spans, feedback, ratings, conversations, project_id, window, reader)


def _encoded(values: Any) -> tuple[npt.NDArray[np.int64], Any]:
    """Codes and distinct values of a string column (Arrow's hash table, no Python objects)."""
    encoded = values.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    return codes, encoded.dictionary


def _codes(values: Any, dtype: pd.CategoricalDtype) -> pd.Categorical:
    """``values`` as a categorical, encoding first so only distinct values are looked at."""
    codes, uniques = _encoded(values)
    mapped = pd.Categorical(uniques.to_pylist(), dtype=dtype).codes
    return pd.Categorical.from_codes(mapped[codes], dtype=dtype)


def _span_frame(columns: ResponseColumns) -> tuple[pd.DataFrame, dict[tuple[str, str], int]]:
    """The spans frame, and the turn index of each ``(conversation_id, trace_id)``."""
    counts = columns.span_counts
    total = int(counts.sum())
    if total == 0:
        return empty_frame(SPAN_COLUMNS), {}
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    conv_number = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    trace_codes, trace_uniques = _encoded(columns.trace_id)
    pair_codes, _ = pd.factorize(conv_number * len(trace_uniques) + trace_codes)
    turn_index = pair_codes - pair_codes[starts]
    conv_ids = pd.array(columns.conversation_ids, dtype=STRING)
    op_codes, op_uniques = _encoded(columns.operation_name)
    category_names = [OPERATION_CATEGORIES.get(op, "other") for op in op_uniques.to_pylist()]
    category_codes = pd.Categorical(category_names, dtype=CATEGORY_DTYPE).codes[op_codes]
    spans = pd.DataFrame(
        {
            "conversation_id": conv_ids.take(conv_number),
            "turn_index": turn_index.astype(np.int32),
            "trace_id": pd.array(columns.trace_id, dtype=STRING),
            "span_index": (np.arange(total, dtype=np.int64) - starts).astype(np.int32),
            "span_id": pd.array(columns.span_id, dtype=STRING),
            "operation_name": pd.array(columns.operation_name, dtype=STRING),
            "category": pd.Categorical.from_codes(category_codes, dtype=CATEGORY_DTYPE),
            "status": _codes(columns.status, STATUS_DTYPE),
            "duration_ms": columns.duration_ms,
        }
    )
    frames = _frames_turn(pair_codes, category_codes, columns.duration_ms)
    spans["frames_turn"] = frames
    _, first = np.unique(pair_codes, return_index=True)
    trace_names = trace_uniques.to_pylist()
    first_spans = {
        (columns.conversation_ids[conv_number[i]], trace_names[trace_codes[i]]): int(turn_index[i])
        for i in first.tolist()
    }
    return spans, first_spans


FRAME_CATEGORY = CATEGORIES.index("agent")


def _frames_turn(
    turn: npt.NDArray[np.int64], category: npt.NDArray[Any], duration: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Which spans frame their turn: the turn's first span, an agent span, at least as long as
    every other span of the turn, in a turn of two spans or more. The API gives no parent ids
    or start times, and spans come in ``started_at`` order, so a root ``invoke_agent`` that
    contains its turn's work is exactly such a span; counting it as well as its children would
    count the turn twice."""
    n = len(turn)
    if n == 0:
        return np.zeros(0, dtype=bool)
    n_turns = int(turn.max()) + 1
    _, first = np.unique(turn, return_index=True)
    longest = np.full(n_turns, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(longest, turn, duration)
    size = np.bincount(turn, minlength=n_turns)
    out = np.zeros(n, dtype=bool)
    ok = (
        (category[first] == FRAME_CATEGORY)
        & (duration[first] >= longest[turn[first]])
        & (size[turn[first]] > 1)
    )
    out[first[ok]] = True
    return out


def turn_wall_times(spans: pd.DataFrame) -> pd.Series:
    """Wall time of each turn (indexed by ``conversation_id``, ``turn_index``): the framing
    span's duration when the turn has one, else its spans' durations end to end."""
    duration = spans["duration_ms"].astype("int64")
    frames = spans["frames_turn"].to_numpy(dtype=bool)
    keys = [spans["conversation_id"], spans["turn_index"]]
    summed = duration.groupby(keys, sort=False, observed=True).sum()
    framed = duration[frames].groupby([k[frames] for k in keys], sort=False, observed=True).sum()
    return framed.combine_first(summed).reindex(summed.index).astype("int64")


def _feedback_frames(
    columns: ResponseColumns, turn_of: dict[tuple[str, str], int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    markers: list[tuple[Any, ...]] = []
    rating_rows: list[tuple[Any, ...]] = []
    for cid, entry_feedback in zip(columns.conversation_ids, columns.feedback, strict=True):
        placed = sorted(
            entry_feedback,
            key=lambda f: (
                f.trace_id is not None,
                turn_of.get((cid, f.trace_id), -1) if f.trace_id is not None else -1,
                f.feedback_type,
                f.tags,
            ),
        )
        for index, marker in enumerate(placed):
            turn = turn_of.get((cid, marker.trace_id)) if marker.trace_id is not None else None
            level = "conversation" if marker.trace_id is None else "turn"
            markers.append(
                (cid, index, marker.trace_id, turn, level, marker.feedback_type, list(marker.tags))
            )
            rating_rows.extend(
                (
                    cid,
                    index,
                    marker.trace_id,
                    turn,
                    marker.feedback_type,
                    r.name,
                    r.value,
                    r.reason,
                    r.confidence,
                )
                for r in marker.ratings
            )
    return _frame(markers, FEEDBACK_COLUMNS), _frame(rating_rows, RATING_COLUMNS)


def _frame(rows: list[tuple[Any, ...]], columns: dict[str, Any]) -> pd.DataFrame:
    if not rows:
        return empty_frame(columns)
    values = list(zip(*rows, strict=True))
    data: dict[str, Any] = {}
    for (name, dtype), column in zip(columns.items(), values, strict=True):
        if dtype == "object":
            series = pd.Series(list(column), dtype=object)
        else:
            series = pd.Series([np.nan if v is None else v for v in column]).astype(dtype)
        data[name] = series
    return pd.DataFrame(data)


def _conversation_frame(
    ids: list[str], spans: pd.DataFrame, feedback: pd.DataFrame, ratings: pd.DataFrame
) -> pd.DataFrame:
    index = pd.Index(ids, dtype=STRING, name="conversation_id")
    by_conv = spans.groupby("conversation_id", sort=False, observed=True)
    summary = pd.DataFrame(
        {
            "n_spans": by_conv.size(),
            "n_turns": by_conv["turn_index"].max() + 1,
            "n_errors": (spans["status"] == "ERROR").groupby(spans["conversation_id"]).sum(),
            "total_duration_ms": by_conv["duration_ms"].sum(),
            "wall_time_ms": turn_wall_times(spans).groupby(level=0, sort=False).sum(),
        }
    ).reindex(index)
    summary["n_feedback"] = feedback.groupby("conversation_id").size().reindex(index)
    summary["mean_rating"] = ratings.groupby("conversation_id")["value"].mean().reindex(index)
    counts = ["n_spans", "n_turns", "n_errors", "total_duration_ms", "wall_time_ms", "n_feedback"]
    summary[counts] = summary[counts].fillna(0).astype("int64")
    summary["mean_rating"] = summary["mean_rating"].astype("float64")
    summary["at_span_cap"] = summary["n_spans"] >= MAX_CONVERSATION_SPANS
    summary["agent_name"] = pd.Series(np.nan, index=index, dtype=STRING)
    return summary.reset_index()[list(CONVERSATION_COLUMNS)]
