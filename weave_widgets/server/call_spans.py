"""Calls as agent spans: how ``/call/start`` and ``/call/end`` bodies become stored span rows.

A call with ``thread_id`` is a span of conversation ``thread_id`` (falling back to the
``gen_ai.conversation.id`` attribute); its ``trace_id`` is the turn and its ``id`` the span id.
``operation_name`` is ``attributes["gen_ai.operation.name"]``, else the same key in
``otel_dump`` (top level or under ``otel_dump["attributes"]``), else the name of the op (the
weave SDK sends ``weave:///entity/project/op/<name>:<digest>``; the name is what a reader
recognises), else ``op_name`` as sent. Keys are
looked up flat (``"gen_ai.operation.name"``) and nested (``{"gen_ai": {"operation": ...}}``).
Status is UNSET until the call ends, then ERROR when the end carries an exception, else OK.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from weave_widgets.ids import new_id
from weave_widgets.models import EndedCallSchemaForInsert, StartedCallSchemaForInsert
from weave_widgets.server.store import CallEnd, SpanRow, to_micros


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


def op_display_name(op_name: str) -> str:
    """``<name>`` of an op ref ``weave:///entity/project/op/<name>:<digest>``, else ``op_name``."""
    if op_name.startswith("weave:///"):
        parts = op_name.removeprefix("weave:///").split("/")
        if len(parts) == 4 and parts[2] == "op" and parts[3]:
            return parts[3].rsplit(":", 1)[0] or op_name
    return op_name


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
        operation_name=_text(_attribute(start, "gen_ai.operation.name"))
        or op_display_name(start.op_name),
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
