"""Interop: the official Weave SDK's HTTP binding writes and reads against the local server."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from weave_widgets.refs import conversation_ref, turn_ref

remote = pytest.importorskip("weave.trace_server_bindings.remote_http_trace_server")

T0 = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.UTC)


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.fixture
def sdk(local_server: str) -> Any:
    return remote.RemoteHTTPTraceServer(local_server)


def start(sdk: Any, project_id: str, trace: str, seconds: float, op: str, **extra: Any) -> str:
    res = sdk.call_start(
        {
            "start": {
                "project_id": project_id,
                "op_name": f"weave:///{project_id}/op/{op}:v0",
                "trace_id": trace,
                "thread_id": "sdk-conv",
                "started_at": at(seconds),
                "attributes": {"gen_ai.operation.name": op},
                "inputs": {"question": "why?"},
                **extra,
            }
        }
    )
    assert res.trace_id == trace
    return str(res.id)


def end(sdk: Any, project_id: str, call_id: str, seconds: float, exception: str | None) -> None:
    sdk.call_end(
        {
            "end": {
                "project_id": project_id,
                "id": call_id,
                "ended_at": at(seconds),
                "exception": exception,
                "output": {"answer": 42},
                "summary": {},
            }
        }
    )


def test_sdk_round_trip(sdk: Any, project_id: str) -> None:
    agent = start(sdk, project_id, "turn-a", 0, "invoke_agent")
    tool = start(sdk, project_id, "turn-a", 1, "execute_tool", parent_id=agent)
    broken = start(sdk, project_id, "turn-a", 1, "execute_tool", parent_id=agent)
    chat = start(sdk, project_id, "turn-b", 3, "chat")
    running = start(sdk, project_id, "turn-b", 4, "chat")
    end(sdk, project_id, agent, 2.5, None)
    end(sdk, project_id, tool, 1.75, None)
    end(sdk, project_id, broken, 1.5, "ValueError: tool failed")
    end(sdk, project_id, chat, 3.125, None)
    sdk.feedback_create(
        {
            "project_id": project_id,
            "weave_ref": turn_ref(project_id, "turn-a"),
            "feedback_type": "wandb.agent_user_feedback",
            "payload": {},
            "scorer_tags": ["👍🏼"],
            "span_conversation_id": "sdk-conv",
            "span_trace_id": "turn-a",
        }
    )
    sdk.feedback_create(
        {
            "project_id": project_id,
            "weave_ref": conversation_ref(project_id, "sdk-conv"),
            "feedback_type": "wandb.agent_monitor",
            "payload": {},
            "runnable_ref": f"weave:///{project_id}/op/judge:v0",
            "call_ref": f"weave:///{project_id}/call/{chat}",
            "trigger_ref": f"weave:///{project_id}/object/monitor:v0",
            "scorer_ratings": {"helpfulness": 0.75},
            "scorer_rating_reasons": {"helpfulness": "mostly right"},
            "scorer_rating_confidences": {"helpfulness": 0.5},
        }
    )
    res = sdk.agent_conversation_spans(
        {"project_id": project_id, "conversation_ids": ["sdk-conv", "nobody"]}
    )
    first, unknown = res.conversations
    assert (unknown.conversation_id, unknown.spans, unknown.spans_feedback) == ("nobody", [], [])
    # the two tools start together, so they are ordered by span_id
    tools = sorted([(tool, "execute_tool", "OK", 750), (broken, "execute_tool", "ERROR", 500)])
    assert [(s.span_id, s.operation_name, s.status, s.duration_ms) for s in first.spans] == [
        (agent, "invoke_agent", "OK", 2500),
        *tools,
        (chat, "chat", "OK", 125),
        (running, "chat", "UNSET", 0),
    ]
    assert [s.trace_id for s in first.spans] == ["turn-a"] * 3 + ["turn-b"] * 2
    markers = {m.feedback_type: m for m in first.spans_feedback}
    user = markers["wandb.agent_user_feedback"]
    assert (user.trace_id, user.tags, user.ratings) == ("turn-a", ["👍"], [])
    monitor = markers["wandb.agent_monitor"]
    assert monitor.trace_id is None
    (rating,) = monitor.ratings
    assert (rating.name, rating.value, rating.reason, rating.confidence) == (
        "helpfulness",
        0.75,
        "mostly right",
        0.5,
    )


def test_sdk_generated_ids_and_window(sdk: Any, project_id: str) -> None:
    res = sdk.call_start(
        {
            "start": {
                "project_id": project_id,
                "op_name": "chat",
                "thread_id": "w",
                "started_at": at(10),
                "attributes": {},
                "inputs": {},
            }
        }
    )
    assert res.id
    assert res.trace_id
    inside = sdk.agent_conversation_spans(
        {"project_id": project_id, "conversation_ids": ["w"], "started_after": at(10)}
    )
    assert [s.span_id for s in inside.conversations[0].spans] == [res.id]
    outside = sdk.agent_conversation_spans(
        {"project_id": project_id, "conversation_ids": ["w"], "started_before": at(10)}
    )
    assert outside.conversations[0].spans == []
