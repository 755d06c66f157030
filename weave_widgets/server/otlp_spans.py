"""OTLP decoding: an ``ExportTraceServiceRequest`` (protobuf or OTLP JSON) becomes span rows.

A span joins conversation ``gen_ai.conversation.id`` (span attribute, else resource attribute);
its operation is ``gen_ai.operation.name`` (else the span name); its status is the OTel status
code (0 UNSET, 1 OK, 2 ERROR). Trace and span ids are stored as lowercase hex, which is how
OTLP JSON spells them and how protobuf bytes are rendered.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from weave_widgets.server.store import SpanRow

_STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}
_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
EMPTY_PROTOBUF_RESPONSE = ExportTraceServiceResponse().SerializeToString()


class InvalidOtlp(ValueError):
    """An OTLP body that cannot be ingested (HTTP 400); the message says what is wrong."""


# --- protobuf ----------------------------------------------------------------------------------


def _any_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _any_value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, kind)


def _proto_spans(body: bytes) -> Iterator[dict[str, Any]]:
    try:
        req = ExportTraceServiceRequest.FromString(body)
    except DecodeError as exc:
        raise InvalidOtlp(f"body is not a protobuf ExportTraceServiceRequest: {exc}") from exc
    for resource_spans in req.resource_spans:
        resource = {a.key: _any_value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {
                    "trace_id": span.trace_id.hex(),
                    "span_id": span.span_id.hex(),
                    "parent_id": span.parent_span_id.hex() or None,
                    "name": span.name,
                    "start": span.start_time_unix_nano,
                    "end": span.end_time_unix_nano,
                    "attributes": {a.key: _any_value(a.value) for a in span.attributes},
                    "status": span.status.code,
                    "status_message": span.status.message or None,
                    "resource": resource,
                }


# --- JSON --------------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if not isinstance(value, Mapping) or not value:
        return None
    kind, inner = next(iter(value.items()))
    if kind == "arrayValue":
        return [_json_value(v) for v in (inner or {}).get("values", [])]
    if kind == "kvlistValue":
        return _json_attributes((inner or {}).get("values", []))
    if kind == "intValue":
        return int(inner)
    return inner


def _json_attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {
        kv["key"]: _json_value(kv.get("value"))
        for kv in items
        if isinstance(kv, Mapping) and isinstance(kv.get("key"), str)
    }


def _hex_id(value: Any, field: str, size: int, required: bool = True) -> str | None:
    if value in (None, "") and not required:
        return None
    text = value.lower() if isinstance(value, str) else ""
    if len(text) != size * 2 or any(c not in "0123456789abcdef" for c in text):
        raise InvalidOtlp(f"{field} must be {size * 2} hex characters, got {value!r}")
    return text


def _status_code(value: Any) -> int:
    if isinstance(value, str):
        return _STATUS_NAMES.get(value, -1)
    return value if isinstance(value, int) else 0


def _json_spans(body: bytes) -> Iterator[dict[str, Any]]:
    try:
        req = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidOtlp(f"body is not valid JSON: {exc}") from exc
    if not isinstance(req, Mapping):
        raise InvalidOtlp("an OTLP JSON body must be an object with 'resourceSpans'")
    for resource_spans in req.get("resourceSpans") or []:
        resource = _json_attributes((resource_spans.get("resource") or {}).get("attributes"))
        for scope_spans in resource_spans.get("scopeSpans") or []:
            for span in scope_spans.get("spans") or []:
                status = span.get("status") or {}
                try:
                    start, end = (
                        int(span.get("startTimeUnixNano") or 0),
                        int(span.get("endTimeUnixNano") or 0),
                    )
                except (TypeError, ValueError) as exc:
                    raise InvalidOtlp(f"span times must be integer nanoseconds: {exc}") from exc
                yield {
                    "trace_id": _hex_id(span.get("traceId"), "traceId", 16),
                    "span_id": _hex_id(span.get("spanId"), "spanId", 8),
                    "parent_id": _hex_id(span.get("parentSpanId"), "parentSpanId", 8, False),
                    "name": str(span.get("name") or ""),
                    "start": start,
                    "end": end,
                    "attributes": _json_attributes(span.get("attributes")),
                    "status": _status_code(status.get("code", 0)),
                    "status_message": status.get("message") or None,
                    "resource": resource,
                }


# --- rows --------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _row(project_id: str, span: dict[str, Any]) -> SpanRow:
    attrs, resource = span["attributes"], span["resource"]
    if not span["trace_id"] or not span["span_id"]:
        raise InvalidOtlp("every span needs a non-empty traceId and spanId")
    if span["start"] <= 0:
        raise InvalidOtlp(f"span {span['span_id']} has no startTimeUnixNano")
    conversation = _text(attrs.get("gen_ai.conversation.id")) or _text(
        resource.get("gen_ai.conversation.id")
    )
    status = _STATUS.get(span["status"], "UNSET")
    return SpanRow(
        project_id=project_id,
        span_id=span["span_id"],
        trace_id=span["trace_id"],
        parent_id=span["parent_id"],
        conversation_id=conversation,
        operation_name=_text(attrs.get("gen_ai.operation.name")) or span["name"],
        op_name=span["name"],
        agent_name=_text(attrs.get("gen_ai.agent.name")),
        started_at=span["start"] // 1000,
        ended_at=span["end"] // 1000 if span["end"] > 0 else None,
        status=status,
        exception=span["status_message"] if status == "ERROR" else None,
        source="otel",
        start_json=orjson.dumps(
            {"name": span["name"], "attributes": attrs, "resource": resource},
            default=str,
        ),
        end_json=None,
    )


def decode(body: bytes, content_type: str, project_id: str) -> list[SpanRow]:
    """The span rows in an OTLP export body; ``content_type`` picks JSON or protobuf."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json":
        spans = _json_spans(body)
    elif media in ("application/x-protobuf", "application/protobuf"):
        spans = _proto_spans(body)
    else:
        raise InvalidOtlp(
            f"unsupported Content-Type {content_type!r}; "
            "send application/x-protobuf or application/json"
        )
    try:
        return [_row(project_id, span) for span in spans]
    except (AttributeError, TypeError) as exc:
        raise InvalidOtlp(f"malformed OTLP JSON: {exc}") from exc
