"""Writes the local server used to acknowledge and then break on, and inputs it used to answer
with a 500 and a reset connection; each class generated (hypothesis), not only the examples
reported.

Every request of this module goes over ONE kept-alive connection (``conn``): a server that
resets or closes the connection after any answer fails the next request, whichever test sends
it. After each generated write, the project's listing and spans must still read (a write that
is stored but cannot be read back "poisons" the project).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from wire import KeepAlive

from weave_widgets.server import embedded
from weave_widgets.server.routing import MAX_JSON_DEPTH

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
INT64 = (-(2**63), 2**63 - 1)
UTC = datetime.UTC
T = "2026-03-01T12:00:00+00:00"
OTLP = "/otel/v1/traces"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = embedded.serve(tmp_path_factory.mktemp("hostile-writes") / "trace.db")
    yield url
    embedded.stop(url)


@pytest.fixture(scope="module")
def conn(server: str) -> Iterator[KeepAlive]:
    """The one connection every request of the module travels on."""
    with KeepAlive(server) as keep:
        yield keep


def send(conn: KeepAlive, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    """POST ``body`` (bytes as they are, else JSON via ``json``, which writes any integer);
    returns ``(status, answer)``. Every answer is JSON, and a refusal says why."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, head, raw = conn.request(
        "POST", path, data, {"content-type": "application/json", **(headers or {})}
    )
    assert head.get("content-type", "").startswith("application/json"), raw[:300]
    answer = orjson.loads(raw) if raw else None
    if status >= 400:
        assert answer.get("reason") or answer.get("detail"), answer
    return status, answer


def new_project() -> str:
    return f"hostile/p-{uuid.uuid4().hex[:12]}"


def start_body(project: str, sid: str, started_at: Any = T, **extra: Any) -> dict[str, Any]:
    return {
        "project_id": project,
        "id": sid,
        "trace_id": f"{sid}~t",
        "thread_id": "conv",
        "op_name": "chat",
        "started_at": started_at,
        "attributes": {},
        "inputs": {},
        **extra,
    }


def end_body(project: str, sid: str, ended_at: Any = T, **extra: Any) -> dict[str, Any]:
    return {"project_id": project, "id": sid, "ended_at": ended_at, "summary": {}, **extra}


def otlp(spans: list[dict[str, Any]], attributes: list[Any] | None = None) -> dict[str, Any]:
    resource = {"attributes": attributes or []}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": spans}]}]}


def otlp_span(span_id: str = "1" * 16, **fields: Any) -> dict[str, Any]:
    return {
        "traceId": "a" * 32,
        "spanId": span_id,
        "name": "chat",
        "startTimeUnixNano": "1772366400000000000",
        "endTimeUnixNano": "1772366401000000000",
        **fields,
    }


def assert_readable(conn: KeepAlive, project: str) -> dict[str, Any]:
    """The project's listing and its conversation spans still answer 200; the listing."""
    status, listing = send(
        conn,
        "/agents/spans/query",
        {"project_id": project, "group_by": [{"source": "column", "key": "conversation_id"}]},
    )
    assert status == 200, listing
    ids = [g["group_keys"]["conversation_id"] for g in listing["groups"]]
    status, spans = send(
        conn, "/agents/conversations/spans", {"project_id": project, "conversation_ids": ids}
    )
    assert status == 200, spans
    return dict(listing)


def spans_of(conn: KeepAlive, project: str, cid: str = "conv") -> list[dict[str, Any]]:
    status, answer = send(
        conn, "/agents/conversations/spans", {"project_id": project, "conversation_ids": [cid]}
    )
    assert status == 200, answer
    return list(answer["conversations"][0]["spans"])


# --- 1. a replayed batch keeps every part of what it held ---------------------------------------


