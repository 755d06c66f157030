"""Agent rollup routes: ``/agents/query`` and ``/agents/agent-versions/query``, the totals per
agent and per agent version that the weave SDK's ``get_agents`` / ``get_agent_versions``
read (see :mod:`weave_widgets.server.agent_rollups` for how spans are attributed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from weave_widgets.server import agent_rollups
from weave_widgets.server.deps import StoreDep
from weave_widgets.server.routing import BadRequest, StrictJSONRoute, json_response
from weave_widgets.server.sdk_models import AgentQueryReq, AgentVersionQueryReq, SortBy

router = APIRouter(route_class=StrictJSONRoute, tags=["Agents"])


def _sort(sort_by: list[SortBy] | None) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = [(s.field, s.direction) for s in sort_by or ()]
    for field, _ in keys:
        if field not in agent_rollups.SORT_FIELDS:
            raise BadRequest(
                f"sort_by field {field!r} is not one of {sorted(agent_rollups.SORT_FIELDS)}"
            )
    return keys


@router.post("/agents/query")
async def agents_query(req: AgentQueryReq, store: StoreDep) -> Response:
    answer = await run_in_threadpool(
        agent_rollups.agents,
        store,
        req.project_id,
        agent_name=req.filters.agent_name if req.filters else None,
        sort_by=_sort(req.sort_by),
        limit=req.limit,
        offset=req.offset,
    )
    return json_response(answer)


@router.post("/agents/agent-versions/query")
async def agent_versions_query(req: AgentVersionQueryReq, store: StoreDep) -> Response:
    answer = await run_in_threadpool(
        agent_rollups.agent_versions,
        store,
        req.project_id,
        agent_name=req.agent_name,
        sort_by=_sort(req.sort_by),
        limit=req.limit,
        offset=req.offset,
    )
    return json_response(answer)
