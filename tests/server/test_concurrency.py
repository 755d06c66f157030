"""Concurrent writers over loopback HTTP lose nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from server_api import Api, at

THREADS = 8
CALLS = 500
PER_CONVERSATION = 100


def writer(url: str, project_id: str, worker: int) -> list[str]:
    ids = []
    with httpx.Client(base_url=url, timeout=60) as http:
        for n in range(CALLS):
            start = {
                "project_id": project_id,
                "op_name": "chat",
                "thread_id": f"w{worker}-c{n // PER_CONVERSATION}",
                "started_at": at(n),
                "attributes": {},
                "inputs": {},
            }
            res = http.post("/call/start", json={"start": start})
            res.raise_for_status()
            ids.append(res.json()["id"])
        ends = [
            {
                "mode": "end",
                "req": {
                    "end": {"project_id": project_id, "id": i, "ended_at": at(n + 1), "summary": {}}
                },
            }
            for n, i in enumerate(ids)
        ]
        http.post("/call/upsert_batch", json={"batch": ends}).raise_for_status()
    return ids


def test_eight_threads_of_five_hundred_calls(local_server: str, api: Api) -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda w: writer(local_server, api.project_id, w), range(THREADS)))
    written = {i for ids in results for i in ids}
    assert len(written) == THREADS * CALLS
    conversations = [f"w{w}-c{c}" for w in range(THREADS) for c in range(CALLS // PER_CONVERSATION)]
    res = api.spans(conversations)["conversations"]
    stored = {s["span_id"] for entry in res for s in entry["spans"]}
    assert stored == written
    assert {s["status"] for entry in res for s in entry["spans"]} == {"OK"}
    assert {s["duration_ms"] for entry in res for s in entry["spans"]} == {1000}
