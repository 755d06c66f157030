"""``weave_widgets.server.store``: what the SQLite store keeps and how it reads it back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from server_api import T0

from weave_widgets.server import embedded
from weave_widgets.server.insert_pipeline import CHUNK_ROWS
from weave_widgets.server.store import MAX_TIME, MIN_TIME, SpanRow, Store, to_micros

SPANS = {"project_id": "e/p", "conversation_ids": ["c"]}


def spans_of(store: Store, cid: str) -> Any:
    """The answer's entry for conversation ``cid`` of project ``e/p``."""
    return orjson.loads(b"".join(store.conversation_entries_json("e/p", [cid], MIN_TIME, MAX_TIME)))


def test_unknown_stored_status_reads_as_unset(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    row = SpanRow(
        "e/p", "s", "t", None, "c", "chat", "chat", None, to_micros(T0), None, "WEIRD", None,
        "otel", b"{}", None,
    )  # fmt: skip
    store.upsert_spans([row])
    entry = spans_of(store, "c")
    assert entry["spans"][0]["status"] == "UNSET"
    store.close()


def test_restart_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "restart.db"
    url = embedded.serve(db)
    body = {
        "start": {
            "project_id": "e/p",
            "id": "s",
            "trace_id": "t",
            "thread_id": "c",
            "op_name": "chat",
            "started_at": "2026-03-01T12:00:00Z",
            "attributes": {},
            "inputs": {},
        }
    }
    assert httpx.post(f"{url}/call/start", json=body).status_code == 200
    embedded.stop(url)
    url = embedded.serve(db)
    res = httpx.post(f"{url}/agents/conversations/spans", json=SPANS).json()
    assert [s["span_id"] for s in res["conversations"][0]["spans"]] == ["s"]
    embedded.stop(url)


def test_one_connection_writes_and_every_thread_reads_its_commits(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.db")

    def row(index: int) -> SpanRow:
        return SpanRow(
            "e/p", f"s{index}", "t", None, "c", "chat", "chat", None, to_micros(T0) + index,
            None, "OK", None, "otel", b"{}", None,
        )  # fmt: skip

    writers: list[object] = []
    seen: list[int] = []

    def write_then_read(index: int) -> None:
        with store.transaction() as conn:
            writers.append(conn)
        store.upsert_spans([row(index)])
        entry = spans_of(store, "c")
        seen.append(sum(s["span_id"] == f"s{index}" for s in entry["spans"]))

    threads = [threading.Thread(target=write_then_read, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [1] * 8  # each thread's read, on its own connection, saw its write
    assert len({id(conn) for conn in writers}) == 1
    assert store.connection() is not writers[0]
    store.close()
    store.upsert_spans([row(8)])  # the writing connection opens again after close
    assert len(spans_of(store, "c")["spans"]) == 9
    store.close()


def lazy_rows(count: int, fail_at: int | None = None) -> Iterator[SpanRow]:
    """``count`` spans of conversation ``c`` made one by one, as the OTLP decoder makes them;
    the one at ``fail_at`` raises instead."""
    for index in range(count):
        if index == fail_at:
            raise ValueError(f"span {index} cannot be decoded")
        yield SpanRow(
            "e/p", f"s{index:04}", "t", None, "c", "chat", "chat", None, to_micros(T0) + index,
            None, "OK", None, "otel", orjson.dumps({"attributes": {"n": index}}), None,
        )  # fmt: skip


def test_rows_made_lazily_are_inserted_in_chunks_and_a_failure_stores_none(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "lazy.db")
    count = 3 * CHUNK_ROWS + 5  # three multi-row inserts and a short tail
    with pytest.raises(ValueError, match=f"span {2 * CHUNK_ROWS + 1} "):
        store.upsert_spans(lazy_rows(count, fail_at=2 * CHUNK_ROWS + 1))
    assert spans_of(store, "c")["spans"] == []  # the chunks before it were rolled back
    store.upsert_spans(lazy_rows(count))
    ids = [s["span_id"] for s in spans_of(store, "c")["spans"]]
    assert ids == [f"s{index:04}" for index in range(count)]
    store.close()


def test_the_wal_is_checkpointed_off_the_writing_thread_until_close(tmp_path: Path) -> None:
    db = tmp_path / "wal.db"
    others = set(threading.enumerate())
    store = Store(db)
    store.upsert_spans(lazy_rows(1000))  # about 40 pages, all in the WAL when committed
    deadline = time.monotonic() + 10
    while db.stat().st_size < 100_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db.stat().st_size >= 100_000  # copied into the database by the checkpointing thread
    ours = [thread for thread in threading.enumerate() if thread not in others]
    assert sorted(thread.name for thread in ours) == [
        "weave-widgets-checkpoint",
        "weave-widgets-insert_0",
    ]
    store.close()
    assert not any(thread.is_alive() for thread in ours)
