"""Deterministic benchmark data, written through ``/call/upsert_batch`` in large batches and
cached as a SQLite file keyed by size and seed, plus the local server run as a subprocess.

Every conversation has ``n_spans`` spans in turns of up to 10, shaped as the weave SDK logs an
agent: a root ``invoke_agent`` framing the turn, its ``chat``, ``execute_tool``, ``retrieval``
and ``embeddings`` calls one after another inside it, about 3 % of those failing; every 10th
conversation has a 👍 on its first turn and every 20th a monitor rating on the whole
conversation.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import os
import random
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.common import PYTHON, ROOT

SEED_VERSION = 2
"""Bump when the generated data changes, so cached files are rebuilt."""

CACHE_ENV = "WEAVE_WIDGETS_BENCH_CACHE"
BATCH_SPANS = 5_000
"""Spans per ``/call/upsert_batch`` request (two items each: start and end)."""

TURN_SPANS = 10
_EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
_OPERATIONS = ("chat", "execute_tool", "chat", "retrieval", "execute_tool", "embeddings")


def cache_dir() -> Path:
    """``$WEAVE_WIDGETS_BENCH_CACHE``, else ``~/.cache/weave-widgets/bench``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "weave-widgets" / "bench"


def project_id(n_conversations: int, n_spans: int, seed: int) -> str:
    return f"bench/c{n_conversations}-s{n_spans}-seed{seed}"


def conversation_ids(n_conversations: int, seed: int) -> list[str]:
    """The ids the seeded data uses, in order."""
    return [f"conv-{seed}-{i:06d}" for i in range(n_conversations)]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso(micros: int) -> str:
    return (_EPOCH + datetime.timedelta(microseconds=micros)).isoformat()


def _turn_calls(
    project: str, cid: str, trace: str, operations: list[str], clock: int, rng: random.Random
) -> tuple[list[dict[str, Any]], int]:
    """The calls of one turn shaped as the weave SDK logs them: a root ``invoke_agent`` that
    starts first and ends last, and its children one after another inside it (parent set).
    Returns the ``(start, end)`` request pairs flattened and the time the turn ends."""
    calls: list[tuple[str, str | None, int, int]] = []
    root = _uuid(rng)
    child_clock = clock + int(rng.expovariate(1 / 20_000))
    for operation in operations:
        start = child_clock
        child_clock = start + int(rng.expovariate(1 / 700_000)) + 1_000
        calls.append((operation, root, start, child_clock))
        child_clock += int(rng.expovariate(1 / 30_000))
    end = child_clock + 5_000
    calls.insert(0, ("invoke_agent", None, clock, end))
    items: list[dict[str, Any]] = []
    for index, (operation, parent, started, ended) in enumerate(calls):
        span_id = root if index == 0 else _uuid(rng)
        attributes = {"gen_ai.operation.name": operation}
        if parent is None:
            attributes["gen_ai.agent.name"] = "bench-agent"
        start: dict[str, Any] = {
            "project_id": project,
            "id": span_id,
            "op_name": f"weave:///{project}/op/{operation}:v0",
            "trace_id": trace,
            "parent_id": parent,
            "thread_id": cid,
            "started_at": _iso(started),
            "attributes": attributes,
            "inputs": {},
        }
        finish: dict[str, Any] = {
            "project_id": project,
            "id": span_id,
            "ended_at": _iso(ended),
            "summary": {},
        }
        if parent is not None and rng.random() < 0.03:
            finish["exception"] = "RuntimeError: tool failed"
        items.append({"mode": "start", "req": {"start": start}})
        items.append({"mode": "end", "req": {"end": finish}})
    return items, end


def _conversation(project: str, cid: str, n_spans: int, index: int, rng: random.Random) -> Any:
    """Yield the start and end items of one conversation's spans: turns of up to
    ``TURN_SPANS`` spans, a user's pause of a few seconds between them."""
    clock = index * 3_600_000_000
    for first in range(0, n_spans, TURN_SPANS):
        size = min(TURN_SPANS, n_spans - first)
        trace = _uuid(rng)
        operations = [rng.choice(_OPERATIONS) for _ in range(size - 1)]
        items, clock = _turn_calls(project, cid, trace, operations, clock, rng)
        clock += int(rng.expovariate(1 / 5_000_000)) + 500_000
        yield from items


def _feedback(project: str, cid: str, index: int, rng: random.Random) -> list[dict[str, Any]]:
    from weave_widgets.client._endpoints import agent_feedback

    reqs = []
    if index % 10 == 0:
        trace = _uuid(random.Random(f"{cid}-first-turn"))
        reqs.append(agent_feedback(project, cid, trace, tags=["👍"]))
    if index % 20 == 0:
        ratings = {"helpfulness": round(rng.random(), 3)}
        reqs.append(agent_feedback(project, cid, ratings=ratings, reasons={"helpfulness": "ok"}))
    return [r.model_dump(mode="json", exclude_none=True) for r in reqs]


def _write(url: str, n_conversations: int, n_spans: int, seed: int) -> None:
    project = project_id(n_conversations, n_spans, seed)
    ids = conversation_ids(n_conversations, seed)
    items: list[Any] = []
    feedback: list[dict[str, Any]] = []
    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=url, timeout=600, headers=headers) as http:

        def flush() -> None:
            if items:
                res = http.post("/call/upsert_batch", content=orjson.dumps({"batch": items}))
                res.raise_for_status()
                items.clear()

        for index, cid in enumerate(ids):
            # the first turn's trace id is drawn first from a per-conversation generator
            rng = random.Random(f"{cid}-first-turn")
            items.extend(_conversation(project, cid, n_spans, index, rng))
            feedback.extend(_feedback(project, cid, index, random.Random(f"{cid}-{seed}")))
            if len(items) >= 2 * BATCH_SPANS:
                flush()
        flush()
        for start in range(0, len(feedback), 1_000):
            res = http.post(
                "/feedback/batch/create",
                content=orjson.dumps({"batch": feedback[start : start + 1_000]}),
            )
            res.raise_for_status()


