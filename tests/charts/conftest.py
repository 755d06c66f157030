"""Fixtures for the chart tests."""

from __future__ import annotations

import pytest
from chart_data import make_data

from weave_widgets.data._frames import ConversationData


@pytest.fixture
def data() -> ConversationData:
    return make_data()
