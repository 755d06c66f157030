"""A ``/agents/conversations/spans`` response as flat columns, without per-span objects.

``from_json`` checks decoded JSON against the contract column by column (exact types, the
status enum, required keys) and answers None whenever anything is unusual, so the caller can
let pydantic decide and name the offending path. ``from_models`` does the same from validated
models. Either way one million spans become columns in well under a second.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pydantic

from weave_widgets.models import (
    STATUS_CODES,
    AgentConversationSpanFeedback,
    AgentConversationSpans,
)

ObjectArray = npt.NDArray[np.object_]
SPAN_FIELDS = ("operation_name", "trace_id", "span_id", "status", "duration_ms")
_FEEDBACK = pydantic.TypeAdapter(list[list[AgentConversationSpanFeedback]])
_STATUSES = frozenset(STATUS_CODES)


@dataclass(frozen=True)
class ResponseColumns:
    """Conversations in response order; their spans concatenated in the same order."""

    conversation_ids: list[str]
    span_counts: npt.NDArray[np.int64]
    operation_name: ObjectArray
    trace_id: ObjectArray
    span_id: ObjectArray
    status: ObjectArray
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
        return ResponseColumns(
            conversation_ids=[self.conversation_ids[i] for i in picked],
            span_counts=counts,
            operation_name=self.operation_name[rows],
            trace_id=self.trace_id[rows],
            span_id=self.span_id[rows],
            status=self.status[rows],
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
            operation_name=np.concatenate([p.operation_name for p in parts]),
            trace_id=np.concatenate([p.trace_id for p in parts]),
            span_id=np.concatenate([p.span_id for p in parts]),
            status=np.concatenate([p.status for p in parts]),
            duration_ms=np.concatenate([p.duration_ms for p in parts]),
            feedback=[f for p in parts for f in p.feedback],
        )


def _objects(values: Sequence[Any]) -> ObjectArray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
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
        operation_name=_objects(ops),
        trace_id=_objects(traces),
        span_id=_objects(span_ids),
        status=_objects(statuses),
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
