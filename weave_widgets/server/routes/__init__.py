"""The one list of the local trace server's endpoints: one router per group, composed here.

- :mod:`.health`: ``GET /health`` (the only endpoint open without the API key)
- :mod:`.calls`: ``POST /call/start``, ``/call/end``, ``/call/upsert_batch``
- :mod:`.feedback`: ``POST /feedback/create``, ``/feedback/batch/create``
- :mod:`.agents`: ``POST /agents/conversations/spans``, ``/agents/spans/query``
- :mod:`.otel`: ``POST /otel/v1/traces``

Each router takes the store as a :data:`~weave_widgets.server.deps.StoreDep` dependency;
``create_app`` includes :data:`api_router`, and adds no endpoint but FastAPI's OpenAPI pages.
Endpoint functions carry no docstrings: FastAPI would publish them as operation descriptions,
and ``/openapi.json`` must keep matching the published contract.
"""

from __future__ import annotations

from fastapi import APIRouter

from weave_widgets.server.routes import agents, calls, feedback, health, otel

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    calls.router,
    feedback.router,
    agents.router,
    otel.router,
)
"""The routers in the order their endpoints appear in ``/openapi.json``."""

api_router = APIRouter()
for _router in ROUTERS:
    api_router.include_router(_router)

__all__ = ["ROUTERS", "api_router"]
