"""The span answers SQLite joins for ``/agents/conversations/spans``, against the answer the
store built before them (rows fetched, a dict per span, ``orjson.dumps``), byte for byte; the
order ``group_concat`` keeps; the cap; and the migration of a file written before them."""

from __future__ import annotations

import logging
import random
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from weave_widgets.client import WeaveClient
from weave_widgets.demo import write_demo
from weave_widgets.models import MAX_CONVERSATION_SPANS
from weave_widgets.server import embedded
from weave_widgets.server import store as store_module
from weave_widgets.server.routes import agents
from weave_widgets.server.routes.agents import SLICE_IDS
from weave_widgets.server.routing import CHUNK_BYTES, json_chunks
from weave_widgets.server.store import (
    MAX_TIME,
    MIN_TIME,
    CallEnd,
    FeedbackRow,
    SpanRow,
    Store,
)

_OLD_SPANS_QUERY = """
SELECT conversation_id, operation_name, trace_id, span_id,
       CASE WHEN status IN ('UNSET', 'OK', 'ERROR') THEN status ELSE 'UNSET' END,
       CASE WHEN ended_at > started_at THEN ended_at / 1000 - started_at / 1000 ELSE 0 END
FROM spans
WHERE project_id = ? AND conversation_id IN (SELECT id FROM temp.wanted)
  AND started_at >= ? AND started_at < ?
ORDER BY conversation_id, started_at, span_id
"""


def old_answer(
    store: Store, project_id: str, ids: Sequence[str], after: int = MIN_TIME, before: int = MAX_TIME
) -> bytes:
    """The answer as the store made it before span answers (its code, unchanged)."""
    ids = list(dict.fromkeys(ids))
    conn = store.connection()
    with store._wanted(conn, ids):
        span_rows = conn.execute(_OLD_SPANS_QUERY, (project_id, after, before)).fetchall()
        marker_rows = conn.execute(store_module._MARKERS_QUERY, (project_id, project_id))
        marker_rows = marker_rows.fetchall()
    spans: dict[str, list[dict[str, Any]]] = {cid: [] for cid in ids}
    for cid, op, trace, span, status, duration in span_rows:
        spans[cid].append(
            {
                "operation_name": op,
                "trace_id": trace,
                "span_id": span,
                "status": status,
                "duration_ms": duration,
            }
        )
    markers: dict[str, list[Any]] = {cid: [] for cid in ids}
    for cid, marker in marker_rows:
        markers[cid].append(orjson.Fragment(marker))
    conversations = [
        {
            "conversation_id": cid,
            "spans": spans[cid][-MAX_CONVERSATION_SPANS:],
            "spans_feedback": markers[cid],
        }
        for cid in ids
    ]
    return orjson.dumps({"conversations": conversations})


def new_answer(
    store: Store, project_id: str, ids: Sequence[str], after: int = MIN_TIME, before: int = MAX_TIME
) -> bytes:
    entries = store.conversation_entries_json(project_id, ids, after, before)
    return b"".join([b'{"conversations":[', *entries, b"]}"])


def span(
    span_id: str,
    cid: str | None,
    started: int,
    ended: int | None = None,
    status: str = "OK",
    *,
    trace: str = "t1",
    op: str = "chat",
    project: str = "e/p",
) -> SpanRow:
    return SpanRow(
        project, span_id, trace, None, cid, op, op, None, started, ended, status, None,
        "otel", b"{}", None,
    )  # fmt: skip


def marker(feedback_id: str, cid: str | None, trace: str | None, created: int) -> FeedbackRow:
    body = orjson.dumps({"id": feedback_id, "trace_id": trace, "text": 'é "q" \\ \n'})
    return FeedbackRow(
        feedback_id, "e/p", "weave:///e/p/call/x", "wandb.reaction.1", created, "u", cid, trace,
        body, b"{}",
    )  # fmt: skip


