"""Calls as agent spans: how ``/call/start`` and ``/call/end`` bodies become stored span rows.

A call with ``thread_id`` is a span of conversation ``thread_id`` (falling back to the
``gen_ai.conversation.id`` attribute); its ``trace_id`` is the turn and its ``id`` the span id.
``operation_name`` is ``attributes["gen_ai.operation.name"]``, else the same key in
``otel_dump`` (top level or under ``otel_dump["attributes"]``), else ``op_name``. Keys are
looked up flat (``"gen_ai.operation.name"``) and nested (``{"gen_ai": {"operation": ...}}``).
Status is UNSET until the call ends, then ERROR when the end carries an exception, else OK.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson
import uuid_utils

from weave_widgets.models import EndedCallSchemaForInsert, StartedCallSchemaForInsert

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


class SpanRow(NamedTuple):
    """One stored span; times are integer microseconds since the epoch (UTC)."""

    project_id: str
    span_id: str
    trace_id: str
    parent_id: str | None
    conversation_id: str | None
    operation_name: str
    op_name: str
    agent_name: str | None
    started_at: int
    ended_at: int | None
    status: str
    exception: str | None
    source: str
    start_json: bytes
    end_json: bytes | None


class CallEnd(NamedTuple):
    """The fields ``/call/end`` sets on a stored span."""

    project_id: str
    span_id: str
    ended_at: int
    status: str
    exception: str | None
    end_json: bytes


def to_micros(value: datetime.datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return (value - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime.datetime:
    """The UTC datetime of ``value`` microseconds since the epoch."""
    return _EPOCH + datetime.timedelta(microseconds=value)


def new_id() -> str:
    """A UUIDv7 in canonical hyphenated form, as the hosted server generates."""
    return str(uuid_utils.uuid7())


def lookup(attrs: Mapping[str, Any] | None, key: str) -> Any:
    """``attrs[key]`` for a dotted key stored flat or as nested mappings; None if absent."""
    if not attrs:
        return None
    if key in attrs:
        return attrs[key]
    node: Any = attrs
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _attribute(start: StartedCallSchemaForInsert, key: str) -> Any:
    value = lookup(start.attributes, key)
    if value is None and start.otel_dump is not None:
        value = lookup(start.otel_dump, key)
        nested = start.otel_dump.get("attributes")
        if value is None and isinstance(nested, Mapping):
            value = lookup(nested, key)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def start_row(start: StartedCallSchemaForInsert) -> SpanRow:
    """The span row of a started call; generates ``id`` / ``trace_id`` when missing."""
    span_id = start.id or new_id()
    trace_id = start.trace_id or new_id()
    conversation = start.thread_id or _text(_attribute(start, "gen_ai.conversation.id"))
    return SpanRow(
        project_id=start.project_id,
        span_id=span_id,
        trace_id=trace_id,
        parent_id=start.parent_id,
        conversation_id=conversation,
        operation_name=_text(_attribute(start, "gen_ai.operation.name")) or start.op_name,
        op_name=start.op_name,
        agent_name=_text(_attribute(start, "gen_ai.agent.name")),
        started_at=to_micros(start.started_at),
        ended_at=None,
        status="UNSET",
        exception=None,
        source="call",
        start_json=orjson.dumps(
            start.model_dump(mode="json", exclude={"id", "trace_id"}, exclude_none=True)
        ),
        end_json=None,
    )


def end_fields(end: EndedCallSchemaForInsert) -> CallEnd:
    """What ending a call changes on its span."""
    return CallEnd(
        project_id=end.project_id,
        span_id=end.id,
        ended_at=to_micros(end.ended_at),
        status="ERROR" if end.exception is not None else "OK",
        exception=end.exception,
        end_json=orjson.dumps(end.model_dump(mode="json", exclude_none=True)),
    )


def apply_end(row: SpanRow, end: CallEnd) -> SpanRow:
    """``row`` as it is after ``end``."""
    return row._replace(
        ended_at=end.ended_at, status=end.status, exception=end.exception, end_json=end.end_json
    )
