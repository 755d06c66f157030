"""The embedded local trace server: a FastAPI app speaking the published Weave API over SQLite.

Endpoints: ``/call/start``, ``/call/end``, ``/call/upsert_batch``, ``/feedback/create``,
``/feedback/batch/create``, ``/agents/conversations/spans``, ``/agents/spans/query`` (grouped
by ``conversation_id``), ``/otel/v1/traces`` and ``GET /health``. Semantics and the choices
made where the real server is unknown are documented in ``weave_widgets/server/__init__.py``.
"""

from __future__ import annotations

import datetime
import gzip
import os
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from weave_widgets.models import (
    AgentConversationSpansReq,
    AgentConversationSpansRes,
    AgentSpansQueryReq,
    AgentSpansQueryRes,
    CallBatchStartMode,
    CallCreateBatchReq,
    CallCreateBatchRes,
    CallEndReq,
    CallEndRes,
    CallStartReq,
    CallStartRes,
    FeedbackCreateBatchReq,
    FeedbackCreateBatchRes,
    FeedbackCreateReq,
    FeedbackCreateRes,
    ValidationErrorItem,
)
from weave_widgets.server import otlp
from weave_widgets.server.calls import (
    end_fields,
    from_micros,
    new_id,
    start_row,
    to_micros,
)
from weave_widgets.server.feedback import InvalidFeedback, marker, validate_feedback
from weave_widgets.server.guard import MAX_BODY_BYTES, OPEN_PATHS, BodyTooLarge, Guard
from weave_widgets.server.store import (
    GROUP_SORT_FIELDS,
    MAX_TIME,
    MIN_TIME,
    FeedbackRow,
    Store,
    StoreError,
)

LOCAL_USER = "local"
"""``wb_user_id`` the local server records (it has no user accounts)."""

PROJECT_HEADER = "project_id"
"""Header naming the ``entity/project`` of an OTLP export, as Weave's OTel endpoint expects."""


class BadRequest(ValueError):
    """A request the local server cannot answer (HTTP 400)."""


