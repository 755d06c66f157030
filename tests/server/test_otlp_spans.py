"""OTLP decoding: a protobuf body and its OTLP JSON twin become the same rows, and every kind of
attribute value is stored as the JSON the readers expect."""

from __future__ import annotations

import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import (
    AnyValue,
    ArrayValue,
    KeyValue,
    KeyValueList,
)
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from weave_widgets.server import otlp_spans
from weave_widgets.server.store import SpanRow

PROJECT = "e/p"
TRACE = "0af7651916cd43dd8448eb211c80319c"
T0_NS = 1_772_366_400_000_123_456
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# (key, protobuf value, OTLP JSON value, value as stored)
VALUES = [
    ("text", AnyValue(string_value='say "hi"\n☃'), {"stringValue": 'say "hi"\n☃'}, 'say "hi"\n☃'),
    ("empty", AnyValue(string_value=""), {"stringValue": ""}, ""),
    ("bytes", AnyValue(bytes_value=b"\x00\xff"), {"bytesValue": "AP8="}, "AP8="),
    ("bool", AnyValue(bool_value=False), {"boolValue": False}, False),
    ("int_min", AnyValue(int_value=INT64_MIN), {"intValue": str(INT64_MIN)}, INT64_MIN),
    ("int_max", AnyValue(int_value=INT64_MAX), {"intValue": str(INT64_MAX)}, INT64_MAX),
    ("zero", AnyValue(int_value=0), {"intValue": "0"}, 0),
    ("double", AnyValue(double_value=0.2), {"doubleValue": 0.2}, 0.2),
    ("nan", AnyValue(double_value=float("nan")), {"doubleValue": "NaN"}, None),
    ("inf", AnyValue(double_value=float("-inf")), {"doubleValue": "-Infinity"}, None),
    ("unset", AnyValue(), {}, None),
    (
        "array",
        AnyValue(
            array_value=ArrayValue(
                values=[AnyValue(string_value=""), AnyValue(int_value=1), AnyValue()]
            )
        ),
        {"arrayValue": {"values": [{"stringValue": ""}, {"intValue": 1}, {}]}},
        ["", 1, None],
    ),
    (
        "kvlist",
        AnyValue(
            kvlist_value=KeyValueList(
                values=[
                    KeyValue(key="k", value=AnyValue(bytes_value=b"x")),
                    KeyValue(key="", value=AnyValue(string_value="v")),
                ]
            )
        ),
        {
            "kvlistValue": {
                "values": [
                    {"key": "k", "value": {"bytesValue": "eA=="}},
                    {"key": "", "value": {"stringValue": "v"}},
                ]
            }
        },
        {"k": "eA==", "": "v"},
    ),
    ("gen_ai.operation.name", AnyValue(string_value="chat"), {"stringValue": "chat"}, "chat"),
]


def protobuf_body() -> bytes:
    span = Span(
        trace_id=bytes.fromhex(TRACE),
        span_id=bytes.fromhex("00f067aa0ba902b7"),
        parent_span_id=bytes.fromhex("00f067aa0ba902b6"),
        name="chat gpt",
        start_time_unix_nano=T0_NS,
        end_time_unix_nano=T0_NS + 2_500_000,
        attributes=[KeyValue(key=key, value=value) for key, value, _, _ in VALUES],
        status=Status(code=Status.STATUS_CODE_ERROR, message="boom"),
    )
    resource = Resource(
        attributes=[
            KeyValue(key="gen_ai.conversation.id", value=AnyValue(string_value="conv")),
            KeyValue(key="service.name", value=AnyValue(string_value="svc")),
        ]
    )
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(resource=resource, scope_spans=[ScopeSpans(spans=[span])])]
    )
    return request.SerializeToString()


def json_body() -> bytes:
    span = {
        "traceId": TRACE.upper(),
        "spanId": "00f067aa0ba902b7",
        "parentSpanId": "00f067aa0ba902b6",
        "name": "chat gpt",
        "startTimeUnixNano": str(T0_NS),
        "endTimeUnixNano": T0_NS + 2_500_000,
        "attributes": [{"key": key, "value": value} for key, _, value, _ in VALUES],
        "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
    }
    resource = {
        "attributes": [
            {"key": "gen_ai.conversation.id", "value": {"stringValue": "conv"}},
            {"key": "service.name", "value": {"stringValue": "svc"}},
        ]
    }
    return orjson.dumps(
        {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}
    )


def test_protobuf_and_json_bodies_store_the_same_row() -> None:
    (from_protobuf,) = otlp_spans.decode(protobuf_body(), "application/x-protobuf", PROJECT)
    (from_json,) = otlp_spans.decode(json_body(), "application/json; charset=utf-8", PROJECT)
    assert from_protobuf == from_json
    assert from_protobuf._replace(start_json=b"") == SpanRow(
        project_id=PROJECT,
        span_id="00f067aa0ba902b7",
        trace_id=TRACE,
        parent_id="00f067aa0ba902b6",
        conversation_id="conv",
        operation_name="chat",
        op_name="chat gpt",
        agent_name=None,
        started_at=T0_NS // 1000,
        ended_at=(T0_NS + 2_500_000) // 1000,
        status="ERROR",
        exception="boom",
        source="otel",
        start_json=b"",
        end_json=None,
    )


def test_every_kind_of_attribute_value_is_stored_as_json() -> None:
    (row,) = otlp_spans.decode(protobuf_body(), "application/protobuf", PROJECT)
    assert orjson.loads(row.start_json) == {
        "name": "chat gpt",
        "attributes": {key: stored for key, _, _, stored in VALUES},
        "resource": {"gen_ai.conversation.id": "conv", "service.name": "svc"},
    }
    # the 64-bit extremes are kept exactly, as integers, for json_extract to read back
    assert f'"int_min":{INT64_MIN},"int_max":{INT64_MAX}'.encode() in row.start_json
