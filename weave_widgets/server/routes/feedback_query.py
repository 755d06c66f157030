"""The weave SDK's feedback reader: ``/feedback/query`` answers ``{result, total_count}``.

``call.feedback`` asks for the rows of one ref (``$eq`` of ``weave_ref``), and
``client.get_feedback()`` for all of them; any query expression of
:mod:`weave_widgets.server.query_expr` works. Rows are described in
:mod:`weave_widgets.server.feedback_reader`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from weave_widgets.server.deps import StoreDep
from weave_widgets.server.feedback_reader import FeedbackReader
from weave_widgets.server.query_expr import validate
from weave_widgets.server.routing import StrictJSONRoute, json_response
from weave_widgets.server.sdk_models import FeedbackQueryReq

router = APIRouter(route_class=StrictJSONRoute, tags=["Feedback"])


@router.post("/feedback/query")
def feedback_query(req: FeedbackQueryReq, store: StoreDep) -> Response:
    expr = None if req.query is None else req.query.expr
    if expr is not None:
        validate(expr)
    rows, total = FeedbackReader(store).query(
        req.project_id,
        expr,
        fields=req.fields,
        sort_by=[(s.field, s.direction) for s in req.sort_by or ()],
        limit=req.limit,
        offset=req.offset or 0,
    )
    return json_response({"result": rows, "total_count": total})
