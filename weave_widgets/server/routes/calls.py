"""Call routes: ``/call/start``, ``/call/end``, ``/call/upsert_batch`` and the weave SDK's
``/v2/{entity}/{project}/...`` forms write calls as spans.

A duplicate call id is 409 (an identical replay of a stored start is accepted and changes
nothing), ending an unknown call is 404, and a batch is stored all or nothing. The ``/v2``
routes name the project in the path; every call in the body must belong to it.
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
    CallsCompleteReq,
    CallStartReq,
    CallStartRes,
)
from weave_widgets.server.call_spans import end_fields, start_row
from weave_widgets.server.deps import StoreDep
from weave_widgets.server.routing import BadRequest, StrictJSONRoute, json_response
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


def _check_path_project(entity: str, project: str, project_ids: list[str]) -> None:
    wanted = f"{entity}/{project}"
    for index, project_id in enumerate(project_ids):
        if project_id != wanted:
            raise BadRequest(
                f"call {index} has project_id {project_id!r} but the path names {wanted!r}; "
                "send each project's calls to its own /v2/{entity}/{project}/ route"
            )


@router.post("/v2/{entity}/{project}/calls/complete")
def calls_complete(entity: str, project: str, req: CallsCompleteReq, store: StoreDep) -> Response:
    _check_path_project(entity, project, [call.project_id for call in req.batch])
    starts = [start_row(call.started()) for call in req.batch]
    ends = [end_fields(call.ended()) for call in req.batch]
    store.write_calls(starts, ends)
    return json_response({})


@router.post("/v2/{entity}/{project}/call/start")
def v2_call_start(entity: str, project: str, req: CallStartReq, store: StoreDep) -> CallStartRes:
    _check_path_project(entity, project, [req.start.project_id])
    return call_start(req, store)


@router.post("/v2/{entity}/{project}/call/end")
def v2_call_end(entity: str, project: str, req: CallEndReq, store: StoreDep) -> CallEndRes:
    _check_path_project(entity, project, [req.end.project_id])
    return call_end(req, store)
