"""Scaling: fetch + frame, payload and first paint at growing sizes (2,000, 20,000 and 100,000
conversations x 50 spans), each as cost per span, against the same cost at the smallest size.

A ratio of 1.00x means the cost per span is flat (linear growth); below 1 it grows faster than
the data. The fetch uses ``AsyncWeaveClient`` (batches of 10,000 ids, at most ``concurrency``
in flight) in a fresh subprocess per size, so its time and peak RSS are its own. The 100,000
set is five copies of the seeded 20,000 set with renamed ids (``bench.seed.scaled_db``). Above
``MAX_SPANS`` the widget refuses before encoding anything, so payload and paint are reported as
that refusal (and how long it took to say so).

Run one worker by hand: ``python -m bench.scaling URL PROJECT N_CONV N_SPANS SEED``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.common import Row, Sizes, mib, ms, peak_rss, reset_peak_rss, run_worker
from bench.seed import (
    conversation_ids,
    project_id,
    scaled_db,
    scaled_project,
    seeded_db,
    server,
)


def _db(size: tuple[int, int], seed: int, sizes: Sizes) -> tuple[Any, str]:
    """The seeded file of ``size`` and its project; the largest is copies of the one before."""
    if size == sizes.scaling[-1] and len(sizes.scaling) > 1:
        base = sizes.scaling[-2][0]
        return scaled_db(*size, seed, base), scaled_project(*size, seed, base)
    return seeded_db(*size, seed), project_id(*size, seed)


def worker(argv: Sequence[str]) -> dict[str, Any]:
    """One async fetch of every id in this process, then the widget's payload of it."""
    import asyncio

    from weave_widgets.client import AsyncWeaveClient
    from weave_widgets.minimap import _payload as payload
    from weave_widgets.minimap._widget import too_many_spans

    url, project, n_conv, _, seed = argv
    ids = conversation_ids(int(n_conv), int(seed))

    async def fetch(wanted: list[str]) -> Any:
        async with AsyncWeaveClient(project, url=url, progress=False) as client:
            return await client.conversation_spans(wanted)

    asyncio.run(fetch(ids[:2]))  # imports and first-call set-up, outside the measurement
    base = reset_peak_rss()
    start = time.perf_counter()
    data = asyncio.run(fetch(ids))
    seconds = time.perf_counter() - start
    grown = peak_rss() - base
    out: dict[str, Any] = {"seconds": seconds, "rss": grown, "spans": len(data.spans)}
    start = time.perf_counter()
    refusal = too_many_spans(data)
    if refusal is None:
        out["payload_bytes"] = len(payload.encode(data))
    out["payload_seconds"] = time.perf_counter() - start
    out["refusal"] = refusal
    return out


def _first_paint(db: Any, project: str, size: tuple[int, int], seed: int) -> float:
    """Seconds from data set to first full paint of the widget's page of this set."""
    from bench.browser import measure
    from weave_widgets.client import WeaveClient
    from weave_widgets.minimap._widget import ConversationMinimap

    with server(db) as url, WeaveClient(project, url=url, progress=False) as client:
        data = client.conversation_spans(conversation_ids(size[0], seed))
    page = ConversationMinimap(data).to_html()
    del data
    paint: float = measure(page, b'{"spans": []}')["first_paint_s"]
    return paint


def rows(sizes: Sizes, seed: int = 0) -> list[Row]:
    results: list[tuple[tuple[int, int], dict[str, Any]]] = []
    for size in sizes.scaling:
        db, project = _db(size, seed, sizes)
        with server(db) as url:
            args = (url, project, str(size[0]), str(size[1]), str(seed))
            found = json.loads(run_worker("bench.scaling", *args))
        found["paint"] = None if found["refusal"] else _first_paint(db, project, size, seed)
        results.append((size, found))
    small_size, small = results[0]
    n_small = small["spans"]
    out: list[Row] = []
    for size, found in results:
        n = found["spans"]
        case = f"{size[0]:,}x{size[1]}"
        per = found["seconds"] / n
        base_per = small["seconds"] / n_small
        batches = -(-size[0] // 10_000)
        out.append(
            Row(
                "scaling",
                f"fetch+frame {case} ({batches} batch{'es' if batches > 1 else ''}, async)",
                f"{ms(found['seconds'])} ({per * 1e6:,.2f} us/span)",
                f"{base_per * 1e6:,.2f} us/span at {small_size[0]:,}",
                base_per / per,
                "",
                None,
                "ratio = cost per span at the smallest size / here (1 = linear)",
            )
        )
        out.append(
            Row(
                "scaling",
                f"fetch+frame {case} peak RSS",
                f"+{mib(found['rss'])} ({found['rss'] / n:,.0f} B/span)",
                f"{small['rss'] / n_small:,.0f} B/span at {small_size[0]:,}",
                (small["rss"] / n_small) / (found["rss"] / n) if found["rss"] > 0 else 0.0,
                "",
                None,
                "growth of the process's RSS high-water mark during the fetch",
            )
        )
        if found["refusal"]:
            out.append(
                Row(
                    "scaling",
                    f"widget {case}",
                    f"refused in {ms(found['payload_seconds'])}, nothing sent",
                    "a message saying how to narrow the set",
                    1.0,
                    "",
                    None,
                    found["refusal"][:90] + "...",
                )
            )
            continue
        out.append(
            Row(
                "scaling",
                f"payload {case}",
                f"{found['payload_bytes'] / n:,.1f} B/span, "
                f"{found['payload_seconds'] / n * 1e9:,.0f} ns/span",
                f"{small['payload_bytes'] / n_small:,.1f} B/span, "
                f"{small['payload_seconds'] / n_small * 1e9:,.0f} ns/span at {small_size[0]:,}",
                (small["payload_seconds"] / n_small) / (found["payload_seconds"] / n),
                "",
                None,
                "ratio on encode time per span (bytes per span are flat by construction)",
            )
        )
        if found["paint"] is not None and small["paint"] is not None:
            out.append(
                Row(
                    "scaling",
                    f"first paint {case}",
                    f"{ms(found['paint'])} ({found['paint'] / n * 1e9:,.0f} ns/span)",
                    f"{small['paint'] / n_small * 1e9:,.0f} ns/span at {small_size[0]:,}",
                    (small["paint"] / n_small) / (found["paint"] / n),
                    "",
                    None,
                    "rows are virtualised: paint cost follows the visible rows, not the total",
                )
            )
    return out


if __name__ == "__main__":
    json.dump(worker(sys.argv[1:]), sys.stdout)
