"""Reading the conversation over loopback HTTP: ``/agents/traces/chat``,
``/agents/conversations/chat`` (paging from the most recent turn, the 50-turn limit) and
``/agents/search`` (filters, roles, previews), from ``/call/start``-path calls (inputs and
outputs) and from OTel GenAI spans (the demo), plus the listing's previews."""

from __future__ import annotations

import json
from typing import Any

import pytest
from server_api import Api

from weave_widgets import WeaveClient
from weave_widgets.demo import write_demo
from weave_widgets.models import MAX_CHAT_TURNS

HOSTILE = "<script>alert(1)</script>"


def call_turn(api: Api, trace: str, conversation: str, t0: float, *, fail: bool = False) -> None:
    """A turn through ``/call/start``: an agent call, a model call and a tool call, with
    inputs and outputs only (no GenAI message attributes)."""
    api.start(
        f"{trace}-agent", trace, conversation, t0, op="invoke_agent",
        inputs={"user_message": f"question {trace} {HOSTILE}"},
    )  # fmt: skip
    api.start(
        f"{trace}-llm", trace, conversation, t0 + 0.1, op="chat",
        parent_id=f"{trace}-agent",
        inputs={"messages": [{"role": "user", "content": f"question {trace}"}]},
    )  # fmt: skip
    api.post(
        "/call/end",
        {
            "end": {
                "project_id": api.project_id,
                "id": f"{trace}-llm",
                "ended_at": "2026-03-01T12:00:30+00:00",
                "summary": {},
                "output": {"choices": [{"message": {"role": "assistant", "content": "answer"}}]},
            }
        },
    )
    api.start(
        f"{trace}-tool", trace, conversation, t0 + 0.2, op="execute_tool",
        parent_id=f"{trace}-agent", inputs={"path": "/etc/hosts"},
        attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "read_file"},
    )  # fmt: skip
    api.end(f"{trace}-tool", t0 + 0.3, exception="PermissionError: denied" if fail else None)
    api.end(f"{trace}-agent", t0 + 0.5)


def chat(api: Api, conversation: str, status: int = 200, **extra: Any) -> Any:
    body = {"project_id": api.project_id, "conversation_id": conversation, **extra}
    return api.post("/agents/conversations/chat", body, status)


def test_a_call_turn_reads_as_messages(api: Api) -> None:
    call_turn(api, "t1", "conv", 0, fail=True)
    turn = api.post("/agents/traces/chat", {"project_id": api.project_id, "trace_id": "t1"})
    kinds = [m["type"] for m in turn["messages"]]
    assert kinds == ["user_message", "agent_start", "assistant_message", "tool_call"]
    assert turn["messages"][0]["user_message"]["text"] == f"question t1 {HOSTILE}"
    assert turn["messages"][2]["assistant_message"]["text"] == "answer"
    tool = turn["messages"][3]
    assert tool["tool_call"]["tool_name"] == "read_file"
    assert json.loads(tool["tool_call"]["tool_arguments"]) == {"path": "/etc/hosts"}
    assert (tool["status_code"], tool["status_message"]) == ("ERROR", "PermissionError: denied")
    assert turn["root_span_name"].endswith("/op/invoke_agent:v0")
    assert turn["total_duration_ms"] == 500
    for message in turn["messages"]:  # exactly one payload, the one named by type
        payloads = [k for k in message if k == message["type"]]
        assert payloads == [message["type"]]


def test_an_unknown_turn_has_no_messages(api: Api) -> None:
    turn = api.post("/agents/traces/chat", {"project_id": api.project_id, "trace_id": "nope"})
    assert (turn["trace_id"], turn["messages"], turn["total_input_tokens"]) == ("nope", [], 0)


