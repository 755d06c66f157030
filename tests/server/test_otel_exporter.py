"""Plain OpenTelemetry (no weave code): an ``opentelemetry-sdk`` TracerProvider with the OTLP
HTTP exporter, configured by the environment ``weave-widgets serve`` prints, and GenAI
semantic-convention spans as agent integrations emit them, lands as conversations."""

from __future__ import annotations

import uuid

import httpx
import pytest

from weave_widgets import WeaveClient, local

pytest.importorskip("opentelemetry.sdk")
pytest.importorskip("opentelemetry.exporter.otlp.proto.http")

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

T0 = 1_790_000_000_000_000_000  # ns
MS = 1_000_000


def _emit(provider: TracerProvider, conversation: str) -> list[tuple[str, str, int, str]]:
    """Two turns in the OpenAI Agents style (a structural ``workflow`` root, no operation name;
    ``invoke_agent``; ``chat``; ``execute_tool``, failing in turn 2); returns the expected
    (operation_name, status, duration_ms, trace_id) per span in start order."""
    tracer = provider.get_tracer("openai-agents-style")
    expected: list[tuple[str, str, int, str]] = []
    for turn, fails in ((0, False), (1, True)):
        start = T0 + turn * 60_000 * MS
        base = {"gen_ai.conversation.id": conversation}
        root = tracer.start_span("workflow Agent workflow", start_time=start, attributes=base)
        trace_id = format(root.get_span_context().trace_id, "032x")
        ctx = set_span_in_context(root)
        agent = tracer.start_span(
            "invoke_agent Triage",
            context=ctx,
            start_time=start + 1 * MS,
            attributes={
                **base,
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "Triage",
            },
        )
        actx = set_span_in_context(agent)
        chat = tracer.start_span(
            "chat gpt-4o-mini",
            context=actx,
            kind=SpanKind.CLIENT,
            start_time=start + 2 * MS,
            attributes={
                **base,
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o-mini",
            },
        )
        chat.end(end_time=start + 802 * MS)
        tool = tracer.start_span(
            "execute_tool book_flight",
            context=actx,
            start_time=start + 803 * MS,
            attributes={
                **base,
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "book_flight",
            },
        )
        if fails:
            tool.set_attribute("error.type", "TimeoutError")
            tool.set_status(Status(StatusCode.ERROR, "book_flight timed out"))
        tool.end(end_time=start + 1_003 * MS)
        agent.end(end_time=start + 1_004 * MS)
        root.end(end_time=start + 1_005 * MS)
        status = "ERROR" if fails else "UNSET"
        expected += [
            ("workflow Agent workflow", "UNSET", 1_005, trace_id),
            ("invoke_agent", "UNSET", 1_003, trace_id),
            ("chat", "UNSET", 800, trace_id),
            ("execute_tool", status, 200, trace_id),
        ]
    return expected


def test_plain_otel_exporter_configured_by_the_printed_environment(
    local_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = f"otel-entity/p-{uuid.uuid4().hex[:8]}"
    for name, value in local.weave_sdk_env(local_server, project).items():
        monkeypatch.setenv(name, value)
    provider = TracerProvider(resource=Resource.create({"service.name": "plain-otel-agent"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # all from the env
    conversation = f"group_{uuid.uuid4().hex[:12]}"
    expected = _emit(provider, conversation)
    assert provider.force_flush(10_000)
    provider.shutdown()

    with WeaveClient(project, url=local_server) as client:
        listing = client.list_conversations()
        data = client.conversation_spans([conversation])
    assert listing["conversation_id"].tolist() == [conversation]
    spans = data.spans
    got = list(
        zip(
            spans["operation_name"],
            spans["status"].astype(str),
            spans["duration_ms"],
            spans["trace_id"],
            strict=True,
        )
    )
    assert got == expected
    assert spans["turn_index"].tolist() == [0] * 4 + [1] * 4
    assert spans["category"].astype(str).tolist() == ["other", "agent", "llm", "tool"] * 2
    assert data.conversations["n_errors"].tolist() == [1]


def test_otlp_without_project_header_is_a_clear_400(local_server: str) -> None:
    """An exporter pointed at the base URL without the header learns how to set it."""
    answer = httpx.post(
        f"{local_server}/v1/traces",
        content=b"",
        headers={"content-type": "application/x-protobuf"},
    )
    assert answer.status_code == 400
    assert "OTEL_EXPORTER_OTLP_HEADERS=project_id=entity/project" in answer.json()["reason"]
