"""Fixtures of the client tests: the scripted fault server (see ``fault_server.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fault_server import FaultServer, running_fault_server


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A fresh scripted server on 127.0.0.1 (answers ``{}`` until scripted)."""
    with running_fault_server() as state:
        yield state
