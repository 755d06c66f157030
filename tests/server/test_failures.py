"""``weave_widgets.server.failures``: every failure is JSON with a reason, on a connection that
stays open: a full database (507), an unexpected exception (500), a body over the limit on
any route and however it is sent (413)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from wire import KeepAlive

from weave_widgets.client import WeaveClient
from weave_widgets.errors import ServerError
from weave_widgets.server import embedded
from weave_widgets.server.app import create_app
from weave_widgets.server.guard import MAX_BODY_BYTES

PROJECT = "failures/full"
PAD = "x" * 20_000


def start(sid: str, pad: str = PAD, conversation: str = "conv") -> dict[str, Any]:
    return {
        "start": {
            "project_id": PROJECT,
            "id": sid,
            "trace_id": f"{sid}~t",
            "thread_id": conversation,
            "op_name": "chat",
            "started_at": "2026-03-01T12:00:00Z",
            "attributes": {"pad": pad},
            "inputs": {},
        }
    }


def end(sid: str, pad: str = PAD) -> dict[str, Any]:
    return {
        "end": {
            "project_id": PROJECT,
            "id": sid,
            "ended_at": "2026-03-01T12:00:01Z",
            "summary": {},
            "output": pad,
        }
    }


def writes(n: int) -> list[tuple[str, dict[str, str], Any]]:
    """One large write per write endpoint (``n`` keeps ids fresh)."""
    feedback = {
        "project_id": PROJECT,
        "weave_ref": f"weave:///{PROJECT}/agent_conversation/conv",
        "feedback_type": "wandb.agent_user_feedback",
        "scorer_tags": [PAD],
    }
    otlp = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": f"{n:032x}",
                                "spanId": f"{n:016x}",
                                "name": PAD,
                                "startTimeUnixNano": "1772366400000000000",
                            }
                        ]
                    }
                ]
            }
        ]
    }
    return [
        ("/call/start", {}, start(f"new-{n}")),
        ("/call/end", {}, end("base-0")),
        ("/call/upsert_batch", {}, {"batch": [{"mode": "start", "req": start(f"b-{n}")}]}),
        ("/feedback/create", {}, {**feedback, "id": f"f-{n}"}),
        ("/feedback/batch/create", {}, {"batch": [{**feedback, "id": f"fb-{n}"}]}),
        ("/otel/v1/traces", {"project_id": PROJECT}, otlp),
    ]


@pytest.fixture
def full_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    db = tmp_path / "full.db"
    url = embedded.serve(db)
    yield url, db
    embedded.stop(url)


def post(conn: KeepAlive, path: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    headers = {"content-type": "application/json", **headers}
    status, _, raw = conn.request("POST", path, orjson.dumps(body), headers)
    return status, orjson.loads(raw)


def test_a_full_database_is_507_with_a_reason_keeps_the_connection_and_loses_nothing(
    full_server: tuple[str, Path],
) -> None:
    url, db = full_server
    store = embedded.app_of(url).state.store
    read = {"project_id": PROJECT, "conversation_ids": ["conv"]}
    with KeepAlive(url) as conn:
        assert post(conn, "/call/start", start("base-0", "small"), {})[0] == 200
        before = post(conn, "/agents/conversations/spans", read, {})
        pages = sqlite3.connect(db).execute("PRAGMA page_count").fetchone()[0]
        store.limit_pages(pages + 2)  # the test hook: the database cannot grow past this
        for path, headers, body in writes(1):
            status, answer = post(conn, path, body, headers)
            assert status == 507, (path, answer)
            assert "storage is full" in answer["reason"]
            assert "nothing of this request was stored" in answer["reason"]
            assert conn.request("GET", "/health")[0] == 200  # the same connection, still open
        assert post(conn, "/agents/conversations/spans", read, {}) == before
        client = WeaveClient(PROJECT, url=url, max_retries=0)
        with client, pytest.raises(ServerError) as info:
            client.call_start(start("client-1")["start"])
        assert info.value.status == 507
        assert "storage is full" in str(info.value)
        store.limit_pages(None)  # space freed: the same writes now succeed
        for path, headers, body in writes(2):
            assert post(conn, path, body, headers)[0] == 200, path
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.fixture(scope="module")
def failing_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app plus routes that fail as no route of it should: the net under all."""
    app = create_app(tmp_path_factory.mktemp("failing") / "db.sqlite")

    def sync_failure() -> None:
        raise RuntimeError("an internal detail that stays in the log")

    async def async_failure() -> None:
        raise KeyError("a key")

    def unserialisable() -> Any:
        return {"value": object()}

    app.add_api_route("/fail/sync", sync_failure, methods=["POST"])
    app.add_api_route("/fail/async", async_failure, methods=["POST"])
    app.add_api_route("/fail/serialise", unserialisable, methods=["POST"])
    url = embedded.serve_app(app)
    yield url
    embedded.stop(url)


@pytest.mark.parametrize("path", ["/fail/sync", "/fail/async", "/fail/serialise"])
def test_an_unexpected_exception_is_a_json_500_and_the_connection_stays_open(
    failing_app_url: str, path: str
) -> None:
    with KeepAlive(failing_app_url) as conn:
        for _ in range(2):
            status, headers, raw = conn.request("POST", path)
            assert status == 500
            assert headers["content-type"] == "application/json"
            reason = orjson.loads(raw)["reason"]
            assert reason.startswith("the server failed (")
            assert "internal detail" not in reason
            assert conn.request("GET", "/health")[0] == 200


@pytest.mark.parametrize("path", ["/otel/v1/traces", "/call/upsert_batch", "/feedback/create"])
def test_a_chunked_body_over_the_limit_is_413_on_every_route(local_server: str, path: str) -> None:
    """Streamed without a Content-Length, the bytes are counted as they arrive; the route
    never acts on the cut-off body."""

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // (1 << 20) + 2):
            yield b" " * (1 << 20)

    headers = {"project_id": "e/p", "content-type": "application/x-protobuf"}
    with httpx.Client(base_url=local_server, timeout=60) as client:
        res = client.post(path, content=chunks(), headers=headers)
        assert res.status_code == 413
        assert "MiB" in res.json()["reason"]
        assert client.get("/health").status_code == 200
