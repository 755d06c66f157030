"""Reading one HTTP/1.1 request off a socket file, for the loopback fault servers in tests."""

from __future__ import annotations

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