def test_a_replayed_start_with_its_end_keeps_the_end(conn: KeepAlive) -> None:
    """The reported case: the start was stored, its answer lost; the batch client re-sends
    the start with the call's end. The end must be stored."""
    project = new_project()
    start = {"mode": "start", "req": {"start": start_body(project, "a")}}
    end = {"mode": "end", "req": {"end": end_body(project, "a", "2026-03-01T12:00:01+00:00")}}
    assert send(conn, "/call/upsert_batch", {"batch": [start]})[0] == 200
    for _ in range(2):  # the replay, and a replay of the replay
        assert send(conn, "/call/upsert_batch", {"batch": [start, end]})[0] == 200
        (span,) = spans_of(conn, project)
        assert (span["status"], span["duration_ms"]) == ("OK", 1000)


@st.composite
def batch_plans(draw: st.DrawFn) -> list[tuple[list[tuple[Any, ...]], int]]:
    """Batches over a few call ids, each with how often it is sent (more than once: the
    answer was lost and the client sent it again). A batch may also carry the items of the
    batch before it, as a batching client re-queues items whose answer it never got; and
    earlier batches come back late."""
    plans: list[tuple[list[tuple[Any, ...]], int]] = []
    for _ in range(draw(st.integers(1, 6))):
        items: list[tuple[Any, ...]] = []
        if plans and draw(st.booleans()):
            items += plans[-1][0]  # re-queued with the new items
        for _ in range(draw(st.integers(1, 4))):
            sid = draw(st.sampled_from("abc"))
            if draw(st.booleans()):
                items.append(("start", sid))
            else:
                items.append(("end", sid, draw(st.integers(1, 9)), draw(st.booleans())))
        plans.append((items, draw(st.integers(1, 3))))
    late = draw(st.lists(st.integers(0, len(plans) - 1), max_size=3))
    return plans + [(plans[i][0], 1) for i in late]


def _item(project: str, item: tuple[Any, ...]) -> dict[str, Any]:
    if item[0] == "start":
        return {"mode": "start", "req": {"start": start_body(project, item[1])}}
    _, sid, seconds, error = item
    ended = f"2026-03-01T12:00:0{seconds}+00:00"
    extra = {"exception": "ValueError: x"} if error else {}
    return {"mode": "end", "req": {"end": end_body(project, sid, ended, **extra)}}


def _expected(model: dict[str, tuple[str, int]], items: list[tuple[Any, ...]]) -> bool:
    """Apply ``items`` to ``model`` as the server's rules say (all or nothing); whether the
    batch is accepted."""
    starts = [i[1] for i in items if i[0] == "start"]
    if len(starts) != len(set(starts)):
        return False  # 409: the same id twice in one batch
    known = set(model) | set(starts)
    if any(i[0] == "end" and i[1] not in known for i in items):
        return False  # 404: an end of a call never started
    for sid in starts:
        model.setdefault(sid, ("UNSET", 0))
    for item in items:
        if item[0] == "end":
            model[item[1]] = ("ERROR" if item[3] else "OK", item[2] * 1000)
    return True


@settings(SETTINGS, max_examples=120)
@given(plans=batch_plans())
def test_replays_of_acknowledged_batches_lose_nothing(
    conn: KeepAlive, plans: list[tuple[list[tuple[Any, ...]], int]]
) -> None:
    """Whatever batches are sent, and however often each is re-sent, the stored calls are
    every acknowledged batch applied in order: no acknowledged start or end is lost."""
    project = new_project()
    model: dict[str, tuple[str, int]] = {}
    for items, times in plans:
        body = {"batch": [_item(project, item) for item in items]}
        for _ in range(times):
            accepted = _expected(model, items)
            status, answer = send(conn, "/call/upsert_batch", body)
            assert status == 200 if accepted else status in (404, 409), answer
    got = {s["span_id"]: (s["status"], s["duration_ms"]) for s in spans_of(conn, project)}
    assert got == model


# --- 2. times: within years 1-9999 once in UTC, or refused -------------------------------------


def _in_range(local: datetime.datetime, minutes: int) -> bool:
    try:
        local.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=minutes))).astimezone(UTC)
    except OverflowError:
        return False
    return True


