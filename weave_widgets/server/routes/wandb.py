"""What ``weave.init`` asks before it traces: ``GET /server_info`` and W&B's ``POST /graphql``.

The weave SDK asks the trace server for its version floor, then asks W&B's GraphQL API (at
``WANDB_BASE_URL``) whether the project exists and who the user is. This server is both: it
answers the four GraphQL operations the SDK sends (``Project``, ``UpsertModel``,
``DefaultEntity``, ``ServerInfo``) and a GraphQL error naming any other, so that a newer SDK's
new question fails loudly instead of being answered wrongly. Projects need no creating here:
they exist once something is written to them.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from weave_widgets.server.routing import StrictJSONRoute, json_response

LOCAL_ENTITY = "local"
"""The user and default entity this server reports (it has no accounts)."""

MIN_WEAVE_VERSION = "0.0.0"
"""The oldest weave SDK this server admits; an SDK older than this turns tracing off."""

SERVER_VERSION = "weave-widgets-local"

_OPERATION = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")

router = APIRouter(route_class=StrictJSONRoute, tags=["weave SDK"])


class GraphQLRequest(BaseModel):
    """A GraphQL request as W&B's API takes it."""

    model_config = ConfigDict(extra="ignore")

    query: str
    variables: dict[str, Any] | None = None
    operationName: str | None = None


@router.get("/server_info")
def server_info() -> Response:
    return json_response(
        {
            "min_required_weave_python_version": MIN_WEAVE_VERSION,
            "trace_server_version": SERVER_VERSION,
        }
    )


def _operation_name(req: GraphQLRequest) -> str | None:
    if req.operationName:
        return req.operationName
    match = _OPERATION.match(req.query)
    return match.group(1) if match else None


def graphql_answer(req: GraphQLRequest, base_url: str) -> dict[str, Any]:
    """The answer to one of the GraphQL operations ``weave.init`` sends, or an error naming it."""
    variables = req.variables or {}
    name = _operation_name(req)
    if name == "Project":
        return {"data": {"project": {"name": variables.get("name")}}}
    if name == "UpsertModel":
        model = {"name": variables.get("name"), "description": variables.get("description")}
        return {"data": {"upsertModel": {"model": model}}}
    if name == "DefaultEntity":
        viewer = {"username": LOCAL_ENTITY, "defaultEntity": {"name": LOCAL_ENTITY}}
        return {"data": {"viewer": viewer}}
    if name == "ServerInfo":
        return {"data": {"serverInfo": {"frontendHost": base_url}}}
    shown = name or req.query.strip()[:80]
    return {
        "data": None,
        "errors": [
            {
                "message": (
                    f"weave-widgets serve answers only the GraphQL operations weave.init sends "
                    f"(Project, UpsertModel, DefaultEntity, ServerInfo), not {shown!r}"
                ),
                "extensions": {"code": "UNSUPPORTED_OPERATION"},
            }
        ],
    }


@router.post("/graphql")
def graphql(req: GraphQLRequest, request: Request) -> Response:
    return json_response(graphql_answer(req, str(request.base_url).rstrip("/")))
