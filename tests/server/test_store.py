"""``weave_widgets.server.store``: what the SQLite store keeps and how it reads it back."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import orjson
from server_api import T0

from weave_widgets.server import embedded
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
