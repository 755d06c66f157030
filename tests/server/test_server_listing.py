"""``POST /agents/spans/query`` grouped by ``conversation_id``: the conversation listing."""

from __future__ import annotations

import datetime

from server_api import Api, at

GROUP_BY = [{"source": "column", "key": "conversation_id"}]


def listing(api: Api, status: int = 200, **extra: object) -> dict[str, object]:
    body = {"project_id": api.project_id, "group_by": GROUP_BY, **extra}
    return dict(api.post("/agents/spans/query", body, status))


def keys(res: dict[str, object]) -> list[str]:
    return [g["group_keys"]["conversation_id"] for g in res["groups"]]  # type: ignore[attr-defined]


def write_three(api: Api) -> None:
    api.span("a1", "ta", "a", 0, 2, op="invoke_agent")
    api.start(
        "a2",
        "ta",
        "a",
        1,
        attributes={"gen_ai.operation.name": "chat", "gen_ai.agent.name": "planner"},
    )
    api.end("a2", 1.5, exception="boom")
    api.span("b1", "tb", "b", 10, 11)
    api.span("c1", "tc", "c", 5, 5.25)


def test_groups_and_aggregates(api: Api) -> None:
    write_three(api)
    res = listing(api)
    assert keys(res) == ["b", "c", "a"]  # default: last_seen desc
    assert res["total_count"] == 3
    assert res["spans"] == []
    group_a = res["groups"][2]  # type: ignore[index]
    assert group_a["span_count"] == 2
    assert group_a["invocation_count"] == 1
    assert group_a["conversation_count"] == 1
    assert group_a["error_count"] == 1
    assert group_a["total_duration_ms"] == 2500
    assert group_a["agent_names"] == ["planner"]
    assert datetime.datetime.fromisoformat(
        group_a["first_seen"]
    ) == datetime.datetime.fromisoformat(at(0))
    assert datetime.datetime.fromisoformat(group_a["last_seen"]) == datetime.datetime.fromisoformat(
        at(1)
    )


def test_sort_limit_offset(api: Api) -> None:
    write_three(api)
    res = listing(api, sort_by=[{"field": "first_seen", "direction": "asc"}], limit=2, offset=1)
    assert keys(res) == ["c", "b"]
    assert res["total_count"] == 3
    past_end = listing(api, limit=2, offset=5)
    assert past_end["groups"] == []
    assert past_end["total_count"] == 3


def test_time_window(api: Api) -> None:
    write_three(api)
    res = listing(api, started_after=at(1), started_before=at(10))
    assert sorted(keys(res)) == ["a", "c"]
    assert res["groups"][1]["span_count"] == 1  # type: ignore[index]


def test_spans_without_conversation_group_under_empty_key(api: Api) -> None:
    api.start("lonely", "t", None, 0)
    assert keys(listing(api)) == [""]


def test_unsupported_queries_are_400(api: Api) -> None:
    body = {"project_id": api.project_id}
    assert "group_by" in api.post("/agents/spans/query", body, 400)["reason"]
    bad_sort = listing(api, 400, sort_by=[{"field": "nonsense"}])
    assert "nonsense" in bad_sort["reason"]  # type: ignore[operator]
