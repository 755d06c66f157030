"""OTLP decoding: an ``ExportTraceServiceRequest`` (protobuf or OTLP JSON) becomes span rows.

A span joins conversation ``gen_ai.conversation.id`` (span attribute, else resource attribute);
its operation is ``gen_ai.operation.name`` (else the span name); its status is the OTel status
code (0 UNSET, 1 OK, 2 ERROR). Trace and span ids are stored as lowercase hex, which is how
OTLP JSON spells them and how protobuf bytes are rendered.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from weave_widgets.models import EXACT_FLOAT
from weave_widgets.server.routing import InvalidJson, parse_json
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


def _attributes(items: Any) -> dict[str, Any]:
    """Attributes as a dict. A value's ``string_value`` is non-empty only when a string is the
    kind it holds (a oneof), so strings (most values) are read without ``WhichOneof``, which
    cost a third of the decoding."""
    out: dict[str, Any] = {}
    for kv in items:
        value = kv.value
        out[kv.key] = value.string_value or _any_value(value)
    return out


def _proto_request(body: bytes) -> ExportTraceServiceRequest:
    try:
        return ExportTraceServiceRequest.FromString(body)
    except DecodeError as exc:
        raise InvalidOtlp(f"body is not a protobuf ExportTraceServiceRequest: {exc}") from exc


def _proto_rows(req: ExportTraceServiceRequest, project_id: str) -> Iterator[SpanRow]:
    for resource_spans in req.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        resource_json = _resource_json(resource)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                status = span.status
                yield _row(
                    project_id,
                    span.trace_id.hex(),
                    span.span_id.hex(),
                    span.parent_span_id.hex() or None,
                    span.name,
                    span.start_time_unix_nano,
                    span.end_time_unix_nano,
                    _attributes(span.attributes),
                    status.code,
                    status.message or None,
                    resource,
                    resource_json,
                )


# --- JSON --------------------------------------------------------------------------------------
# OTLP JSON is the protobuf JSON mapping: 64-bit integers may be strings or numbers, a double
# may be "NaN" / "Infinity". Each value is checked for its kind and range here, and a bad one is
# refused (400) naming where it is, before anything is stored.

_INT64 = (-(2**63), 2**63 - 1)
_FIXED64 = (0, 2**64 - 1)
_DOUBLE_NAMES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _integer(value: Any, where: str, bounds: tuple[int, int]) -> int:
    """``value`` (an integer, a decimal string, or an integral float small enough to be exact)
    within ``bounds``. A bigger float is refused: it may be a literal beyond 64 bits that the
    parser rounded (``18446744073709551616`` arrives as ``2.0**64``)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and abs(value) <= EXACT_FLOAT and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and 0 < len(value) <= 40:
        digits = value[1:] if value[0] in "+-" else value
        if digits.isascii() and digits.isdigit():
            number = int(value)
    if number is None or not bounds[0] <= number <= bounds[1]:
        raise InvalidOtlp(
            f"{where} must be an integer from {bounds[0]} to {bounds[1]} (a decimal string, "
            f"or a number up to 2^53), got {_shown(value)}"
        )
    return number


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidOtlp(f"{where} must be an object, got {_shown(value)}")
    return value


