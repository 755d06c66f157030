"""Service route: ``GET /health``, the one endpoint that never needs the API key."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Service"])


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
