"""The embedded server as a drop-in Weave backend: the real weave SDK, configured by environment
variables alone, traces an agent (Conversation SDK, ``@weave.op`` in ``weave.thread``,
feedback) in a subprocess; ``WeaveClient`` reads back exactly what it logged."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from weave_sdk_run import FAILURE_SIGNS, run_session

from weave_widgets import WeaveClient
from weave_widgets.data import ConversationData

pytest.importorskip("weave")

SESSION = Path(__file__).with_name("weave_sdk_session.py")
OTEL_STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}


@pytest.fixture(scope="module")
def logged(
    local_server: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, Any]]:
    """Run the SDK session once; return (project, what it says it logged)."""
    project = f"sdk-entity/e2e-{uuid.uuid4().hex[:8]}"
    record = run_session(SESSION, local_server, project, tmp_path_factory.mktemp("sdk-home"))
    record["thread_id"] = record["thread"]
    return project, record


@pytest.fixture(scope="module")
def read_back(local_server: str, logged: tuple[str, dict[str, Any]]) -> ConversationData:
    project, record = logged
    with WeaveClient(project, url=local_server) as client:
        return client.conversation_spans([record["conversation_id"], record["thread_id"]])


def _ms(ns: int) -> int:
    return ns // 1_000_000


def test_the_sdk_answers_no_route_with_404(logged: tuple[str, dict[str, Any]]) -> None:
    """Every route the SDK used is answered: no 404 or 5xx was logged by the SDK."""
    stderr = logged[1]["stderr"]
    for sign in (*FAILURE_SIGNS, "Failed to export"):
        assert sign not in stderr, stderr[-3000:]


def test_conversation_sdk_spans_come_back_as_logged(
    logged: tuple[str, dict[str, Any]], read_back: ConversationData
) -> None:
    _, record = logged
    cid = record["conversation_id"]
    mine = [s for s in record["spans"] if s["conversation_id"] == cid]
    assert len(mine) == 11  # turns of 2, 6 (tool, subagent with its llm and tool) and 3 spans
    expected = sorted(mine, key=lambda s: (s["start_ns"] // 1000, s["span_id"]))
    spans = read_back.spans[read_back.spans["conversation_id"] == cid]
    got = spans[["trace_id", "span_id", "operation_name", "status", "duration_ms"]]
    assert got.astype(object).values.tolist() == [
        [
            s["trace_id"],
            s["span_id"],
            s["operation_name"],
            OTEL_STATUS[s["status_code"]],
            max(0, _ms(s["end_ns"]) - _ms(s["start_ns"])),
        ]
        for s in expected
    ]
    turns = spans.drop_duplicates("trace_id")
    assert turns["trace_id"].tolist() == record["turn_traces"]
    assert turns["turn_index"].tolist() == [0, 1, 2]
    # successful spans are UNSET (OTel's default); the failed tool alone is ERROR
    errors = spans[spans["status"] == "ERROR"]
    assert errors["operation_name"].tolist() == ["execute_tool"]
    assert errors["turn_index"].tolist() == [2]
    assert set(spans["status"]) == {"UNSET", "ERROR"}
    assert spans["operation_name"].tolist().count("invoke_agent") == 4  # 3 turns + the subagent


def test_op_thread_comes_back_as_logged(
    logged: tuple[str, dict[str, Any]], read_back: ConversationData
) -> None:
    _, record = logged
    calls = record["calls"]  # as the SDK's own reader (client.get_calls) returns them
    assert len(calls) == 5

    def micros(text: str) -> int:
        return int(datetime.fromisoformat(text).timestamp() * 1_000_000)

    expected = sorted(calls, key=lambda c: (micros(c["started_at"]), c["id"]))
    spans = read_back.spans[read_back.spans["conversation_id"] == record["thread_id"]]
    assert spans["span_id"].tolist() == [c["id"] for c in expected]
    assert spans["trace_id"].tolist() == [c["trace_id"] for c in expected]
    assert spans["operation_name"].tolist() == [
        c["op_name"].rsplit("/", 1)[-1].split(":")[0] for c in expected
    ]
    assert spans["status"].tolist() == ["ERROR" if c["exception"] else "OK" for c in expected]
    assert spans["duration_ms"].tolist() == [
        micros(c["ended_at"]) // 1000 - micros(c["started_at"]) // 1000 for c in expected
    ]
    assert spans.drop_duplicates("trace_id")["trace_id"].tolist() == [
        t["trace_id"] for t in record["op_turns"]
    ]
    failed = spans[spans["status"] == "ERROR"]
    assert failed["operation_name"].tolist() == ["flaky_answer"]
    assert failed["turn_index"].tolist() == [1]


def test_feedback_lands_on_its_turn(
    logged: tuple[str, dict[str, Any]], read_back: ConversationData
) -> None:
    _, record = logged
    feedback = read_back.feedback[
        read_back.feedback["conversation_id"] == record["conversation_id"]
    ]
    by_turn = {
        int(row.turn_index): list(row.tags)
        for row in feedback.itertuples()
        if row.feedback_type == "wandb.agent_user_feedback"
    }
    assert by_turn == {0: ["👍"], 2: ["👎"]}  # a reaction on an agent turn; skin tone folded
    # a note and a reaction on an op call are stored but are not minimap feedback
    assert set(feedback["feedback_type"]) == {"wandb.agent_user_feedback"}


def test_listing_shows_both_conversations(
    local_server: str, logged: tuple[str, dict[str, Any]]
) -> None:
    project, record = logged
    with WeaveClient(project, url=local_server) as client:
        listing = client.list_conversations()
    rows = listing.set_index("conversation_id")
    assert set(rows.index) == {record["conversation_id"], record["thread_id"]}
    assert rows.loc[record["conversation_id"], "span_count"] == 11
    assert rows.loc[record["conversation_id"], "error_count"] == 1
    assert rows.loc[record["thread_id"], "span_count"] == 5
    assert rows.loc[record["thread_id"], "error_count"] == 1


def test_the_sdks_agent_readers_see_both_agents(logged: tuple[str, dict[str, Any]]) -> None:
    """``client.get_agents()`` / ``get_agent_versions()``: every span counts for the nearest
    agent above it, so the subagent's three spans are the researcher's."""
    _, record = logged
    assert record["agents"] == {"support-bot": [8, 3, 1], "researcher": [3, 1, 0]}
    assert record["versions"] == [""]  # the Conversation SDK names no version here
