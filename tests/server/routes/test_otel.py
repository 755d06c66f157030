"""``POST /otel/v1/traces``: OTLP JSON and protobuf become conversation spans."""

from __future__ import annotations

import gzip

import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status
from server_api import Api

from weave_widgets.server.insert_pipeline import CHUNK_ROWS

T0_NS = 1_772_366_400_000_000_000  # 2026-03-01T12:00:00Z
TRACE = "0af7651916cd43dd8448eb211c80319c"


def json_span(span_id: str, start_s: float, end_s: float, op: str, code: object = 1) -> object:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "name": f"{op} step",
        "startTimeUnixNano": str(T0_NS + int(start_s * 1e9)),
        "endTimeUnixNano": str(T0_NS + int(end_s * 1e9)),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": op}},
            {"key": "gen_ai.request.max_tokens", "value": {"intValue": "64"}},
            {"key": "gen_ai.tools", "value": {"arrayValue": {"values": [{"stringValue": "x"}]}}},
        ],
        "status": {"code": code},
    }


def post_otlp(api: Api, body: bytes, content_type: str, **headers: str) -> object:
    headers = {"content-type": content_type, "project_id": api.project_id, **headers}
    return api.http.post("/otel/v1/traces", content=body, headers=headers)


def test_otlp_json(api: Api) -> None:
    body = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "gen_ai.conversation.id", "value": {"stringValue": "otel-conv"}}
                    ]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            json_span("00f067aa0ba902b7", 1, 1.25, "chat", "STATUS_CODE_ERROR"),
                            json_span("00f067aa0ba902b6", 0, 2, "invoke_agent", 1),
                            json_span("00f067aa0ba902b8", 3, 3, "execute_tool", 0),
                        ]
                    }
                ],
            }
        ]
    }
    res = post_otlp(api, orjson.dumps(body), "application/json")
    assert res.status_code == 200, res.text
    assert res.json() == {}
    spans = api.conversation("otel-conv")["spans"]
    assert [(s["span_id"], s["operation_name"], s["status"], s["duration_ms"]) for s in spans] == [
        ("00f067aa0ba902b6", "invoke_agent", "OK", 2000),
        ("00f067aa0ba902b7", "chat", "ERROR", 250),
        ("00f067aa0ba902b8", "execute_tool", "UNSET", 0),
    ]
    assert {s["trace_id"] for s in spans} == {TRACE}


def kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def test_otlp_protobuf_gzip_and_replace(api: Api) -> None:
    def request(code: int) -> bytes:
        span = Span(
            trace_id=bytes.fromhex(TRACE),
            span_id=bytes.fromhex("1111111111111111"),
            name="tool call",
            start_time_unix_nano=T0_NS,
            end_time_unix_nano=T0_NS + 1_500_000,
            attributes=[
                kv("gen_ai.operation.name", "execute_tool"),
                kv("gen_ai.conversation.id", "proto-conv"),
            ],
            status=Status(code=code),  # type: ignore[arg-type]
        )
        req = ExportTraceServiceRequest(
            resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])]
        )
        return req.SerializeToString()

    res = post_otlp(api, request(Status.STATUS_CODE_OK), "application/x-protobuf")
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/x-protobuf"
    ExportTraceServiceResponse.FromString(res.content)
    compressed = gzip.compress(request(Status.STATUS_CODE_ERROR))
    res = post_otlp(api, compressed, "application/x-protobuf", **{"content-encoding": "gzip"})
    assert res.status_code == 200, res.text
    (span,) = api.conversation("proto-conv")["spans"]
    assert span == {
        "operation_name": "execute_tool",
        "trace_id": TRACE,
        "span_id": "1111111111111111",
        "status": "ERROR",
        "duration_ms": 1,
    }


def test_otlp_errors_are_400(api: Api) -> None:
    ok = orjson.dumps({"resourceSpans": []})
    res = api.http.post("/otel/v1/traces", content=ok, headers={"content-type": "application/json"})
    assert res.status_code == 400
    assert "project_id" in res.json()["reason"]
    assert post_otlp(api, ok, "text/plain").status_code == 400
    assert post_otlp(api, b"\xff\x00garbage", "application/x-protobuf").status_code == 400
    bad_id = {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xyz", "spanId": "1"}]}]}]}
    res = post_otlp(api, orjson.dumps(bad_id), "application/json")
    assert res.status_code == 400
    assert "traceId" in res.json()["reason"]


def test_a_big_protobuf_export_is_stored_whole_or_not_at_all(api: Api) -> None:
    """Spans of a protobuf body are inserted while later ones are decoded (in chunks of
    ``CHUNK_ROWS``); a bad span after the first chunks still leaves nothing stored."""

    def request(count: int, bad: int | None = None) -> bytes:
        spans = [
            Span(
                trace_id=bytes.fromhex(TRACE),
                span_id=(index + 1).to_bytes(8, "big"),
                name="chat step",
                start_time_unix_nano=0 if index == bad else T0_NS + index * 1_000_000,
                end_time_unix_nano=T0_NS + index * 1_000_000 + 500_000,
                attributes=[kv("gen_ai.conversation.id", "big-conv")],
            )
            for index in range(count)
        ]
        spans.append(spans[7])  # a span sent twice in one export is stored once
        return ExportTraceServiceRequest(
            resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])]
        ).SerializeToString()

    count = 2 * CHUNK_ROWS + 9  # two multi-row inserts and a short tail, under the span cap
    res = post_otlp(api, request(count, bad=CHUNK_ROWS + 3), "application/x-protobuf")
    assert res.status_code == 400
    assert "startTimeUnixNano" in res.json()["reason"]
    assert api.conversation("big-conv")["spans"] == []
    res = post_otlp(api, request(count), "application/x-protobuf")
    assert res.status_code == 200, res.text
    spans = api.conversation("big-conv")["spans"]
    assert [s["span_id"] for s in spans] == [f"{index + 1:016x}" for index in range(count)]
