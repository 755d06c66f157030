"""An HTTP proxy on 127.0.0.1 that injects faults in front of a real upstream server.

``FaultProxy(upstream, plan)`` forwards each request to ``upstream`` unless ``plan(request,
attempt)`` returns a ``Fault``; ``attempt`` counts earlier requests with the same method, path
and body, so a plan can fail a request's first tries and let its retry through, whatever order
concurrent requests arrive in. Every answer closes the connection; ``injected`` records each
fault by name.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wire import serving


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> str:
        """Identity of a request across retries."""
        digest = hashlib.sha256(self.body).hexdigest()
        return f"{self.method} {self.path} {digest}"


@dataclass(frozen=True)
class Upstream:
    """What the real server answered."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Fault:
    """A named misbehaviour: ``act(conn, request, forward, stop)`` writes (or not) the answer."""

    name: str
    act: Callable[[socket.socket, Request, Callable[[], Upstream], threading.Event], None]


Plan = Callable[[Request, int], Fault | None]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def write_response_head(code: int, headers: list[tuple[str, str]], length: int) -> bytes:
    """Status line and headers announcing a ``length``-byte body and ``Connection: close``."""
    lines = [f"HTTP/1.1 {code} X"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_BY_HOP]
    lines += [f"Content-Length: {length}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def write_response(
    conn: socket.socket,
    code: int,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    claimed_length: int | None = None,
) -> None:
    """Send a whole response (``claimed_length`` may lie about the body's size)."""
    length = len(body) if claimed_length is None else claimed_length
    conn.sendall(write_response_head(code, headers, length) + body)


def status(code: int, body: bytes = b'{"detail": "injected"}', **headers: str) -> Fault:
    """Answer ``code`` without forwarding; ``content_type`` and other headers as keywords."""
    content_type = headers.pop("content_type", "application/json")
    extra = [(k.replace("_", "-"), v) for k, v in headers.items()]

    def act(conn: socket.socket, *_: Any) -> None:
        write_response(conn, code, [("Content-Type", content_type), *extra], body)

    return Fault(f"{code}", act)


def html_gateway_error() -> Fault:
    """A 502 from a "load balancer" with an HTML page instead of JSON."""
    page = b"<html><body><h1>502 Bad Gateway</h1><script>alert(1)</script></body></html>"
    fault = status(502, page, content_type="text/html")
    return Fault("502-html", fault.act)


def reset() -> Fault:
    """Read the request, then reset the connection (TCP RST) without answering."""

    def act(conn: socket.socket, *_: Any) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return Fault("reset", act)


def stall() -> Fault:
    """Never answer (until the proxy stops)."""

    def act(_conn: socket.socket, _req: Request, _fwd: Any, stop: threading.Event) -> None:
        stop.wait(60)

    return Fault("stall", act)


def stall_body() -> Fault:
    """Forward, send the real headers, then never send the body."""

    def act(conn: socket.socket, _req: Request, forward: Any, stop: threading.Event) -> None:
        up = forward()
        head = write_response_head(up.status, up.headers, len(up.body))
        conn.sendall(head)
        stop.wait(60)

    return Fault("stall-body", act)


def truncate() -> Fault:
    """Forward, then send the real headers and only half the body before closing."""

    def act(conn: socket.socket, _req: Request, forward: Any, _stop: Any) -> None:
        up = forward()
        half = up.body[: len(up.body) // 2]
        write_response(conn, up.status, up.headers, half, claimed_length=len(up.body))

    return Fault("truncate", act)


def forward_then_reset() -> Fault:
    """Forward (the server acts on the request), then reset the connection without answering:
    an acknowledged write whose acknowledgement is killed on the way."""

    def act(conn: socket.socket, _req: Request, forward: Any, _stop: Any) -> None:
        forward()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return Fault("forward-then-reset", act)


def trickle(delay: float, chunk: int = 1) -> Fault:
    """Forward, then drip the body ``chunk`` bytes every ``delay`` seconds (each read is
    quick enough for a read timeout; only a whole-response deadline stops it)."""

    def act(conn: socket.socket, _req: Request, forward: Any, stop: threading.Event) -> None:
        up = forward()
        conn.sendall(write_response_head(up.status, up.headers, len(up.body)))
        for start in range(0, len(up.body), chunk):
            if stop.wait(delay):
                return
            conn.sendall(up.body[start : start + chunk])

    return Fault("trickle", act)


def mutate(name: str, change: Callable[[bytes], bytes]) -> Fault:
    """Forward, then answer the real status with ``change(body)``."""

    def act(conn: socket.socket, _req: Request, forward: Any, _stop: Any) -> None:
        up = forward()
        write_response(conn, up.status, up.headers, change(up.body))

    return Fault(name, act)


RETRYABLE: tuple[Callable[[], Fault], ...] = (
    lambda: status(500),
    html_gateway_error,
    lambda: status(503, retry_after="0"),
    lambda: status(429, retry_after="0.05"),
    reset,
    stall,
    truncate,
)
"""Faults a client should retry through (a stall costs it one timeout)."""


def rotating(every: int = 2, double_every: int = 4) -> Plan:
    """Fault every ``every``-th distinct request (by arrival) on its first attempt, cycling
    through ``RETRYABLE``; every ``double_every``-th also on its second attempt."""
    order: dict[str, int] = {}

    def plan(request: Request, attempt: int) -> Fault | None:
        n = order.setdefault(request.key, len(order))
        faults = [] if n % every else [RETRYABLE[(n // every) % len(RETRYABLE)]()]
        if n % double_every == 0:
            faults.append(RETRYABLE[(n // every + 3) % len(RETRYABLE)]())
        return faults[attempt] if attempt < len(faults) else None

    return plan


@dataclass
class FaultProxy:
    """The proxy's URL, what it injected, and its plan (replaceable between requests)."""

    upstream: str
    plan: Plan
    url: str = ""
    injected: Counter[str] = field(default_factory=Counter)
    forwarded: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    _seen: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def decide(self, request: Request) -> Fault | None:
        with self._lock:
            attempt = self._seen[request.key]
            self._seen[request.key] += 1
            fault = self.plan(request, attempt)
            if fault is not None:
                self.injected[fault.name] += 1
            return fault

    def forward(self, request: Request) -> Upstream:
        parts = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        try:
            headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
            conn.request(request.method, request.path, body=request.body, headers=headers)
            res = conn.getresponse()
            body = res.read()
            with self._lock:
                self.forwarded += 1
            return Upstream(res.status, res.getheaders(), body)
        finally:
            conn.close()

    def handle(self, conn: socket.socket, request: Request) -> None:
        fault = self.decide(request)
        if fault is None:
            up = self.forward(request)
            write_response(conn, up.status, up.headers, up.body)
        else:
            fault.act(conn, request, lambda: self.forward(request), self.stop)


@contextmanager
def running(upstream: str, plan: Plan) -> Iterator[FaultProxy]:
    """A ``FaultProxy`` serving on a free loopback port for the duration of the block."""
    proxy = FaultProxy(upstream, plan)

    with serving(lambda conn, raw: proxy.handle(conn, Request(*raw))) as url:
        proxy.url = url
        try:
            yield proxy
        finally:
            proxy.stop.set()


def elapsed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """``(seconds, result or raised exception)`` of calling ``fn``."""
    start = time.monotonic()
    try:
        result: Any = fn()
    except Exception as exc:
        result = exc
    return time.monotonic() - start, result