ODD = 'odd\x00id "q" \\ é 😀 \u2028 \x01\x1f\x7f\n\t\r\b\f </script>'
EVERY_ASCII = "".join(map(chr, range(128)))
CAPPED = "capped"
CAP_EXTRA = 37


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Spans and markers for every edge case of the answer, written in shuffled order."""
    store = Store(tmp_path / "edges.db")
    rng = random.Random(7)
    rows = [
        # equal start times, inserted out of span_id order, plus an earlier span
        span("s3", "plain", 1_000_000, 1_500_000),
        span("s1", "plain", 1_000_000, 1_000_999, "ERROR"),
        span("s2", "plain", 1_000_000, None, "UNSET"),
        span("s0", "plain", 999_000, 900_000, "WEIRD"),
        span("s4", "plain", 2_000_000, 2_000_000, ""),
        # before 1970: SQLite's integer division truncates toward zero
        span("neg", "plain", -1_500, -499),
        span(f"s-{ODD}", ODD, 5, 7_000, trace=f"t-{ODD}", op=EVERY_ASCII),
        span("nonascii", ODD, 6, 9_000, trace="трасса", op="日本語 ünïcödé"),
        span("other-project", "plain", 1_000_000, 9_000_000, project="e/other"),
        span("no-conversation", None, 1_000_000, 2_000_000, trace="t-turn"),
        span("turn", "with-markers", 10, 20, trace="t-turn"),
    ]
    rows += [
        span(f"c{i:04d}", CAPPED, 1_000 * (i // 3), 1_000 * (i // 3) + i, trace=f"t{i // 10}")
        for i in range(MAX_CONVERSATION_SPANS + CAP_EXTRA)
    ]
    rng.shuffle(rows)
    store.upsert_spans(rows)
    # a call started now and ended in a later request: its answer follows the end
    store.write_calls([span("call", "calls", 3_000_000, None, "UNSET")], [])
    store.write_calls([], [CallEnd("e/p", "call", 3_004_500, "ERROR", "boom", b"{}")])
    store.insert_feedback(
        [
            marker("f2", "with-markers", "t-turn", 2),
            marker("f1", "with-markers", None, 1),
            marker("f3", None, "t-turn", 3),  # turn feedback naming no conversation
            marker("f4", ODD, None, 4),
        ]
    )
    # a marker held as TEXT (as bench.seed.scaled_db's SQL copies write them) reads the same
    store.connection().execute("UPDATE feedback SET marker = CAST(marker AS TEXT) WHERE id = 'f4'")
    return store


ALL_IDS = ["plain", ODD, CAPPED, "calls", "with-markers", "unknown", ""]


@pytest.mark.parametrize(
    "ids",
    [
        [],
        ["unknown"],
        ["plain", "unknown", "plain", ODD, "plain"],
        ALL_IDS,
        list(reversed(ALL_IDS)),
    ],
)
def test_answer_matches_the_old_answer(store: Store, ids: list[str]) -> None:
    assert new_answer(store, "e/p", ids) == old_answer(store, "e/p", ids)
    assert new_answer(store, "e/nothing", ids) == old_answer(store, "e/nothing", ids)


@pytest.mark.parametrize(
    ("after", "before"),
    [
        (MIN_TIME, 1_000_000),
        (1_000_000, MAX_TIME),
        (999_000, 1_000_001),
        (0, 30_000),  # the capped conversation's first spans: under the cap
        (12_000, MAX_TIME),  # one over the cap
        (13_000, MAX_TIME),  # just under it
        (5_000_000, MAX_TIME),  # nothing
    ],
)
def test_time_windows_match_the_old_answer(store: Store, after: int, before: int) -> None:
    assert new_answer(store, "e/p", ALL_IDS, after, before) == old_answer(
        store, "e/p", ALL_IDS, after, before
    )


def test_spans_keep_start_then_span_id_order(store: Store) -> None:
    (entry,) = orjson.loads(new_answer(store, "e/p", ["plain"]))["conversations"]
    assert [s["span_id"] for s in entry["spans"]] == ["neg", "s0", "s1", "s2", "s3", "s4"]
    assert [s["status"] for s in entry["spans"]] == ["OK", "UNSET", "ERROR", "UNSET", "OK", "UNSET"]
    assert [s["duration_ms"] for s in entry["spans"]] == [1, 0, 0, 0, 500, 0]


def test_a_conversation_over_the_cap_keeps_its_most_recent_spans(store: Store) -> None:
    (entry,) = orjson.loads(new_answer(store, "e/p", [CAPPED]))["conversations"]
    kept = [f"c{i:04d}" for i in range(CAP_EXTRA, MAX_CONVERSATION_SPANS + CAP_EXTRA)]
    assert [s["span_id"] for s in entry["spans"]] == kept


def test_an_ended_call_answers_its_end(store: Store) -> None:
    (entry,) = orjson.loads(new_answer(store, "e/p", ["calls"]))["conversations"]
    assert entry["spans"] == [
        {
            "operation_name": "chat",
            "trace_id": "t1",
            "span_id": "call",
            "status": "ERROR",
            "duration_ms": 4,
        }
    ]


def test_odd_text_reads_back_as_written(store: Store) -> None:
    (entry,) = orjson.loads(new_answer(store, "e/p", [ODD]))["conversations"]
    assert entry["conversation_id"] == ODD
    assert [(s["span_id"], s["trace_id"], s["operation_name"]) for s in entry["spans"]] == [
        (f"s-{ODD}", f"t-{ODD}", EVERY_ASCII),
        ("nonascii", "трасса", "日本語 ünïcödé"),
    ]


def test_markers_follow_in_feedback_creation_order(store: Store) -> None:
    (entry,) = orjson.loads(new_answer(store, "e/p", ["with-markers"]))["conversations"]
    assert [m["id"] for m in entry["spans_feedback"]] == ["f1", "f2", "f3"]


def test_the_query_reads_answers_from_the_index_in_its_order(store: Store) -> None:
    """No sort between the index walk and group_concat (which would lose the span order), and
    no json_object per row (the answer is read from the index, not computed again)."""
    conn = store.connection()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (id TEXT PRIMARY KEY)")
    args = ("e/p", MIN_TIME, MAX_TIME)
    query = store_module._SPANS_QUERY
    plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + query, args))
    assert "USING INDEX spans_answers" in plan
    assert "TEMP B-TREE" not in plan
    program = conn.execute("EXPLAIN " + query, args).fetchall()
    assert not [op for op in program if "json_object" in str(op[5])]


def test_demo_conversations_match_the_old_answer(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    url = embedded.serve(db)
    try:
        with WeaveClient("e/demo-otel", url=url, progress=False) as client:
            otel = write_demo(client, 12, seed=5)
        with WeaveClient("e/demo-calls", url=url, progress=False) as client:
            calls = write_demo(client, 12, seed=6, via="calls")
    finally:
        embedded.stop(url)
    store = Store(db)
    for project, ids in (("e/demo-otel", otel), ("e/demo-calls", calls)):
        answer = new_answer(store, project, ids)
        assert answer == old_answer(store, project, ids)
        conversations = orjson.loads(answer)["conversations"]
        assert sum(len(c["spans"]) for c in conversations) > 100
        assert any(c["spans_feedback"] for c in conversations)
    store.close()


_OLD_SCHEMA = """
CREATE TABLE spans (
    project_id TEXT NOT NULL, span_id TEXT NOT NULL, trace_id TEXT NOT NULL, parent_id TEXT,
    conversation_id TEXT, operation_name TEXT NOT NULL, op_name TEXT NOT NULL,
    agent_name TEXT, started_at INTEGER NOT NULL, ended_at INTEGER, status TEXT NOT NULL,
    exception TEXT, source TEXT NOT NULL, start_json BLOB NOT NULL, end_json BLOB,
    PRIMARY KEY (project_id, span_id)
);
CREATE INDEX spans_by_conversation
    ON spans (project_id, conversation_id, started_at, span_id,
              operation_name, trace_id, status, ended_at);
