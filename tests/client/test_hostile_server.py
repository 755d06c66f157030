"""The client against a hostile or broken server: trickled headers, retry hints that are not
numbers, huge and decompression-bomb bodies, corrupt encodings, redirects, and server text
built to leak the key past the quoting cut. Each class is generated (hypothesis) where it can
be, besides the examples reported."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import functools
import gzip
import json
import logging
import math
import traceback
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from fault_server import FaultServer, reply, stream, trickle_headers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from weave_widgets.client import AsyncWeaveClient, WeaveClient
from weave_widgets.client import _endpoints as api
from weave_widgets.client._redact import FRAGMENT, quote, quote_bytes, secret_forms
from weave_widgets.client._transport import (
    DETAIL_CHARS,
    HEAD_BYTES,
    Reply,
    RetryPolicy,
    api_error,
    read_reply,
    retry_after,
)
from weave_widgets.errors import (
    ApiError,
    AuthError,
    InvalidArgumentError,
    RedirectError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    TransportError,
    WeaveWidgetsError,
)

KEY = "wwk-5f0c3e8a91b2d4c6e7f8091a2b3c4d5e6f708192"
SPANS_OK = {"conversations": [{"conversation_id": "c1", "spans": [], "spans_feedback": []}]}
OK = reply(200, SPANS_OK)
MiB = 1 << 20


def sync_fetch(url: str, **options: Any) -> Any:
    with WeaveClient("e/p", url=url, **{"backoff_base": 0.01, **options}) as client:
        return client.conversation_spans(["c1"])


def async_fetch(url: str, **options: Any) -> Any:
    async def run() -> Any:
        async with AsyncWeaveClient("e/p", url=url, **{"backoff_base": 0.01, **options}) as c:
            return await c.conversation_spans(["c1"])

    async def bounded() -> Any:  # a hang fails the test instead of stalling it
        return await asyncio.wait_for(run(), timeout=60)

    return asyncio.run(bounded())


FETCHES = [pytest.param(sync_fetch, id="sync"), pytest.param(async_fetch, id="async")]
Fetch = Callable[..., Any]


def raised(fn: Callable[[], Any]) -> WeaveWidgetsError:
    with pytest.raises(WeaveWidgetsError) as info:
        fn()
    return info.value


# --- 7. one deadline per attempt -----------------------------------------------------------------


@pytest.mark.parametrize("fetch", FETCHES)
@pytest.mark.parametrize("retries", [0, 1])
def test_trickling_headers_end_at_the_deadline(
    fault_server: FaultServer, fetch: Fetch, retries: int
) -> None:
    """Each header byte comes well within the read timeout; only the attempt's deadline
    ends the wait (without it the answer completes, about 60 s later, and is accepted)."""
    fault_server.script(trickle_headers(fault_server.stop))
    error = raised(lambda: fetch(fault_server.url, timeout=0.5, max_retries=retries))
    assert isinstance(error, TransportError)
    assert "longer than the timeout" in str(error)
    assert error.attempts == retries + 1
    assert len(fault_server.requests) == retries + 1


# --- 8. retry hints that are not finite numbers --------------------------------------------------


@pytest.mark.parametrize("fetch", FETCHES)
@pytest.mark.parametrize(
    "hint",
    [
        {"Retry-After": "nan"},
        {"Retry-After": "NaN"},
        {"retry-after-ms": "NaN"},
        {"Retry-After": "inf"},
        {"retry-after-ms": "-inf"},
        {"Retry-After": "1e999"},
        {"retry-after-ms": "nan", "Retry-After": "nan"},
    ],
)
def test_non_finite_retry_hints_are_ignored(
    fault_server: FaultServer, fetch: Fetch, hint: dict[str, str]
) -> None:
    fault_server.script(reply(503, {"detail": "busy"}, hint), OK)
    data = fetch(fault_server.url, timeout=5)
    assert list(data.conversations["conversation_id"]) == ["c1"]
    assert len(fault_server.requests) == 2


HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
NUMBERS = st.floats(allow_nan=True, allow_infinity=True).map(repr)


@settings(max_examples=300, deadline=None, database=None)
@given(
    seconds=st.one_of(st.none(), HEADER_TEXT, NUMBERS, st.sampled_from(["nan", "-0", "1_0"])),
    millis=st.one_of(st.none(), HEADER_TEXT, NUMBERS),
    retry=st.integers(0, 10_000),
)
@example("Wed, 21 Oct 2015 07:28:00 GMT", None, 0)
@example("Fri, 31 Dec 9999 23:59:59 GMT", None, 0)
def test_every_retry_wait_is_finite_and_capped(
    seconds: str | None, millis: str | None, retry: int
) -> None:
    headers = httpx.Headers(
        {k: v for k, v in (("retry-after", seconds), ("retry-after-ms", millis)) if v is not None}
    )
    asked = retry_after(headers)
    assert asked is None or (math.isfinite(asked) and asked >= 0)
    policy = RetryPolicy()
    wait = policy.delay(retry, headers)
    assert math.isfinite(wait)
    assert 0 <= wait <= max(policy.retry_after_cap, policy.backoff_max)


# --- 9. size caps on the body as sent and once decoded -------------------------------------------


def gzip_bomb(inflated: int) -> bytes:
    """A gzip stream of ``inflated`` zero bytes, built without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * MiB
    parts = [packer.compress(block) for _ in range(inflated // MiB)]
    return b"".join([*parts, packer.flush()])


@functools.cache
def bomb() -> bytes:
    """128 MiB of zeros as about 130 KB of gzip: 16 times the cap the test sets."""
    return gzip_bomb(128 * MiB)


BIG: dict[str, tuple[Callable[[], Any], str]] = {
    "1GB-streamed": (lambda: stream(1 << 30), "as sent"),
    "1GB-announced": (lambda: stream(1 << 30, announce=True), "Content-Length"),
    "gzip-bomb": (lambda: reply(200, bomb(), {"Content-Encoding": "gzip"}), "inflating"),
    "gzip-bombs-streamed": (
        lambda: stream(1 << 30, chunk=bomb(), headers={"Content-Encoding": "gzip"}),
        "inflating",
    ),
}


@pytest.mark.parametrize("fetch", FETCHES)
@pytest.mark.parametrize("case", sorted(BIG))
def test_a_body_over_the_cap_is_refused_without_holding_it(
    fault_server: FaultServer, fetch: Fetch, case: str
) -> None:
    action, what = BIG[case]
    fault_server.script(action())
    limit = 8 * MiB
    tracemalloc.start()
    try:
        error = raised(lambda: fetch(fault_server.url, timeout=60, max_response_bytes=limit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, ResponseTooLargeError), error
    assert what in str(error)
    assert "max_response_bytes" in str(error)
    assert len(fault_server.requests) == 1  # an answer too large is not asked for again
    assert peak < 8 * limit, f"peak {peak / MiB:.0f} MiB"


@pytest.mark.parametrize("fetch", FETCHES)
@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
        ("identity", lambda data: data),
    ],
)
def test_encoded_answers_are_decoded(
    fault_server: FaultServer, fetch: Fetch, encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    fault_server.script(reply(200, pack(orjson.dumps(SPANS_OK)), {"Content-Encoding": encoding}))
    assert list(fetch(fault_server.url).conversations["conversation_id"]) == ["c1"]
    assert fault_server.requests[0].headers["accept-encoding"] == "gzip, deflate"


# --- 11. corrupt encodings and redirects ---------------------------------------------------------


CORRUPT = [
    b"\x1f\x8b\x08\x00garbage that is not deflate",
    gzip.compress(orjson.dumps(SPANS_OK))[:-12],  # cut before the end of the stream
    b"plain text sent as gzip",
]


@pytest.mark.parametrize("fetch", FETCHES)
@pytest.mark.parametrize("body", CORRUPT, ids=["bad-deflate", "cut-stream", "not-gzip"])
def test_a_corrupt_encoding_is_retried_then_a_decode_error(
    fault_server: FaultServer, fetch: Fetch, body: bytes
) -> None:
    bad = reply(200, body, {"Content-Encoding": "gzip"})
    fault_server.script(bad, OK)
    assert list(fetch(fault_server.url).conversations["conversation_id"]) == ["c1"]
    fault_server.requests.clear()
    fault_server.script(bad)
    error = raised(lambda: fetch(fault_server.url, max_retries=2))
    assert isinstance(error, ResponseDecodeError)
    assert "undecodable body" in str(error)
    assert len(fault_server.requests) == 3


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_naming_it(fault_server: FaultServer, status: int) -> None:
    """A redirect page is not a success, whatever its body (this one looks like a start)."""
    location = f"https://login.example/?next=/call/start&key={KEY}"
    fault_server.script(reply(status, {"id": "x", "trace_id": "y"}, {"Location": location}))
    with WeaveClient("e/p", url=fault_server.url, api_key=KEY) as client:
        error = raised(
            lambda: client.call_start(
                {
                    "project_id": "e/p",
                    "op_name": "op",
                    "started_at": datetime.datetime.now(datetime.UTC),
                    "attributes": {},
                    "inputs": {},
                }
            )
        )
    assert isinstance(error, RedirectError)
    assert (error.status, len(fault_server.requests)) == (status, 1)
    assert "https://login.example/?next=/call/start&key=***" in str(error)
    assert "not followed" in str(error)
    assert_hidden(exception_text(error))


# --- 10. the key never leaks ----------------------------------------------------------------------


def needles() -> list[str]:
    """Every form of the key and every piece of FRAGMENT characters of it."""
    forms = [KEY, *secret_forms(KEY)]
    return sorted({f[i : i + FRAGMENT] for f in forms for i in range(len(f) - FRAGMENT + 1)})


def assert_hidden(text: str) -> None:
    for needle in needles():
        assert needle not in text, f"{needle!r} leaked"


def exception_text(exc: BaseException) -> str:
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        parts += [str(current), repr(current), repr(current.args), repr(vars(current))]
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n".join([*parts, *traceback.format_exception(exc)])


FORMS = [KEY, base64.b64encode(f"api:{KEY}".encode()).decode(), KEY[:20], KEY[10:]]


def straddling(limit: int, form: str) -> list[str]:
    """Texts where ``form`` starts just before, at and after ``limit`` characters."""
    return [("y" * max(0, limit - shift)) + form + " tail" for shift in (1, 3, 9, 0, -2)]


def error_cases() -> Iterator[tuple[str, Any]]:
    """(kind, fault-server answer) that quote the server's text at the cut points."""
    for form in FORMS:
        for text in straddling(HEAD_BYTES, form):
            yield "decode", reply(200, text, content_type="text/html")
            yield "auth", reply(401, text, content_type="text/plain")
            yield "server", reply(500, text, content_type="text/html")
        for text in straddling(DETAIL_CHARS, form):
            yield "detail", reply(400, {"detail": text})
            yield "reason", reply(503, {"reason": text})
        loc = ["body", f"x{form}", 3]
        yield "loc", reply(422, {"detail": [{"loc": loc, "msg": f"bad {form}", "type": "t"}]})
        asked = {"conversation_id": f"c{form}", "spans": [], "spans_feedback": []}
        yield "not-asked", reply(200, {"conversations": [asked]})
        odd = {"conversation_id": "c1", "spans": [], "spans_feedback": [{form: 1}]}
        yield "contract", reply(200, {"conversations": [odd]})


@pytest.mark.parametrize(("kind", "answer"), list(error_cases()))
def test_server_text_is_scrubbed_before_it_is_cut(
    fault_server: FaultServer, kind: str, answer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fault_server.script(answer)
    with caplog.at_level(logging.DEBUG):
        error = raised(lambda: sync_fetch(fault_server.url, api_key=KEY, max_retries=1))
    expected = {
        "decode": ResponseDecodeError,
        "auth": AuthError,
        "server": ServerError,
        "detail": ApiError,
        "reason": ServerError,
        "loc": RequestValidationError,
        "not-asked": ResponseValidationError,
        "contract": ResponseValidationError,
    }[kind]
    assert isinstance(error, expected), error
    assert_hidden(exception_text(error))
    assert_hidden(caplog.text)


@settings(max_examples=300, deadline=None, database=None)
@given(
    before=st.integers(0, 400),
    limit=st.integers(1, 300),
    form=st.sampled_from([*secret_forms(KEY), KEY[: FRAGMENT + 5], KEY[-FRAGMENT - 2 :]]),
    repeats=st.integers(1, 4),
    filler=st.sampled_from(["x", "é", " ", "\n", "<>"]),
)
def test_quoted_text_never_holds_a_piece_of_the_key(
    before: int, limit: int, form: str, repeats: int, filler: str
) -> None:
    text = (filler * before + form) * repeats + filler * 3
    shown = quote(text, KEY, limit)
    assert len(shown) <= limit
    assert_hidden(shown)
    shown_bytes = quote_bytes(text.encode(), KEY, limit)
    assert len(shown_bytes) <= limit
    assert_hidden(shown_bytes.decode("utf-8", "replace"))


def test_a_key_in_the_url_is_moved_to_the_header(
    fault_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    host = fault_server.url.removeprefix("http://")
    fault_server.script(reply(503, {"detail": "down"}), reply(500, {"detail": "down"}))
    for url in (f"http://api:{KEY}@{host}", f"http://{KEY}@{host}/"):
        with caplog.at_level(logging.DEBUG), WeaveClient("e/p", url=url, max_retries=1) as c:
            assert c.url == fault_server.url
            assert_hidden(repr(c) + str(c) + repr(vars(c)))
            error = raised(lambda c=c: c.conversation_spans(["c1"]))
        assert isinstance(error, ServerError)
        assert_hidden(exception_text(error) + caplog.text)
    sent = fault_server.requests[0].headers["authorization"]
    assert sent == "Basic " + base64.b64encode(f"api:{KEY}".encode()).decode()
    with pytest.raises(InvalidArgumentError) as info:
        WeaveClient("e/p", url=f"ftp://api:{KEY}@{host}")
    assert_hidden(exception_text(info.value))


# --- every answer, whatever its shape, ends in the error family ---------------------------------


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
GROUP = st.fixed_dictionaries(
    {"group_keys": st.dictionaries(st.sampled_from(["conversation_id", "x"]), JSON)},
    optional={
        "span_count": JSON | st.integers(-(2**70), 2**70),
        "total_duration_ms": st.integers(-(2**70), 2**70),
        "first_seen": JSON | st.sampled_from(["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+05:00"]),
        "agent_names": JSON,
    },
)
SPAN = st.fixed_dictionaries(
    {
        "operation_name": st.text(max_size=5) | JSON,
        "trace_id": st.text(max_size=5),
        "span_id": st.text(max_size=5) | JSON,
        "status": st.sampled_from(["OK", "ERROR", "UNSET", "X"]),
        "duration_ms": st.integers(-(2**70), 2**70) | JSON,
    }
)
ANSWERS = {
    "spans": st.one_of(
        JSON,
        st.fixed_dictionaries(
            {
                "conversations": st.lists(
                    st.fixed_dictionaries(
                        {"conversation_id": st.sampled_from(["c1", "c2"]) | JSON},
                        optional={
                            "spans": st.lists(SPAN, max_size=3) | JSON,
                            "spans_feedback": JSON,
                        },
                    ),
                    max_size=3,
                )
            }
        ),
    ),
    "listing": st.one_of(JSON, st.fixed_dictionaries({"groups": st.lists(GROUP, max_size=3)})),
    "start": st.one_of(JSON, st.fixed_dictionaries({"id": JSON, "trace_id": JSON})),
}


def _call(kind: str) -> api.Call[Any]:
    if kind == "spans":
        return api.conversation_spans_call("e/p", ["c1", "c2"], None, None)
    if kind == "listing":
        return api.list_conversations_call("e/p", None, None, 10, 0)
    return api.call_start_call(
        {
            "project_id": "e/p",
            "op_name": "op",
            "started_at": "2026-01-01T00:00:00Z",
            "attributes": {},
            "inputs": {},
        }
    )


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), kind=st.sampled_from(sorted(ANSWERS)))
def test_answers_of_any_shape_end_in_the_error_family(data: st.DataObject, kind: str) -> None:
    """Read offline (the reader is pure): a result, or an error of the family; never a bare
    OverflowError, KeyError or the like."""
    body = json.dumps(data.draw(ANSWERS[kind])).encode()  # json writes integers of any size
    answer = Reply(200, httpx.Headers({"content-type": "application/json"}), body)
    with contextlib.suppress(WeaveWidgetsError):
        read_reply(_call(kind).read, answer, "http://server/x", KEY)


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = {"detail": value}
    return value


@settings(max_examples=300, deadline=None, database=None)
@given(
    status=st.integers(300, 599),
    value=JSON | st.integers(250, 1000).map(deep),
    key=st.sampled_from(["detail", "reason", "message", "error", "other"]),
)
def test_error_answers_of_any_shape_are_api_errors(status: int, value: Any, key: str) -> None:
    """Whatever a non-2xx answer holds (any JSON under any key, nesting deeper than orjson
    writes), it becomes one ``ApiError`` quoting at most the limit, never a bare exception."""
    body = json.dumps({key: value} if key != "other" else value).encode()
    answer = Reply(status, httpx.Headers({"location": "/x"}), body)
    error = api_error(answer, "POST", "http://server/x", KEY)
    assert isinstance(error, ApiError)
    assert len(error.detail) <= DETAIL_CHARS + 2 * HEAD_BYTES
