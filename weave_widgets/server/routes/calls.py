"""Call routes: ``/call/start``, ``/call/end`` and ``/call/upsert_batch`` write calls as spans.

A duplicate call id is 409 (an identical replay of a stored start is accepted and changes
nothing), ending an unknown call is 404, and a batch is stored all or nothing.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from weave_widgets.models import (
    CallBatchStartMode,
    CallCreateBatchReq,
    CallCreateBatchRes,
    CallEndReq,
    CallEndRes,
    CallStartReq,
    CallStartRes,
)
from weave_widgets.server.call_spans import end_fields, start_row
from weave_widgets.server.deps import StoreDep
from weave_widgets.server.routing import StrictJSONRoute, json_response
from weave_widgets.server.store import CallEnd, SpanRow

router = APIRouter(route_class=StrictJSONRoute, tags=["Calls"])


@router.post("/call/start")
def call_start(req: CallStartReq, store: StoreDep) -> CallStartRes:
    row = start_row(req.start)
    store.write_calls([row], [])
    return CallStartRes(id=row.span_id, trace_id=row.trace_id)


@router.post("/call/end")
def call_end(req: CallEndReq, store: StoreDep) -> CallEndRes:
    store.write_calls([], [end_fields(req.end)])
    return CallEndRes()


@router.post("/call/upsert_batch", response_model=CallCreateBatchRes)
def call_upsert_batch(req: CallCreateBatchReq, store: StoreDep) -> Response:
    starts: list[SpanRow] = []
    ends: list[CallEnd] = []
    res: list[dict[str, str]] = []
    for item in req.batch:
        if isinstance(item, CallBatchStartMode):
            row = start_row(item.req.start)
            starts.append(row)
            res.append({"id": row.span_id, "trace_id": row.trace_id})
        else:
            ends.append(end_fields(item.req.end))
            res.append({})
    store.write_calls(starts, ends)
    return json_response({"res": res})