def test_conversation_pages_skip_the_most_recent_turns(api: Api) -> None:
    for i in range(5):
        call_turn(api, f"t{i}", "conv", i)
    page = chat(api, "conv", limit=2)
    assert [t["trace_id"] for t in page["turns"]] == ["t3", "t4"]
    assert (page["total_turns"], page["has_more"], page["offset"]) == (5, True, 0)
    page = chat(api, "conv", limit=2, offset=4)
    assert [t["trace_id"] for t in page["turns"]] == ["t0"]
    assert page["has_more"] is False
    assert chat(api, "conv", offset=9)["turns"] == []
    assert [t["trace_id"] for t in chat(api, "conv")["turns"]] == [f"t{i}" for i in range(5)]


@pytest.mark.parametrize("limit", [0, MAX_CHAT_TURNS + 1])
def test_conversation_page_limits(api: Api, limit: int) -> None:
    chat(api, "conv", status=422, limit=limit)


def test_turn_feedback_comes_with_include_feedback(api: Api) -> None:
    call_turn(api, "t1", "conv", 0)
    ref = f"weave:///{api.project_id}/agent_turn/t1"
    api.feedback(
        weave_ref=ref,
        feedback_type="wandb.agent_user_feedback",
        payload={},
        scorer_tags=["👍"],
        wb_user_id="u",
    )
    (turn,) = chat(api, "conv", include_feedback=True)["turns"]
    assert [(f["weave_ref"], f["scorer_tags"]) for f in turn["feedback"]] == [(ref, ["👍"])]
    assert "feedback" not in chat(api, "conv")["turns"][0]


def search(api: Api, query: str, **extra: Any) -> dict[str, Any]:
    body = {"project_id": api.project_id, "query": query, **extra}
    return dict(api.post("/agents/search", body))


def test_search_matches_message_content_case_insensitively(api: Api) -> None:
    call_turn(api, "a1", "alpha", 0, fail=True)
    call_turn(api, "b1", "beta", 10)
    found = search(api, "QUESTION A1")
    assert found["total_conversations"] == 1
    (result,) = found["results"]
    assert result["conversation_id"] == "alpha"
    assert {m["role"] for m in result["matched_messages"]} == {"user"}
    assert {m["trace_id"] for m in result["matched_messages"]} == {"a1"}
    assert [r["conversation_id"] for r in search(api, "question")["results"]] == ["beta", "alpha"]
    assert search(api, "denied")["results"][0]["conversation_id"] == "alpha"
    assert search(api, "etc/hosts", roles=["tool_call"])["total_conversations"] == 2
    assert search(api, "etc/hosts", roles=["user"])["total_conversations"] == 0
    assert search(api, "question", conversation_id="beta")["total_conversations"] == 1
    assert search(api, HOSTILE)["total_conversations"] == 2  # quotes and markup are plain text
    page = search(api, "question", limit=1, offset=1)
    assert ([r["conversation_id"] for r in page["results"]], page["total_conversations"]) == (
        ["alpha"],
        2,
    )


def test_search_previews_are_cut_around_the_match(api: Api) -> None:
    long = "x" * 500 + " needle " + "y" * 500
    api.start("s1", "t", "conv", 0, op="invoke_agent", inputs={"user_message": long})
    (match,) = search(api, "needle")["results"][0]["matched_messages"]
    assert "needle" in match["content_preview"]
    assert len(match["content_preview"]) <= 202
    (full,) = search(api, "needle", truncate_content=False)["results"][0]["matched_messages"]
    assert full["content_preview"] == long
    assert len(full["content_digest"]) == 64


def test_listing_groups_carry_previews_and_models(loopback: Any, project_id: str) -> None:
    client = WeaveClient(project_id, url=str(loopback.base_url))
    ids = write_demo(client, 6, seed=3)
    listing = client.list_conversations()
    assert set(listing["conversation_id"]) == set(ids)
    assert listing["first_message"].notna().all()
    assert listing["last_message"].notna().all()
    assert all(models for models in listing["request_models"])
    first = listing.iloc[0]
    turns = client.conversation_chat(first["conversation_id"])
    assert turns["text"].iloc[0] == first["first_message"]
    said = turns[(turns["kind"] == "assistant_message") & (turns["text"] != "")]["text"]
    assert said.iloc[-1].startswith(first["last_message"].rstrip("…"))
