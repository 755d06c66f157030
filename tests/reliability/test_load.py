"""Load on the local server: concurrent writers and readers over 127.0.0.1, and kill -9 of a
``weave-widgets serve`` process mid-write. Every acknowledged write is read back.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from serve_process import serve
from written import Span, frame_spans, spans_by_conversation

from weave_widgets.client import WeaveClient
from weave_widgets.errors import ApiError, WeaveWidgetsError

WRITERS = 8
CALLS = 120
ENDS_EVERY = 25
READERS = 4
PER_CONVERSATION = 40
POLL_PAUSE = 0.1
"""Seconds between a reader's polls, so readers do not starve the writers of the GIL."""


def writer_spans(worker: int) -> list[Span]:
    return [
        Span(
            f"load-w{worker}-c{n // PER_CONVERSATION}",
            f"w{worker}-t{n // 5}",
            f"w{worker}-s{n:04d}",
            "execute_tool" if n % 2 else "chat",
            float(n),
            n + 0.5,
            error=n % 7 == 0,
        )
        for n in range(CALLS)
    ]


def write_one_by_one(client: WeaveClient, spans: list[Span], acked: list[Span]) -> None:
    """``call_start`` per span; their ends go in batches of ``ENDS_EVERY``."""
    for first in range(0, len(spans), ENDS_EVERY):
        group = spans[first : first + ENDS_EVERY]
        for s in group:
            res = client.call_start(s.start_req(client.project)["start"])
            assert (res.id, res.trace_id) == (s.span_id, s.trace_id)
        client.call_upsert_batch([s.end_req(client.project) for s in group])
        acked.extend(group)


def reader(
    client: WeaveClient, conversations: list[str], done: threading.Event
) -> tuple[int, list[str]]:
    """Poll until ``done``; a span once seen must stay, and every read must be whole."""
    seen: dict[str, set[str]] = {cid: set() for cid in conversations}
    polls, problems = 0, []
    while not done.is_set() or polls == 0:
        data = client.conversation_spans(conversations)
        polls += 1
        for cid, spans in frame_spans(data).items():
            ids = {s["span_id"] for s in spans}
            if not seen[cid] <= ids:
                problems.append(f"{cid}: {len(seen[cid] - ids)} span(s) vanished")
            seen[cid] = ids
        if list(data.conversations["conversation_id"]) != conversations:
            problems.append("conversation rows missing or reordered")
        done.wait(POLL_PAUSE)
    return polls, problems


def test_concurrent_writers_and_readers_lose_nothing(local_server: str, project_id: str) -> None:
    all_spans = [writer_spans(w) for w in range(WRITERS)]
    conversations = sorted({s.conversation_id for spans in all_spans for s in spans})
    acked: list[list[Span]] = [[] for _ in range(WRITERS)]
    done = threading.Event()
    with (
        WeaveClient(project_id, url=local_server, timeout=60) as client,
        ThreadPoolExecutor(WRITERS + READERS) as pool,
    ):
        readers = [
            pool.submit(reader, client, conversations[r::READERS], done) for r in range(READERS)
        ]
        writers = [
            pool.submit(write_one_by_one, client, all_spans[w], acked[w]) for w in range(WRITERS)
        ]
        for future in writers:
            future.result()
        done.set()
        outcomes = [future.result() for future in readers]
        final = client.conversation_spans(conversations)
    assert [len(a) for a in acked] == [CALLS] * WRITERS
    assert all(polls > 0 for polls, _ in outcomes)
    assert [p for _, problems in outcomes for p in problems] == []
    expected = spans_by_conversation([s for spans in acked for s in spans])
    assert frame_spans(final) == expected


BATCH = 10
CRASH_WRITERS = 4
KILL_AFTER = 60
"""Acknowledged batches (over all writers) before the server is killed."""


def batch_spans(worker: int, n: int) -> list[Span]:
    return [
        Span(f"crash-w{worker}-b{n}", f"w{worker}-b{n}", f"w{worker}-b{n}-s{i}", "chat", i, i + 1)
        for i in range(BATCH)
    ]


def write_until_refused(
    url: str, project_id: str, worker: int, acked: list[int], enough: Callable[[], None]
) -> int:
    """Send batches of ``BATCH`` starts+ends until the server is gone; returns batches sent."""
    with WeaveClient(project_id, url=url, timeout=5, max_retries=0) as client:
        n = 0
        while True:
            spans = batch_spans(worker, n)
            items: list[Any] = [s.start_req(project_id) for s in spans]
            items += [s.end_req(project_id) for s in spans]
            try:
                client.call_upsert_batch(items)
            except WeaveWidgetsError:
                return n + 1
            acked.append(n)
            enough()
            n += 1


def test_kill_9_mid_write_keeps_every_acknowledged_batch(tmp_path: Path, project_id: str) -> None:
    db = tmp_path / "crash.db"
    acked: list[list[int]] = [[] for _ in range(CRASH_WRITERS)]
    lock = threading.Lock()
    with serve(db) as server:
        killed = threading.Event()

        def enough() -> None:
            with lock:
                if sum(map(len, acked)) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    server.kill()

        with ThreadPoolExecutor(CRASH_WRITERS) as pool:
            sent = list(
                pool.map(
                    lambda w: write_until_refused(server.url, project_id, w, acked[w], enough),
                    range(CRASH_WRITERS),
                )
            )
    assert killed.is_set()
    assert server.process.returncode == -9

    batches = {(w, n): f"crash-w{w}-b{n}" for w in range(CRASH_WRITERS) for n in range(sent[w])}
    with serve(db) as restarted, WeaveClient(project_id, url=restarted.url) as client:
        stored = frame_spans(client.conversation_spans(list(batches.values())))
    for (worker, n), cid in batches.items():
        expected = spans_by_conversation(batch_spans(worker, n))[cid]
        if n in acked[worker]:
            assert stored.get(cid) == expected, cid
        else:  # in flight at the kill: stored whole or not at all
            assert stored.get(cid) in (None, expected), cid
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_a_refused_batch_changes_nothing(local_server: str, project_id: str) -> None:
    good = batch_spans(0, 0)
    with WeaveClient(project_id, url=local_server, max_retries=0) as client:
        client.call_upsert_batch([s.start_req(project_id) for s in good])
        before = frame_spans(client.conversation_spans(["crash-w0-b0"]))
        fresh = [s.start_req(project_id) for s in batch_spans(0, 1)]
        unknown = {"end": {**good[0].end_req(project_id)["end"], "id": "never-started"}}
        ends: list[Any] = [s.end_req(project_id) for s in good]
        clash = good[0].start_req(project_id)
        clash["start"]["op_name"] = "another op under the same id"
        for items in ([*fresh, clash], [*ends, unknown]):
            with pytest.raises(ApiError) as info:
                client.call_upsert_batch(items)
            assert info.value.status in (404, 409)
        assert frame_spans(client.conversation_spans(["crash-w0-b0"])) == before
