"""HTTP plumbing shared by ``WeaveClient`` and ``AsyncWeaveClient``.

Configuration (URL, key, timeouts), the retry policy (which outcomes are retried, how long to
wait), reading a response body against a deadline, and turning a final answer into JSON or into
one of ``weave_widgets.errors``. The two clients differ only in how they send and sleep.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pydantic

from weave_widgets.client._config import auth_header
from weave_widgets.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    RateLimitError,
    RequestValidationError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)
from weave_widgets.models import HTTPValidationError

logger = logging.getLogger("weave_widgets")


RETRY_STATUSES = frozenset({408, 409, 429})
"""Retried besides every 5xx."""

HEAD_BYTES = 200
"""How much of an undecodable body an error quotes."""


@dataclass(frozen=True)
class RetryPolicy:
    """Retries on 408/409/429/5xx, connection errors, timeouts and cut-off bodies.

    The wait before retry ``n`` (0-based) is ``Retry-After`` / ``retry-after-ms`` when the
    server sends one (capped at ``retry_after_cap``), else
    ``min(backoff_base * 2**n, backoff_max)`` minus up to 25 % jitter.
    """

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries!r}")

    def delay(self, retry: int, headers: httpx.Headers | None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        asked = retry_after(headers) if headers is not None else None
        if asked is not None:
            return min(asked, self.retry_after_cap)
        wait = min(self.backoff_base * 2.0**retry, self.backoff_max)
        return wait * (1 - 0.25 * random.random())  # noqa: S311 - jitter, not crypto


def retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """The wait the server asked for, in seconds: ``retry-after-ms``, or ``Retry-After`` as
    seconds or an HTTP date; None when absent or unreadable."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


@dataclass(frozen=True)
class Reply:
    """A status, headers and the body bytes; ``broken`` says why the body is incomplete."""

    status: int
    headers: httpx.Headers
    body: bytes
    broken: str | None = None


@dataclass
class Exchange:
    """One logical request across its attempts: decides retry or finish after each one."""

    policy: RetryPolicy
    method: str
    url: str
    secret: str | None
    attempts: int = field(default=0, init=False)

    def after(self, outcome: Reply | httpx.TransportError) -> Reply | float:
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
                _describe(outcome),
                self.attempts,
                self.policy.max_retries,
                wait,
            )
            return wait
        if isinstance(outcome, httpx.TransportError):
            raise TransportError(self.url, self.attempts, _describe(outcome))
        if outcome.broken is not None:
            raise ResponseDecodeError(
                self.url,
                outcome.status,
                outcome.headers.get("content-type", ""),
                scrub_bytes(outcome.body[:HEAD_BYTES], self.secret),
                f"a truncated body ({outcome.broken}, after {self.attempts} attempt(s))",
            )
        if outcome.status >= 400:
            raise api_error(outcome, self.method, self.url, self.secret)
        return outcome


def _retryable(outcome: Reply | httpx.TransportError) -> bool:
    if isinstance(outcome, httpx.TransportError):
        return True
    forced: str | None = outcome.headers.get("x-should-retry")
    if forced in ("true", "false"):
        return forced == "true"
    return outcome.broken is not None or outcome.status in RETRY_STATUSES or outcome.status >= 500


def _describe(outcome: Reply | httpx.TransportError) -> str:
    if isinstance(outcome, httpx.TransportError):
        return f"{type(outcome).__name__}: {outcome}" if str(outcome) else type(outcome).__name__
    if outcome.broken is not None:
        return f"HTTP {outcome.status} with a cut-off body ({outcome.broken})"
    return f"HTTP {outcome.status}"


def scrub(text: str, secret: str | None) -> str:
    """``text`` with the API key (and its Basic-auth form) replaced by ``***``."""
    if not secret:
        return text
    for needle in (secret, auth_header(secret).removeprefix("Basic ")):
        text = text.replace(needle, "***")
    return text


