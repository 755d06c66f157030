"""HTTP plumbing shared by ``WeaveClient`` and ``AsyncWeaveClient``.

The retry policy (which outcomes are retried, how long to wait), reading a response body
against one deadline per attempt and a size cap, and turning a final answer into JSON or into
one of ``weave_widgets.errors``. The two clients differ only in how they send and sleep.

- Each attempt has one deadline for connect, sending, the headers and the body
  (:mod:`~weave_widgets.client._deadline`): a server trickling bytes cannot hold it longer.
- Bodies are read raw and decompressed here (gzip / deflate), both sizes held to
  ``max_response_bytes``; a corrupt encoding is a cut-off body (retried, then
  ``ResponseDecodeError``), never a bare ``httpx.DecodingError``.
- Only 2xx is success: a 3xx is a ``RedirectError`` naming the ``Location``.
- Retry hints that are not a finite number of seconds (``nan``, ``inf``) are ignored.
- Everything quoted from the server goes through :func:`~weave_widgets.client._redact.quote`.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import orjson
import pydantic

from weave_widgets.client._deadline import TOO_SLOW, attempt_deadline, deadline_passed
from weave_widgets.client._redact import quote, quote_bytes
from weave_widgets.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    TransportError,
    WeaveWidgetsError,
)
from weave_widgets.models import HTTPValidationError

logger = logging.getLogger("weave_widgets")
T = TypeVar("T")


RETRY_STATUSES = frozenset({408, 409, 429})
"""Retried besides every 5xx."""

HEAD_BYTES = 200
"""How much of an undecodable body an error quotes."""
DETAIL_CHARS = 1000
"""How much of a server's error message (``detail``, ``reason``, ...) an error quotes."""
ITEM_CHARS = 300
"""How much of each 422 ``loc`` and ``msg`` an error quotes."""
MAX_PROBLEMS = 50
"""How many 422 items an error lists."""
ACCEPT_ENCODING = "gzip, deflate"
"""The encodings the client decodes itself (with a size cap); no others are asked for."""


@dataclass(frozen=True)
class RetryPolicy:
    """Retries on 408/409/429/5xx, connection errors, timeouts and cut-off bodies.

    The wait before retry ``n`` (0-based) is ``Retry-After`` / ``retry-after-ms`` when the
    server sends a finite one (capped at ``retry_after_cap``), else
    ``min(backoff_base * 2**n, backoff_max)`` minus up to 25 % jitter.
    """

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries!r}")
        if not (math.isfinite(self.backoff_base) and self.backoff_base >= 0):
            raise ValueError(
                f"backoff_base must be a finite number >= 0, got {self.backoff_base!r}"
            )

    def delay(self, retry: int, headers: httpx.Headers | None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based): always finite, 0 or more."""
        asked = retry_after(headers) if headers is not None else None
        if asked is not None:
            return min(asked, self.retry_after_cap)
        wait = min(self.backoff_base * 2.0 ** min(retry, 64), self.backoff_max)
        return wait * (1 - 0.25 * random.random())  # noqa: S311 - jitter, not crypto


def _seconds(text: str, scale: float) -> float | None:
    """``text`` as a finite, non-negative number of seconds (``scale`` per unit), else None."""
    try:
        value = float(text) * scale
    except ValueError:
        return None
    return max(value, 0.0) if math.isfinite(value) else None


def retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """The wait the server asked for, in seconds: ``retry-after-ms``, or ``Retry-After`` as
    seconds or an HTTP date; None when absent, unreadable or not finite (``nan``, ``inf``)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        wait = _seconds(millis, 0.001)
        if wait is not None:
            return wait
    value = headers.get("retry-after")
    if value is None:
        return None
    wait = _seconds(value, 1.0)
    if wait is not None:
        return wait
    try:
        when = email.utils.parsedate_to_datetime(value)
        stamp = when.timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    wait = stamp - (time.time() if now is None else now)
    return max(wait, 0.0) if math.isfinite(wait) else None


@dataclass(frozen=True)
class Reply:
    """A status, headers and the (decoded) body; ``broken`` says why the body is unusable
    (cut off, or its encoding corrupt)."""

    status: int
    headers: httpx.Headers
    body: bytes
    broken: str | None = None
    undecodable: bool = False
    """Whether ``broken`` is about the encoding (else the body was cut off)."""