def _iso(local: datetime.datetime, minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{local.isoformat()}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@SETTINGS
@given(
    local=st.one_of(
        st.datetimes(),
        st.sampled_from([datetime.datetime.min, datetime.datetime.max]),
    ),
    minutes=st.integers(-(23 * 60 + 59), 23 * 60 + 59),
    where=st.sampled_from(["start", "end", "batch-start", "batch-end"]),
)
@example(datetime.datetime(9999, 12, 31, 23), -300, "start")
@example(datetime.datetime(1, 1, 1, 0, 30), 60, "batch-end")
def test_any_time_is_stored_and_read_back_or_refused(
    conn: KeepAlive, local: datetime.datetime, minutes: int, where: str
) -> None:
    project = new_project()
    stamp = _iso(local, minutes)
    if where == "start":
        status, answer = send(conn, "/call/start", {"start": start_body(project, "s", stamp)})
    elif where == "end":
        assert send(conn, "/call/start", {"start": start_body(project, "s")})[0] == 200
        status, answer = send(conn, "/call/end", {"end": end_body(project, "s", stamp)})
    else:
        starts = start_body(project, "s", stamp if where == "batch-start" else T)
        ends = end_body(project, "s", stamp if where == "batch-end" else T)
        batch = [
            {"mode": "start", "req": {"start": starts}},
            {"mode": "end", "req": {"end": ends}},
        ]
        status, answer = send(conn, "/call/upsert_batch", {"batch": batch})
    if _in_range(local, minutes):
        assert status == 200, answer
    else:
        assert status == 422, answer
        (problem,) = answer["detail"]
        assert problem["loc"][-1] in ("started_at", "ended_at")
        assert "years 1-9999" in problem["msg"]
    listing = assert_readable(conn, project)
    if status == 200 and where in ("start", "batch-start"):
        (group,) = listing["groups"]
        utc = local.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=minutes)))
        assert datetime.datetime.fromisoformat(group["first_seen"]) == utc


