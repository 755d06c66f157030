"""Reading the conversation with real Conversation-SDK data: the weave SDK (in a subprocess)
traces a tool call, a failing tool and hostile text, then reads the turns back through its own
chat readers from our server; here ``WeaveClient`` and the widget read the same turns, and the
failing tool span's transcript shows the user's message, the tool, its arguments and the error.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from weave_widgets import WeaveClient

pytest.importorskip("weave")

from weave_sdk_run import sdk_environment

SESSION = Path(__file__).with_name("weave_sdk_chat_session.py")


@pytest.fixture(scope="module")
def logged(local_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the SDK session once; what it logged and what its readers returned."""
    project = f"sdk-entity/chat-{uuid.uuid4().hex[:8]}"
    env = sdk_environment(local_server, project, tmp_path_factory.mktemp("sdk-home"))
    env["SESSION_PROJECT"] = project
    done = subprocess.run(
        [sys.executable, str(SESSION)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith('{"conversation_id"'))
    record: dict[str, Any] = json.loads(line)
    record["project"] = project
    return record


def _types(turn: dict[str, Any]) -> list[str]:
    return [m["type"] for m in turn["messages"]]


def test_the_sdk_reads_every_turn_back(logged: dict[str, Any]) -> None:
    page = logged["turns"]
    assert page["conversation_id"] == logged["conversation_id"]
    assert (page["total_turns"], page["has_more"], page["offset"]) == (2, False, 0)
    assert [t["trace_id"] for t in page["turns"]] == logged["traces"]
    first, second = page["turns"]
    assert _types(first) == [
        "user_message",
        "agent_start",
        "assistant_message",
        "tool_call",
        "assistant_message",
    ]
    assert first["messages"][0]["user_message"]["text"].endswith(logged["hostile"])
    tool = first["messages"][3]["tool_call"]
    assert tool["tool_name"] == "search_hotels"
    assert json.loads(tool["tool_arguments"]) == {"city": "Lisbon"}
    hotels = json.loads(tool["tool_result"])["hotels"]
    assert hotels == [f"Casa {logged['hostile']}"]  # stored and answered as text, unchanged
    assert first["messages"][2]["assistant_message"]["model"] == "gpt-sim-1"
    assert (first["total_input_tokens"], first["total_output_tokens"]) == (30, 8)
    assert _types(second) == ["user_message", "agent_start", "tool_call", "assistant_message"]


def test_the_sdk_pages_from_the_most_recent_turn(logged: dict[str, Any]) -> None:
    page = logged["last_page"]
    assert (page["total_turns"], page["has_more"], page["limit"]) == (2, True, 1)
    assert [t["trace_id"] for t in page["turns"]] == logged["traces"][1:]


def test_the_sdk_reads_the_failing_turn_and_searches(logged: dict[str, Any]) -> None:
    turn = logged["turn"]
    assert turn["trace_id"] == logged["traces"][1]
    assert turn["agent_name"] == "travel-bot"
    failed = [m for m in turn["messages"] if m["status_code"] == "ERROR"]
    assert [m["type"] for m in failed] == ["tool_call"]
    assert failed[0]["tool_call"]["tool_name"] == "book_room"
    assert failed[0]["error_type"] == "TimeoutError"
    assert failed[0]["status_message"] == "book_room timed out after 10s"
    assert turn["feedback"] == []
    results = logged["search"]["results"]
    assert [r["conversation_id"] for r in results] == [logged["conversation_id"]]
    assert {m["role"] for m in results[0]["matched_messages"]} >= {"user", "tool_call"}


def test_failed_tool_span_selected_in_the_widget_shows_the_turn(
    local_server: str, logged: dict[str, Any]
) -> None:
    """The issue's check, from Python: select the failing tool span; ``selected_turn`` holds
    the user's message, the tool's name and arguments, and the error."""
    with WeaveClient(logged["project"], url=local_server) as client:
        data = client.conversation_spans([logged["conversation_id"]])
        widget = data.widget()
        spans = data.spans
        failed = spans[spans["status"] == "ERROR"].iloc[0]
        widget.selected = {
            "conversation_id": failed["conversation_id"],
            "span_id": failed["span_id"],
        }
        turn = widget.selected_turn
        assert turn is not None
        assert set(turn["trace_id"]) == {logged["traces"][1]}
        assert turn["turn_index"].tolist() == [1] * len(turn)
        user = turn[turn["kind"] == "user_message"].iloc[0]
        assert user["text"] == "Book it for 3 nights"
        tool = turn[turn["span_id"] == failed["span_id"]].iloc[0]
        assert tool["tool_name"] == "book_room"
        assert json.loads(tool["tool_arguments"]) == {"hotel": "Casa Lisboa", "nights": 3}
        assert (tool["status"], tool["error_type"]) == ("ERROR", "TimeoutError")
        assert tool["error_message"] == "book_room timed out after 10s"
        # the panel reads the same rows through the kernel message
        sent: list[dict[str, Any]] = []
        widget._transcripts.handle(
            {
                "kind": "transcript",
                "request": 1,
                "conversation_id": failed["conversation_id"],
                "trace_id": failed["trace_id"],
            },
            sent.append,
        )
        assert (sent[0]["kind"], sent[0]["request"]) == ("transcript", 1)
        assert [m["kind"] for m in sent[0]["messages"]] == turn["kind"].tolist()
        assert sent[0]["messages"][2]["error_message"] == "book_room timed out after 10s"
