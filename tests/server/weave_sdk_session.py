"""An agent traced with the real weave SDK, configured by environment variables alone.

Run as a script in a subprocess by ``test_weave_sdk_end_to_end.py``: it logs a Conversation-SDK
conversation (3 turns: a plain chat; a tool and a subagent; a failing tool), an ``@weave.op``
thread (2 turns, the second raising), and feedback, flushes everything, and prints a JSON
record of what it logged: every OTel span as the SDK's own TracerProvider ended it (seen by a
span processor added to it), and every op call as the SDK reports it. The test then reads the
server back and compares. It imports nothing from weave_widgets.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import weave
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from weave.conversation import Message, ToolCallPart, Usage, start_conversation

PROJECT = os.environ["SESSION_PROJECT"]
THREAD = os.environ["SESSION_THREAD"]


class Recorder(SpanProcessor):
    """Keeps every span the SDK ends, as the exporter will send it."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []

    def on_end(self, span: ReadableSpan) -> None:
        context = span.get_span_context()
        attributes = dict(span.attributes or {})
        self.spans.append(
            {
                "trace_id": otel_trace.format_trace_id(context.trace_id),
                "span_id": otel_trace.format_span_id(context.span_id),
                "name": span.name,
                "operation_name": attributes.get("gen_ai.operation.name"),
                "conversation_id": attributes.get("gen_ai.conversation.id"),
                "start_ns": span.start_time,
                "end_ns": span.end_time,
                "status_code": span.status.status_code.value,
            }
        )


@weave.op
def tokenize(text: str) -> list[str]:
    return text.lower().replace("?", "").split()


@weave.op
def retrieve(tokens: list[str]) -> list[str]:
    return [f"doc-{t}" for t in tokens[:2]]


@weave.op
def answer(question: str) -> str:
    docs = retrieve(tokenize(question))
    return f"{len(docs)} documents about {question!r}"


@weave.op
def flaky_answer(question: str) -> str:
    tokenize(question)
    raise ValueError(f"upstream model timed out for {question!r}")


def log_conversation() -> tuple[str, list[str]]:
    conv = start_conversation(agent_name="support-bot", model="gpt-sim-1")
    turn_traces: list[str] = []

    def remember(turn: Any) -> None:
        context = turn._otel_span.get_span_context()
        turn_traces.append(otel_trace.format_trace_id(context.trace_id))

    with conv.start_turn(user_message="Hi! Who are you?") as turn:
        remember(turn)
        with turn.start_llm(model="gpt-sim-1", provider_name="openai") as llm:
            llm.record(
                input_messages=[Message.user("Hi! Who are you?")],
                output_messages=[Message.assistant("I am the support bot.")],
                usage=Usage(input_tokens=12, output_tokens=6),
            )
        turn.record(output_messages=[Message.assistant("I am the support bot.")])

    with conv.start_turn(user_message="What's the weather in Paris?") as turn:
        remember(turn)
        with turn.start_llm(model="gpt-sim-1", provider_name="openai") as llm:
            call = ToolCallPart(id="call_1", name="get_weather", arguments={"city": "Paris"})
            llm.record(
                input_messages=[Message.user("What's the weather in Paris?")],
                output_messages=[Message.assistant("Let me check.", tool_calls=[call])],
                usage=Usage(input_tokens=20, output_tokens=9),
            )
        with turn.start_tool(name="get_weather", arguments={"city": "Paris"}) as tool:
            tool.result = {"city": "Paris", "temp_c": 21}
        with turn.start_subagent(name="researcher", model="gpt-sim-mini") as sub:
            with sub.start_llm(model="gpt-sim-mini", provider_name="openai") as sllm:
                sllm.record(
                    input_messages=[Message.user("Climate facts for Paris")],
                    output_messages=[Message.assistant("Temperate oceanic.")],
                )
            with sub.start_tool(name="wiki_search", arguments={"q": "Paris climate"}) as search:
                search.result = "Paris has a temperate oceanic climate."
        turn.record(output_messages=[Message.assistant("21°C and temperate.")])

    with conv.start_turn(user_message="Fetch the quarterly report") as turn:
        remember(turn)
        with turn.start_tool(
            name="fetch_url", arguments={"url": "https://example.invalid/q3"}
        ) as tool:
            tool.record_error(TimeoutError("fetch_url timed out after 10s"))
        with turn.start_llm(model="gpt-sim-1", provider_name="openai") as llm:
            llm.record(output_messages=[Message.assistant("Sorry, the report did not load.")])
    conv.end()
    return conv.conversation_id, turn_traces


def log_thread() -> list[Any]:
    with weave.thread(THREAD):
        _, call = answer.call("What is Weave?")
        _, failed = flaky_answer.call("Why so slow?")
    return [call, failed]


def main() -> None:
    client = weave.init(PROJECT)
    recorder = Recorder()
    provider = otel_trace.get_tracer_provider()
    provider.add_span_processor(recorder)  # type: ignore[attr-defined]

    conversation_id, turn_traces = log_conversation()
    op_turns = log_thread()

    client.get_agent_turn_feedback(turn_traces[0]).add_reaction("👍")
    client.get_agent_turn_feedback(turn_traces[2]).add_reaction("👎🏽")
    client.get_agent_conversation_feedback(conversation_id).add_note("resolved in 3 turns")
    op_turns[0].feedback.add_reaction("🎉")

    assert provider.force_flush(10_000)  # type: ignore[attr-defined]
    client.flush()
    calls = [
        {
            "id": c.id,
            "trace_id": c.trace_id,
            "parent_id": c.parent_id,
            "op_name": c.op_name,
            "started_at": c.started_at.isoformat(),
            "ended_at": c.ended_at.isoformat() if c.ended_at else None,
            "exception": c.exception,
        }
        for c in client.get_calls(filter={"thread_ids": [THREAD]})
    ]
    agents = {
        a.agent_name: [a.span_count, a.invocation_count, a.error_count] for a in client.get_agents()
    }
    versions = [v.agent_version for v in client.get_agent_versions(agent_name="support-bot")]
    json.dump(
        {
            "conversation_id": conversation_id,
            "turn_traces": turn_traces,
            "spans": recorder.spans,
            "op_turns": [{"id": c.id, "trace_id": c.trace_id} for c in op_turns],
            "calls": calls,
            "agents": agents,
            "versions": versions,
        },
        sys.stdout,
    )
    weave.finish()


if __name__ == "__main__":
    main()
