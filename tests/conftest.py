"""Shared fixtures: an in-process local trace server on a temp SQLite file, fresh project ids."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

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
