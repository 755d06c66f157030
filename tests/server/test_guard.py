"""``weave_widgets.server.guard``: the Host check, the optional API key (never empty), the
refusal of exposed keyless binds, and the request body size limit."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wire import KeepAlive

from weave_widgets.server import embedded
from weave_widgets.server.app import create_app
from weave_widgets.server.guard import (
    MAX_BODY_BYTES,
    allowed_host_names,
    exposure_problem,
    host_name,
)

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


# --- Host: DNS rebinding ----------------------------------------------------------------------


def host_status(url: str, host: str) -> tuple[int, str]:
    """The status of ``GET /health`` and ``POST`` spans sent with ``Host: host``."""
    with KeepAlive(url, host=host) as conn:
        health, _, _ = conn.request("GET", "/health")
        status, _, body = conn.request(
            "POST",
            "/agents/conversations/spans",
            b'{"project_id": "e/p"}',
            {"content-type": "application/json"},
        )
    assert health == status
    return status, body.decode()


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST:6345", "localhost.", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:80"],
)
def test_loopback_names_are_served(local_server: str, host: str) -> None:
    assert host_status(local_server, host)[0] == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:6345",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "127.0.0.2",
        "[::2]",
        "0.0.0.0",
        "127.0.0.1:80@evil.example",
        "127.0.0.1:x",
        "[::1",
        "",
    ],
)
def test_other_hosts_are_421_with_a_reason(local_server: str, host: str) -> None:
    """A page on a rebinding domain sends its own name as Host; it gets nothing."""
    status, body = host_status(local_server, host)
    assert status == 421
    assert "not a name of this server" in body
    assert "--allowed-host" in body


@settings(max_examples=80, deadline=None, database=None)
@given(
    name=st.one_of(
        st.from_regex(r"[a-z0-9-]{1,12}(\.[a-z0-9-]{1,12}){0,3}", fullmatch=True),
        st.sampled_from(["localhost", "127.0.0.1", "[::1]", "LocalHost", "attacker.localhost"]),
    ),
    port=st.one_of(st.none(), st.integers(0, 65535)),
)
def test_a_host_is_served_exactly_when_it_names_this_server(name: str, port: int | None) -> None:
    allowed = allowed_host_names("127.0.0.1")
    assert allowed is not None
    header = name if port is None else f"{name}:{port}"
    assert (host_name(header) in allowed) == (name.lower().rstrip(".") in allowed)


def test_allowed_hosts_and_the_bound_address(tmp_path: Path) -> None:
    url = embedded.serve(tmp_path / "hosts.db", allowed_hosts=["trace.internal"])
    try:
        assert host_status(url, "trace.internal:8080")[0] == 200
        assert host_status(url, "other.internal")[0] == 421
    finally:
        embedded.stop(url)
    assert allowed_host_names("10.0.0.5") == {"localhost", "127.0.0.1", "[::1]", "10.0.0.5"}
    assert allowed_host_names("::1") == {"localhost", "127.0.0.1", "[::1]"}
    assert allowed_host_names("0.0.0.0") is None  # every interface: names unknown; key needed


# --- empty keys and exposed binds ----------------------------------------------------------------


@pytest.mark.parametrize("key", ["", " ", "\t\n"])
def test_an_empty_key_is_refused_not_read_as_no_auth(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="API key is empty"):
        create_app(tmp_path / "a.db", api_key=key)
    with pytest.raises(ValueError, match="API key is empty"):
        embedded.serve(tmp_path / "b.db", api_key=key)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com"])
def test_an_exposed_bind_without_a_key_is_refused(tmp_path: Path, host: str) -> None:
    """Refused before anything is bound."""
    with pytest.raises(ValueError, match="not a loopback address and no API key"):
        embedded.serve(tmp_path / "c.db", host=host)
    assert exposure_problem(host, "a-key") is None
    for loopback in ("127.0.0.1", "127.8.9.1", "::1", "localhost"):
        assert exposure_problem(loopback, None) is None
