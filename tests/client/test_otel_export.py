"""``otel_export`` on both clients: OTLP protobuf to ``/agents/otel/v1/traces`` with the
project header and the client's auth and retries, against the local server and a scripted one."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fault_server import FaultServer, reply, reset
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from weave_widgets.client import AsyncWeaveClient, WeaveClient
from weave_widgets.errors import (
    ApiError,
    AuthError,
    InvalidArgumentError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)

KEY = "sk-otel-0123456789abcdef"
BASIC = "Basic " + base64.b64encode(f"api:{KEY}".encode()).decode()
PATH = "/agents/otel/v1/traces"
PROTOBUF = "application/x-protobuf"
START = 1_772_000_000_000_000_000  # ns, 2026-02-25
EMPTY = ExportTraceServiceResponse().SerializeToString()


def kv(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def export(conversation: str, *, failed_tool: bool = False) -> ExportTraceServiceRequest:
    """One turn as the Conversation SDK exports it: the chat and tool end before the root."""
    trace = bytes.fromhex("6909583709fe7dc71abc4df3eae363b5")
    root_id, chat_id, tool_id = (bytes.fromhex(h) for h in ("026f532f10957ab8", "d7", "e3"))
    chat_id, tool_id = chat_id.ljust(8, b"\1"), tool_id.ljust(8, b"\2")
    common = [kv("gen_ai.conversation.id", conversation)]

    def span(span_id: bytes, parent: bytes, name: str, op: str, start: int, end: int) -> Span:
        return Span(
            trace_id=trace,
            span_id=span_id,
            parent_span_id=parent,
            name=name,
            kind=Span.SpanKind.SPAN_KIND_INTERNAL,
            flags=0x100,
            start_time_unix_nano=START + start,
            end_time_unix_nano=START + end,
            attributes=[kv("gen_ai.operation.name", op), *common],
        )

    tool = span(
        tool_id, root_id, "execute_tool get_weather", "execute_tool", 12_000_000, 15_500_000
    )
    if failed_tool:
        tool.status.CopyFrom(Status(code=Status.StatusCode.STATUS_CODE_ERROR, message="timed out"))
    spans = [
        span(chat_id, root_id, "chat gpt-4o", "chat", 1_000_000, 11_000_000),
        tool,
        span(root_id, b"", "invoke_agent probe-agent", "invoke_agent", 0, 17_000_000),
    ]
    request = ExportTraceServiceRequest()
    resource = request.resource_spans.add()
    resource.resource.attributes.append(kv("service.name", "weave-conversation-sdk"))
    scope = resource.scope_spans.add()
    scope.scope.name = "weave.conversation"
    scope.spans.extend(spans)
    return request


# --- against the local server -----------------------------------------------------------------


def test_spans_reach_the_clients_project(local_server: str, project_id: str) -> None:
    with WeaveClient(project_id, url=local_server, progress=False) as client:
        answer = client.otel_export(export("conv-otel", failed_tool=True))
        assert isinstance(answer, ExportTraceServiceResponse)
        assert answer.partial_success.rejected_spans == 0
        data = client.conversation_spans(["conv-otel"])
    rows = data.spans[["span_id", "operation_name", "status", "duration_ms"]]
    assert rows.values.tolist() == [
        ["026f532f10957ab8", "invoke_agent", "UNSET", 17],
        ["d701010101010101", "chat", "UNSET", 10],
        ["e302020202020202", "execute_tool", "ERROR", 3],
    ]
    with WeaveClient(project_id + "-other", url=local_server, progress=False) as other:
        assert other.conversation_spans(["conv-otel"]).spans.empty


def test_serialized_bytes_are_sent_as_they_are(local_server: str, project_id: str) -> None:
    body = export("conv-bytes").SerializeToString()

    async def run() -> int:
        async with AsyncWeaveClient(project_id, url=local_server, progress=False) as client:
            await client.otel_export(body)
            data = await client.conversation_spans(["conv-bytes"])
            return len(data.spans)

    assert asyncio.run(run()) == 3


# --- against a scripted server ----------------------------------------------------------------


@pytest.fixture
def client(fault_server: FaultServer) -> Iterator[WeaveClient]:
    with WeaveClient(
        "team/agents", url=fault_server.url, api_key=KEY, max_retries=3, backoff_base=0.01
    ) as c:
        yield c


def test_request_is_protobuf_with_project_and_auth(
    client: WeaveClient, fault_server: FaultServer
) -> None:
    fault_server.script(reply(200, EMPTY, content_type=PROTOBUF))
    request = export("c1")
    client.otel_export(request)
    (sent,) = fault_server.requests
    assert (sent.method, sent.path) == ("POST", PATH)
    assert sent.headers["content-type"] == PROTOBUF
    assert sent.headers["project_id"] == "team/agents"
    assert sent.headers["authorization"] == BASIC
    assert sent.body == request.SerializeToString()
    assert ExportTraceServiceRequest.FromString(sent.body) == request


def test_retried_on_503_with_the_same_body(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(
        reply(503, {"detail": "busy"}), reset(), reply(200, EMPTY, content_type=PROTOBUF)
    )
    client.otel_export(export("c1"))
    assert len(fault_server.requests) == 3
    assert len({r.body for r in fault_server.requests}) == 1
    assert {r.headers["project_id"] for r in fault_server.requests} == {"team/agents"}


def test_async_retried_on_503(fault_server: FaultServer) -> None:
    fault_server.script(reply(503), reply(200, EMPTY, content_type=PROTOBUF))

    async def run() -> ExportTraceServiceResponse:
        async with AsyncWeaveClient(
            "team/agents", url=fault_server.url, api_key=KEY, backoff_base=0.01
        ) as c:
            return await c.otel_export(export("c1"))

    assert asyncio.run(run()) == ExportTraceServiceResponse()
    first, second = fault_server.requests
    assert first.body == second.body
    assert second.headers["content-type"] == PROTOBUF
    assert second.headers["authorization"] == BASIC


@pytest.mark.parametrize(
    ("status", "error", "attempts"),
    [(400, ApiError, 1), (401, AuthError, 1), (413, ApiError, 1), (503, ServerError, 4)],
)
def test_errors_map_into_the_family(
    client: WeaveClient,
    fault_server: FaultServer,
    status: int,
    error: type[Exception],
    attempts: int,
) -> None:
    fault_server.script(
        reply(status, {"reason": "body is not a protobuf ExportTraceServiceRequest"})
    )
    with pytest.raises(error, match="not a protobuf") as info:
        client.otel_export(export("c1"))
    assert getattr(info.value, "status", None) == status
    assert len(fault_server.requests) == attempts
    assert KEY not in str(info.value)


def test_unreachable_server_is_a_transport_error() -> None:
    with (
        WeaveClient("e/p", url="http://127.0.0.1:9", max_retries=1, backoff_base=0.01) as c,
        pytest.raises(TransportError),
    ):
        c.otel_export(export("c1"))


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(EMPTY, PROTOBUF), (b"", PROTOBUF), (b"{}", "application/json"), (b"", "text/plain")],
)
def test_answers_read_as_export_responses(
    client: WeaveClient, fault_server: FaultServer, body: bytes, content_type: str
) -> None:
    fault_server.script(reply(200, body, content_type=content_type))
    assert client.otel_export(export("c1")) == ExportTraceServiceResponse()


def test_partial_success_is_returned_and_logged(
    client: WeaveClient, fault_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    answer = ExportTraceServiceResponse()
    answer.partial_success.rejected_spans = 2
    answer.partial_success.error_message = "spans without a trace id"
    fault_server.script(reply(200, answer.SerializeToString(), content_type=PROTOBUF))
    with caplog.at_level(logging.WARNING, logger="weave_widgets"):
        got = client.otel_export(export("c1"))
    assert got.partial_success.rejected_spans == 2
    assert "rejected 2 span(s): spans without a trace id" in caplog.text
    json_answer = {"partialSuccess": {"rejectedSpans": "1", "errorMessage": "bad span"}}
    fault_server.script(reply(200, json_answer))
    assert client.otel_export(export("c1")).partial_success.rejected_spans == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xff\xff", PROTOBUF),
        (b"<html>proxy</html>", "text/html"),
        (b"[1", "application/json"),
    ],
)
def test_undecodable_answer_is_a_decode_error(
    client: WeaveClient, fault_server: FaultServer, body: bytes, content_type: str
) -> None:
    fault_server.script(reply(200, body, content_type=content_type))
    with pytest.raises(ResponseDecodeError, match="not an OTLP ExportTraceServiceResponse"):
        client.otel_export(export("c1"))


@pytest.mark.parametrize("request_", ["spans", {"resource_spans": []}, b"\xff\x01not protobuf"])
def test_bad_request_argument_fails_before_sending(
    client: WeaveClient, fault_server: FaultServer, request_: Any
) -> None:
    with pytest.raises(InvalidArgumentError, match="ExportTraceServiceRequest"):
        client.otel_export(request_)
    assert fault_server.requests == []