CREATE INDEX spans_by_trace ON spans (project_id, trace_id);
"""


def test_a_file_written_before_span_answers_is_migrated_on_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(_OLD_SCHEMA)
        conn.executemany(
            "INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [span("b", "c", 2_000, 9_000), span("a", "c", 2_000, None, "ERROR")],
        )
    conn.close()
    with caplog.at_level(logging.WARNING, logger="weave_widgets.server"):
        store = Store(db)
    assert "indexing the answers of 2 stored spans" in caplog.text
    indexes = {row[0] for row in store.connection().execute("SELECT name FROM sqlite_schema")}
    assert "spans_answers" in indexes
    assert "spans_by_conversation" not in indexes
    assert new_answer(store, "e/p", ["c"]) == old_answer(store, "e/p", ["c"])
    store.upsert_spans([span("z", "c", 1_000, 3_000)])  # rows written as before still fit
    assert new_answer(store, "e/p", ["c"]) == old_answer(store, "e/p", ["c"])
    store.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="weave_widgets.server"):
        Store(db).close()  # once: opening again builds nothing
    assert caplog.text == ""


def test_chunks_join_to_the_parts_in_order() -> None:
    parts = [bytes([65 + i % 26]) * (i % 7) for i in range(200)]
    chunks = list(json_chunks(parts, size=10))
    assert b"".join(chunks) == b"".join(parts)
    assert all(len(chunk) >= 10 for chunk in chunks[:-1])
    assert list(json_chunks([], size=10)) == []


@pytest.mark.parametrize("slice_ids", [SLICE_IDS, 7, 1])
def test_a_large_answer_arrives_whole_over_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_ids: int
) -> None:
    """Read and sent by slices of ids (here also 7 and 1, duplicates and unknown ids across
    them), the answer is the one document the old code made."""
    monkeypatch.setattr(agents, "SLICE_IDS", slice_ids)
    db = tmp_path / "large.db"
    store = Store(db)
    known = [f"conv-{c}" for c in range(200)]
    store.upsert_spans(
        [
            span(f"{cid}-{i}", cid, i, i + 5_000, trace=f"{cid}-t")
            for cid in known
            for i in range(150)
        ]
    )
    ids = [*known[:30], "unknown", *known[:12], *known[30:], "unknown-2"]
    expected = old_answer(store, "e/p", ids)
    assert len(expected) > 2 * CHUNK_BYTES
    store.close()
    url = embedded.serve(db)
    try:
        res = httpx.post(
            f"{url}/agents/conversations/spans",
            json={"project_id": "e/p", "conversation_ids": ids},
            timeout=60,
        )
    finally:
        embedded.stop(url)
    assert res.status_code == 200
    assert res.headers["content-type"] == "application/json"
    assert res.content == expected
    sliced = slice_ids < len(dict.fromkeys(ids))
    assert ("content-length" in res.headers) is not sliced
    assert (res.headers.get("transfer-encoding") == "chunked") is sliced
    if not sliced:
        assert int(res.headers["content-length"]) == len(expected)
