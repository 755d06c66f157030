"""``/call/start``, ``/call/end`` and ``/call/upsert_batch`` over loopback HTTP."""

from __future__ import annotations

import uuid

import pytest
from server_api import Api, at


def only_span(api: Api, cid: str) -> dict[str, object]:
    (span,) = api.conversation(cid)["spans"]
    return dict(span)


def test_start_generates_uuid7_ids_and_returns_them(api: Api) -> None:
    res = api.start(None, None, "c", 0)
    for key in ("id", "trace_id"):
        assert uuid.UUID(res[key]).version == 7
    assert res["id"] != res["trace_id"]
    span = only_span(api, "c")
    assert (span["span_id"], span["trace_id"]) == (res["id"], res["trace_id"])


def test_start_keeps_given_ids(api: Api) -> None:
    assert api.start("s1", "t1", "c", 0) == {"id": "s1", "trace_id": "t1"}


def test_status_and_duration_follow_the_end(api: Api) -> None:
    api.start("running", "t", "c", 0)
    api.span("ok", "t", "c", 1, 3.5)
    api.span("failed", "t", "c", 2, 2.25, exception="boom")
    api.span("backwards", "t", "c", 3, 2)
    spans = {s["span_id"]: (s["status"], s["duration_ms"]) for s in api.conversation("c")["spans"]}
    assert spans == {
        "running": ("UNSET", 0),
        "ok": ("OK", 2500),
        "failed": ("ERROR", 250),
        "backwards": ("OK", 0),
    }


def test_duration_is_whole_milliseconds(api: Api) -> None:
    api.span("s", "t", "c", 0.0009, 0.0021)
    assert only_span(api, "c")["duration_ms"] == 2  # 2 ms - 0 ms, as toUnixTimestamp64Milli


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"attributes": {"gen_ai.operation.name": "execute_tool"}}, "execute_tool"),
        ({"attributes": {"gen_ai": {"operation": {"name": "retrieval"}}}}, "retrieval"),
        ({"attributes": {}, "otel_dump": {"gen_ai.operation.name": "embeddings"}}, "embeddings"),
        (
            {"attributes": {}, "otel_dump": {"attributes": {"gen_ai.operation.name": "chat"}}},
            "chat",
        ),
        ({"attributes": {}}, "custom"),  # the op's name, from its ref
        ({"attributes": {}, "op_name": "plain-name"}, "plain-name"),
        (
            {"attributes": {}, "op_name": "weave:///e/p/object/thing:v0"},
            "weave:///e/p/object/thing:v0",
        ),
    ],
)
def test_operation_name_sources(api: Api, extra: dict[str, object], expected: str) -> None:
    api.start("s", "t", "c", 0, op="custom", **extra)
    assert only_span(api, "c")["operation_name"] == expected.format(project=api.project_id)


def test_call_without_thread_joins_conversation_attribute(api: Api) -> None:
    api.start("s", "t", None, 0, attributes={"gen_ai.conversation.id": "from-attr"})
    assert only_span(api, "from-attr")["span_id"] == "s"


def test_duplicate_id_is_409(api: Api) -> None:
    api.start("dup", "t", "c", 0)
    res = api.start("dup", "t", "c", 1, status=409)
    assert "dup" in res["reason"]


def test_end_of_unknown_call_is_404(api: Api) -> None:
    res = api.end("never-started", 1, status=404)
    assert "never-started" in res["reason"]


@pytest.mark.parametrize("path", ["/call/start", "/call/end", "/call/upsert_batch"])
def test_extra_top_level_field_is_422(api: Api, path: str) -> None:
    res = api.http.post(path, json={"start": {}, "end": {}, "batch": [], "extra": 1})
    assert res.status_code == 422
    assert any(d["loc"][-1] == "extra" for d in res.json()["detail"])


def test_missing_required_field_is_422(api: Api) -> None:
    body = {"start": {"project_id": api.project_id, "op_name": "x", "started_at": at(0)}}
    res = api.http.post("/call/start", json=body)
    assert res.status_code == 422
    missing = {d["loc"][-1] for d in res.json()["detail"] if d["type"] == "missing"}
    assert missing == {"attributes", "inputs"}


def test_unknown_keys_inside_start_are_ignored(api: Api) -> None:
    api.start("s", "t", "c", 0, newer_field=True)
    assert only_span(api, "c")["span_id"] == "s"


def batch_start(api: Api, span_id: str | None, start: float) -> dict[str, object]:
    body: dict[str, object] = {
        "project_id": api.project_id,
        "op_name": "chat",
        "trace_id": "t",
        "thread_id": "c",
        "started_at": at(start),
        "attributes": {},
        "inputs": {},
    }
    if span_id is not None:
        body["id"] = span_id
    return {"mode": "start", "req": {"start": body}}


def batch_end(api: Api, span_id: str, end: float, exception: str | None = None) -> object:
    body = {"project_id": api.project_id, "id": span_id, "ended_at": at(end), "summary": {}}
    if exception is not None:
        body["exception"] = exception
    return {"mode": "end", "req": {"end": body}}


def test_upsert_batch_round_trip(api: Api) -> None:
    api.start("earlier", "t", "c", 0)
    batch = [
        batch_start(api, "a", 1),
        batch_end(api, "a", 2),
        batch_start(api, None, 3),
        batch_end(api, "earlier", 5, "bad"),
    ]
    res = api.post("/call/upsert_batch", {"batch": batch})["res"]
    assert res[0] == {"id": "a", "trace_id": "t"}
    assert res[1] == {}
    assert res[3] == {}
    assert uuid.UUID(res[2]["id"]).version == 7
    spans = [(s["span_id"], s["status"], s["duration_ms"]) for s in api.conversation("c")["spans"]]
    assert spans == [("earlier", "ERROR", 5000), ("a", "OK", 1000), (res[2]["id"], "UNSET", 0)]


def test_upsert_batch_is_all_or_nothing(api: Api) -> None:
    batch = [batch_start(api, "fine", 0), batch_end(api, "missing", 1)]
    assert "missing" in api.post("/call/upsert_batch", {"batch": batch}, 404)["reason"]
    batch = [batch_start(api, "x", 0), batch_start(api, "x", 1)]
    api.post("/call/upsert_batch", {"batch": batch}, 409)
    assert api.conversation("c")["spans"] == []


def test_projects_are_separate(api: Api, project_id: str) -> None:
    api.span("s", "t", "c", 0, 1)
    other = Api(api.http, project_id + "-other")
    assert other.conversation("c")["spans"] == []
    other.span("s", "t", "c", 0, 1)  # same ids in another project are fine


@pytest.mark.parametrize(
    "body",
    [b'{"start": NaN}', b'{"start": {"op_name": "\xff"}}', b"{not json", b'{"n": 1e999999}'],
)
def test_unparsable_bodies_are_422(api: Api, body: bytes) -> None:
    res = api.http.post("/call/start", content=body, headers={"content-type": "application/json"})
    assert res.status_code == 422
    assert res.json()["detail"][0]["type"] == "json_invalid"
