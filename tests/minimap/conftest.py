"""Fixtures for the widget tests: deterministic demo-like data, no server needed."""

from __future__ import annotations

import pytest
from minimap_sample import sample_data

from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap._widget import ConversationMinimap


@pytest.fixture
def data() -> ConversationData:
    return sample_data()


@pytest.fixture
def widget(data: ConversationData) -> ConversationMinimap:
    return ConversationMinimap(data)
