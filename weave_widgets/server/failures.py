"""Every failure becomes a JSON answer with a reason, and the connection stays open.

:func:`failure_answer` is the one table from an exception to ``(status, reason)``: the
server's own refusals keep their status (400, 404, 409, 413, 422), a full database is 507, a
busy one 503, anything unexpected 500 naming the exception type (details go to the log, not
to the client); a path no route matches is a 404 naming it. :class:`ErrorBoundary`, the
outermost middleware, answers with it whatever escapes the app, so no exception reaches
uvicorn: uvicorn would reset the kept-alive connection after Starlette's bare ``Internal
Server Error``. The same table serves the app's exception
handlers (see :func:`install`).
"""

from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from weave_widgets.server.feedback_rules import InvalidFeedback
from weave_widgets.server.guard import BodyTooLarge, reply
from weave_widgets.server.otlp_spans import InvalidOtlp
from weave_widgets.server.routing import BadRequest, InvalidJson, json_response
from weave_widgets.server.store import StorageFull, StoreError

logger = logging.getLogger("weave_widgets.server")

_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
REFUSALS: tuple[type[Exception], ...] = (
    StoreError,
    InvalidFeedback,
    InvalidOtlp,
    BadRequest,
    InvalidJson,
    BodyTooLarge,
    sqlite3.Error,
    MemoryError,
    RecursionError,
)
"""The exceptions the app's handlers answer; :class:`ErrorBoundary` answers the rest."""


def failure_answer(exc: BaseException) -> tuple[int, str]:
    """The status and reason to answer ``exc`` with."""
    if isinstance(exc, StoreError):
        return exc.status, str(exc)
    if isinstance(exc, BodyTooLarge):
        return 413, str(exc)
    if isinstance(exc, InvalidJson):
        return 422, f"the body is not JSON the server can store: {exc.msg}"
    if isinstance(exc, InvalidFeedback | InvalidOtlp | BadRequest):
        return 400, str(exc)
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail)
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL:
            return 507, str(StorageFull())
        if code in _BUSY:
            return 503, "the database is busy; retry in a moment"
        name = getattr(exc, "sqlite_errorname", type(exc).__name__)
        return 500, f"the database failed ({name}); the server log has the details"
    if isinstance(exc, MemoryError):
        return 503, "the server ran out of memory on this request; send a smaller one"
    if isinstance(exc, RecursionError):
        return 422, "the request nests too deeply to be handled; flatten it"
    return 500, f"the server failed ({type(exc).__name__}); its log has the details"


def _log(status: int, request: str, exc: BaseException) -> None:
    """Unexpected failures with their traceback; a full or busy database as a warning."""
    if status == 500:
        logger.error("%s answered %d", request, status, exc_info=exc)
    elif status >= 500:
        logger.warning("%s answered %d: %s", request, status, exc)
    else:
        logger.info("%s answered %d: %s", request, status, exc)


async def _handler(request: Request, exc: Exception) -> Response:
    status, reason = failure_answer(exc)
    _log(status, f"{request.method} {request.url.path}", exc)
    headers = {"retry-after": "1"} if status == 503 else None
    response = json_response({"reason": reason}, status)
    if headers:
        response.headers.update(headers)
    return response


async def _routing_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 with a reason naming the route, so that a client (a weave SDK
    newer than this server, say) learns which call is missing instead of a bare "Not Found"."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    route = f"{request.method} {request.url.path}"
    if status == 404 and "endpoint" not in request.scope:  # no route matched the path
        reason = f"the weave-widgets local trace server has no route {route} (its routes: /docs)"
        logger.warning("unanswered route %s (a client asked for what this server lacks)", route)
    elif status == 405:
        reason = f"{request.url.path} does not take {request.method} here (its routes: /docs)"
    else:
        reason = str(exc.detail) if isinstance(exc, HTTPException) else "server error"
    headers = exc.headers if isinstance(exc, HTTPException) else None
    response = json_response({"detail": reason, "reason": reason}, status)
    response.headers.update(headers or {})
    return response


def install(app: FastAPI) -> None:
    """Answer every exception in :data:`REFUSALS` with :func:`failure_answer`, and put an
    :class:`ErrorBoundary` outside all middleware for the rest (call after adding the other
    middleware, so that it is the outermost)."""
    for kind in REFUSALS:
        app.add_exception_handler(kind, _handler)
    app.add_exception_handler(HTTPException, _routing_error)
    app.add_middleware(ErrorBoundary)


class ErrorBoundary:
    """Answers any exception the app lets escape with :func:`failure_answer` as JSON, unless
    the answer had already begun (then the connection must close, as the answer is cut)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception as exc:
            if started:
                raise
            status, reason = failure_answer(exc)
            _log(status, f"{scope.get('method')} {scope.get('path')}", exc)
            extra = [(b"retry-after", b"1")] if status == 503 else None
            try:
                await reply(send, status, reason, extra)
            except OSError:
                return  # the client went away meanwhile
