"""Shared fixtures: an in-process local trace server on a temp SQLite file, fresh project ids,
and (for the server tests) a loopback client bound to one project."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from weave_widgets import local


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a local trace server shared by the session."""
    db: Path = tmp_path_factory.mktemp("local-server") / "trace.db"
    url = local.serve(db)
    yield url
    local.stop(url)


@pytest.fixture
def project_id() -> str:
    """A fresh ``entity/project`` per test, so tests never see each other's data."""
    return f"test-entity/p-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def loopback(local_server: str) -> Iterator[httpx.Client]:
    """An httpx client for ``local_server``."""
    with httpx.Client(base_url=local_server, timeout=30) as client:
        yield client


@pytest.fixture
def api(loopback: httpx.Client, project_id: str) -> object:
    """A ``server/server_api.Api`` for this test's project (typed ``object`` here so this file
    does not import from a test directory; the server tests annotate it as ``Api``)."""
    from server_api import Api

    return Api(loopback, project_id)
