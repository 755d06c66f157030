"""A ``/agents/conversations/spans`` response as flat columns, without per-span objects.

``from_body`` reads the response bytes straight into Arrow columns with pyarrow's JSON reader
against the contract's schema (C++: no Python object per span, faster than ``orjson.loads``
alone) and answers None whenever anything is unusual. ``from_json`` checks decoded JSON column
by column (exact types, the status enum, required keys), also answering None when anything is
unusual, so the caller can let pydantic decide and name the offending path. ``from_models``
does the same from validated models.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.json as pa_json  # type: ignore[import-untyped]
import pydantic

from weave_widgets.models import (
    STATUS_CODES,
    AgentConversationSpanFeedback,
    AgentConversationSpans,
)

StringColumn = Any
"""A ``pyarrow.StringArray`` (pyarrow ships no type stubs)."""
SPAN_FIELDS = ("operation_name", "trace_id", "span_id", "status", "duration_ms")
_FEEDBACK = pydantic.TypeAdapter(list[list[AgentConversationSpanFeedback]])
_MARKERS = pydantic.TypeAdapter(list[AgentConversationSpanFeedback])
_STATUSES = frozenset(STATUS_CODES)


@dataclass(frozen=True)
class ResponseColumns:
    """Conversations in response order; their spans concatenated in the same order."""

    conversation_ids: list[str]
    span_counts: npt.NDArray[np.int64]
    operation_name: StringColumn
    trace_id: StringColumn
    span_id: StringColumn
    status: StringColumn
    duration_ms: npt.NDArray[np.int64]
    feedback: list[list[AgentConversationSpanFeedback]]

    def take(self, order: Sequence[int]) -> ResponseColumns:
        """The conversations at positions ``order`` (with their spans), in that order."""
        picked = np.asarray(order, dtype=np.int64)
        counts = self.span_counts[picked]
        starts = (np.cumsum(self.span_counts) - self.span_counts)[picked]
        offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        rows = np.repeat(starts, counts) + offsets
        if len(rows) == len(self.duration_ms) and np.array_equal(
            rows, np.arange(len(rows), dtype=np.int64)
        ):  # the spans are already in this order (the common case): no copy
            return replace(
                self,
                conversation_ids=[self.conversation_ids[i] for i in picked],
                span_counts=counts,
                feedback=[self.feedback[i] for i in picked],
            )
        indices = pa.array(rows, type=pa.int64())
        return ResponseColumns(
            conversation_ids=[self.conversation_ids[i] for i in picked],
            span_counts=counts,
            operation_name=self.operation_name.take(indices),
            trace_id=self.trace_id.take(indices),
            span_id=self.span_id.take(indices),
            status=self.status.take(indices),
            duration_ms=self.duration_ms[rows],
            feedback=[self.feedback[i] for i in picked],
        )

    @staticmethod
    def concat(parts: Sequence[ResponseColumns]) -> ResponseColumns:
        """Several responses (e.g. batches) as one."""
        if not parts:
            return _columns([], [], [], [], [], [], [], [])
        return ResponseColumns(
            conversation_ids=[cid for p in parts for cid in p.conversation_ids],
            span_counts=np.concatenate([p.span_counts for p in parts]),
            operation_name=_concat([p.operation_name for p in parts]),
            trace_id=_concat([p.trace_id for p in parts]),
            span_id=_concat([p.span_id for p in parts]),
            status=_concat([p.status for p in parts]),
            duration_ms=np.concatenate([p.duration_ms for p in parts]),
            feedback=[f for p in parts for f in p.feedback],
        )


def _concat(parts: Sequence[pa.Array]) -> StringColumn:
    """One string column of several (large_string when the parts hold over 2 GiB of text)."""
    if sum(p.nbytes for p in parts) >= 2**31 - 1:
        parts = [p.cast(pa.large_string()) for p in parts]
    out: StringColumn = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
    return out


def _strings(values: Sequence[Any]) -> StringColumn:
    out: StringColumn = pa.array(values, type=pa.string())
    return out


def _columns(
    ids: list[str],
    counts: Sequence[int],
    ops: Sequence[Any],
    traces: Sequence[Any],
    span_ids: Sequence[Any],
    statuses: Sequence[Any],
    durations: Sequence[int],
    feedback: list[list[AgentConversationSpanFeedback]],
) -> ResponseColumns:
    return ResponseColumns(
        conversation_ids=ids,
        span_counts=np.asarray(counts, dtype=np.int64).reshape(-1),
        operation_name=_strings(ops),
        trace_id=_strings(traces),
        span_id=_strings(span_ids),
        status=_strings(statuses),
        duration_ms=np.asarray(durations, dtype=np.int64).reshape(-1),
        feedback=feedback,
    )


def from_models(entries: Sequence[AgentConversationSpans]) -> ResponseColumns:
    """Columns of validated response entries."""
    spans = list(chain.from_iterable(e.spans for e in entries))
    return _columns(
        [e.conversation_id for e in entries],
        [len(e.spans) for e in entries],
        [s.operation_name for s in spans],
        [s.trace_id for s in spans],
        [s.span_id for s in spans],
        [s.status for s in spans],
        [s.duration_ms for s in spans],
        [list(e.spans_feedback) for e in entries],
    )


def from_json(data: Any) -> ResponseColumns | None:
    """Columns of a decoded response body, or None unless it follows the contract exactly
    (then validate it with pydantic for the verdict and the error paths)."""
    if type(data) is not dict:
        return None
    entries = data.get("conversations", [])
    if type(entries) is not list or not all(type(e) is dict for e in entries):
        return None
    ids = [e.get("conversation_id") for e in entries]
    span_lists = [e.get("spans", []) for e in entries]
    feedback_lists = [e.get("spans_feedback", []) for e in entries]
    if not (_all_type(ids, str) and _all_type(span_lists, list)):
        return None
    spans = list(chain.from_iterable(span_lists))
    if not _all_type(spans, dict):
        return None
    try:
        ops, traces, span_ids, statuses, durations = (
            list(map(itemgetter(name), spans)) for name in SPAN_FIELDS
        )
        feedback = _FEEDBACK.validate_python(feedback_lists)
    except (KeyError, pydantic.ValidationError):
        return None
    if not (
        _all_type(ops, str)
        and _all_type(traces, str)
        and _all_type(span_ids, str)
        and _all_type(durations, int)
        and _STATUSES.issuperset(statuses)
    ):
        return None
    try:
        return _columns(
            ids, [len(s) for s in span_lists], ops, traces, span_ids, statuses, durations, feedback
        )
    except OverflowError:
        return None


_SPAN = pa.struct(
    [
        ("operation_name", pa.string()),
        ("trace_id", pa.string()),
        ("span_id", pa.string()),
        ("status", pa.string()),
        ("duration_ms", pa.int64()),
    ]
)
_RATING = pa.struct(
    [
        ("name", pa.string()),
        ("value", pa.float64()),
        ("reason", pa.string()),
        ("confidence", pa.float64()),
    ]
)
_MARKER = pa.struct(
    [
        ("trace_id", pa.string()),
        ("feedback_type", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("ratings", pa.list_(_RATING)),
    ]
)
_BODY = pa.schema(
    [
        (
            "conversations",
            pa.list_(
                pa.struct(
                    [
                        ("conversation_id", pa.string()),
                        ("spans", pa.list_(_SPAN)),
                        ("spans_feedback", pa.list_(_MARKER)),
                    ]
                )
            ),
        )
    ]
)
_PARSE = pa_json.ParseOptions(explicit_schema=_BODY, unexpected_field_behavior="ignore")
_NULL_TRACE = b'"trace_id":null'


def from_body(body: bytes) -> ResponseColumns | None:
    """Columns straight from the response bytes, or None unless the body follows the contract
    exactly (then decode it with orjson and take the other paths).

    pyarrow's reader is strict about types (a number is never a string, a bool never an
    integer, 1.0 never an int64, a duplicate key is an error), rejects invalid UTF-8 and lone
    surrogates; what it cannot tell apart is checked here: several JSON values in one body,
    NaN or Infinity literals (orjson rejects them), and an absent key against an explicit
    null (both read as null; any null where the contract has a list or a string is left to
    pydantic, and a marker's null ``trace_id`` must be spelled out as the server writes it).
    """
    if not body.lstrip().startswith(b"{") or not _is_utf8(body):
        return None
    try:
        table = pa_json.read_json(
            io.BytesIO(body),
            read_options=pa_json.ReadOptions(block_size=len(body) + 1, use_threads=False),
            parse_options=_PARSE,
        )
    except (pa.ArrowException, UnicodeDecodeError):
        return None
    if table.num_rows != 1:
        return None
    entries_list = table.column("conversations").combine_chunks()
    if entries_list.null_count:
        return None
    entries = entries_list.flatten()
    ids, span_lists, marker_lists = (entries.field(i) for i in range(3))
    if ids.null_count or span_lists.null_count or marker_lists.null_count:
        return None
    spans = span_lists.flatten()
    fields = [spans.field(i) for i in range(5)]
    if any(f.null_count for f in fields):
        return None
    ops, traces, span_ids, statuses, durations = fields
    if not _STATUSES.issuperset(pc.unique(statuses).to_pylist()):
        return None
    markers = marker_lists.flatten()
    feedback = _markers(markers, body)
    if feedback is None:
        return None
    counts = np.diff(np.asarray(marker_lists.offsets))
    per_entry: list[list[AgentConversationSpanFeedback]] = []
    position = 0
    for n in counts.tolist():
        per_entry.append(feedback[position : position + n])
        position += n
    return ResponseColumns(
        conversation_ids=ids.to_pylist(),
        span_counts=np.diff(np.asarray(span_lists.offsets)).astype(np.int64),
        operation_name=ops,
        trace_id=traces,
        span_id=span_ids,
        status=statuses,
        duration_ms=durations.to_numpy(zero_copy_only=False).astype(np.int64, copy=False),
        feedback=per_entry,
    )


def _is_utf8(body: bytes) -> bool:
    """Whether the whole body is UTF-8, as orjson requires (Arrow's reader does not check the
    bytes inside strings); a vectorised check, no copy of the body."""
    offsets = pa.array([0, len(body)], type=pa.int64()).buffers()[1]
    raw = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(body)])
    try:
        raw.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _markers(markers: pa.StructArray, body: bytes) -> list[AgentConversationSpanFeedback] | None:
    """The feedback markers as models, or None when a null may stand for an absent key that
    pydantic would treat differently, or a number was NaN or infinite."""
    if not len(markers):
        return []
    traces, types, tags, ratings = (markers.field(i) for i in range(4))
    if types.null_count or tags.null_count or ratings.null_count:
        return None
    if tags.flatten().null_count:
        return None
    values = ratings.flatten()
    name, value, _, confidence = (values.field(i) for i in range(4))
    if name.null_count or value.null_count:
        return None
    for numbers in (value, confidence):
        if not pc.all(pc.is_finite(numbers.fill_null(0.0))).as_py():
            return None
    if traces.null_count and traces.null_count != body.count(_NULL_TRACE):
        return None
    try:
        return _MARKERS.validate_python(markers.to_pylist())
    except pydantic.ValidationError:
        return None


def _all_type(values: Sequence[Any], kind: type) -> bool:
    """Every value is exactly ``kind`` (so no bool posing as int)."""
    return set(map(type, values)) <= {kind}


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of containers are created (it would
    rescan them all again and again); pure speed, nothing here makes cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
