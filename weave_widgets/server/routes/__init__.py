"""The one list of the local trace server's endpoints: one router per group, composed here.

- :mod:`.health`: ``GET /health`` (the only endpoint open without the API key)
- :mod:`.wandb`: ``GET /server_info``, ``POST /graphql`` (what ``weave.init`` asks)
- :mod:`.calls`: ``POST /call/start``, ``/call/end``, ``/call/upsert_batch``, and the weave
  SDK's ``/v2/{entity}/{project}/calls/complete``, ``/v2/{entity}/{project}/call/start``,
  ``/v2/{entity}/{project}/call/end``
- :mod:`.calls_query`: ``POST /calls/stream_query``, ``/calls/query_stats`` (the SDK's readers)
- :mod:`.feedback`: ``POST /feedback/create``, ``/feedback/batch/create``
- :mod:`.feedback_query`: ``POST /feedback/query``
- :mod:`.objects`: ``POST /obj/create``, ``/obj/read``, ``/file/create``, ``/file/content``,
  ``/table/create``, ``/table/create_from_digests``, ``/table/update``, ``/table/query``,
  ``/table/query_stats``, ``/refs/read_batch``
- :mod:`.agents`: ``POST /agents/conversations/spans``, ``/agents/spans/query``
- :mod:`.agent_rollups`: ``POST /agents/query``, ``/agents/agent-versions/query``
- :mod:`.agent_chat`: ``POST /agents/traces/chat``, ``/agents/conversations/chat``,
  ``/agents/search`` (the turns' messages, and search over them)
- :mod:`.otel`: ``POST /agents/otel/v1/traces``, ``/otel/v1/traces``, ``/v1/traces``

Each router takes the store as a :data:`~weave_widgets.server.deps.StoreDep` dependency;
``create_app`` includes :data:`api_router`, and adds no endpoint but FastAPI's OpenAPI pages.
Endpoint functions carry no docstrings: FastAPI would publish them as operation descriptions,
and ``/openapi.json`` must keep matching the published contract.
"""

from __future__ import annotations

from fastapi import APIRouter

from weave_widgets.server.routes import (
    agent_chat,
    agent_rollups,
    agents,
    calls,
    calls_query,
    feedback,
    feedback_query,
    health,
    objects,
    otel,
    wandb,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    calls.router,
    calls_query.router,
    feedback.router,
    feedback_query.router,
    objects.router,
    agents.router,
    agent_rollups.router,
    agent_chat.router,
    otel.router,
    wandb.router,
)
"""The routers in the order their endpoints appear in ``/openapi.json``."""

api_router = APIRouter()
for _router in ROUTERS:
    api_router.include_router(_router)

__all__ = ["ROUTERS", "api_router"]
