"""The local server: ``/agents/conversations/spans`` latency and ``/call/start`` throughput.

The server runs as a subprocess; one keep-alive ``httpx`` client sends requests one after
another. Baselines, measured in the same run:

- spans latency against the floor of the same work without HTTP:
  ``Store.conversation_entries_json`` for all the ids at once, joined into the chunks the
  route sends, in this process, on the same file and ids;
- ``/call/start`` against ``GET /health`` on the same server and connection (the cost of the
  HTTP stack alone).
"""

from __future__ import annotations

import datetime
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.common import Row, Sizes, ms, percentile, rate
from bench.seed import conversation_ids, project_id, seeded_db, server

JSON = {"Content-Type": "application/json"}


def _latencies(send: Callable[[], Any], count: int) -> list[float]:
    send()  # warm the connection and the page cache
    out = []
    for _ in range(count):
        start = time.perf_counter()
        send()
        out.append(time.perf_counter() - start)
    return out


def _summary(values: list[float]) -> str:
    return f"p50 {ms(percentile(values, 50))}, p99 {ms(percentile(values, 99))}"


def spans_rows(sizes: Sizes, seed: int = 0) -> list[Row]:
    """Latency of ``/agents/conversations/spans`` for each id count."""
    from weave_widgets.server.routing import json_chunks
    from weave_widgets.server.store import MAX_TIME, MIN_TIME, Store

    n_conv, n_spans = sizes.server_data
    db = seeded_db(n_conv, n_spans, seed)
    project = project_id(n_conv, n_spans, seed)
    all_ids = conversation_ids(n_conv, seed)
    store = Store(db)
    out = []
    with server(db) as url, httpx.Client(base_url=url, headers=JSON, timeout=600) as http:
        for n_ids, count in zip(sizes.server_ids, sizes.server_requests, strict=True):
            ids = all_ids[:: max(1, len(all_ids) // n_ids)][:n_ids]
            body = orjson.dumps({"project_id": project, "conversation_ids": ids})

            def over_http(body: bytes = body) -> None:
                http.post("/agents/conversations/spans", content=body).raise_for_status()

            def in_process(ids: list[str] = ids) -> None:
                list(json_chunks(store.conversation_entries_json(project, ids, MIN_TIME, MAX_TIME)))

            served = _latencies(over_http, count)
            floor = _latencies(in_process, count)
            out.append(
                Row(
                    "server",
                    f"spans {n_ids:,} ids ({n_ids * n_spans:,} spans), n={count}",
                    _summary(served),
                    _summary(floor),
                    percentile(floor, 50) / percentile(served, 50),
                    "",
                    None,
                    "baseline: the same answer chunks in-process, no HTTP; ratio = share of it",
                )
            )
    store.close()
    return out


def _start_body(project: str, index: int) -> bytes:
    now = datetime.datetime.now(datetime.UTC).isoformat()
    start = {
        "project_id": project,
        "op_name": "chat",
        "thread_id": f"conv-{index // 50}",
        "started_at": now,
        "attributes": {"gen_ai.operation.name": "chat"},
        "inputs": {"messages": [{"role": "user", "content": "hello"}]},
    }
    return orjson.dumps({"start": start})


def call_start_rows(sizes: Sizes) -> list[Row]:
    """``/call/start`` calls one after another on one keep-alive connection."""
    count = sizes.call_starts
    project = "bench/call-start"
    bodies = [_start_body(project, i) for i in range(count + 1)]
    with (
        tempfile.TemporaryDirectory(prefix="bench-call-start-") as tmp,
        server(Path(tmp) / "local.db") as url,
        httpx.Client(base_url=url, headers=JSON, timeout=60) as http,
    ):
        sent = iter(bodies)

        def start() -> None:
            http.post("/call/start", content=next(sent)).raise_for_status()

        def health() -> None:
            http.get("/health").raise_for_status()

        starts = _latencies(start, count)
        floor = _latencies(health, count)
    return [
        Row(
            "server",
            f"/call/start x{count:,} (one keep-alive client)",
            f"{rate(count, sum(starts), 'calls')}; {_summary(starts)}",
            f"{rate(count, sum(floor), 'req')}; {_summary(floor)}",
            sum(floor) / sum(starts),
            "",
            None,
            "baseline: GET /health on the same connection; ratio = share of its rate",
        )
    ]


def rows(sizes: Sizes, seed: int = 0) -> list[Row]:
    return spans_rows(sizes, seed) + call_start_rows(sizes)
