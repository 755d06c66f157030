"""``/agents/query`` and ``/agents/agent-versions/query``: totals per agent and version, each
span counted for the nearest agent up its parent chain (a subagent's spans for the subagent)."""

from __future__ import annotations

from typing import Any

import orjson
from server_api import Api

T0_NS = 1_772_366_400_000_000_000  # 2026-03-01T12:00:00Z
MS = 1_000_000


def otel_span(
    trace: str,
    span_id: str,
    parent: str | None,
    start_ms: int,
    end_ms: int,
    op: str,
    *,
    code: int = 0,
    **attributes: Any,
) -> dict[str, Any]:
    values = {"gen_ai.operation.name": op, "gen_ai.conversation.id": "conv-1", **attributes}
    return {
        "traceId": trace,
        "spanId": span_id,
        **({"parentSpanId": parent} if parent else {}),
        "name": op,
        "startTimeUnixNano": str(T0_NS + start_ms * MS),
        "endTimeUnixNano": str(T0_NS + end_ms * MS),
        "attributes": [
            {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
            for k, v in values.items()
        ],
        "status": {"code": code},
    }


def seed(api: Api) -> None:
    """Two turns of ``support`` (v1 then v2); the second calls subagent ``research``."""
    t1, t2 = "a" * 32, "b" * 32
    spans = [
        otel_span(
            t1,
            "1" * 16,
            None,
            0,
            1000,
            "invoke_agent",
            **{"gen_ai.agent.name": "support", "gen_ai.agent.version": "v1"},
        ),
        otel_span(
            t1,
            "2" * 16,
            "1" * 16,
            10,
            400,
            "chat",
            **{"gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 20},
        ),
        otel_span(t1, "3" * 16, "1" * 16, 400, 900, "execute_tool", code=2),
        otel_span(
            t2,
            "4" * 16,
            None,
            60_000,
            62_000,
            "invoke_agent",
            **{"gen_ai.agent.name": "support", "gen_ai.agent.version": "v2"},
        ),
        otel_span(
            t2,
            "5" * 16,
            "4" * 16,
            60_010,
            60_300,
            "chat",
            **{"gen_ai.usage.input_tokens": 50, "gen_ai.usage.output_tokens": 5},
        ),
        otel_span(
            t2,
            "6" * 16,
            "4" * 16,
            60_300,
            61_500,
            "invoke_agent",
            **{"gen_ai.agent.name": "research"},
        ),
        otel_span(
            t2,
            "7" * 16,
            "6" * 16,
            60_310,
            61_000,
            "chat",
            **{"gen_ai.usage.input_tokens": 7, "gen_ai.usage.output_tokens": 3},
        ),
    ]
    body = {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
    headers = {"content-type": "application/json", "project_id": api.project_id}
    answer = api.http.post("/otel/v1/traces", content=orjson.dumps(body), headers=headers)
    assert answer.status_code == 200, answer.text


def test_agents_total_their_own_spans(api: Api) -> None:
    seed(api)
    answer = api.post("/agents/query", {"project_id": api.project_id})
    assert answer["total_count"] == 2
    by_name = {a["agent_name"]: a for a in answer["agents"]}
    support, research = by_name["support"], by_name["research"]
    assert (support["span_count"], support["invocation_count"], support["error_count"]) == (5, 2, 1)
    assert support["total_duration_ms"] == 1000 + 2000  # its two invocations' wall time
    assert (support["total_input_tokens"], support["total_output_tokens"]) == (150, 25)
    assert (research["span_count"], research["invocation_count"], research["error_count"]) == (
        2,
        1,
        0,
    )
    assert (research["total_input_tokens"], research["total_output_tokens"]) == (7, 3)
    assert support["first_seen"].startswith("2026-03-01T12:00:00")
    assert support["last_seen"].startswith("2026-03-01T12:01:00")
    assert support["total_cost_usd"] is None
    # newest activity first by default (research's last span starts after support's last)
    assert [a["agent_name"] for a in answer["agents"]] == ["research", "support"]
    page = api.post(
        "/agents/query",
        {
            "project_id": api.project_id,
            "sort_by": [{"field": "span_count", "direction": "asc"}],
            "limit": 1,
        },
    )
    assert [a["agent_name"] for a in page["agents"]] == ["research"]
    assert page["total_count"] == 2
    only = api.post(
        "/agents/query", {"project_id": api.project_id, "filters": {"agent_name": "research"}}
    )
    assert [a["agent_name"] for a in only["agents"]] == ["research"]


def test_versions_split_an_agent(api: Api) -> None:
    seed(api)
    answer = api.post(
        "/agents/agent-versions/query", {"project_id": api.project_id, "agent_name": "support"}
    )
    versions = {v["agent_version"]: v for v in answer["versions"]}
    assert set(versions) == {"v1", "v2"}
    assert (versions["v1"]["span_count"], versions["v1"]["error_count"]) == (3, 1)
    assert (versions["v2"]["span_count"], versions["v2"]["total_input_tokens"]) == (2, 50)
    unversioned = api.post(
        "/agents/agent-versions/query", {"project_id": api.project_id, "agent_name": "research"}
    )
    assert [v["agent_version"] for v in unversioned["versions"]] == [""]


def test_bad_sort_field_is_400(api: Api) -> None:
    body = {"project_id": api.project_id, "sort_by": [{"field": "cost; DROP", "direction": "asc"}]}
    assert "sort_by field" in api.post("/agents/query", body, 400)["reason"]


def test_empty_project_has_no_agents(api: Api) -> None:
    assert api.post("/agents/query", {"project_id": api.project_id}) == {
        "agents": [],
        "total_count": 0,
    }
