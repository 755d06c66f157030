"""The local server's ``/openapi.json`` agrees with the seed contract."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from seeds import schema_shape, seed_documents, seed_schemas

SEEDS = seed_schemas()


@pytest.fixture(scope="module")
def openapi(local_server: str) -> dict[str, Any]:
    return dict(httpx.get(f"{local_server}/openapi.json").json())


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seeded_schema_matches(openapi: dict[str, Any], name: str) -> None:
    ours = openapi["components"]["schemas"]
    assert name in ours, f"/openapi.json has no schema {name}"
    assert schema_shape(ours[name], ours) == schema_shape(SEEDS[name], SEEDS)


def seeded_operations() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, item["post"])
        for doc in seed_documents().values()
        for path, item in doc["paths"].items()
    ]


@pytest.mark.parametrize(("path", "seed"), seeded_operations())
def test_seeded_route_matches(openapi: dict[str, Any], path: str, seed: dict[str, Any]) -> None:
    ours = openapi["paths"][path]["post"]
    assert ours["operationId"] == seed["operationId"]
    assert ours["tags"] == seed["tags"]
    body = ours["requestBody"]["content"]["application/json"]["schema"]
    assert body == seed["requestBody"]["content"]["application/json"]["schema"]
    for status in ("200", "422"):
        schema = ours["responses"][status]["content"]["application/json"]["schema"]
        assert schema == seed["responses"][status]["content"]["application/json"]["schema"]
    for requirement in seed.get("security", []):
        assert requirement in ours["security"]
