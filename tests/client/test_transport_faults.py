"""Retry, timeout and error paths of both clients, against a misbehaving loopback server."""

from __future__ import annotations

import asyncio
import base64
import datetime
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fault_server import FaultServer, Request, reply, reset, stall, trickle

from weave_widgets.client import AsyncWeaveClient, WeaveClient
from weave_widgets.errors import (
    ApiError,
    AuthError,
    BatchFetchError,
    InvalidArgumentError,
    RateLimitError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseValidationError,
    ServerError,
    TransportError,
)

KEY = "sk-test-0123456789abcdef"
KEY_B64 = base64.b64encode(f"api:{KEY}".encode()).decode()
SPANS = "/agents/conversations/spans"


def span(n: int, status: str = "OK") -> dict[str, Any]:
    return {
        "operation_name": "chat",
        "trace_id": f"t{n}",
        "span_id": f"s{n}",
        "status": status,
        "duration_ms": 10 * n,
    }


def answer_for(ids: list[str]) -> dict[str, Any]:
    """A valid spans response: one span per conversation."""
    return {
        "conversations": [
            {"conversation_id": cid, "spans": [span(i)], "spans_feedback": []}
            for i, cid in enumerate(ids)
        ]
    }


OK_ONE = reply(200, answer_for(["c1"]))


@pytest.fixture
def client(fault_server: FaultServer) -> Iterator[WeaveClient]:
    with WeaveClient(
        "e/p", url=fault_server.url, api_key=KEY, timeout=2, max_retries=3, backoff_base=0.01
    ) as c:
        yield c


def fetch(client: WeaveClient) -> Any:
    return client.conversation_spans(["c1"])


def assert_no_key(text: str) -> None:
    assert KEY not in text
    assert KEY_B64 not in text


# --- retries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 408, 409, 429])
def test_retryable_status_then_success(
    client: WeaveClient, fault_server: FaultServer, status: int
) -> None:
    fault_server.script(reply(status, {"detail": "busy"}), reply(status), OK_ONE)
    data = fetch(client)
    assert list(data.spans["span_id"]) == ["s0"]
    assert len(fault_server.requests) == 3


def test_retry_after_is_honoured(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(429, {}, {"Retry-After": "0.4"}), OK_ONE)
    fetch(client)
    first, second = fault_server.requests
    assert second.at - first.at >= 0.4


def test_retry_after_ms_is_honoured(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(503, {}, {"retry-after-ms": "300"}), OK_ONE)
    fetch(client)
    first, second = fault_server.requests
    assert second.at - first.at >= 0.3


def test_x_should_retry_false_stops_retrying(
    client: WeaveClient, fault_server: FaultServer
) -> None:
    fault_server.script(reply(503, {"detail": "down"}, {"x-should-retry": "false"}))
    with pytest.raises(ServerError):
        fetch(client)
    assert len(fault_server.requests) == 1


def test_server_error_after_all_retries(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(502, {"detail": "bad gateway"}))
    with pytest.raises(ServerError, match=r"HTTP 502: bad gateway") as info:
        fetch(client)
    assert info.value.status == 502
    assert len(fault_server.requests) == 4


def test_rate_limit_after_all_retries(fault_server: FaultServer) -> None:
    fault_server.script(reply(429, {"detail": "slow down"}, {"Retry-After": "0"}))
    with (
        WeaveClient("e/p", url=fault_server.url, max_retries=1) as c,
        pytest.raises(RateLimitError),
    ):
        fetch(c)
    assert len(fault_server.requests) == 2


def test_client_error_is_not_retried(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(400, {"reason": "span_trace_id contradicts weave_ref"}))
    with pytest.raises(ApiError, match="span_trace_id contradicts") as info:
        fetch(client)
    assert info.value.status == 400
    assert len(fault_server.requests) == 1


def test_connection_reset_then_success(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reset(), reset(), OK_ONE)
    assert len(fetch(client).spans) == 1
    assert len(fault_server.requests) == 3


def test_connection_reset_every_time(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reset())
    with pytest.raises(TransportError, match="after 4 attempt") as info:
        fetch(client)
    assert info.value.attempts == 4
    assert info.value.url == fault_server.url + SPANS


