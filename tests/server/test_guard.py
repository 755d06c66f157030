"""``weave_widgets.server.guard``: the optional API key and the request body size limit."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from weave_widgets.server import embedded
from weave_widgets.server.guard import MAX_BODY_BYTES

KEY = "s3cret-key-do-not-echo"


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = embedded.serve(tmp_path_factory.mktemp("keyed") / "db.sqlite", api_key=KEY)
    yield url
    embedded.stop(url)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


SPANS = {"project_id": "e/p", "conversation_ids": ["c"]}


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        (basic("api", KEY), 200),
        (f"Bearer {KEY}", 200),
        (basic("api", "wrong"), 401),
        (basic("someone", KEY), 401),
        ("Bearer wrong", 401),
        ("Basic not-base64!", 401),
        (KEY, 401),
    ],
)
def test_key_required(keyed_server: str, header: str | None, status: int) -> None:
    headers = {"authorization": header} if header else {}
    res = httpx.post(f"{keyed_server}/agents/conversations/spans", json=SPANS, headers=headers)
    assert res.status_code == status
    if status == 401:
        assert "Authorization" in res.json()["reason"]
        assert KEY not in res.text


def test_health_and_unauthorised_bad_bodies(keyed_server: str) -> None:
    assert httpx.get(f"{keyed_server}/health").json() == {"status": "ok"}
    res = httpx.post(f"{keyed_server}/call/start", content=b"{not json")
    assert res.status_code == 401
    assert httpx.get(f"{keyed_server}/openapi.json").status_code == 401


def test_the_weave_sdk_header_is_accepted(keyed_server: str) -> None:
    from weave.trace_server_bindings.remote_http_trace_server import RemoteHTTPTraceServer

    server = RemoteHTTPTraceServer(keyed_server)
    server.set_auth(("api", KEY))
    res = server.agent_conversation_spans(SPANS)
    assert [c.conversation_id for c in res.conversations] == ["c"]


def test_body_over_limit_is_413(local_server: str) -> None:
    big = b"[" + b"0," * (MAX_BODY_BYTES // 2) + b"0]"
    res = httpx.post(f"{local_server}/call/upsert_batch", content=big, timeout=60)
    assert res.status_code == 413
    assert "MiB" in res.json()["reason"]


def test_streamed_body_over_limit_is_413(local_server: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // (1 << 20) + 2):
            yield b" " * (1 << 20)

    res = httpx.post(f"{local_server}/call/upsert_batch", content=chunks(), timeout=60)
    assert res.status_code == 413
