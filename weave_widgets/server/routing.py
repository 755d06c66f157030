"""What every router shares: one strict JSON parser, orjson answers and the 400 error.

Every JSON request body goes through :func:`parse_json` (the model routes through
:class:`StrictJSONRoute`, OTLP JSON through :mod:`~weave_widgets.server.otlp_spans`):
orjson refuses invalid UTF-8, lone surrogates, NaN and integers beyond 64 bits, and the depth
check refuses nesting deeper than :data:`MAX_JSON_DEPTH`, which orjson would parse but could
not serialise again when the row is stored. Each is a 422 ``json_invalid`` with the reason,
never a 500 after the fact. Answers are serialised with orjson, which keeps stored JSON
fragments as is; the conversation spans answer, JSON that SQLite joined, goes out as it is,
made and sent by slices of ids (:class:`JSONArraySlices`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from typing import Any

import anyio
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
"""About how many bytes each body message of a :class:`JSONArraySlices` answer holds."""


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


class JSONArraySlices(Response):
    """A JSON answer ``prefix`` + the items of every slice, comma-separated + ``suffix``, whose
    slices after the first are made in a worker thread while the one before is being sent
    (in messages of about :data:`CHUNK_BYTES`; chunked when there is more than one slice, as
    its length is not known ahead, else with its ``Content-Length``).

    Each ``make`` returns its slice's items as parts (joined: the items separated by commas).
    The first slice is made before the answer begins, so its errors still answer as JSON; an
    error in a later one cuts the answer (:mod:`~weave_widgets.server.failures` closes the
    connection). Sent as one 80 MB message, an answer was first joined and then copied whole
    into asyncio's write buffer; made and sent by slices, the server reads while the client
    receives (see docs/benchmarks.md)."""

    media_type = "application/json"

    def __init__(
        self,
        prefix: bytes,
        first: list[bytes],
        rest: Sequence[Callable[[], list[bytes]]],
        suffix: bytes,
    ) -> None:
        self.parts = [prefix, *first]
        self.rest = rest
        self.suffix = suffix
        super().__init__()
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        if not rest:  # all of it is known: say its length, as any other answer does
            length = sum(map(len, self.parts)) + len(suffix)
            self.raw_headers.append((b"content-length", str(length).encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        parts = self.parts
        for make in self.rest:
            made = asyncio.ensure_future(anyio.to_thread.run_sync(make))
            try:
                await _send_chunks(send, parts)
            finally:
                more = await made
            parts = [b",", *more]
        await _send_chunks(send, [*parts, self.suffix])
        await send({"type": "http.response.body", "body": b""})


async def _send_chunks(send: Send, parts: list[bytes]) -> None:
    for chunk in json_chunks(parts):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})


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