def scrub_bytes(data: bytes, secret: str | None) -> bytes:
    """Like ``scrub`` for raw body bytes."""
    if not secret:
        return data
    for needle in (secret, auth_header(secret).removeprefix("Basic ")):
        data = data.replace(needle.encode(), b"***")
    return data


def api_error(reply: Reply, method: str, url: str, secret: str | None) -> ApiError:
    """The ``ApiError`` subclass for an error status, quoting what the server said."""
    status = reply.status
    if status == 422:
        try:
            parsed = HTTPValidationError.model_validate_json(reply.body)
        except pydantic.ValidationError:
            parsed = None
        if parsed is not None and parsed.detail:
            problems = [
                (".".join(str(part) for part in item.loc), scrub(item.msg, secret))
                for item in parsed.detail
            ]
            return RequestValidationError(status, method, url, problems)
    detail = scrub(_server_message(reply.body), secret)
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


def _server_message(body: bytes) -> str:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        for key in ("detail", "reason", "message", "error"):
            if data.get(key):
                return str(data[key])[:1000]
    text = body[:HEAD_BYTES].decode("utf-8", "replace").strip()
    return repr(text) if text else "(empty body)"


def decode_error(reply: Reply, url: str, secret: str | None) -> ResponseDecodeError:
    """The error for a successful status whose body is not (complete) JSON."""
    content_type = reply.headers.get("content-type", "")
    if "json" in content_type:
        problem = f"invalid or truncated JSON ({len(reply.body)} bytes)"
    else:
        problem = "a body that is not JSON"
    head = scrub_bytes(reply.body[:HEAD_BYTES], secret)
    return ResponseDecodeError(url, reply.status, content_type, head, problem)


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


def _deadline_check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise httpx.ReadTimeout("the response took longer than the timeout to arrive")


def _collect(chunks: Iterator[bytes], deadline: float) -> tuple[bytes, str | None]:
    parts: list[bytes] = []
    try:
        for chunk in chunks:
            parts.append(chunk)
            _deadline_check(deadline)
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        return b"".join(parts), str(exc) or type(exc).__name__
    return b"".join(parts), None


async def _acollect(chunks: AsyncIterator[bytes], deadline: float) -> tuple[bytes, str | None]:
    parts: list[bytes] = []
    try:
        async for chunk in chunks:
            parts.append(chunk)
            _deadline_check(deadline)
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        return b"".join(parts), str(exc) or type(exc).__name__
    return b"".join(parts), None


def _total(client: httpx.Client | httpx.AsyncClient) -> float:
    read = client.timeout.read
    return read if read is not None else float("inf")


def send(
    client: httpx.Client,
    policy: RetryPolicy,
    path: str,
    payload: Any,
    secret: str | None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """POST ``payload`` to ``path`` with retries; the final successful ``Reply``. The body is
    ``payload`` as JSON, or a ``RawBody`` as it is; ``headers`` are added to the client's."""
    content, extra = _request(payload, headers)
    exchange = Exchange(policy, "POST", f"{client.base_url}".rstrip("/") + path, secret)
    while True:
        outcome: Reply | httpx.TransportError
        deadline = time.monotonic() + _total(client)
        try:
            with client.stream("POST", path, content=content, headers=extra) as response:
                body, broken = _collect(response.iter_bytes(), deadline)
                outcome = Reply(response.status_code, response.headers, body, broken)
        except httpx.TransportError as exc:
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
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """Async twin of ``send``: same policy and outcomes, only the I/O differs."""
    content, extra = _request(payload, headers)
    exchange = Exchange(policy, "POST", f"{client.base_url}".rstrip("/") + path, secret)
    while True:
        outcome: Reply | httpx.TransportError
        deadline = time.monotonic() + _total(client)
        try:
            async with client.stream("POST", path, content=content, headers=extra) as response:
                body, broken = await _acollect(response.aiter_bytes(), deadline)
                outcome = Reply(response.status_code, response.headers, body, broken)
        except httpx.TransportError as exc:
            outcome = exc
        step = exchange.after(outcome)
        if isinstance(step, Reply):
            return step
        await asyncio.sleep(step)