def _json(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


def _micros(value: datetime.datetime | None, default: int) -> int:
    return default if value is None else to_micros(value)


# --- handlers (pure request -> response over a store) -------------------------------------------


def _write_batch(store: Store, req: CallCreateBatchReq) -> list[dict[str, str]]:
    starts, ends, res = [], [], []
    for item in req.batch:
        if isinstance(item, CallBatchStartMode):
            row = start_row(item.req.start)
            starts.append(row)
            res.append({"id": row.span_id, "trace_id": row.trace_id})
        else:
            ends.append(end_fields(item.req.end))
            res.append({})
    store.write_calls(starts, ends)
    return res


def _feedback_rows(reqs: list[FeedbackCreateReq]) -> tuple[list[FeedbackRow], list[Any]]:
    rows, res = [], []
    now = datetime.datetime.now(datetime.UTC)
    for req in reqs:
        anchor = validate_feedback(req)
        fid = req.id or new_id()
        mark = marker(req, anchor)
        rows.append(
            FeedbackRow(
                id=fid,
                project_id=req.project_id,
                weave_ref=req.weave_ref,
                feedback_type=req.feedback_type,
                created_at=to_micros(now),
                wb_user_id=LOCAL_USER,
                conversation_id=anchor.conversation_id,
                trace_id=anchor.trace_id,
                marker=None if mark is None else orjson.dumps(mark),
                body=orjson.dumps(req.model_dump(mode="json", exclude_none=True)),
            )
        )
        res.append({"id": fid, "created_at": now, "wb_user_id": LOCAL_USER, "payload": req.payload})
    return rows, res


def _group_sort(req: AgentSpansQueryReq) -> list[tuple[str, str]]:
    sort: list[tuple[str, str]] = [(s.field, s.direction) for s in req.sort_by]
    for field, _ in sort:
        if field not in GROUP_SORT_FIELDS:
            raise BadRequest(
                f"sort_by field {field!r} is not supported; "
                f"use one of {', '.join(GROUP_SORT_FIELDS)}"
            )
    return sort or [("last_seen", "desc")]


def _groups(store: Store, req: AgentSpansQueryReq) -> dict[str, Any]:
    if [(g.source, g.key) for g in req.group_by] != [("column", "conversation_id")]:
        raise BadRequest(
            "the local server lists conversations only: send "
            'group_by=[{"source": "column", "key": "conversation_id"}]'
        )
    key = req.group_by[0].alias or "conversation_id"
    groups, total = store.conversation_groups(
        req.project_id,
        _micros(req.started_after, MIN_TIME),
        _micros(req.started_before, MAX_TIME),
        _group_sort(req),
        req.limit,
        req.offset,
    )
    return {
        "spans": [],
        "groups": [
            {
                "group_keys": {key: g.conversation_id},
                "span_count": g.span_count,
                "invocation_count": g.invocation_count,
                "conversation_count": g.conversation_count,
                "total_duration_ms": g.total_duration_ms,
                "error_count": g.error_count,
                "agent_names": g.agent_names,
                "first_seen": from_micros(g.first_seen),
                "last_seen": from_micros(g.last_seen),
            }
            for g in groups
        ],
        "total_count": total,
    }


def _decompress(body: bytes, encoding: str | None) -> bytes:
    if not encoding or encoding == "identity":
        return body
    if encoding not in ("gzip", "deflate"):
        raise BadRequest(f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    reader = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
    try:
        out = reader.decompress(body, MAX_BODY_BYTES + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise BadRequest(f"body is not valid {encoding}: {exc}") from exc
    if len(out) > MAX_BODY_BYTES:
        raise BodyTooLarge(MAX_BODY_BYTES)
    return out


class _StrictJSONRequest(Request):
    """Parses JSON bodies with orjson: invalid UTF-8, lone surrogates, NaN and integers beyond
    64 bits become a 422 ``json_invalid`` instead of a 500 when the row is stored."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class _StrictJSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict


# --- routes ---------------------------------------------------------------------------------------


def _routes(store: Store) -> APIRouter:
    router = APIRouter(route_class=_StrictJSONRoute)

    @router.post("/call/start", tags=["Calls"])
    def call_start(req: CallStartReq) -> CallStartRes:
        row = start_row(req.start)
        store.write_calls([row], [])
        return CallStartRes(id=row.span_id, trace_id=row.trace_id)

    @router.post("/call/end", tags=["Calls"])
    def call_end(req: CallEndReq) -> CallEndRes:
        store.write_calls([], [end_fields(req.end)])
        return CallEndRes()

    @router.post("/call/upsert_batch", tags=["Calls"], response_model=CallCreateBatchRes)
    def call_upsert_batch(req: CallCreateBatchReq) -> Response:
        return _json({"res": _write_batch(store, req)})

    @router.post("/feedback/create", tags=["Feedback"], response_model=FeedbackCreateRes)
    def feedback_create(req: FeedbackCreateReq) -> Response:
        rows, res = _feedback_rows([req])
        store.insert_feedback(rows)
        return _json(res[0])

    @router.post("/feedback/batch/create", tags=["Feedback"], response_model=FeedbackCreateBatchRes)
    def feedback_batch_create(req: FeedbackCreateBatchReq) -> Response:
        rows, res = _feedback_rows(req.batch)
        store.insert_feedback(rows)
        return _json({"res": res})

    @router.post(
        "/agents/conversations/spans", tags=["Agents"], response_model=AgentConversationSpansRes
    )
    def genai_conversation_spans(req: AgentConversationSpansReq) -> Response:
        conversations = store.conversation_spans(
            req.project_id,
            req.conversation_ids,
            _micros(req.started_after, MIN_TIME),
            _micros(req.started_before, MAX_TIME),
        )
        return _json({"conversations": conversations})

    @router.post("/agents/spans/query", tags=["Agents"], response_model=AgentSpansQueryRes)
    def genai_spans_query(req: AgentSpansQueryReq) -> Response:
        return _json(_groups(store, req))

    @router.post("/otel/v1/traces", tags=["OpenTelemetry"])
    async def export_trace(request: Request) -> Response:
        project_id = request.headers.get(PROJECT_HEADER)
        if not project_id:
            raise BadRequest(
                f"send the target project in a '{PROJECT_HEADER}: entity/project' header"
            )
        body = _decompress(await request.body(), request.headers.get("content-encoding"))
        content_type = request.headers.get("content-type", "")
        rows = await run_in_threadpool(otlp.decode, body, content_type, project_id)
        await run_in_threadpool(store.upsert_spans, rows)
        if content_type.startswith("application/json"):
            return _json({})
        return Response(otlp.EMPTY_PROTOBUF_RESPONSE, media_type="application/x-protobuf")

    return router


def _reason(status: int) -> Any:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        code = exc.status if isinstance(exc, StoreError) else status
        return JSONResponse({"reason": str(exc)}, status_code=code)

    return handler


async def _validation_error(request: Request, exc: Exception) -> Response:
    """422 with ``{loc, msg, type}`` items as the contract's ``ValidationError``.

    The rejected input is not echoed (it may be a 30 MB batch, or bytes that are not UTF-8).
    """
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    return _json({"detail": detail}, 422)


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


def create_app(db_path: str | os.PathLike[str], api_key: str | None = None) -> FastAPI:
    """The local trace server app over the SQLite file ``db_path``; ``api_key`` enables auth."""
    store = Store(db_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="weave-widgets local trace server", version="0.1.0", lifespan=lifespan)
    app.state.store = store

    @app.get("/health", tags=["Service"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(_routes(store))
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreError, _reason(400))
    app.add_exception_handler(InvalidFeedback, _reason(400))
    app.add_exception_handler(otlp.InvalidOtlp, _reason(400))
    app.add_exception_handler(BadRequest, _reason(400))
    app.add_exception_handler(BodyTooLarge, _reason(413))
    app.add_middleware(Guard, api_key=api_key)
    _add_contract_details(app)
    return app