def _migrated(path: Path) -> Path:
    """``path`` brought up to the store's schema here, before a server opens it: the store
    migrates a file written by an earlier version on open, which for the larger cached sets
    takes longer than the server's start deadline."""
    from weave_widgets.server.store import Store

    Store(path).close()
    return path


def seeded_db(n_conversations: int, n_spans: int, seed: int = 0) -> Path:
    """The SQLite file holding this size's data, seeded on first use and cached after."""
    path = cache_dir() / f"c{n_conversations}-s{n_spans}-seed{seed}-v{SEED_VERSION}.db"
    if path.exists():
        return _migrated(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix="seeding-", dir=path.parent)) / "local.db"
    with server(partial) as url:
        _write(url, n_conversations, n_spans, seed)
    os.replace(partial, path)
    for leftover in partial.parent.iterdir():
        leftover.unlink()
    partial.parent.rmdir()
    return path


_SERVE = """
import sys, uvicorn
from weave_widgets.server.app import create_app
uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read_through(path: Path) -> None:
    """Read ``path`` once, so the server starts on a file in the page cache. This machine
    reclaims the cache of files not read for a few minutes: on a cold 20,000x50 file the same
    fetch took 13.0 s against 3.4 s warm (and the SDK's 50 s against 38 s), a measure of the
    disk, not of the code. A user's database after ingesting is in the cache anyway."""
    with path.open("rb", buffering=0) as file:
        while file.read(16 << 20):
            pass


@contextlib.contextmanager
def server(db_path: Path) -> Iterator[str]:
    """The local server app (as ``weave-widgets serve`` runs it, minus the per-request access
    log) on ``db_path`` (read through first, see :func:`_read_through`) in a subprocess;
    yields its URL."""
    if db_path.exists():
        _read_through(db_path)
    port = _free_port()
    proc = subprocess.Popen(
        [PYTHON, "-c", _SERVE, str(db_path), str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"weave-widgets serve exited early:\n{err[-2000:]}")
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"weave-widgets serve did not answer on {url}")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@functools.lru_cache(maxsize=2)
def load(n_conversations: int, n_spans: int, seed: int = 0) -> Any:
    """The seeded conversations as ``ConversationData``, fetched with this client."""
    from weave_widgets.client import WeaveClient

    db = seeded_db(n_conversations, n_spans, seed)
    project = project_id(n_conversations, n_spans, seed)
    with server(db) as url, WeaveClient(project, url=url, progress=False) as client:
        return client.conversation_spans(conversation_ids(n_conversations, seed))


def scaled_db(n_conversations: int, n_spans: int, seed: int, base: int) -> Path:
    """The ``n_conversations`` set as copies of the seeded ``base`` set (cached like it).

    Seeding five million spans through HTTP would take most of an hour on this machine, so
    copy ``k`` of the base conversations is written in SQLite: conversation ``i`` becomes
    ``i + k * base``, and its span, trace and feedback ids get the suffix ``-k``; the spans,
    statuses, durations and feedback are otherwise the base set's. The rows keep the base
    set's project (``scaled_project``): renaming five million rows' key would rewrite every
    index."""
    if n_conversations % base:
        raise ValueError(f"{n_conversations} is not a multiple of {base}")
    path = cache_dir() / f"c{n_conversations}-s{n_spans}-seed{seed}-x{base}-v{SEED_VERSION}.db"
    if path.exists():
        return _migrated(path)
    source = seeded_db(base, n_spans, seed)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(partial) as dst:
        src.backup(dst)
    old = project_id(base, n_spans, seed)
    prefix = f"conv-{seed}-"
    number = f"CAST(substr(conversation_id, {len(prefix) + 1}) AS INTEGER)"
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size = -2000000")  # 2 GB: the indexes stay in memory
    conn.execute("BEGIN")
    last = {
        t: conn.execute(f"SELECT max(rowid) FROM {t}").fetchone()[0] for t in ("spans", "feedback")
    }
    for k in range(1, n_conversations // base):
        cid = f"'{prefix}' || printf('%06d', {number} + {k * base})"
        conn.execute(
            f"INSERT INTO spans SELECT project_id, span_id || '-{k}', trace_id || '-{k}', "
            f"parent_id || '-{k}', {cid}, operation_name, op_name, agent_name, started_at, "
            "ended_at, status, exception, source, start_json, end_json FROM spans "
            "WHERE project_id = ? AND rowid <= ?",
            (old, last["spans"]),
        )
        conn.execute(
            f"INSERT INTO feedback SELECT id || '-{k}', project_id, weave_ref, feedback_type, "
            f"created_at, wb_user_id, {cid}, trace_id || '-{k}', "
            f"CASE WHEN trace_id IS NULL THEN marker "
            f"ELSE replace(marker, trace_id, trace_id || '-{k}') END, body FROM feedback "
            "WHERE project_id = ? AND rowid <= ?",
            (old, last["feedback"] or 0),
        )
    conn.execute("COMMIT")
    conn.close()
    os.replace(partial, path)
    return path


def scaled_project(n_conversations: int, n_spans: int, seed: int, base: int) -> str:
    """The project holding the ``scaled_db`` set: the base set's."""
    return project_id(base, n_spans, seed)