@SETTINGS
@given(
    nanos=st.one_of(
        st.integers(-(2**65), 2**66),
        st.sampled_from([0, 1, 2**64 - 1, 2**64, 10**20, 10**21]),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    as_text=st.booleans(),
    field=st.sampled_from(["startTimeUnixNano", "endTimeUnixNano"]),
)
@example(10**20, True, "startTimeUnixNano")
@example(1e300, False, "startTimeUnixNano")
def test_any_otlp_time_is_stored_and_read_back_or_refused(
    conn: KeepAlive, nanos: Any, as_text: bool, field: str
) -> None:
    project = new_project()
    value = str(nanos) if as_text else nanos
    status, answer = send(conn, OTLP, otlp([otlp_span(**{field: value})]), {"project_id": project})
    exact = isinstance(nanos, float) and nanos.is_integer() and abs(nanos) <= 2**53
    number = int(nanos) if isinstance(nanos, int) or exact else None
    text_ok = not as_text or isinstance(nanos, int)
    floor = 1 if field == "startTimeUnixNano" else 0
    fits = number is not None and floor <= number <= 2**64 - 1 and text_ok
    assert status == (200 if fits else 400), answer
    assert_readable(conn, project)


# --- 3. depth, integers and OTLP values: 4xx with a reason, never a 500 -------------------------


def _nested(depth: int, kinds: list[bool]) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = [value] if kinds[level % len(kinds)] else {"k": value}
    return value


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (walked, not parsed from bytes)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            level += 1
            deepest = max(deepest, level)
            children = node.values() if isinstance(node, dict) else node
            stack += [(child, level) for child in children]
    return deepest


def _kvlist(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"stringValue": "leaf"}
    for _ in range(depth):
        value = {"kvlistValue": {"values": [{"key": "k", "value": value}]}}
    return value


def _deep_request(project: str, where: str, value: Any, depth: int) -> tuple[str, Any]:
    if where == "start.attributes":
        return "/call/start", {"start": start_body(project, "s", attributes={"deep": value})}
    if where == "start.inputs":
        return "/call/start", {"start": start_body(project, "s", inputs={"deep": value})}
    if where == "end.output":
        return "/call/upsert_batch", {
            "batch": [
                {"mode": "start", "req": {"start": start_body(project, "s")}},
                {"mode": "end", "req": {"end": end_body(project, "s", output=value)}},
            ]
        }
    if where == "feedback.payload":
        return "/feedback/create", {
            "project_id": project,
            "weave_ref": f"weave:///{project}/call/x",
            "feedback_type": "note",
            "payload": {"deep": value},
        }
    if where == "spans.extra":
        return "/agents/conversations/spans", {"project_id": project, "extra": value}
    # four JSON levels per kvlist level: depth // 4 spans the same range of body depths
    deep = [{"key": "deep", "value": _kvlist(depth // 4)}]
    return OTLP, otlp([otlp_span(attributes=deep)])


@SETTINGS
@given(
    depth=st.one_of(st.integers(0, 400), st.sampled_from([MAX_JSON_DEPTH - 3, MAX_JSON_DEPTH])),
    kinds=st.lists(st.booleans(), min_size=1, max_size=4),
    where=st.sampled_from(
        [
            "start.attributes",
            "start.inputs",
            "end.output",
            "feedback.payload",
            "spans.extra",
            "otel.kvlist",
        ]
    ),
)
def test_nesting_of_any_depth_is_stored_or_refused_with_a_reason(
    conn: KeepAlive, depth: int, kinds: list[bool], where: str
) -> None:
    project = new_project()
    path, body = _deep_request(project, where, _nested(depth, kinds), depth)
    status, answer = send(conn, path, body, {"project_id": project})
    if _depth(body) <= MAX_JSON_DEPTH:
        assert status == 200, answer
    else:
        assert status in (400, 422), answer
        assert "levels" in json.dumps(answer)
    assert_readable(conn, project)


INT_CASES = ["offset", "limit", "wb_run_step", "usage", "status_counts", "intValue", "intText"]


def _int_request(project: str, where: str, value: int) -> tuple[str, Any, bool]:
    """The request carrying ``value``, and whether it must be accepted."""
    in64 = INT64[0] <= value <= INT64[1]
    group = [{"source": "column", "key": "conversation_id"}]
    if where in ("offset", "limit"):
        ok = 0 <= value <= (INT64[1] if where == "offset" else 10_000)
        body = {"project_id": project, "group_by": group, where: value}
        return "/agents/spans/query", body, ok
    if where == "wb_run_step":
        return "/call/start", {"start": start_body(project, "s", wb_run_step=value)}, in64
    if where in ("usage", "status_counts"):
        summary = (
            {"usage": {"m": {"total_tokens": value}}}
            if where == "usage"
            else {"status_counts": {"error": value}}
        )
        return (
            "/call/upsert_batch",
            {
                "batch": [
                    {"mode": "start", "req": {"start": start_body(project, "s")}},
                    {"mode": "end", "req": {"end": {**end_body(project, "s"), "summary": summary}}},
                ]
            },
            in64,
        )
    inner = str(value) if where == "intText" else value
    attribute = [{"key": "n", "value": {"intValue": inner}}]
    return OTLP, otlp([otlp_span(attributes=attribute)]), in64


@SETTINGS
@given(
    value=st.one_of(
        st.integers(-(2**65), 2**65),
        st.sampled_from([*INT64, INT64[0] - 1, INT64[1] + 1, 2**64 - 1, 2**64, -1, 0, 10_001]),
    ),
    where=st.sampled_from(INT_CASES),
)
@example(2**63, "offset")
def test_integers_are_stored_in_range_or_refused(conn: KeepAlive, value: int, where: str) -> None:
    project = new_project()
    path, body, ok = _int_request(project, where, value)
    status, answer = send(conn, path, body, {"project_id": project})
    if ok:
        assert status == 200, answer
    else:
        assert status in (400, 422), answer
    assert_readable(conn, project)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@SETTINGS
@given(
    kind=st.sampled_from(
        [
            *("intValue", "doubleValue", "stringValue", "boolValue", "bytesValue"),
            *("arrayValue", "kvlistValue", "unknownValue"),
        ]
    ),
    inner=JSON,
    where=st.sampled_from(["span", "resource"]),
)
@example("intValue", "not a number", "span")
def test_otlp_values_of_any_shape_are_stored_or_refused(
    conn: KeepAlive, kind: str, inner: Any, where: str
) -> None:
    project = new_project()
    attribute = [{"key": "v", "value": {kind: inner}}]
    span = otlp_span(attributes=attribute) if where == "span" else otlp_span()
    body = otlp([span], attribute if where == "resource" else None)
    status, answer = send(conn, OTLP, body, {"project_id": project})
    assert status in (200, 400), answer
    assert_readable(conn, project)


@SETTINGS
@given(
    mangle=st.sampled_from(["resourceSpans", "scopeSpans", "spans", "span", "status", "name"]),
    junk=JSON,
)
def test_otlp_bodies_of_any_structure_are_stored_or_refused(
    conn: KeepAlive, mangle: str, junk: Any
) -> None:
    project = new_project()
    body: Any = otlp([otlp_span()])
    if mangle == "resourceSpans":
        body["resourceSpans"] = junk
    elif mangle == "scopeSpans":
        body["resourceSpans"][0]["scopeSpans"] = junk
    elif mangle == "spans":
        body["resourceSpans"][0]["scopeSpans"][0]["spans"] = junk
    elif mangle == "span":
        body["resourceSpans"][0]["scopeSpans"][0]["spans"] = [junk]
    else:
        body["resourceSpans"][0]["scopeSpans"][0]["spans"][0][mangle] = junk
    status, answer = send(conn, OTLP, body, {"project_id": project})
    assert status in (200, 400), answer
    assert_readable(conn, project)


def test_ratings_that_are_not_finite_are_refused(conn: KeepAlive) -> None:
    """``"NaN"`` / ``"inf"`` strings parse as floats; stored, they would be written back as
    ``null`` and break every read of the conversation."""
    project = new_project()
    for bad in ("NaN", "inf", "-Infinity"):
        status, answer = send(
            conn,
            "/feedback/create",
            {
                "project_id": project,
                "weave_ref": f"weave:///{project}/agent_conversation/conv",
                "feedback_type": "wandb.agent_user_feedback",
                "scorer_tags": ["x"],
                "scorer_ratings": {"q": bad},
            },
        )
        assert status == 422, answer
        assert answer["detail"][0]["loc"][-2:] == ["scorer_ratings", "q"]
    assert send(conn, "/call/start", {"start": start_body(project, "s")})[0] == 200
    assert assert_readable(conn, project)["groups"]


# --- 6. the listing counts every group, whatever the page ---------------------------------------


@pytest.fixture(scope="module")
def five_groups(conn: KeepAlive) -> str:
    project = new_project()
    batch = [
        {"mode": "start", "req": {"start": {**start_body(project, f"s{i}"), "thread_id": f"c{i}"}}}
        for i in range(5)
    ]
    assert send(conn, "/call/upsert_batch", {"batch": batch})[0] == 200
    return project


@SETTINGS
@given(limit=st.integers(0, 7), offset=st.integers(0, 8))
@example(0, 0)
def test_total_count_is_every_group_whatever_limit_and_offset(
    conn: KeepAlive, five_groups: str, limit: int, offset: int
) -> None:
    group = [{"source": "column", "key": "conversation_id"}]
    body = {"project_id": five_groups, "group_by": group, "limit": limit, "offset": offset}
    status, answer = send(conn, "/agents/spans/query", body)
    assert status == 200, answer
    assert answer["total_count"] == 5
    assert len(answer["groups"]) == max(0, min(limit, 5 - offset))