def _array(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidOtlp(f"{where} must be an array, got {_shown(value)}")
    return value


def _json_value(value: Any, where: str) -> Any:
    if value is None:
        return None
    value = _object(value, where)
    if not value:
        return None
    if len(value) != 1:
        raise InvalidOtlp(f"{where} must hold one of stringValue, intValue, ...; got {len(value)}")
    kind, inner = next(iter(value.items()))
    at = f"{where}.{kind}"
    if kind == "stringValue" or kind == "bytesValue":
        if not isinstance(inner, str):
            raise InvalidOtlp(f"{at} must be a string, got {_shown(inner)}")
        return inner
    if kind == "boolValue":
        if not isinstance(inner, bool):
            raise InvalidOtlp(f"{at} must be true or false, got {_shown(inner)}")
        return inner
    if kind == "intValue":
        return _integer(inner, at, _INT64)
    if kind == "doubleValue":
        if isinstance(inner, str) and inner in _DOUBLE_NAMES:
            return _DOUBLE_NAMES[inner]
        if isinstance(inner, int | float) and not isinstance(inner, bool):
            return float(inner)
        raise InvalidOtlp(f"{at} must be a number, got {_shown(inner)}")
    if kind == "arrayValue":
        values = _array(_object(inner, at).get("values"), f"{at}.values")
        return [_json_value(v, f"{at}.values[{i}]") for i, v in enumerate(values)]
    if kind == "kvlistValue":
        return _json_attributes(_object(inner, at).get("values"), f"{at}.values")
    raise InvalidOtlp(f"{where} has an unknown value kind {_shown(kind)}")


def _json_attributes(items: Any, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for index, kv in enumerate(_array(items, where)):
        kv = _object(kv, f"{where}[{index}]")
        key = kv.get("key")
        if not isinstance(key, str):
            raise InvalidOtlp(f"{where}[{index}].key must be a string, got {_shown(key)}")
        out[key] = _json_value(kv.get("value"), f"{where}[{key!r}].value")
    return out


def _hex_id(value: Any, field: str, size: int, required: bool = True) -> str | None:
    if value in (None, "") and not required:
        return None
    text = value.lower() if isinstance(value, str) else ""
    if len(text) != size * 2 or any(c not in "0123456789abcdef" for c in text):
        raise InvalidOtlp(f"{field} must be {size * 2} hex characters, got {_shown(value)}")
    return text


def _status_code(value: Any, where: str) -> int:
    """The status code; an unknown one (a name or a number) reads as UNSET."""
    if isinstance(value, str) and not value.lstrip("+-").isdigit():
        return _STATUS_NAMES.get(value, -1)
    return _integer(value if value is not None else 0, where, _INT64)


def _text_field(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidOtlp(f"{where} must be a string, got {_shown(value)}")
    return value


def _json_rows(body: bytes, project_id: str) -> list[SpanRow]:
    try:
        req = parse_json(body)
    except InvalidJson as exc:
        raise InvalidOtlp(f"body is not valid JSON: {exc.msg}") from None
    if not isinstance(req, Mapping):
        raise InvalidOtlp("an OTLP JSON body must be an object with 'resourceSpans'")
    rows = []
    for r, resource_spans in enumerate(_array(req.get("resourceSpans"), "resourceSpans")):
        at_r = f"resourceSpans[{r}]"
        resource_spans = _object(resource_spans, at_r)
        resource = _json_attributes(
            _object(resource_spans.get("resource"), f"{at_r}.resource").get("attributes"),
            f"{at_r}.resource.attributes",
        )
        resource_json = _resource_json(resource)
        scopes = _array(resource_spans.get("scopeSpans"), f"{at_r}.scopeSpans")
        for s, scope_spans in enumerate(scopes):
            at_s = f"{at_r}.scopeSpans[{s}]"
            spans = _array(_object(scope_spans, at_s).get("spans"), f"{at_s}.spans")
            for i, span in enumerate(spans):
                at = f"{at_s}.spans[{i}]"
                span = _object(span, at)
                status = _object(span.get("status"), f"{at}.status")
                start = span.get("startTimeUnixNano") or 0
                end = span.get("endTimeUnixNano") or 0
                rows.append(
                    _row(
                        project_id,
                        _hex_id(span.get("traceId"), f"{at}.traceId", 16),
                        _hex_id(span.get("spanId"), f"{at}.spanId", 8),
                        _hex_id(span.get("parentSpanId"), f"{at}.parentSpanId", 8, False),
                        _text_field(span.get("name"), f"{at}.name") or "",
                        _integer(start, f"{at}.startTimeUnixNano", _FIXED64),
                        _integer(end, f"{at}.endTimeUnixNano", _FIXED64),
                        _json_attributes(span.get("attributes"), f"{at}.attributes"),
                        _status_code(status.get("code"), f"{at}.status.code"),
                        _text_field(status.get("message"), f"{at}.status.message"),
                        resource,
                        resource_json,
                    )
                )
    return rows


# --- rows --------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _resource_json(resource: dict[str, Any]) -> orjson.Fragment:
    """The resource as JSON, serialised once for all the spans that share it."""
    return orjson.Fragment(orjson.dumps(resource, default=str))


def _row(
    project_id: str,
    trace_id: str | None,
    span_id: str | None,
    parent_id: str | None,
    name: str,
    start: int,
    end: int,
    attrs: dict[str, Any],
    status_code: int,
    status_message: str | None,
    resource: dict[str, Any],
    resource_json: orjson.Fragment,
) -> SpanRow:
    if not trace_id or not span_id:
        raise InvalidOtlp("every span needs a non-empty traceId and spanId")
    if start <= 0:
        raise InvalidOtlp(f"span {span_id} has no startTimeUnixNano")
    conversation = _text(attrs.get("gen_ai.conversation.id")) or _text(
        resource.get("gen_ai.conversation.id")
    )
    status = _STATUS.get(status_code, "UNSET")
    return SpanRow(
        project_id=project_id,
        span_id=span_id,
        trace_id=trace_id,
        parent_id=parent_id,
        conversation_id=conversation,
        operation_name=_text(attrs.get("gen_ai.operation.name")) or name,
        op_name=name,
        agent_name=_text(attrs.get("gen_ai.agent.name")),
        started_at=start // 1000,
        ended_at=end // 1000 if end > 0 else None,
        status=status,
        exception=status_message if status == "ERROR" else None,
        source="otel",
        start_json=orjson.dumps(
            {"name": name, "attributes": attrs, "resource": resource_json}, default=str
        ),
        end_json=None,
    )


def spans(body: bytes, content_type: str, project_id: str) -> Iterator[SpanRow]:
    """The span rows in an OTLP export body; ``content_type`` picks JSON or protobuf.

    The body is parsed (and a JSON body checked whole) before this returns; the rows of a
    protobuf body are then made as they are taken, so the store can insert the first ones
    while the rest are decoded. Taking them may still raise :class:`InvalidOtlp` (a span
    without ids or start time)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json":
        return iter(_json_rows(body, project_id))
    if media in ("application/x-protobuf", "application/protobuf"):
        return _proto_rows(_proto_request(body), project_id)
    raise InvalidOtlp(
        f"unsupported Content-Type {content_type!r}; "
        "send application/x-protobuf or application/json"
    )


def decode(body: bytes, content_type: str, project_id: str) -> list[SpanRow]:
    """Every span row in an OTLP export body (see :func:`spans`)."""
    return list(spans(body, content_type, project_id))
