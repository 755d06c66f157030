"""A misbehaving HTTP server on 127.0.0.1 for the client's retry and error paths.

A plain module (not ``conftest``) so tests import it by a name no other test directory uses.

Each test scripts the server with ``FaultServer.script(...)``: one action per incoming request
(the last one repeats), or a function of the parsed request. Actions answer normally, reset the
connection, stall, or cut the body short. Every request is recorded with its arrival time.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from wire import RawRequest, serving


@dataclass
class Request:
    """One request as the server saw it."""

    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Action = Callable[[socket.socket, Request], None]


def reply(
    status: int = 200,
    body: bytes | str | Any = b"{}",
    headers: dict[str, str] | None = None,
    *,
    content_type: str = "application/json",
    claimed_length: int | None = None,
) -> Action:
    """Answer ``status`` with ``body`` (objects are sent as JSON); ``claimed_length`` larger
    than the body makes a truncated response (the connection closes early)."""
    if isinstance(body, str):
        data = body.encode()
    elif isinstance(body, bytes):
        data = body
    else:
        data = json.dumps(body).encode()

    def act(conn: socket.socket, _request: Request) -> None:
        lines = [
            f"HTTP/1.1 {status} X",
            f"Content-Type: {content_type}",
            f"Content-Length: {claimed_length if claimed_length is not None else len(data)}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)

    return act


def reset() -> Action:
    """Reset the connection (TCP RST) without answering."""

    def act(conn: socket.socket, _request: Request) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return act


def stall(stop: threading.Event) -> Action:
    """Never answer (until the server shuts down)."""

    def act(_conn: socket.socket, _request: Request) -> None:
        stop.wait(30)

    return act


def trickle(stop: threading.Event, every: float = 0.05) -> Action:
    """Send the headers, then one body byte every ``every`` seconds (until shutdown)."""

    def act(conn: socket.socket, _request: Request) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        conn.sendall(head.encode())
        while not stop.wait(every):
            try:
                conn.sendall(b" ")
            except OSError:
                return

    return act


@dataclass
class FaultServer:
    """The server's URL, its script and what it received."""

    url: str = ""
    requests: list[Request] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _actions: list[Action] = field(default_factory=list)
    _handler: Callable[[Request], Action] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *actions: Action) -> None:
        """Answer the n-th request with ``actions[n]`` (the last one repeats)."""
        self._actions = list(actions)
        self._handler = None

    def route(self, handler: Callable[[Request], Action]) -> None:
        """Choose each answer from the request."""
        self._handler = handler

    def next_action(self, request: Request) -> Action:
        with self._lock:
            self.requests.append(request)
            if self._handler is not None:
                return self._handler(request)
            index = min(len(self.requests), len(self._actions)) - 1
            return self._actions[index]


@contextmanager
def running_fault_server() -> Iterator[FaultServer]:
    """A fresh scripted server on 127.0.0.1 (answers ``{}`` until scripted), shut down on exit."""
    state = FaultServer()
    state.script(reply())

    def on_request(conn: socket.socket, raw: RawRequest) -> None:
        request = Request(time.monotonic(), *raw)
        state.next_action(request)(conn, request)

    with serving(on_request) as url:
        state.url = url
        try:
            yield state
        finally:
            state.stop.set()


def trickle_headers(stop: threading.Event, every: float = 0.05, lines: int = 100) -> Action:
    """Send the status line, then one header byte every ``every`` seconds: each read is
    quick, so only a deadline over the whole attempt stops it. After ``lines`` header lines
    (``lines * 12 * every`` seconds) it completes a valid answer, which a client without that
    deadline would then accept."""

    def act(conn: socket.socket, _request: Request) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for n in range(lines):
            for byte in f"X-Slow-{n:04d}: x\r\n".encode():
                if stop.wait(every):
                    return
                conn.sendall(bytes([byte]))
        body = json.dumps({"conversations": []}).encode()
        head = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        conn.sendall(head.encode() + body)

    return act


def stream(
    size: int,
    *,
    chunk: bytes = b" ",
    headers: dict[str, str] | None = None,
    announce: bool = False,
) -> Action:
    """Answer 200 with ``size`` bytes made of ``chunk`` repeated, sent as they are made (no
    Content-Length unless ``announce``; the connection closes at the end)."""

    def act(conn: socket.socket, _request: Request) -> None:
        lines = ["HTTP/1.1 200 OK", "Content-Type: application/json", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if announce:
            lines.append(f"Content-Length: {size}")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        block = chunk * max(1, (1 << 16) // len(chunk))
        sent = 0
        while sent < size:
            piece = block[: size - sent]
            conn.sendall(piece)
            sent += len(piece)

    return act
