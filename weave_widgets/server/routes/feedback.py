"""Feedback routes: ``/feedback/create`` and ``/feedback/batch/create`` store checked feedback.

Each row is checked and anchored by :mod:`weave_widgets.server.feedback_rules` (a violation is
400). A batch is stored all or nothing; an identical replay of a stored row is accepted and
changes nothing, another row with a stored id is 409.
"""

from __future__ import annotations

import datetime
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from weave_widgets.ids import new_id
from weave_widgets.models import (
    FeedbackCreateBatchReq,
    FeedbackCreateBatchRes,
    FeedbackCreateReq,
    FeedbackCreateRes,
)
from weave_widgets.server.deps import StoreDep
from weave_widgets.server.feedback_rules import marker, validate_feedback
from weave_widgets.server.routing import StrictJSONRoute, json_response
from weave_widgets.server.store import FeedbackRow, to_micros

LOCAL_USER = "local"
"""``wb_user_id`` the local server records (it has no user accounts)."""

router = APIRouter(route_class=StrictJSONRoute, tags=["Feedback"])


def _feedback_rows(reqs: list[FeedbackCreateReq]) -> tuple[list[FeedbackRow], list[Any]]:
    """The rows to store for ``reqs`` and the answer for each."""
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


@router.post("/feedback/create", response_model=FeedbackCreateRes)
def feedback_create(req: FeedbackCreateReq, store: StoreDep) -> Response:
    rows, res = _feedback_rows([req])
    store.insert_feedback(rows)
    return json_response(res[0])


@router.post("/feedback/batch/create", response_model=FeedbackCreateBatchRes)
def feedback_batch_create(req: FeedbackCreateBatchReq, store: StoreDep) -> Response:
    rows, res = _feedback_rows(req.batch)
    store.insert_feedback(rows)
    return json_response({"res": res})
