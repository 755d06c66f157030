"""OTLP ingest: protobuf export requests into the local server, against inserting the same rows
straight into SQLite.

The requests are the demo's conversations (``weave_widgets.demo``: OTel GenAI spans with their
messages, tools and subagents) cut as the OTel ``BatchSpanProcessor`` sends them (about 512
spans per request, whole turns), built and serialised before the clock starts. One keep-alive
client posts them one after another to ``/agents/otel/v1/traces`` of a server subprocess on an
empty database. The baseline inserts the same rows (decoded once, outside the clock) into an
empty database with the store's schema and its writing connection's settings
(``store.connect`` and ``store.WRITER_PRAGMAS``): one ``executemany`` per request, one
transaction each, on one thread, with SQLite's own checkpoints: the cost of the inserting alone.
The server decodes while a second thread inserts and a third checkpoints, so on two cores its
rate is not bounded by this one.
"""

from __future__ import annotations

import datetime
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import Row, Sizes, rate
from bench.seed import server

TARGET_RATE = 50_000.0
"""Spans per second the issue asks of protobuf ingest."""
ROUNDS = 3
"""Runs of each side, alternating; the row shows the medians (one run of each swung by a
third from one bench run to the next on this machine)."""
PROJECT = "bench/otlp-ingest"
PROTOBUF = {"Content-Type": "application/x-protobuf", "project_id": PROJECT}


def requests(n_spans: int) -> list[bytes]:
    """Serialised export requests holding at least ``n_spans`` demo spans."""
    from weave_widgets.demo._generator import demo_conversation, export_requests

    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

    def conversations() -> Any:
        index = 0
        while True:
            yield demo_conversation(PROJECT, index, seed=0, now=when)
            index += 1

    out: list[bytes] = []
    total = 0
    for request in export_requests(conversations()):
        out.append(request.SerializeToString())
        total += sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
        if total >= n_spans:
            break
    return out


def _span_count(bodies: list[bytes]) -> int:
    from weave_widgets.server import otlp_spans

    return sum(len(otlp_spans.decode(b, "application/x-protobuf", PROJECT)) for b in bodies)


def over_http(bodies: list[bytes]) -> float:
    """Seconds to post every request to a fresh server (one keep-alive client)."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp,
        server(Path(tmp) / "local.db") as url,
        httpx.Client(base_url=url, headers=PROTOBUF, timeout=120) as http,
    ):
        http.post("/agents/otel/v1/traces", content=bodies[0]).raise_for_status()  # warm-up
        start = time.perf_counter()
        for body in bodies:
            http.post("/agents/otel/v1/traces", content=body).raise_for_status()
        return time.perf_counter() - start


def straight_into_sqlite(bodies: list[bytes]) -> float:
    """Seconds to insert the same rows into an empty database with the store's schema."""
    from weave_widgets.server import otlp_spans
    from weave_widgets.server.store import _SCHEMA, _UPSERT_SPAN, WRITER_PRAGMAS, connect

    batches = [otlp_spans.decode(b, "application/x-protobuf", PROJECT) for b in bodies]
    with tempfile.TemporaryDirectory(prefix="bench-ingest-sqlite-") as tmp:
        conn = connect(str(Path(tmp) / "local.db"))
        for pragma in WRITER_PRAGMAS:
            conn.execute(pragma)
        conn.executescript(_SCHEMA)
        start = time.perf_counter()
        for rows in batches:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_UPSERT_SPAN, rows)
            conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        conn.close()
    return seconds


def rows(sizes: Sizes, seed: int = 0) -> list[Row]:
    """Protobuf ingest rate over HTTP, and its share of the straight-into-SQLite rate."""
    bodies = requests(sizes.ingest_spans)
    n_spans = _span_count(bodies)
    served_runs, floor_runs = [], []
    for _ in range(ROUNDS):  # alternating, so a slower spell of the machine hits both sides
        served_runs.append(over_http(bodies))
        floor_runs.append(straight_into_sqlite(bodies))
    served, floor = statistics.median(served_runs), statistics.median(floor_runs)
    ours_rate = n_spans / served
    size = sum(map(len, bodies)) / len(bodies) / 1024
    return [
        Row(
            "ingest",
            f"OTLP protobuf, {n_spans:,} spans in {len(bodies)} requests (~{size:,.0f} KiB), "
            f"median of {ROUNDS}",
            rate(n_spans, served, "spans"),
            f"{rate(n_spans, floor, 'spans')} straight into SQLite",
            floor / served,
            ">= 50 k spans/s",
            ours_rate >= TARGET_RATE,
            "ratio = share of the straight-into-SQLite rate; the target is on the rate",
        )
    ]
