"""The API key never shows: client repr/str, logs, exceptions, widget state, exported HTML, and
the server's output and answers. The local server binds loopback and enforces its key.

401 with a missing or wrong key and both accepted header forms (Basic ``api:<key>``, Bearer)
are covered header by header in ``tests/server/test_guard.py::test_key_required``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fault_proxy import Request, mutate, reset, running, stall, status
from serve_process import listening_addresses, serve
from written import conversation, write

from weave_widgets import local
from weave_widgets.charts import chart
from weave_widgets.charts._export import save
from weave_widgets.client import AsyncWeaveClient, WeaveClient
from weave_widgets.data._frames import ConversationData
from weave_widgets.errors import (
    AuthError,
    BatchFetchError,
    RequestValidationError,
    ServerError,
    TransportError,
    WeaveWidgetsError,
)
from weave_widgets.models import MAX_CONVERSATION_IDS

KEY = f"wwk-{secrets.token_hex(20)}"
WRONG = f"wwk-{secrets.token_hex(20)}"
PROJECT = "reliability/secrets"


def needles(key: str) -> list[str]:
    """Every form the key could leak in: raw, Basic credentials, Basic of the bare key."""
    return [
        key,
        base64.b64encode(f"api:{key}".encode()).decode(),
        base64.b64encode(key.encode()).decode(),
        key[4:20],  # a recognisable fragment (the random part)
    ]


def assert_hidden(text: str | bytes) -> None:
    blob = text if isinstance(text, str) else text.decode("latin-1")
    for key in (KEY, WRONG):
        for needle in needles(key):
            assert needle not in blob, f"{needle[:8]}... leaked"


def exception_text(exc: BaseException) -> str:
    """str, repr, args and attributes of the exception and of each exception in the chain
    Python shows (``__cause__``, else ``__context__`` unless suppressed by ``from None``)."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args), repr(vars(current))]
        hidden = current.__suppress_context__
        current = current.__cause__ or (None if hidden else current.__context__)
    parts += traceback.format_exception(exc)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = local.serve(tmp_path_factory.mktemp("secrets") / "keyed.db", api_key=KEY)
    with WeaveClient(PROJECT, url=url, api_key=KEY) as client:
        write(client, conversation("conv-a", 6) + conversation("conv-<b>", 3))
        client.add_feedback("conv-a", "conv-a~t0", tags=["👍", "<img src=x onerror=alert(1)>"])
    yield url
    local.stop(url)


@pytest.fixture
def client(keyed_server: str) -> Iterator[WeaveClient]:
    with WeaveClient(
        PROJECT, url=keyed_server, api_key=KEY, timeout=0.5, max_retries=1, backoff_base=0.01
    ) as c:
        yield c


def test_client_repr_str_and_attributes(client: WeaveClient, keyed_server: str) -> None:
    async_client = AsyncWeaveClient(PROJECT, url=keyed_server, api_key=KEY)
    for c in (client, async_client):
        assert_hidden(repr(c) + str(c) + repr(vars(c)) + repr(c.__dict__.values()))
    asyncio.run(async_client.close())


def test_the_right_key_works_and_a_wrong_or_missing_key_is_an_auth_error(
    client: WeaveClient, keyed_server: str
) -> None:
    assert list(client.conversation_spans(["conv-a"]).conversations["n_spans"]) == [6]
    for key in (WRONG, None):
        with (
            WeaveClient(PROJECT, url=keyed_server, api_key=key) as other,
            pytest.raises(AuthError, match="HTTP 401") as info,
        ):
            other.conversation_spans(["conv-a"])
        assert_hidden(exception_text(info.value))


def raise_for(fn: Any) -> WeaveWidgetsError:
    with pytest.raises(WeaveWidgetsError) as info:
        fn()
    return info.value


