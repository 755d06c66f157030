"""A Conversation-SDK agent traced with the real weave SDK, then read back by the SDK's own chat
readers (``client.get_agent_turns``, ``client.get_agent_turn``, ``server.agent_search``).

Run as a script in a subprocess by ``test_weave_sdk_chat.py``: two turns (a tool call that
succeeds; a tool that fails, then an apology), with markup in the user's text and in a tool
result. Prints one JSON record: the conversation id, the turns' trace ids and what the readers
returned. It imports nothing from weave_widgets.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import weave
from opentelemetry import trace as otel_trace
from weave.conversation import Message, ToolCallPart, Usage, start_conversation

PROJECT = os.environ["SESSION_PROJECT"]
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def log_conversation() -> tuple[str, list[str]]:
    conv = start_conversation(agent_name="travel-bot", model="gpt-sim-1")
    traces: list[str] = []

    def remember(turn: Any) -> None:
        traces.append(otel_trace.format_trace_id(turn._otel_span.get_span_context().trace_id))

    ask = f"Find me a hotel in Lisbon, booking ref Zanzibar7731 {HOSTILE}"
    with conv.start_turn(user_message=ask) as turn:
        remember(turn)
        with turn.start_llm(model="gpt-sim-1", provider_name="openai") as llm:
            call = ToolCallPart(id="call_1", name="search_hotels", arguments={"city": "Lisbon"})
            llm.record(
                input_messages=[Message.user(ask)],
                output_messages=[Message.assistant("Searching.", tool_calls=[call])],
                usage=Usage(input_tokens=30, output_tokens=8),
            )
        with turn.start_tool(name="search_hotels", arguments={"city": "Lisbon"}) as tool:
            tool.result = {"hotels": [f"Casa {HOSTILE}"]}
        with turn.start_llm(model="gpt-sim-1", provider_name="openai") as llm:
            llm.record(output_messages=[Message.assistant("Casa Lisboa has rooms.")])
        turn.record(output_messages=[Message.assistant("Casa Lisboa has rooms.")])

    with conv.start_turn(user_message="Book it for 3 nights") as turn:
        remember(turn)
        with turn.start_tool(
            name="book_room", arguments={"hotel": "Casa Lisboa", "nights": 3}
        ) as tool:
            tool.record_error(TimeoutError("book_room timed out after 10s"))
        with turn.start_llm(model="gpt-sim-1", provider_name="openai") as llm:
            llm.record(output_messages=[Message.assistant("Sorry, the booking failed.")])
    conv.end()
    return conv.conversation_id, traces


def main() -> None:
    client = weave.init(PROJECT)
    conversation_id, traces = log_conversation()
    assert otel_trace.get_tracer_provider().force_flush(10_000)  # type: ignore[attr-defined]
    client.flush()
    turns = client.get_agent_turns(conversation_id=conversation_id)
    last_page = client.get_agent_turns(conversation_id=conversation_id, limit=1)
    turn = client.get_agent_turn(trace_id=traces[1], include_feedback=True)
    found = client.server.agent_search(
        {"project_id": client.project_id, "query": "lisbon", "limit": 10}  # type: ignore[typeddict-item]
    )
    json.dump(
        {
            "conversation_id": conversation_id,
            "traces": traces,
            "turns": turns.model_dump(mode="json"),
            "last_page": last_page.model_dump(mode="json"),
            "turn": turn.model_dump(mode="json"),
            "search": found.model_dump(mode="json"),
            "hostile": HOSTILE,
            "project": PROJECT,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")  # the record is a line of its own, whatever the SDK prints after
    sys.stdout.flush()
    weave.finish()


if __name__ == "__main__":
    main()
