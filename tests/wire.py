"""Loopback HTTP/1.1 plumbing for the fault servers in tests: read a request, serve a port."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple


class RawRequest(NamedTuple):
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes


def read_request(rfile: Any) -> RawRequest | None:
    """The next request on ``rfile`` (a buffered socket file), or None when the peer closed."""
    start = rfile.readline()
    if not start:
        return None
    method, path, _ = start.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (line := rfile.readline().decode("latin-1").strip()) != "":
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    body = rfile.read(int(headers.get("content-length", "0")))
    return RawRequest(method, path, headers, body)


@contextmanager
def serving(on_request: Callable[[socket.socket, RawRequest], None]) -> Iterator[str]:
    """Serve on a free 127.0.0.1 port, one thread per connection, calling ``on_request`` with
    the socket and each request read; yields the base URL and shuts down on exit."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            raw = read_request(self.rfile)
            if raw is not None:
                with contextlib.suppress(OSError):  # the client gave up and closed its end
                    on_request(self.connection, raw)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class KeepAlive:
    """One HTTP/1.1 connection to a server, kept open across requests: a server that resets
    or closes it after an answer makes the next ``request`` fail."""

    def __init__(self, url: str, host: str | None = None) -> None:
        address = url.removeprefix("http://").rstrip("/")
        name, _, port = address.rpartition(":")
        self.host = address if host is None else host
        self.sock = socket.create_connection((name.strip("[]"), int(port)), timeout=60)
        self.rfile = self.sock.makefile("rb")

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; its status, headers (lower-cased names) and body."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        lines.append(f"Content-Length: {len(body)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        start = self.rfile.readline()
        if not start:
            raise ConnectionError("the server closed the connection instead of answering")
        status = int(start.split(b" ", 2)[1])
        answer: dict[str, str] = {}
        while (line := self.rfile.readline().decode("latin-1").strip()) != "":
            key, _, value = line.partition(":")
            answer[key.strip().lower()] = value.strip()
        return status, answer, self.rfile.read(int(answer.get("content-length", "0")))

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()

    def __enter__(self) -> KeepAlive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