def echo_key(code: int) -> Any:
    """A server that quotes the credentials back in its error detail."""
    detail = f"bad request from api:{KEY} ({needles(KEY)[1]})"
    body: dict[str, Any]
    if code == 422:
        body = {"detail": [{"loc": ["body", "project_id"], "msg": detail, "type": "x"}]}
    else:
        body = {"detail": detail}
    return status(code, httpx.Response(200, json=body).content)


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (echo_key(401), AuthError),
        (echo_key(422), RequestValidationError),
        (echo_key(500), ServerError),
        (echo_key(503), ServerError),
        (reset(), TransportError),
        (stall(), TransportError),
        (mutate("html", lambda _body: f"<html>{KEY}</html>".encode()), WeaveWidgetsError),
    ],
)
def test_errors_and_logs_never_hold_the_key(
    keyed_server: str,
    caplog: pytest.LogCaptureFixture,
    fault: Any,
    kind: type[WeaveWidgetsError],
) -> None:
    options: dict[str, Any] = {
        "api_key": KEY,
        "timeout": 0.5,
        "max_retries": 1,
        "backoff_base": 0.01,
    }
    with (
        running(keyed_server, lambda _req, _n: fault) as proxy,
        caplog.at_level(logging.DEBUG),
        WeaveClient(PROJECT, url=proxy.url, **options) as c,
    ):
        error = raise_for(lambda: c.conversation_spans(["conv-a"]))
        write_error = raise_for(lambda: c.add_feedback("conv-a", tags=["x"]))
    assert isinstance(error, kind)
    assert proxy.injected
    assert_hidden(exception_text(error) + exception_text(write_error))
    assert_hidden(caplog.text + repr([r.__dict__ for r in caplog.records]))


def test_a_retried_success_and_a_failed_batch_log_and_raise_no_key(
    keyed_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    ids = [f"c{i}" for i in range(MAX_CONVERSATION_IDS + 1)]

    def plan(request: Request, attempt: int) -> Any:
        if b'"c10000"' in request.body:
            return echo_key(500)
        return echo_key(503) if attempt == 0 else None

    with (
        running(keyed_server, plan) as proxy,
        caplog.at_level(logging.DEBUG),
        WeaveClient(PROJECT, url=proxy.url, api_key=KEY, backoff_base=0.01) as c,
    ):
        assert len(c.conversation_spans(["conv-a"]).spans) == 6
        error = raise_for(lambda: c.conversation_spans(ids))
    assert isinstance(error, BatchFetchError)
    assert "retry 1/3" in caplog.text
    assert_hidden(exception_text(error) + repr(error.failed))
    assert_hidden(caplog.text + repr([r.__dict__ for r in caplog.records]))


def test_widget_state_and_exported_html(client: WeaveClient, tmp_path: Path) -> None:
    data: ConversationData = client.conversation_spans(["conv-a", "conv-<b>"])
    assert_hidden(repr(data) + repr(vars(data)))
    widget = data.widget()
    state = widget.get_state()
    assert_hidden(repr({k: v for k, v in state.items() if k != "payload"}))
    assert_hidden(bytes(state["payload"]))
    html = widget.to_html(tmp_path / "minimap.html")
    assert_hidden(html)
    save(chart(data, "minimap"), tmp_path / "chart.html")
    assert_hidden((tmp_path / "chart.html").read_text(encoding="utf-8"))


def test_server_answers_never_echo_the_key(keyed_server: str) -> None:
    auth = {"authorization": f"Bearer {KEY}"}
    wrong = {"authorization": "Basic " + needles(WRONG)[1]}
    answers = [
        httpx.post(f"{keyed_server}/agents/conversations/spans", json={}, headers=wrong),
        httpx.post(f"{keyed_server}/call/start", json={"start": {}}, headers=auth),
        httpx.post(f"{keyed_server}/call/start", content=b"\xff{", headers=auth),
        httpx.post(f"{keyed_server}/no/such/path", json={}, headers=auth),
        httpx.get(f"{keyed_server}/openapi.json", headers=auth),
    ]
    assert [a.status_code for a in answers] == [401, 422, 422, 404, 200]
    for answer in answers:
        assert_hidden(answer.text + repr(answer.headers))


def test_cli_server_binds_loopback_and_logs_no_key(tmp_path: Path) -> None:
    with serve(tmp_path / "cli.db", "--api-key", KEY) as server:
        assert listening_addresses(server.port) == {"127.0.0.1"}
        basic = {"authorization": "Basic " + needles(KEY)[1]}
        with WeaveClient(PROJECT, url=server.url, api_key=KEY) as c:
            write(c, conversation("conv-cli", 2))
        ok = httpx.post(
            f"{server.url}/agents/conversations/spans",
            json={"project_id": PROJECT, "conversation_ids": ["conv-cli"]},
            headers=basic,
        )
        denied = httpx.post(f"{server.url}/call/start", json={}, headers={"authorization": WRONG})
    assert [len(ok.json()["conversations"][0]["spans"]), denied.status_code] == [2, 401]
    output = server.output()
    assert "API key required" in output
    assert_hidden(output)


def test_in_process_server_binds_loopback(tmp_path: Path) -> None:
    url = local.serve(tmp_path / "loopback.db")
    try:
        port = int(url.rsplit(":", 1)[1])
        assert url == f"http://127.0.0.1:{port}"
        assert listening_addresses(port) == {"127.0.0.1"}
    finally:
        local.stop(url)
