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