def test_connection_refused() -> None:
    c = WeaveClient("e/p", url="http://127.0.0.1:9", max_retries=1, backoff_base=0.01)
    with c, pytest.raises(TransportError, match="could not reach"):
        fetch(c)


def test_stall_past_the_timeout_gives_up(fault_server: FaultServer) -> None:
    fault_server.script(stall(fault_server.stop))
    with (
        WeaveClient(
            "e/p", url=fault_server.url, timeout=0.3, max_retries=1, backoff_base=0.01
        ) as c,
        pytest.raises(TransportError, match="ReadTimeout") as info,
    ):
        fetch(c)
    assert info.value.attempts == 2
    assert len(fault_server.requests) == 2


def test_trickling_body_gives_up_at_the_timeout(fault_server: FaultServer) -> None:
    fault_server.script(trickle(fault_server.stop))
    client = WeaveClient("e/p", url=fault_server.url, timeout=0.3, max_retries=0)
    with client, pytest.raises(TransportError, match="longer than the timeout") as info:
        fetch(client)
    assert info.value.attempts == 1


def test_async_trickling_body_gives_up_at_the_timeout(fault_server: FaultServer) -> None:
    fault_server.script(trickle(fault_server.stop))

    async def run() -> Any:
        async with AsyncWeaveClient(
            "e/p", url=fault_server.url, timeout=0.3, max_retries=1, backoff_base=0.01
        ) as c:
            return await c.conversation_spans(["c1"])

    with pytest.raises(TransportError, match="after 2 attempt"):
        asyncio.run(run())


