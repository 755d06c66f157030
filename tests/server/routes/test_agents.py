"""The agent routes over loopback HTTP: a conversation's spans, and the conversation listing.

``POST /agents/conversations/spans``: entries, ordering, time window, cap, validation.
``POST /agents/spans/query`` grouped by ``conversation_id``: groups, aggregates, sorting.
"""

from __future__ import annotations

import datetime

from server_api import Api, at

from weave_widgets.models import MAX_CONVERSATION_IDS, MAX_CONVERSATION_SPANS

GROUP_BY = [{"source": "column", "key": "conversation_id"}]


def span_ids(entry: dict[str, object]) -> list[str]:
    return [s["span_id"] for s in entry["spans"]]  # type: ignore[attr-defined]


def test_the_documented_sequence(api: Api) -> None:
    """The real server's integration test: turn A agent+tools, turn B chat, 1 s apart."""
    api.span("a1", "A", "conv", 0, 0.5, op="invoke_agent")
    api.span("a2", "A", "conv", 1, 1.5, op="execute_tool")
    api.span("a3", "A", "conv", 2, 2.5, op="execute_tool", exception="tool failed")
    api.span("b1", "B", "conv", 3, 3.5, op="chat")
    spans = api.conversation("conv")["spans"]
    assert [(s["operation_name"], s["status"]) for s in spans] == [
        ("invoke_agent", "OK"),
        ("execute_tool", "OK"),
        ("execute_tool", "ERROR"),
        ("chat", "OK"),
    ]
    assert spans[0]["trace_id"] == "A"
    assert spans[-1]["trace_id"] == "B"
    assert set(spans[0]) == {"operation_name", "trace_id", "span_id", "status", "duration_ms"}


def test_ordered_by_started_at_then_span_id(api: Api) -> None:
    api.start("z", "t", "c", 5)
    api.start("b", "t", "c", 1)
    api.start("c", "t", "c", 1)
    api.start("a", "t", "c", 1)
    api.start("early", "t", "c", 0.000001)
    assert span_ids(api.conversation("c")) == ["early", "a", "b", "c", "z"]


def test_one_entry_per_requested_id_in_request_order(api: Api) -> None:
    api.start("s1", "t", "one", 0)
    api.start("s2", "t", "two", 0)
    res = api.spans(["two", "unknown", "one", "two"])["conversations"]
    assert [c["conversation_id"] for c in res] == ["two", "unknown", "one"]
    assert res[1] == {"conversation_id": "unknown", "spans": [], "spans_feedback": []}
    assert span_ids(res[0]) == ["s2"]
    assert span_ids(res[2]) == ["s1"]


def test_empty_or_missing_ids(api: Api) -> None:
    assert api.spans([]) == {"conversations": []}
    assert api.post("/agents/conversations/spans", {"project_id": api.project_id}) == {
        "conversations": []
    }


def test_window_is_inclusive_after_exclusive_before(api: Api) -> None:
    for n in range(5):
        api.start(f"s{n}", "t", "c", n)
    entry = api.conversation("c", started_after=at(1), started_before=at(3))
    assert span_ids(entry) == ["s1", "s2"]
    assert span_ids(api.conversation("c", started_after=at(3))) == ["s3", "s4"]
    assert span_ids(api.conversation("c", started_before=at(1))) == ["s0"]


def test_cap_keeps_the_most_recent_spans(api: Api) -> None:
    n = MAX_CONVERSATION_SPANS + 7
    batch = [
        {
            "mode": "start",
            "req": {
                "start": {
                    "project_id": api.project_id,
                    "id": f"s{i:04d}",
                    "trace_id": "t",
                    "thread_id": "long",
                    "op_name": "chat",
                    "started_at": at(i),
                    "attributes": {},
                    "inputs": {},
                }
            },
        }
        for i in range(n)
    ]
    api.post("/call/upsert_batch", {"batch": batch})
    ids = span_ids(api.conversation("long"))
    assert ids == [f"s{i:04d}" for i in range(7, n)]
    # the cap applies after the window
    assert span_ids(api.conversation("long", started_before=at(3))) == ["s0000", "s0001", "s0002"]


def test_too_many_ids_is_422(api: Api) -> None:
    res = api.spans([f"c{i}" for i in range(MAX_CONVERSATION_IDS + 1)], status=422)
    assert res["detail"][0]["loc"] == ["body", "conversation_ids"]
    assert len(api.spans([f"c{i}" for i in range(MAX_CONVERSATION_IDS)])["conversations"]) == (
        MAX_CONVERSATION_IDS
    )


def test_bad_and_naive_timestamps_are_422(api: Api) -> None:
    for bad in ("yesterday", "2026-03-01T12:00:00"):
        res = api.spans(["c"], status=422, started_after=bad)
        assert res["detail"][0]["loc"] == ["body", "started_after"]


def test_unknown_top_level_keys_are_ignored(api: Api) -> None:
    api.start("s", "t", "c", 0)
    assert span_ids(api.spans(["c"], newer_option=True)["conversations"][0]) == ["s"]


def test_missing_project_is_422(api: Api) -> None:
    res = api.http.post("/agents/conversations/spans", json={"conversation_ids": ["c"]})
    assert res.status_code == 422


# --- /agents/spans/query: the conversation listing ------------------------------------------


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


def test_groups_split_by_agent(api: Api) -> None:
    """Grouped by conversation and agent (what the client reads a root agent from): one group
    per agent of each conversation, ``""`` for spans naming none, each with its own times."""
    api.start("r", "t1", "a", 0, attributes={"gen_ai.agent.name": "root-bot"})
    api.start("s", "t1", "a", 1, attributes={"gen_ai.agent.name": "helper"})
    api.start("x", "t1", "a", 2)
    api.start("b", "t2", "b", 3, attributes={"gen_ai.agent.name": "helper"})
    by_agent = [*GROUP_BY, {"source": "column", "key": "agent_name", "alias": "agent"}]
    res = listing(api, group_by=by_agent, sort_by=[{"field": "first_seen", "direction": "asc"}])
    found = [(g["group_keys"], g["span_count"], g["agent_names"]) for g in res["groups"]]  # type: ignore[attr-defined]
    assert found == [
        ({"conversation_id": "a", "agent": "root-bot"}, 1, ["root-bot"]),
        ({"conversation_id": "a", "agent": "helper"}, 1, ["helper"]),
        ({"conversation_id": "a", "agent": ""}, 1, []),
        ({"conversation_id": "b", "agent": "helper"}, 1, ["helper"]),
    ]
    assert res["total_count"] == 4
    assert "first_message" not in res["groups"][0]  # type: ignore[index]
    assert listing(api, group_by=by_agent, offset=9)["total_count"] == 4
    by_agent_only = [{"source": "column", "key": "agent_name"}]
    assert "agent_name" in listing(api, 400, group_by=by_agent_only)["reason"]  # type: ignore[operator]
