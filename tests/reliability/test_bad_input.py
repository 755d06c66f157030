"""Bad input to the server and the client: clear 4xx / errors naming the field, and nothing
stored is corrupted (write, send bad requests, read everything back unchanged).

Covered elsewhere (not repeated): >10,000 ids (server 422:
``tests/server/routes/test_agents.py::test_too_many_ids_is_422``; client batching:
``tests/client/test_clients.py::test_more_than_10000_ids_are_batched``), empty ids
(``test_agents.py::test_empty_or_missing_ids``, ``test_transport_faults.py::
test_empty_ids_send_nothing``), naive datetimes (``test_agents.py::
test_bad_and_naive_timestamps_are_422``, ``test_transport_faults.py::
test_bad_window_is_rejected_before_sending``), bodies over 32 MiB (``test_guard.py::
test_body_over_limit_is_413`` and ``::test_streamed_body_over_limit_is_413``).
"""

from __future__ import annotations

import gzip
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from written import Span, conversation, frame_spans, spans_by_conversation, write

from weave_widgets import local
from weave_widgets.client import WeaveClient
from weave_widgets.data._frames import ConversationData
from weave_widgets.errors import InvalidArgumentError
from weave_widgets.server.feedback_rules import detone_emojis
from weave_widgets.server.guard import MAX_BODY_BYTES

PROJECT = "reliability/bad-input"
HOSTILE = [
    "'; DROP TABLE spans; --",
    'Robert"); DELETE FROM feedback; --',
    "x' OR '1'='1",
    "a/b/../c",
    "100%",
    "%2F%ZZ%",
    "user/42:session?x=1#frag",
    "👍🏽 emoji 🧪 zwj 👩‍👩‍👧",
    "ünïcödé 中文 עברית",
    "\u202eright-to-left",
    "tab\tnew\nline\r",
    "<script>alert(1)</script>",
    'back\\slash and "quotes"',
    " ",
    "nul\x00byte",
    "long-" + "x" * 4000,
]
POSTS = [
    "/call/start",
    "/call/end",
    "/call/upsert_batch",
    "/feedback/create",
    "/agents/conversations/spans",
    "/agents/spans/query",
]


def hostile_spans(index: int, cid: str) -> list[Span]:
    """Spans of ``cid`` whose trace and span ids are hostile too (a '/' is fine in a span id;
    a turn ref cannot hold one, so trace ids avoid it)."""
    trace = f"{HOSTILE[(index + 1) % len(HOSTILE)]}~{cid[:30]}".replace("/", "|")
    return [
        Span(cid, f"{trace}~t", f"{HOSTILE[index - 1]}~{cid}~s{i}", op, i, i + 0.5)
        for i, op in enumerate(("invoke_agent", HOSTILE[index]))
    ]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad-input") / "trace.db"


@pytest.fixture(scope="module")
def server(db: Path) -> Iterator[str]:
    url = local.serve(db)
    yield url
    local.stop(url)


@pytest.fixture(scope="module")
def stored(server: str) -> tuple[list[Span], ConversationData]:
    """Write hostile conversations, feedback on them, and read them back once."""
    spans = [s for i, cid in enumerate(HOSTILE) for s in hostile_spans(i, cid)]
    spans += conversation("plain", 4)
    with WeaveClient(PROJECT, url=server) as client:
        write(client, spans)
        for i, cid in enumerate(HOSTILE):
            client.add_feedback(cid, tags=[HOSTILE[-i], "👍🏽"])
            client.add_feedback(cid, hostile_spans(i, cid)[0].trace_id, ratings={HOSTILE[i]: 0.5})
        return spans, client.conversation_spans([*HOSTILE, "plain"])


def read_all(server: str) -> ConversationData:
    with WeaveClient(PROJECT, url=server) as client:
        return client.conversation_spans([*HOSTILE, "plain"])


def test_hostile_ids_round_trip_exactly(stored: tuple[list[Span], ConversationData]) -> None:
    spans, data = stored
    assert frame_spans(data) == spans_by_conversation(spans)
    feedback = data.feedback
    assert list(data.conversations["n_feedback"]) == [2] * len(HOSTILE) + [0]
    for i, cid in enumerate(HOSTILE):
        rows = feedback[feedback["conversation_id"] == cid]
        conversation_level = rows[rows["level"] == "conversation"]
        tags = [detone_emojis(HOSTILE[-i]), "👍"]  # skin tones are stripped, as documented
        assert [list(t) for t in conversation_level["tags"]] == [tags]
        (rating,) = data.ratings[data.ratings["conversation_id"] == cid].itertuples()
        assert (rating.name, rating.turn_index) == (HOSTILE[i], 0)


def test_hostile_ids_in_the_listing(server: str, stored: Any) -> None:
    del stored
    with WeaveClient(PROJECT, url=server) as client:
        listing = client.list_conversations(limit=1000)
    assert sorted(listing["conversation_id"]) == sorted([*HOSTILE, "plain"])