def test_retries_are_logged_without_credentials(
    client: WeaveClient, fault_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    fault_server.script(reply(503), OK_ONE)
    with caplog.at_level(logging.DEBUG):
        fetch(client)
    retries = [r for r in caplog.records if r.name == "weave_widgets"]
    assert len(retries) == 1
    assert "HTTP 503; retry 1/3" in retries[0].getMessage()
    assert_no_key(caplog.text)


# --- bodies that are not the expected JSON ----------------------------------------------------


def test_truncated_body_is_retried_then_reported(
    client: WeaveClient, fault_server: FaultServer
) -> None:
    fault_server.script(reply(200, b'{"conversations": [{"conv', claimed_length=500))
    with pytest.raises(ResponseDecodeError, match="truncated body") as info:
        fetch(client)
    assert info.value.status == 200
    assert info.value.head.startswith(b'{"conversations"')
    assert len(fault_server.requests) == 4


def test_truncated_json_is_reported(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(200, b'{"conversations": [{"conversation_id": "c1", "spa'))
    with pytest.raises(ResponseDecodeError, match="invalid or truncated JSON") as info:
        fetch(client)
    assert "HTTP 200" in str(info.value)
    assert 'b\'{"conversations"' in str(info.value)


def test_html_instead_of_json(client: WeaveClient, fault_server: FaultServer) -> None:
    page = "<html><body>Sign in to continue</body></html>"
    fault_server.script(reply(200, page, content_type="text/html"))
    with pytest.raises(ResponseDecodeError, match="not JSON") as info:
        fetch(client)
    assert info.value.content_type == "text/html"
    assert "<html><body>Sign in" in str(info.value)


def test_html_error_page_is_quoted(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(404, "<html>Not Found</html>", content_type="text/html"))
    with pytest.raises(ApiError, match=r"HTTP 404: '<html>Not Found</html>'"):
        fetch(client)


@pytest.mark.parametrize(
    ("conversations", "path"),
    [
        (
            [{"conversation_id": "c1", "spans": [span(0), span(1, "RUNNING")]}],
            r"spans\[1\]\.status",
        ),
        (
            [
                {
                    "conversation_id": "c1",
                    "spans": [{k: v for k, v in span(0).items() if k != "span_id"}],
                }
            ],
            r"spans\[0\]\.span_id: Field required",
        ),
        (
            [{"conversation_id": "c1", "spans": [{**span(0), "duration_ms": "slow"}]}],
            r"spans\[0\]\.duration_ms",
        ),
        (
            [
                {
                    "conversation_id": "c1",
                    "spans_feedback": [{"feedback_type": "wandb.agent_monitor"}],
                }
            ],
            r"spans_feedback\[0\]\.trace_id: Field required",
        ),
        (
            [
                {
                    "conversation_id": "c1",
                    "spans_feedback": [{"trace_id": None, "feedback_type": "x"}],
                }
            ],
            r"spans_feedback\[0\]\.feedback_type",
        ),
        ([{"conversation_id": 7}], r"conversations\[0\]\.conversation_id"),
        (
            [{"conversation_id": "c1", "spans": [{**span(0), "duration_ms": 2**63}]}],
            r"duration_ms: too large for int64",
        ),
        (
            [{"conversation_id": "c1"}, {"conversation_id": "c9"}],
            r"conversations\[1\]\.conversation_id: 'c9' was not asked for",
        ),
        (
            [{"conversation_id": "c1"}, {"conversation_id": "c1"}],
            r"conversations\[1\]\.conversation_id: 'c1' is repeated",
        ),
    ],
)
def test_schema_violations_name_the_path(
    client: WeaveClient, fault_server: FaultServer, conversations: list[Any], path: str
) -> None:
    fault_server.script(reply(200, {"conversations": conversations}))
    with pytest.raises(ResponseValidationError, match=path):
        fetch(client)


def test_top_level_that_is_not_an_object(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(200, [1, 2]))
    with pytest.raises(ResponseValidationError, match="whole body"):
        fetch(client)


# --- auth and validation errors ----------------------------------------------------------------


def test_unauthorized_names_no_key(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(401, {"detail": f"bad key {KEY} / Basic {KEY_B64}"}))
    with pytest.raises(AuthError) as info:
        fetch(client)
    message = str(info.value)
    assert "WANDB_API_KEY" in message
    assert "entity/project" in message
    assert_no_key(message)
    assert_no_key(repr(info.value))
    assert len(fault_server.requests) == 1


def test_forbidden_is_an_auth_error(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(reply(403, {"detail": "no access to project e/p"}))
    with pytest.raises(AuthError, match="no access to project e/p"):
        fetch(client)


def test_key_is_sent_as_basic_auth(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.script(OK_ONE)
    fetch(client)
    assert fault_server.requests[0].headers["authorization"] == f"Basic {KEY_B64}"


def test_validation_error_lists_each_loc_and_msg(
    client: WeaveClient, fault_server: FaultServer
) -> None:
    detail = [
        {
            "loc": ["body", "conversation_ids"],
            "msg": "List should have at most 10000 items",
            "type": "too_long",
        },
        {"loc": ["body", "started_after"], "msg": "Input should have timezone info", "type": "tz"},
    ]
    fault_server.script(reply(422, {"detail": detail}))
    with pytest.raises(RequestValidationError) as info:
        fetch(client)
    assert info.value.errors == [
        ("body.conversation_ids", "List should have at most 10000 items"),
        ("body.started_after", "Input should have timezone info"),
    ]
    assert "  - body.conversation_ids: List should have at most 10000 items" in str(info.value)
    assert len(fault_server.requests) == 1


def test_repr_hides_the_key(client: WeaveClient, fault_server: FaultServer) -> None:
    text = repr(client)
    assert text == f"WeaveClient(project='e/p', url='{fault_server.url}', auth='api key set')"
    assert_no_key(text + repr(vars(client)))


# --- batches -----------------------------------------------------------------------------------


def batch_answer(fail_first_id: str | None) -> Any:
    def route(request: Request) -> Any:
        ids = request.json()["conversation_ids"]
        if ids[0] == fail_first_id:
            return reply(500, {"detail": "shard down"})
        return reply(200, answer_for(list(reversed(ids))))

    return route


IDS = [f"conv-{i:05d}" for i in range(10_050)]


def test_batches_are_merged_by_id(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.route(batch_answer(None))
    data = client.conversation_spans([*IDS, IDS[3]])
    # two batches are in flight at once, so they may reach the server in either order
    sizes = sorted(len(r.json()["conversation_ids"]) for r in fault_server.requests)
    assert sizes == [50, 10_000]
    assert list(data.conversations["conversation_id"]) == IDS
    assert list(data.conversations["n_spans"]) == [1] * len(IDS)


def test_one_failing_batch_fails_the_fetch(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.route(batch_answer("conv-10000"))
    with pytest.raises(BatchFetchError) as info:
        client.conversation_spans(IDS)
    (failed,) = info.value.failed
    assert (failed.index, failed.first_id, failed.last_id, failed.size) == (
        1,
        "conv-10000",
        "conv-10049",
        50,
    )
    assert isinstance(failed.error, ServerError)
    assert "batch 2/2 (50 ids, 'conv-10000' .. 'conv-10049'): ServerError" in str(info.value)


def test_async_batches_match_sync(client: WeaveClient, fault_server: FaultServer) -> None:
    fault_server.route(batch_answer(None))

    async def run() -> Any:
        async with AsyncWeaveClient("e/p", url=fault_server.url, api_key=KEY) as c:
            return await c.conversation_spans(IDS)

    async_data = asyncio.run(run())
    sync_data = client.conversation_spans(IDS)
    assert async_data.spans.equals(sync_data.spans)
    assert async_data.conversations.equals(sync_data.conversations)


def test_async_failing_batch(fault_server: FaultServer) -> None:
    fault_server.route(batch_answer("conv-00000"))

    async def run() -> Any:
        async with AsyncWeaveClient(
            "e/p", url=fault_server.url, max_retries=1, backoff_base=0.01
        ) as c:
            return await c.conversation_spans(IDS)

    with pytest.raises(BatchFetchError, match="batch 1/2 "):
        asyncio.run(run())


def test_async_retries_then_succeeds(fault_server: FaultServer) -> None:
    fault_server.script(reset(), reply(503), OK_ONE)

    async def run() -> Any:
        async with AsyncWeaveClient("e/p", url=fault_server.url, backoff_base=0.01) as c:
            return await c.conversation_spans(["c1"])

    assert len(asyncio.run(run()).spans) == 1
    assert len(fault_server.requests) == 3


# --- arguments ---------------------------------------------------------------------------------


def test_empty_ids_send_nothing(client: WeaveClient, fault_server: FaultServer) -> None:
    data = client.conversation_spans([])
    assert data.spans.empty
    assert data.conversations.empty
    assert fault_server.requests == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"started_after": datetime.datetime(2026, 1, 1)}, "started_after is a naive datetime"),
        ({"started_before": datetime.datetime(2026, 1, 1)}, "datetime.now\\(timezone.utc\\)"),
        ({"started_after": "2026-01-01"}, "started_after must be a datetime"),
        (
            {
                "started_after": datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
                "started_before": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            },
            "must be earlier than started_before",
        ),
    ],
)
def test_bad_window_is_rejected_before_sending(
    client: WeaveClient, fault_server: FaultServer, kwargs: Any, message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        client.conversation_spans(["c1"], **kwargs)
    assert fault_server.requests == []


def test_bad_ids_are_rejected(client: WeaveClient) -> None:
    with pytest.raises(InvalidArgumentError, match=r"not a single string.*\['c1'\]"):
        client.conversation_spans("c1")
    with pytest.raises(InvalidArgumentError, match=r"conversation_ids\[1\] must be a str, got int"):
        client.conversation_spans(["c1", 2])  # type: ignore[list-item]


@pytest.mark.parametrize("project", ["", "entity", "a/b/c", "/p", "e/"])
def test_bad_project_is_rejected(project: str) -> None:
    with pytest.raises(InvalidArgumentError, match="entity/project"):
        WeaveClient(project, url="http://127.0.0.1:9")


def test_bad_write_names_the_field(client: WeaveClient, fault_server: FaultServer) -> None:
    with pytest.raises(InvalidArgumentError, match=r"start\.started_at: Field required"):
        client.call_start({"project_id": "e/p", "op_name": "chat", "attributes": {}, "inputs": {}})
    with pytest.raises(InvalidArgumentError, match=r"tags: wandb\.agent_user_feedback needs"):
        client.add_feedback("c1", "t1", feedback_type="wandb.agent_user_feedback", ratings={"q": 1})
    assert fault_server.requests == []
