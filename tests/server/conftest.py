"""Fixtures of the server tests: ``api``, a loopback :class:`server_api.Api` for one project.

As a conftest outside a package, this file also puts ``tests/server`` on ``sys.path`` (pytest's
default import mode), so the route tests in ``routes/`` import ``server_api`` as well.
"""

from __future__ import annotations

import httpx
import pytest
from server_api import Api


@pytest.fixture
def api(loopback: httpx.Client, project_id: str) -> Api:
    """An :class:`Api` for this test's project on the session's local server."""
    return Api(loopback, project_id)