Outcome = Reply | httpx.HTTPError


@dataclass
class Exchange:
    """One logical request across its attempts: decides retry or finish after each one."""

    policy: RetryPolicy
    method: str
    url: str
    secret: str | None
    attempts: int = field(default=0, init=False)

    def after(self, outcome: Outcome) -> Reply | float:
        """The final ``Reply`` (2xx), or the seconds to wait before retrying; raises the
        ``WeaveWidgetsError`` that describes a final failure."""
        self.attempts += 1
        if _retryable(outcome) and self.attempts <= self.policy.max_retries:
            headers = outcome.headers if isinstance(outcome, Reply) else None
            wait = self.policy.delay(self.attempts - 1, headers)
            logger.info(
                "%s %s: %s; retry %d/%d in %.2f s",
                self.method,
                self.url,
                _describe(outcome, self.secret),
                self.attempts,
                self.policy.max_retries,
                wait,
            )
            return wait
        if not isinstance(outcome, Reply):
            raise TransportError(self.url, self.attempts, _describe(outcome, self.secret))
        if outcome.broken is not None:
            raise ResponseDecodeError(
                self.url,
                outcome.status,
                outcome.headers.get("content-type", ""),
                quote_bytes(outcome.body, self.secret, HEAD_BYTES),
                f"{'an undecodable' if outcome.undecodable else 'a truncated'} body "
                f"({quote(outcome.broken, self.secret, 300)}, after {self.attempts} attempt(s))",
            )
        if not 200 <= outcome.status < 300:
            raise api_error(outcome, self.method, self.url, self.secret)
        return outcome


def _retryable(outcome: Outcome) -> bool:
    if not isinstance(outcome, Reply):
        return True
    forced: str | None = outcome.headers.get("x-should-retry")
    if forced in ("true", "false"):
        return forced == "true"
    return outcome.broken is not None or outcome.status in RETRY_STATUSES or outcome.status >= 500


def _describe(outcome: Outcome, secret: str | None) -> str:
    if not isinstance(outcome, Reply):
        name = type(outcome).__name__
        text = quote(str(outcome), secret, 300)
        return f"{name}: {text}" if text else name
    if outcome.broken is not None:
        broken = quote(outcome.broken, secret, 300)
        return f"HTTP {outcome.status} with a body that could not be read ({broken})"
    return f"HTTP {outcome.status}"


def api_error(reply: Reply, method: str, url: str, secret: str | None) -> ApiError:
    """The ``ApiError`` subclass for a status that is not 2xx, quoting what the server said
    (scrubbed of the key, then cut)."""
    status = reply.status
    if 300 <= status < 400:
        location = quote(reply.headers.get("location", ""), secret, HEAD_BYTES)
        return RedirectError(status, method, url, location)
    if status == 422:
        try:
            parsed = HTTPValidationError.model_validate_json(reply.body)
        except pydantic.ValidationError:
            parsed = None
        if parsed is not None and parsed.detail:
            problems = [
                (
                    quote(".".join(str(part) for part in item.loc), secret, ITEM_CHARS),
                    quote(item.msg, secret, ITEM_CHARS),
                )
                for item in parsed.detail[:MAX_PROBLEMS]
            ]
            if len(parsed.detail) > MAX_PROBLEMS:
                problems.append(("...", f"and {len(parsed.detail) - MAX_PROBLEMS} more"))
            return RequestValidationError(status, method, url, problems)
    detail = _server_message(reply.body, secret)
    kind: type[ApiError] = ApiError
    if status in (401, 403):
        kind = AuthError
    elif status == 404:
        kind = NotFoundError
    elif status == 429:
        kind = RateLimitError
    elif status >= 500:
        kind = ServerError
    return kind(status, method, url, detail)


