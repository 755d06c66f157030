"""Fetch + frame: this client's ``conversation_spans`` against the official Weave SDK.

The baseline is what a user of the ``weave`` package (0.54) would write:
``RemoteHTTPTraceServer.agent_conversation_spans`` for batches of 10,000 ids, then a list of
dicts per span into ``pd.DataFrame`` and the same derived columns with plain pandas idioms
(plus a feedback frame, so both sides build spans and feedback). Each approach runs in its own
subprocess against the same local server subprocess, so time and peak RSS are its own.

The parse rows time the client side only: the same response bytes answered by an in-memory
transport, parsed and framed by each approach, against ``orjson.loads`` of those bytes (the
fastest anyone can turn them into Python objects).

Run one worker by hand: ``python -m bench.fetch ours|sdk|parse URL N_CONV N_SPANS SEED REPEATS``
(``REPEATS`` only matters for ``parse``).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import (
    Row,
    Sizes,
    faster,
    median_time,
    mib,
    ms,
    peak_rss,
    rate,
    reset_peak_rss,
    run_worker,
)
from bench.seed import conversation_ids, project_id, seeded_db, server

SDK_BATCH = 10_000
TARGET_SPEEDUP = 8.0
TARGET_MEMORY = 3.0
"""Peak memory growth at most 1/3 of the SDK's."""
TARGET_PARSE = 0.6
"""Share of the ``orjson.loads`` rate the bytes -> frames path must reach."""
TARGET_FETCH = 0.8
"""Share of the rate of downloading the body plus ``orjson.loads`` the whole fetch must reach."""
TARGET_SIZE = (20_000, 50)


def fetch_ours(url: str, project: str, ids: Sequence[str]) -> Any:
    """This client: ids in, ``ConversationData`` out."""
    from weave_widgets.client import WeaveClient

    with WeaveClient(project, url=url, progress=False) as client:
        return client.conversation_spans(ids)


def naive_frames(conversations: Sequence[Any]) -> tuple[Any, Any]:
    """Spans and feedback DataFrames from SDK response objects, the straightforward way."""
    import pandas as pd

    from weave_widgets.data._frames import CATEGORY_DTYPE, STATUS_DTYPE
    from weave_widgets.palette import OPERATION_CATEGORIES

    rows = [
        {
            "conversation_id": conv.conversation_id,
            "trace_id": span.trace_id,
            "span_id": span.span_id,
            "operation_name": span.operation_name,
            "status": span.status,
            "duration_ms": span.duration_ms,
        }
        for conv in conversations
        for span in conv.spans
    ]
    spans = pd.DataFrame(rows)
    if not spans.empty:
        spans["span_index"] = spans.groupby("conversation_id", sort=False).cumcount()
        turns = spans.drop_duplicates(["conversation_id", "trace_id"])[
            ["conversation_id", "trace_id"]
        ]
        turns = turns.assign(turn_index=turns.groupby("conversation_id", sort=False).cumcount())
        spans = spans.merge(turns, on=["conversation_id", "trace_id"], how="left")
        category = spans["operation_name"].map(OPERATION_CATEGORIES).fillna("other")
        spans["category"] = category.astype(CATEGORY_DTYPE)
        spans["status"] = spans["status"].astype(STATUS_DTYPE)
    feedback = pd.DataFrame(
        [
            {
                "conversation_id": conv.conversation_id,
                "trace_id": marker.trace_id,
                "feedback_type": marker.feedback_type,
                "tags": list(marker.tags or []),
                "ratings": [r.to_dict() for r in marker.ratings or []],
            }
            for conv in conversations
            for marker in conv.spans_feedback or []
        ]
    )
    return spans, feedback


def fetch_sdk(url: str, project: str, ids: Sequence[str]) -> Any:
    """The official SDK: batches of 10,000 ids, then ``naive_frames``."""
    from weave.trace_server_bindings.remote_http_trace_server import RemoteHTTPTraceServer

    sdk = RemoteHTTPTraceServer(url)
    conversations: list[Any] = []
    for start in range(0, len(ids), SDK_BATCH):
        req = {"project_id": project, "conversation_ids": list(ids[start : start + SDK_BATCH])}
        conversations.extend(sdk.agent_conversation_spans(req).conversations)  # type: ignore[arg-type]
    return naive_frames(conversations)


