"""What every router shares: one strict JSON parser, orjson answers and the 400 error.

Every JSON request body goes through :func:`parse_json` (the model routes through
:class:`StrictJSONRoute`, OTLP JSON through :mod:`~weave_widgets.server.otlp_spans`):
orjson refuses invalid UTF-8, lone surrogates, NaN and integers beyond 64 bits, and the depth
check refuses nesting deeper than :data:`MAX_JSON_DEPTH`, which orjson would parse but could
not serialise again when the row is stored. Each is a 422 ``json_invalid`` with the reason,
never a 500 after the fact. Answers are serialised with orjson, which keeps large span lists
fast and stored JSON fragments as is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np
import orjson
from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

MAX_JSON_DEPTH = 128
"""Deepest nesting of arrays and objects a body may hold. orjson serialises at most 254
levels; stored rows wrap request values in a few levels of their own, so 128 leaves room."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)


class BadRequest(ValueError):
    """A request the local server cannot answer (HTTP 400)."""


class InvalidJson(json.JSONDecodeError):
    """A body that is not JSON the server can store; FastAPI answers it with 422
    ``json_invalid`` (it is a ``JSONDecodeError``), other callers map it themselves."""

    def __init__(self, reason: str, pos: int = 0) -> None:
        super().__init__(reason, "", 0)
        self.pos = pos


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in ``body``, which must be valid JSON.

    Counted on the bytes in C (strings removed, then a running sum over the brackets), so a
    32 MiB body costs milliseconds and no walk over millions of parsed objects.
    """
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # cannot nest deeper than the limit: the exact depth is not needed
    brackets = np.frombuffer(_STRING.sub(b"", body).translate(None, _NOT_BRACKETS), np.uint8)
    steps = np.where(np.isin(brackets, _OPEN), 1, -1).astype(np.int16)
    return int(np.cumsum(steps, dtype=np.int32).max(initial=0))


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
