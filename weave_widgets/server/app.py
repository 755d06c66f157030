"""Builds the local trace server app: store, lifespan, middleware, error answers and OpenAPI.

Errors are answered by :mod:`weave_widgets.server.failures` (one table, JSON with a reason,
the connection kept); Host, key and body size are checked by :mod:`weave_widgets.server.guard`.

The endpoints themselves are listed in :mod:`weave_widgets.server.routes`; the choices made
where the hosted server's behaviour is unknown are in :mod:`weave_widgets.server`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from weave_widgets.models import ValidationErrorItem
from weave_widgets.server import failures
from weave_widgets.server.guard import OPEN_PATHS, Guard, allowed_host_names, check_api_key
from weave_widgets.server.routes import api_router
from weave_widgets.server.routing import json_response
from weave_widgets.server.store import Store


def _message(error: Any) -> str:
    """A validation error's message, with the parser's reason for ``json_invalid``."""
    ctx = error.get("ctx") or {}
    if error["type"] == "json_invalid" and ctx.get("error"):
        return f"{error['msg']}: {ctx['error']}"
    return str(error["msg"])


async def _validation_error(request: Request, exc: Exception) -> Response:
    """422 with ``{loc, msg, type}`` items as the contract's ``ValidationError``.

    The rejected input is not echoed (it may be a 30 MB batch, or bytes that are not UTF-8).
    """
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [{"loc": list(e["loc"]), "msg": _message(e), "type": e["type"]} for e in errors]
    return json_response({"detail": detail}, 422)


def _add_contract_details(app: FastAPI) -> None:
    """Document 422 bodies as sent, and HTTP Basic / Bearer on every operation but ``/health``."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = base()  # caches itself in app.openapi_schema
            schema["components"]["schemas"]["ValidationError"] = (
                ValidationErrorItem.model_json_schema()
            )
            schema["components"]["securitySchemes"] = {
                "HTTPBasic": {"type": "http", "scheme": "basic"},
                "HTTPBearer": {"type": "http", "scheme": "bearer"},
            }
            for path, item in schema["paths"].items():
                if path not in OPEN_PATHS:
                    for op in item.values():
                        op["security"] = [{"HTTPBasic": []}, {"HTTPBearer": []}]
        return app.openapi_schema or base()

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    db_path: str | os.PathLike[str],
    api_key: str | None = None,
    *,
    host: str = "127.0.0.1",
    allowed_hosts: Iterable[str] = (),
) -> FastAPI:
    """The local trace server app over the SQLite file ``db_path``; ``api_key`` enables auth
    (an empty key is a ValueError, not "no auth").

    ``host`` is the address the server is bound to: requests must name it, a loopback name or
    one of ``allowed_hosts`` in their ``Host`` header (see :mod:`~weave_widgets.server.guard`).
    The store opens here and lives on ``app.state.store`` (routes get it through
    :data:`~weave_widgets.server.deps.StoreDep`); it is closed when the app shuts down.
    """
    api_key = check_api_key(api_key)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.store.close()

    app = FastAPI(title="weave-widgets local trace server", version="0.1.0", lifespan=lifespan)
    app.state.store = Store(db_path)
    app.include_router(api_router)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(
        Guard, api_key=api_key, allowed_hosts=allowed_host_names(host, allowed_hosts)
    )
    failures.install(app)  # last: its boundary is the outermost middleware
    _add_contract_details(app)
    return app