APPROACHES: dict[str, Callable[[str, str, Sequence[str]], Any]] = {
    "ours": fetch_ours,
    "sdk": fetch_sdk,
}


# --- the client-side parse only -------------------------------------------------------------


def _mock_http(body: bytes) -> Any:
    import httpx

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    return httpx.Client(transport=httpx.MockTransport(answer), base_url="http://bench.invalid")


def parse_times(url: str, project: str, ids: Sequence[str], repeats: int) -> dict[str, float]:
    """Seconds to turn one response body (at most 10,000 ids) into frames, per approach."""
    import httpx
    import orjson
    from weave.trace_server_bindings.remote_http_trace_server import RemoteHTTPTraceServer

    from weave_widgets.client import WeaveClient

    batch = list(ids[:SDK_BATCH])
    req = {"project_id": project, "conversation_ids": batch}
    body = httpx.post(url + "/agents/conversations/spans", json=req, timeout=600).content

    client = WeaveClient(project, url="http://bench.invalid", progress=False)
    client._http = _mock_http(body)
    sdk = RemoteHTTPTraceServer("http://bench.invalid")
    sdk._stainless_client = sdk._stainless_client.copy(http_client=_mock_http(body))

    def sdk_parse() -> None:
        naive_frames(sdk.agent_conversation_spans(req).conversations)  # type: ignore[arg-type]

    raw = httpx.Client(base_url=url, timeout=600)
    fetching = WeaveClient(project, url=url, progress=False)
    payload = orjson.dumps(req)

    def download_and_loads() -> None:
        headers = {"Content-Type": "application/json"}
        orjson.loads(
            raw.post("/agents/conversations/spans", content=payload, headers=headers).content
        )

    # Each approach's first call pays one-time set-up (imports, Arrow's JSON reader, pandas'
    # Arrow types), kept outside the clock as the fetch rows do; the two fast paths are timed
    # at least three times (the SDK's 15-30 s parse, `repeats` times).
    client.conversation_spans(batch)
    fast_repeats = max(3, repeats)
    times = {
        "bytes": float(len(body)),
        "orjson": median_time(lambda: orjson.loads(body), fast_repeats),
        "ours": median_time(lambda: client.conversation_spans(batch), fast_repeats),
        "sdk": median_time(sdk_parse, repeats),
    }
    fetches: dict[str, list[float]] = {"fetch_raw": [], "fetch_ours": []}
    download_and_loads()
    fetching.conversation_spans(batch)
    for _ in range(fast_repeats):  # alternating, so both see the same server and machine
        fetches["fetch_raw"].append(median_time(download_and_loads, 1))
        fetches["fetch_ours"].append(median_time(lambda: fetching.conversation_spans(batch), 1))
    raw.close()
    fetching.close()
    return times | {key: statistics.median(values) for key, values in fetches.items()}


# --- workers and rows -----------------------------------------------------------------------


def worker(argv: Sequence[str]) -> dict[str, Any]:
    """One fetch by one approach in this process: its time and peak RSS."""
    approach, url, n_conv, n_spans, seed, repeats = argv
    ids = conversation_ids(int(n_conv), int(seed))
    project = project_id(int(n_conv), int(n_spans), int(seed))
    if approach == "parse":
        return parse_times(url, project, ids, int(repeats))
    fetch = APPROACHES[approach]
    fetch(url, project, ids[:2])  # imports and first-call set-up, outside the measurement
    base = reset_peak_rss()
    start = time.perf_counter()
    fetch(url, project, ids)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "base_rss": base, "peak_rss": peak_rss()}


def _run(approach: str, url: str, size: tuple[int, int], seed: int, repeats: int = 1) -> Any:
    args = (approach, url, str(size[0]), str(size[1]), str(seed), str(repeats))
    return json.loads(run_worker("bench.fetch", *args))


