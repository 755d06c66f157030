"""What every router shares: one strict JSON parser, orjson answers and the 400 error.

Every JSON request body goes through :func:`parse_json` (the model routes through
:class:`StrictJSONRoute`, OTLP JSON through :mod:`~weave_widgets.server.otlp_spans`):
orjson refuses invalid UTF-8, lone surrogates, NaN and integers beyond 64 bits, and the depth
check refuses nesting deeper than :data:`MAX_JSON_DEPTH`, which orjson would parse but could
not serialise again when the row is stored. Each is a 422 ``json_invalid`` with the reason,
never a 500 after the fact. Answers are serialised with orjson, which keeps stored JSON
fragments as is; the conversation spans answer, JSON that SQLite joined, goes out as it is in
1 MiB body messages (:class:`JSONParts`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import Any

import numpy as np
import orjson
from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope, Send

MAX_JSON_DEPTH = 128
"""Deepest nesting of arrays and objects a body may hold. orjson serialises at most 254
levels; stored rows wrap request values in a few levels of their own, so 128 leaves room."""

_QUOTE, _BACKSLASH = ord('"'), ord("\\")


class BadRequest(ValueError):
    """A request the local server cannot answer (HTTP 400)."""


class InvalidJson(json.JSONDecodeError):
    """A body that is not JSON the server can store; FastAPI answers it with 422
    ``json_invalid`` (it is a ``JSONDecodeError``), other callers map it themselves."""

    def __init__(self, reason: str, pos: int = 0) -> None:
        super().__init__(reason, "", 0)
        self.pos = pos


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in ``body``, which must be valid JSON; 0 when it
    holds at most :data:`MAX_JSON_DEPTH` brackets in all (it cannot nest deeper then).

    Counted on the bytes with numpy, never walking millions of parsed objects: quotes not
    escaped by an odd run of backslashes delimit strings, brackets with an even number of
    them before are structure, and the running sum of those brackets is the depth.
    """
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # cannot nest deeper than the limit: the exact depth is not needed
    data = np.frombuffer(body, dtype=np.uint8)
    quotes = np.flatnonzero(data == _QUOTE)
    escapable = quotes[(quotes > 0) & (data[quotes - 1] == _BACKSLASH)]  # after a backslash
    if len(escapable):
        slashes = np.flatnonzero(data == _BACKSLASH)
        runs = slashes[np.r_[True, np.diff(slashes) != 1]]  # where each run of "\\" starts
        start = runs[np.searchsorted(runs, escapable - 1, side="right") - 1]
        escaped = escapable[(escapable - start) % 2 == 1]  # an odd run escapes the quote
        keep = np.ones(len(quotes), dtype=bool)
        keep[np.searchsorted(quotes, escaped)] = False
        quotes = quotes[keep]
    opens = np.flatnonzero((data == ord("[")) | (data == ord("{")))
    closes = np.flatnonzero((data == ord("]")) | (data == ord("}")))
    opens = opens[np.searchsorted(quotes, opens) % 2 == 0]
    closes = closes[np.searchsorted(quotes, closes) % 2 == 0]
    positions = np.concatenate([opens, closes])
    signs = np.concatenate([np.ones(len(opens), np.int32), -np.ones(len(closes), np.int32)])
    order = np.argsort(positions, kind="stable")
    return int(np.cumsum(signs[order]).max(initial=0))


def parse_json(body: bytes) -> Any:
    """``body`` parsed by orjson, refused (:class:`InvalidJson`, a ``JSONDecodeError``) when
    it is not valid JSON or nests deeper than :data:`MAX_JSON_DEPTH`."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson(exc.msg, exc.pos) from None
    depth = json_depth(body)
    if depth > MAX_JSON_DEPTH:
        raise InvalidJson(
            f"arrays and objects nest {depth} levels deep; at most {MAX_JSON_DEPTH} levels "
            "can be stored: flatten the value or send it as a string"
        )
    return value


def json_response(content: Any, status: int = 200) -> Response:
    """``content`` as an orjson-encoded ``application/json`` response."""
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


CHUNK_BYTES = 1 << 20
"""About how many bytes each body message of a :class:`JSONParts` answer holds."""


def json_chunks(parts: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """``parts`` joined, in order, into chunks of at least ``size`` bytes (the last one may be
    smaller)."""
    group: list[bytes] = []
    held = 0
    for part in parts:
        group.append(part)
        held += len(part)
        if held >= size:
            yield b"".join(group)
            group, held = [], 0
    if group:
        yield b"".join(group)


class JSONParts(Response):
    """A JSON answer given as parts (joined in order, they are the document), sent as body
    messages of about :data:`CHUNK_BYTES` with its ``Content-Length``. Sent as one message,
    an 80 MB answer is joined and then copied whole into the event loop's write buffer; in
    1 MiB messages it flows as the client reads (82 MB over loopback to httpx: about a third
    of the time, see docs/benchmarks.md), and each chunk is joined just before it is sent, so
    joining overlaps sending."""

    media_type = "application/json"

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        super().__init__(headers={"content-length": str(sum(map(len, parts)))})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        for chunk in json_chunks(self.parts):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


class _StrictJSONRequest(Request):
    """A request whose ``json()`` is :func:`parse_json`."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """The route class of every router that takes a JSON body (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict
