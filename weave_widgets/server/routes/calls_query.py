"""The weave SDK's call readers: ``/calls/stream_query`` (JSON Lines, one ``CallSchema`` per
line) and ``/calls/query_stats`` (``{count}``).

Filtering, sorting and the rebuilt calls are described in
:mod:`weave_widgets.server.call_reader`. ``columns``, ``expand_columns`` and the ``include_*``
options other than ``include_feedback`` are accepted and ignored: every call comes whole.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from weave_widgets.server.call_reader import CallReader
from weave_widgets.server.deps import StoreDep
from weave_widgets.server.query_expr import validate
from weave_widgets.server.routes.feedback import LOCAL_USER
from weave_widgets.server.routing import StrictJSONRoute, json_response
from weave_widgets.server.sdk_models import CallsQueryReq, CallsQueryStatsReq

router = APIRouter(route_class=StrictJSONRoute, tags=["Calls"])

JSONL = "application/jsonl"
_LINES: dict[int | str, dict[str, Any]] = {200: {"content": {JSONL: {}}}}


@router.post("/calls/stream_query", response_class=Response, responses=_LINES)
def calls_stream_query(req: CallsQueryReq, store: StoreDep) -> Response:
    expr = None if req.query is None else req.query.expr
    if expr is not None:
        validate(expr)
    calls = CallReader(store, LOCAL_USER).query(
        req.project_id,
        req.filter,
        expr,
        sort_by=[(s.field, s.direction) for s in req.sort_by or ()],
        limit=req.limit,
        offset=req.offset or 0,
        include_feedback=bool(req.include_feedback),
    )
    body = b"".join(orjson.dumps(call) + b"\n" for call in calls)
    return Response(body, media_type=JSONL)


@router.post("/calls/query_stats")
def calls_query_stats(req: CallsQueryStatsReq, store: StoreDep) -> Response:
    expr = None if req.query is None else req.query.expr
    if expr is not None:
        validate(expr)
    count = CallReader(store, LOCAL_USER).count(req.project_id, req.filter, expr)
    if req.limit is not None:
        count = min(count, req.limit)
    return json_response({"count": count, "total_storage_size_bytes": None})