def _side_by_side(url: str, size: tuple[int, int], seed: int, repeats: int) -> list[Any]:
    """Both approaches, alternating, one fresh process per fetch; medians of time and RSS."""
    runs: dict[str, list[Any]] = {"ours": [], "sdk": []}
    for _ in range(repeats):
        for approach, results in runs.items():
            results.append(_run(approach, url, size, seed))
    return [
        {key: statistics.median(r[key] for r in results) for key in results[0]}
        for results in runs.values()
    ]


def repeats_for(size: tuple[int, int], repeats: int) -> int:
    """Fewer repeats for big sizes: the CPU is shared."""
    return max(1, min(repeats, 2_000_000 // (size[0] * size[1] * 2)))


def rows(sizes: Sizes, seed: int = 0) -> list[Row]:
    """Fetch + frame at every size, then the parse share at the largest."""
    out: list[Row] = []
    parse: dict[str, float] = {}
    for size in sizes.fetch:
        n_spans = size[0] * size[1]
        repeats = repeats_for(size, sizes.repeats)
        with server(seeded_db(*size, seed)) as url:
            ours, sdk = _side_by_side(url, size, seed, repeats)
            if size == sizes.fetch[-1]:
                parse = _run("parse", url, size, seed, repeats)
        speedup = faster(ours["seconds"], sdk["seconds"])
        graded = size == TARGET_SIZE
        case = f"{size[0]:,}x{size[1]}"
        out.append(
            Row(
                "fetch+frame",
                f"{case} time",
                f"{ms(ours['seconds'])} ({rate(n_spans, ours['seconds'], 'spans')})",
                f"{ms(sdk['seconds'])} ({rate(n_spans, sdk['seconds'], 'spans')})",
                speedup,
                ">= 8x faster" if graded else "",
                speedup >= TARGET_SPEEDUP if graded else None,
                "vs weave SDK + naive pandas; both include server time",
            )
        )
        ours_mem = ours["peak_rss"] - ours["base_rss"]
        sdk_mem = sdk["peak_rss"] - sdk["base_rss"]
        out.append(
            Row(
                "fetch+frame",
                f"{case} peak RSS",
                f"+{mib(ours_mem)} (peak {mib(ours['peak_rss'])})",
                f"+{mib(sdk_mem)} (peak {mib(sdk['peak_rss'])})",
                sdk_mem / ours_mem if ours_mem > 0 else float("inf"),
                "<= 1/3 of baseline" if graded else "",
                ours_mem * TARGET_MEMORY <= sdk_mem if graded else None,
                "growth over the process's RSS after imports",
            )
        )
    n_bytes = parse["bytes"]
    for name, label in (("ours", "ours"), ("sdk", "weave SDK")):
        share = parse["orjson"] / parse[name]
        graded = name == "ours" and sizes.fetch[-1] == TARGET_SIZE
        out.append(
            Row(
                "parse",
                f"{label}: bytes -> frames",
                f"{ms(parse[name])} ({n_bytes / parse[name] / 2**20:,.0f} MiB/s)",
                f"{ms(parse['orjson'])} ({n_bytes / parse['orjson'] / 2**20:,.0f} MiB/s)",
                share,
                ">= 0.6x" if graded else "",
                share >= TARGET_PARSE if graded else None,
                f"share of orjson.loads rate on the same {mib(n_bytes)} body (the limit)",
            )
        )
    share = parse["fetch_raw"] / parse["fetch_ours"]
    graded = sizes.fetch[-1] == TARGET_SIZE
    out.append(
        Row(
            "parse",
            "whole fetch of that body: ours",
            f"{ms(parse['fetch_ours'])}",
            f"{ms(parse['fetch_raw'])} download + orjson.loads",
            share,
            ">= 0.8x" if graded else "",
            share >= TARGET_FETCH if graded else None,
            "same request to the same server, alternating; ratio = share of the baseline's rate",
        )
    )
    return out


if __name__ == "__main__":
    json.dump(worker(sys.argv[1:]), sys.stdout)
