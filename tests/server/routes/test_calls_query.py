"""``/calls/stream_query`` and ``/calls/query_stats``: stored calls come back as the weave SDK's
``CallSchema`` lines, filtered, sorted and paged as the SDK's readers ask."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from server_api import Api, at

JSONL = "application/jsonl"


def op(api: Api, name: str, digest: str = "d1") -> str:
    return f"weave:///{api.project_id}/op/{name}:{digest}"


def start(api: Api, call_id: str, trace: str, seconds: float, name: str, **extra: Any) -> None:
    body = {
        "project_id": api.project_id,
        "id": call_id,
        "trace_id": trace,
        "op_name": op(api, name),
        "started_at": at(seconds),
        "attributes": {"weave": {"source": "python-sdk"}},
        "inputs": {"n": seconds},
        **extra,
    }
    api.post("/call/start", {"start": body})


def end(api: Api, call_id: str, seconds: float, **extra: Any) -> None:
    body = {
        "project_id": api.project_id,
        "id": call_id,
        "ended_at": at(seconds),
        "output": {"done": call_id},
        "summary": {"status_counts": {"success": 1, "error": 0}},
        **extra,
    }
    api.post("/call/end", {"end": body})


def stream(api: Api, status: int = 200, **body: Any) -> list[dict[str, Any]]:
    res = api.http.post("/calls/stream_query", json={"project_id": api.project_id, **body})
    assert res.status_code == status, res.text
    if status != 200:
        return []
    assert res.headers["content-type"] == JSONL
    assert res.content == b"" or res.content.endswith(b"\n")
    return [orjson.loads(line) for line in res.content.splitlines()]


def ids(api: Api, **body: Any) -> list[str]:
    return [c["id"] for c in stream(api, **body)]


def count(api: Api, **body: Any) -> int:
    res = api.post("/calls/query_stats", {"project_id": api.project_id, **body})
    return int(res["count"])


@pytest.fixture
def tree(api: Api) -> Api:
    """root (thread t1) -> a, b; b -> b1 (raises); other root running in thread t2; a call
    without thread; all in one project."""
    start(api, "root", "T1", 0, "answer", thread_id="t1", turn_id="root")
    start(api, "a", "T1", 1, "tokenize", parent_id="root", thread_id="t1", turn_id="root")
    end(api, "a", 1.5)
    start(api, "b", "T1", 2, "retrieve", parent_id="root", thread_id="t1", turn_id="root")
    start(api, "b1", "T1", 2.5, "tokenize", parent_id="b", thread_id="t1", turn_id="root")
    end(api, "b1", 2.75, exception="ValueError: boom", output=None)
    end(api, "b", 3, summary={"status_counts": {"success": 1, "error": 1}})
    end(api, "root", 4, summary={"status_counts": {"success": 3, "error": 1}})
    start(api, "run", "T2", 5, "long_job", thread_id="t2", turn_id="run", display_name="Job")
    start(api, "solo", "T3", 6, "answer", wb_run_id="run-7")
    end(api, "solo", 6.25)
    return api


def test_call_schema_lines(tree: Api) -> None:
    calls = {c["id"]: c for c in stream(tree)}
    root = calls["root"]
    assert root == {
        "id": "root",
        "project_id": tree.project_id,
        "op_name": op(tree, "answer"),
        "display_name": None,
        "trace_id": "T1",
        "parent_id": None,
        "thread_id": "t1",
        "turn_id": "root",
        "started_at": "2026-03-01T12:00:00.000000Z",
        "ended_at": "2026-03-01T12:00:04.000000Z",
        "exception": None,
        "attributes": {"weave": {"source": "python-sdk"}},
        "inputs": {"n": 0},
        "output": {"done": "root"},
        "summary": {
            "status_counts": {"success": 3, "error": 1},
            "weave": {"status": "descendant_error", "trace_name": "answer", "latency_ms": 4000},
        },
        "wb_user_id": "local",
        "wb_run_id": None,
        "wb_run_step": None,
        "wb_run_step_end": None,
        "deleted_at": None,
    }
    assert calls["a"]["summary"]["weave"] == {
        "status": "success",
        "trace_name": "tokenize",
        "latency_ms": 500,
    }
    assert calls["b1"]["exception"] == "ValueError: boom"
    assert calls["b1"]["summary"]["weave"]["status"] == "error"
    running = calls["run"]
    assert (running["ended_at"], running["output"], running["display_name"]) == (None, None, "Job")
    assert running["summary"] == {"weave": {"status": "running", "trace_name": "Job"}}
    assert calls["solo"]["wb_run_id"] == "run-7"


def test_default_order_sort_and_paging(tree: Api) -> None:
    everything = ["root", "a", "b", "b1", "run", "solo"]
    assert ids(tree) == everything
    assert ids(tree, sort_by=[{"field": "started_at", "direction": "desc"}]) == everything[::-1]
    assert ids(tree, limit=2) == ["root", "a"]
    assert ids(tree, limit=2, offset=2) == ["b", "b1"]
    assert ids(tree, limit=1000, offset=5) == ["solo"]
    assert ids(tree, offset=6) == []
    by_op = ids(tree, sort_by=[{"field": "op_name", "direction": "asc"}])
    assert by_op == ["root", "solo", "run", "b", "a", "b1"]
    # sorted in Python on a derived field, ties by start
    latency = ids(tree, sort_by=[{"field": "summary.weave.latency_ms", "direction": "desc"}])
    assert latency == ["root", "b", "a", "b1", "solo", "run"]
    stream(tree, 422, limit=-1)
    stream(tree, 422, sort_by=[{"field": "id", "direction": "up"}])


def test_filters(tree: Api) -> None:
    assert ids(tree, filter={"call_ids": ["b1", "root", "nope"]}) == ["root", "b1"]
    assert ids(tree, filter={"trace_ids": ["T2", "T3"]}) == ["run", "solo"]
    assert ids(tree, filter={"parent_ids": ["root"]}) == ["a", "b"]
    assert ids(tree, filter={"trace_roots_only": True}) == ["root", "run", "solo"]
    assert ids(tree, filter={"thread_ids": ["t1"]}) == ["root", "a", "b", "b1"]
    assert ids(tree, filter={"turn_ids": ["run"]}) == ["run"]
    assert ids(tree, filter={"wb_run_ids": ["run-7"]}) == ["solo"]
    assert ids(tree, filter={"wb_user_ids": ["local"]}) == ["root", "a", "b", "b1", "run", "solo"]
    assert ids(tree, filter={"wb_user_ids": ["someone"]}) == []
    both = {"thread_ids": ["t1"], "parent_ids": ["root", "b"], "call_ids": ["a", "b1", "run"]}
    assert ids(tree, filter=both) == ["a", "b1"]
    # empty lists and nulls do not narrow, as the SDK sends them
    nulls = {k: None for k in ("op_names", "call_ids", "trace_ids", "parent_ids", "thread_ids")}
    assert len(ids(tree, filter={**nulls, "turn_ids": [], "trace_roots_only": None})) == 6


def test_op_name_filters(tree: Api) -> None:
    assert ids(tree, filter={"op_names": [op(tree, "tokenize")]}) == ["a", "b1"]
    assert ids(tree, filter={"op_names": [op(tree, "tokenize", "other")]}) == []
    assert ids(tree, filter={"op_names": [op(tree, "answer", "*")]}) == ["root", "solo"]
    assert ids(tree, filter={"op_names": ["long_job", op(tree, "retrieve")]}) == ["b", "run"]
    # a wildcard does not match a longer name sharing the prefix
    assert ids(tree, filter={"op_names": [op(tree, "tok", "*")]}) == []


def test_query_expressions(tree: Api) -> None:
    def where(expr: Any) -> list[str]:
        return ids(tree, query={"$expr": expr})

    status = {"$getField": "summary.weave.status"}
    assert where({"$eq": [status, {"$literal": "error"}]}) == ["b1"]
    assert where({"$in": [status, [{"$literal": "running"}, {"$literal": "error"}]]}) == [
        "b1",
        "run",
    ]
    assert where({"$gt": [{"$getField": "inputs.n"}, {"$literal": 4}]}) == ["run", "solo"]
    assert where(
        {
            "$and": [
                {
                    "$contains": {
                        "input": {"$getField": "op_name"},
                        "substr": {"$literal": "TOKEN"},
                        "case_insensitive": True,
                    }
                },
                {"$not": [{"$eq": [status, {"$literal": "error"}]}]},
            ]
        }
    ) == ["a"]
    assert where(
        {
            "$or": [
                {"$eq": [{"$getField": "display_name"}, {"$literal": "Job"}]},
                {"$eq": [{"$getField": "id"}, {"$literal": "a"}]},
            ]
        }
    ) == ["a", "run"]
    # paging applies after the expression
    paged = ids(
        tree,
        query={"$expr": {"$eq": [{"$getField": "thread_id"}, {"$literal": "t1"}]}},
        limit=2,
        offset=1,
    )
    assert paged == ["a", "b"]
    for bad in ({"$nope": []}, {"$eq": [1]}, {"$eq": [{"$getField": 3}, {"$literal": 1}]}):
        stream(tree, 400, query={"$expr": bad})


def test_query_stats(tree: Api) -> None:
    assert count(tree) == 6
    assert count(tree, filter={"trace_roots_only": True}) == 3
    assert count(tree, filter={"parent_ids": ["root"]}, limit=1) == 1
    expr = {"$eq": [{"$getField": "summary.weave.status"}, {"$literal": "success"}]}
    assert count(tree, query={"$expr": expr}) == 2
    assert count(tree, filter={"call_ids": ["nope"]}) == 0
    sdk_body = {
        "filter": {"trace_roots_only": True, "op_names": None},
        "query": None,
        "limit": None,
        "include_total_storage_size": False,
        "expand_columns": None,
    }
    assert count(tree, **sdk_body) == 3


def test_input_and_output_refs(api: Api) -> None:
    ref = f"weave:///{api.project_id}/object/ds:abc"
    start(api, "uses", "T", 0, "evaluate", inputs={"dataset": ref, "k": 1})
    end(api, "uses", 1, output={"nested": [f"weave:///{api.project_id}/object/out:v0"]})
    start(api, "plain", "T", 2, "evaluate")
    assert ids(api, filter={"input_refs": [ref]}) == ["uses"]
    assert ids(api, filter={"input_refs": [ref.replace(":abc", ":*")]}) == ["uses"]
    assert ids(api, filter={"output_refs": [f"weave:///{api.project_id}/object/out:v0"]}) == [
        "uses"
    ]
    assert count(api, filter={"input_refs": ["weave:///x/y/object/z:1"]}) == 0


def test_include_feedback(tree: Api) -> None:
    ref = f"weave:///{tree.project_id}/call/a"
    tree.feedback(weave_ref=ref, feedback_type="wandb.reaction.1", payload={"emoji": "👍"})
    tree.feedback(weave_ref=ref, feedback_type="wandb.note.1", payload={"note": "ok"})
    calls = stream(tree, filter={"call_ids": ["a", "b"]}, include_feedback=True)
    fa, fb = (c["summary"]["weave"]["feedback"] for c in calls)
    assert [f["feedback_type"] for f in fa] == ["wandb.reaction.1", "wandb.note.1"]
    assert fa[0]["payload"] == {"emoji": "👍"}
    assert fb == []
    assert "feedback" not in stream(tree, filter={"call_ids": ["a"]})[0]["summary"]["weave"]


def test_complete_calls_and_other_projects(api: Api) -> None:
    entity, project = api.project_id.split("/")
    complete = {
        "project_id": api.project_id,
        "id": "whole",
        "trace_id": "TW",
        "op_name": op(api, "answer"),
        "started_at": at(0),
        "ended_at": at(0.25),
        "attributes": {},
        "inputs": {"q": "?"},
        "output": 42,
        "summary": {"status_counts": {"success": 1, "error": 0}},
        "thread_id": "tw",
        "turn_id": "whole",
    }
    api.post(f"/v2/{entity}/{project}/calls/complete", {"batch": [complete]})
    (call,) = stream(api)
    assert (call["id"], call["output"], call["thread_id"], call["turn_id"]) == (
        "whole",
        42,
        "tw",
        "whole",
    )
    assert call["summary"]["weave"]["status"] == "success"
    assert call["ended_at"] == "2026-03-01T12:00:00.250000Z"
    other = Api(api.http, api.project_id + "-other")
    assert stream(other) == []
    assert count(other) == 0


def test_otlp_spans_are_not_calls(api: Api) -> None:
    trace = "0af7651916cd43dd8448eb211c80319c"
    span = {
        "traceId": trace,
        "spanId": "00f067aa0ba902b7",
        "name": "chat",
        "startTimeUnixNano": "1772366400000000000",
        "endTimeUnixNano": "1772366401000000000",
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}],
    }
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    res = api.http.post(
        "/otel/v1/traces",
        content=orjson.dumps(body),
        headers={"content-type": "application/json", "project_id": api.project_id},
    )
    assert res.status_code == 200, res.text
    start(api, "call", "T", 0, "answer")
    group = {"source": "column", "key": "conversation_id"}
    listing = api.post("/agents/spans/query", {"project_id": api.project_id, "group_by": [group]})
    assert [g["span_count"] for g in listing["groups"]] == [2]  # both are stored spans
    assert ids(api) == ["call"]
    assert count(api) == 1


def test_times_at_the_edges_of_datetime_read_back(api: Api) -> None:
    """The first and last stored instants (a time beyond them is refused on write, 422) come
    back from the reader unchanged."""
    for call_id, when in (("first", "0001-01-01T00:00:00Z"), ("last", "9999-12-31T23:59:59Z")):
        body = {
            "project_id": api.project_id,
            "id": call_id,
            "trace_id": call_id,
            "op_name": call_id,
            "started_at": when,
            "attributes": {},
            "inputs": {},
        }
        api.post("/call/start", {"start": body})
    beyond = {**body, "id": "beyond", "started_at": "0001-01-01T00:00:00+01:00"}
    api.post("/call/start", {"start": beyond}, 422)
    started = {c["id"]: c["started_at"] for c in stream(api)}
    assert started == {
        "first": "0001-01-01T00:00:00.000000Z",
        "last": "9999-12-31T23:59:59.000000Z",
    }