def _server_message(body: bytes, secret: str | None) -> str:
    """The server's own message (``detail``, ``reason``, ...) or the start of the body."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        for key in ("detail", "reason", "message", "error"):
            if data.get(key):
                return quote(_text(data[key]), secret, DETAIL_CHARS)
    text = quote_bytes(body, secret, HEAD_BYTES).decode("utf-8", "replace").strip()
    return repr(text) if text else "(empty body)"


def _text(value: Any) -> str:
    """A server's message as text (JSON for a structure; parsed JSON may nest deeper than
    orjson writes)."""
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return f"(a {type(value).__name__} nested too deeply to quote)"


def decode_error(reply: Reply, url: str, secret: str | None) -> ResponseDecodeError:
    """The error for a successful status whose body is not (complete) JSON."""
    content_type = reply.headers.get("content-type", "")
    if "json" in content_type:
        problem = f"invalid or truncated JSON ({len(reply.body)} bytes)"
    else:
        problem = "a body that is not JSON"
    head = quote_bytes(reply.body, secret, HEAD_BYTES)
    return ResponseDecodeError(url, reply.status, content_type, head, problem)


def read_reply(
    read: Callable[[Reply, str, str | None], T], reply: Reply, url: str, secret: str | None
) -> T:
    """``read(reply, url, secret)``, where any failure outside the error family (a value the
    JSON allows but a frame cannot hold, say) becomes a ``ResponseValidationError``."""
    try:
        return read(reply, url, secret)
    except (WeaveWidgetsError, MemoryError):
        raise
    except Exception as exc:
        problem = quote(f"{type(exc).__name__}: {exc}", secret, ITEM_CHARS)
        raise ResponseValidationError(url, [("(the whole body)", problem)]) from None


def encode_json(payload: Any) -> bytes:
    """Request bodies as compact UTF-8 JSON."""
    return orjson.dumps(payload)


@dataclass(frozen=True)
class RawBody:
    """A request body sent as it is, not as JSON (an OTLP protobuf export, say)."""

    content: bytes
    content_type: str


def _request(payload: Any, headers: Mapping[str, str] | None) -> tuple[bytes, dict[str, str]]:
    """The body bytes and the per-request headers (beyond the client's) of ``payload``."""
    extra = dict(headers or {})
    if isinstance(payload, RawBody):
        extra.setdefault("Content-Type", payload.content_type)
        return payload.content, extra
    return encode_json(payload), extra


# --- reading a body: raw bytes, decoded here, both held to the cap ----------------------------


class _Corrupt(Exception):
    """The body's content encoding cannot be decoded."""


class BodyReader:
    """Collects one answer's body from its raw bytes: decompresses gzip / deflate itself,
    so that neither the bytes as sent nor the bytes once inflated exceed ``limit`` (a 1 MB
    gzip bomb stops at ``limit``, never inflating further)."""

    def __init__(self, response: httpx.Response, url: str, limit: int) -> None:
        self.url = url
        self.status = response.status_code
        self.limit = limit
        self.raw = 0
        self.body = bytearray()
        self.decoders: list[Any] = []
        self.unsupported: str | None = None
        codings = response.headers.get("content-encoding", "")
        for coding in reversed([c.strip().lower() for c in codings.split(",") if c.strip()]):
            if coding in ("gzip", "x-gzip", "deflate"):
                self.decoders.append(zlib.decompressobj(wbits=47))  # gzip or zlib header
            elif coding != "identity":
                self.unsupported = coding
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise self._too_large(f"a body of {int(length):,} bytes (Content-Length)")

    def _too_large(self, what: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(self.url, self.status, self.limit, what)

    def feed(self, chunk: bytes) -> None:
        """Add raw ``chunk``; raises ``ResponseTooLargeError`` past the cap, ``_Corrupt`` for
        a broken encoding."""
        self.raw += len(chunk)
        if self.raw > self.limit:
            raise self._too_large(f"more than {self.limit:,} bytes as sent")
        if self.unsupported is not None:
            return
        data = chunk
        try:
            for decoder in self.decoders:
                data = self._inflate(decoder, data)
        except zlib.error as exc:
            raise _Corrupt(f"corrupt {self._codings()} encoding: {exc}") from None
        self._append(data)

    def _inflate(self, decoder: Any, data: bytes) -> bytes:
        out = bytearray()
        while data and not decoder.eof:
            room = self.limit - len(self.body) - len(out) + 1
            out += decoder.decompress(data, room)
            if len(self.body) + len(out) > self.limit:
                raise self._too_large(f"a body inflating to more than {self.limit:,} bytes")
            data = decoder.unconsumed_tail
        return bytes(out)

    def _append(self, data: bytes) -> None:
        if len(self.body) + len(data) > self.limit:
            raise self._too_large(f"a body inflating to more than {self.limit:,} bytes")
        self.body += data

    def _codings(self) -> str:
        return "gzip/deflate" if self.decoders else "content"

    def finish(
        self, response: httpx.Response, broken: str | None, undecodable: bool = False
    ) -> Reply:
        """The ``Reply`` once the raw body has ended (``broken``: why it ended early)."""
        if broken is None and self.unsupported is not None:
            broken = f"unsupported Content-Encoding {self.unsupported!r} (not asked for)"
            undecodable = True
        if broken is None and self.raw:
            try:
                for decoder in self.decoders:
                    self._append(decoder.flush())
                    if not decoder.eof:
                        broken = f"the {self._codings()} stream ended before its end marker"
            except zlib.error as exc:
                broken = f"corrupt {self._codings()} encoding: {exc}"
            undecodable = broken is not None
        body = bytes(self.body)
        return Reply(response.status_code, response.headers, body, broken, undecodable)


def _cut_off(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _preloaded(response: httpx.Response, url: str, limit: int) -> Reply | None:
    """The reply of a response whose body a transport already read and decoded (an
    ``httpx.MockTransport`` answer, say), held to the same cap; None for a network stream."""
    if not response.is_stream_consumed:
        return None
    if len(response.content) > limit:
        what = f"a body of {len(response.content):,} bytes"
        raise ResponseTooLargeError(url, response.status_code, limit, what)
    return Reply(response.status_code, response.headers, response.content)


def _read(response: httpx.Response, url: str, limit: int) -> Reply:
    preloaded = _preloaded(response, url, limit)
    if preloaded is not None:
        return preloaded
    reader = BodyReader(response, url, limit)
    try:
        for chunk in response.iter_raw():
            reader.feed(chunk)
            if deadline_passed():
                raise httpx.ReadTimeout(TOO_SLOW)
    except _Corrupt as exc:
        return reader.finish(response, str(exc), undecodable=True)
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        return reader.finish(response, _cut_off(exc))
    return reader.finish(response, None)


async def _aread(response: httpx.Response, url: str, limit: int) -> Reply:
    preloaded = _preloaded(response, url, limit)
    if preloaded is not None:
        return preloaded
    reader = BodyReader(response, url, limit)
    try:
        async for chunk in response.aiter_raw():
            reader.feed(chunk)
            if deadline_passed():
                raise httpx.ReadTimeout(TOO_SLOW)
    except _Corrupt as exc:
        return reader.finish(response, str(exc), undecodable=True)
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        return reader.finish(response, _cut_off(exc))
    return reader.finish(response, None)


def _attempt_seconds(client: httpx.Client | httpx.AsyncClient) -> float:
    """The per-attempt deadline: the client's timeout (its read timeout)."""
    read = client.timeout.read
    return read if read is not None else float("inf")


def send(
    client: httpx.Client,
    policy: RetryPolicy,
    path: str,
    payload: Any,
    secret: str | None,
    max_response_bytes: int,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """POST ``payload`` to ``path`` with retries; the final successful ``Reply``. The body is
    ``payload`` as JSON, or a ``RawBody`` as it is; ``headers`` are added to the client's."""
    content, extra = _request(payload, headers)
    url = f"{client.base_url}".rstrip("/") + path
    exchange = Exchange(policy, "POST", url, secret)
    while True:
        outcome: Outcome
        with attempt_deadline(_attempt_seconds(client)):
            try:
                with client.stream("POST", path, content=content, headers=extra) as response:
                    outcome = _read(response, url, max_response_bytes)
            except httpx.HTTPError as exc:
                outcome = exc
        step = exchange.after(outcome)
        if isinstance(step, Reply):
            return step
        time.sleep(step)


async def asend(
    client: httpx.AsyncClient,
    policy: RetryPolicy,
    path: str,
    payload: Any,
    secret: str | None,
    max_response_bytes: int,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """Async twin of ``send``: same policy and outcomes, only the I/O differs."""
    content, extra = _request(payload, headers)
    url = f"{client.base_url}".rstrip("/") + path
    exchange = Exchange(policy, "POST", url, secret)
    while True:
        outcome: Outcome
        with attempt_deadline(_attempt_seconds(client)):
            try:
                async with client.stream("POST", path, content=content, headers=extra) as response:
                    outcome = await _aread(response, url, max_response_bytes)
            except httpx.HTTPError as exc:
                outcome = exc
        step = exchange.after(outcome)
        if isinstance(step, Reply):
            return step
        await asyncio.sleep(step)