def bad_bodies() -> list[Any]:
    ok = b'{"project_id": "e/p", "conversation_ids": ["a"]}'
    return [
        pytest.param(b'{"project_id": "e/p\xff\xfe", "id": "\xc3"}', "json", id="invalid-utf8"),
        pytest.param(b'{"project_id": "\\ud800"}', "json", id="lone-surrogate"),
        pytest.param(ok.replace(b'"a"', b'"\\udfff x"'), "json", id="lone-low-surrogate"),
        pytest.param(b"\xff\xfe{\x00", None, id="utf16-without-content-type"),
        pytest.param(b'{"project_id": NaN}', "json", id="nan"),
        pytest.param(b'{"project_id": 123456789012345678901234567890}', "json", id="huge-int"),
        pytest.param(b'{"a":' * 2000 + b"1" + b"}" * 2000, "json", id="deep-nesting"),
        pytest.param(b'{"project_id": "e/p",', "json", id="truncated-json"),
        pytest.param(b"<html>not json</html>", "html", id="html"),
        pytest.param(b"", "json", id="empty"),
    ]


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize(("body", "kind"), bad_bodies())
def test_undecodable_bodies_are_4xx_and_change_nothing(
    server: str, stored: Any, path: str, body: bytes, kind: str | None
) -> None:
    before = read_all(server)
    types = {"json": "application/json", "html": "text/html"}
    headers = {"content-type": types[kind]} if kind else {}
    res = httpx.post(f"{server}{path}", content=body, headers=headers)
    assert res.status_code in (400, 413, 415, 422), res.text
    assert res.json()["detail"]
    after = read_all(server)
    assert frame_spans(after) == frame_spans(before)
    assert after.feedback["tags"].tolist() == before.feedback["tags"].tolist()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/agents/conversations/spans", {"project_id": PROJECT, "conversation_ids": "x"}, "ids"),
        ("/agents/conversations/spans", {"project_id": PROJECT, "conversation_ids": [1]}, "ids"),
        ("/agents/conversations/spans", {"conversation_ids": HOSTILE}, "project_id"),
        ("/call/start", {"start": {"project_id": PROJECT, "id": HOSTILE[0]}}, "op_name"),
        ("/call/end", {"end": {"project_id": PROJECT, "id": HOSTILE[0]}}, "ended_at"),
        ("/call/start", {"start": {}, "'; DROP TABLE spans; --": 1}, "DROP TABLE"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    server: str, stored: Any, path: str, body: Any, field: str
) -> None:
    before = read_all(server)
    res = httpx.post(f"{server}{path}", json=body)
    assert res.status_code == 422
    locs = [".".join(map(str, d["loc"])) for d in res.json()["detail"]]
    assert any(field in loc for loc in locs), locs
    assert frame_spans(read_all(server)) == frame_spans(before)


@pytest.mark.parametrize(
    ("path", "body", "status", "needle"),
    [
        (
            "/agents/spans/query",
            {
                "project_id": PROJECT,
                "group_by": [{"source": "column", "key": "conversation_id"}],
                "sort_by": [{"field": "last_seen; DROP TABLE spans", "direction": "desc"}],
            },
            400,
            "sort_by field",
        ),
        (
            "/agents/spans/query",
            {"project_id": PROJECT, "group_by": [{"source": "column", "key": "1=1; --"}]},
            400,
            "group_by",
        ),
        (
            "/call/start",
            {
                "start": {
                    **hostile_spans(0, HOSTILE[0])[0].start_req(PROJECT)["start"],
                    "inputs": {},
                }
            },
            409,
            "already exists",
        ),
        (
            "/feedback/create",
            {
                "project_id": PROJECT,
                "weave_ref": f"weave:///{PROJECT}/agent_turn/a/b",
                "feedback_type": "wandb.agent_user_feedback",
                "payload": {},
                "scorer_tags": ["x"],
            },
            400,
            "not an agent ref",
        ),
    ],
)
def test_refused_requests_say_why_and_change_nothing(
    server: str, stored: Any, path: str, body: Any, status: int, needle: str
) -> None:
    before = read_all(server)
    res = httpx.post(f"{server}{path}", json=body)
    assert res.status_code == status, res.text
    assert needle in res.json()["reason"]
    assert frame_spans(read_all(server)) == frame_spans(before)


def test_compressed_body_over_the_limit_is_413(server: str) -> None:
    bomb = gzip.compress(b"\0" * (MAX_BODY_BYTES + 1024))
    res = httpx.post(
        f"{server}/otel/v1/traces",
        content=bomb,
        headers={
            "content-type": "application/x-protobuf",
            "content-encoding": "gzip",
            "project_id": PROJECT,
        },
    )
    assert len(bomb) < MAX_BODY_BYTES // 100
    assert res.status_code == 413
    assert "MiB" in res.json()["reason"]


def test_the_database_is_intact_after_all_of_it(db: Path, server: str, stored: Any) -> None:
    spans, data = stored
    assert frame_spans(read_all(server)) == frame_spans(data) == spans_by_conversation(spans)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert {"spans", "feedback"} <= tables


# --- the client rejects what it cannot send, naming the field --------------------------------


@pytest.fixture
def client(server: str) -> Iterator[WeaveClient]:
    with WeaveClient(PROJECT, url=server, max_retries=0) as c:
        yield c


def test_client_refuses_text_that_is_not_unicode(client: WeaveClient) -> None:
    with pytest.raises(InvalidArgumentError, match=r"conversation_ids\[1\]"):
        client.conversation_spans(["ok", "bad\ud800"])
    start = {**conversation("c", 1)[0].start_req(PROJECT)["start"], "op_name": "x\udfff"}
    with pytest.raises(InvalidArgumentError, match=r"op_name"):
        client.call_start(start)
    with pytest.raises(InvalidArgumentError, match=r"tags"):
        client.add_feedback("c", tags=["\ud83d"])


def test_client_refuses_a_turn_id_that_cannot_be_a_ref(client: WeaveClient) -> None:
    with pytest.raises(InvalidArgumentError, match=r"trace_id.*'/'"):
        client.add_feedback("c", "turn/with/slashes", tags=["x"])
