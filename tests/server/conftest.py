"""Fixtures for the local-server tests: a loopback HTTP client and a per-project ``Api``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from server_api import Api


@pytest.fixture
def http(local_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_server, timeout=30) as client:
        yield client


@pytest.fixture
def api(http: httpx.Client, project_id: str) -> Api:
    return Api(http, project_id)
