"""What every router shares: strict JSON request bodies, orjson answers and the 400 error.

Request bodies are parsed with orjson, so invalid UTF-8, lone surrogates, NaN and integers
beyond 64 bits are a 422 ``json_invalid`` instead of a 500 when the row is stored. Answers are
serialised with orjson, which keeps large span lists fast and stored JSON fragments as is.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute


class BadRequest(ValueError):
    """A request the local server cannot answer (HTTP 400)."""


def json_response(content: Any, status: int = 200) -> Response:
    """``content`` as an orjson-encoded ``application/json`` response."""
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


class _StrictJSONRequest(Request):
    """A request whose ``json()`` is parsed by orjson."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """The route class of every router that takes a JSON body (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict
