"""One deadline per attempt, covering connect, sending, the response headers and the body.

httpx's timeouts bound each socket operation, so a server that trickles its headers (or its
body) one byte at a time, each within the read timeout, holds a request open for as long as it
likes. Here every socket operation httpcore performs is given at most the time left until the
attempt's deadline: :func:`attempt_deadline` sets the deadline for the code inside it (a
``ContextVar``, so threads and asyncio tasks each see their own), and
:func:`install_deadlines` wraps the network backend of a client's connection pools so that
reads, writes and connects obey it. Past the deadline they raise httpcore's timeouts, which
httpx reports as ``httpx.ConnectTimeout`` / ``ReadTimeout`` / ``WriteTimeout``.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

_deadline: ContextVar[float | None] = ContextVar("weave_widgets_attempt_deadline", default=None)

TOO_SLOW = "the answer took longer than the timeout to arrive (one deadline per attempt)"

SocketOptions = Iterable[Any] | None


@contextmanager
def attempt_deadline(seconds: float) -> Iterator[float]:
    """Hold every socket operation inside to ``seconds`` from now in total; yields the
    deadline (``time.monotonic()`` based)."""
    deadline = time.monotonic() + seconds
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def deadline_passed() -> bool:
    """Whether the current attempt's deadline has passed."""
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() >= deadline


def _bound(timeout: float | None, error: type[Exception]) -> tuple[float | None, bool]:
    """``timeout`` cut to the time left, and whether the deadline is what bounds it; raises
    ``error`` when no time is left."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout, False
    left = deadline - time.monotonic()
    if left <= 0:
        raise error(TOO_SLOW)
    if timeout is None or left < timeout:
        return left, True
    return timeout, False


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        bounded, capped = _bound(timeout, httpcore.ReadTimeout)
        try:
            return self._inner.read(max_bytes, bounded)
        except httpcore.ReadTimeout:
            if capped:
                raise httpcore.ReadTimeout(TOO_SLOW) from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        bounded, capped = _bound(timeout, httpcore.WriteTimeout)
        try:
            self._inner.write(buffer, bounded)
        except httpcore.WriteTimeout:
            if capped:
                raise httpcore.WriteTimeout(TOO_SLOW) from None
            raise

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded, _ = _bound(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> httpcore.NetworkStream:
        bounded, _ = _bound(timeout, httpcore.ConnectTimeout)
        inner = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _Stream(inner)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> httpcore.NetworkStream:
        bounded, _ = _bound(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        bounded, capped = _bound(timeout, httpcore.ReadTimeout)
        try:
            return await self._inner.read(max_bytes, bounded)
        except httpcore.ReadTimeout:
            if capped:
                raise httpcore.ReadTimeout(TOO_SLOW) from None
            raise

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        bounded, capped = _bound(timeout, httpcore.WriteTimeout)
        try:
            await self._inner.write(buffer, bounded)
        except httpcore.WriteTimeout:
            if capped:
                raise httpcore.WriteTimeout(TOO_SLOW) from None
            raise

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        bounded, _ = _bound(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: SocketOptions = None,
    ) -> httpcore.AsyncNetworkStream:
        bounded, _ = _bound(timeout, httpcore.ConnectTimeout)
        inner = await self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _AsyncStream(inner)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: SocketOptions = None
    ) -> httpcore.AsyncNetworkStream:
        bounded, _ = _bound(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._inner.connect_unix_socket(path, bounded, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def install_deadlines(client: httpx.Client | httpx.AsyncClient) -> None:
    """Wrap the network backend of every connection pool of ``client`` (its transport and
    any proxy mounts from the environment) so that :func:`attempt_deadline` applies.

    httpx offers no public hook for the backend, so this reaches into its pools; if their
    shape ever changes, this raises instead of silently dropping the deadline."""
    for transport in [client._transport, *client._mounts.values()]:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, _Backend | _AsyncBackend):
            continue
        if isinstance(backend, httpcore.NetworkBackend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
        elif isinstance(backend, httpcore.AsyncNetworkBackend):
            pool._network_backend = _AsyncBackend(backend)  # type: ignore[union-attr]
        elif transport is client._transport:
            raise RuntimeError(
                "cannot apply the per-attempt deadline: this httpx version keeps its "
                "connection pool elsewhere; pin httpx to a version weave-widgets supports"
            )
