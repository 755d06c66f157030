"""The widget's explore traits: the user's categories in the payload and the filter, picked
conversations (``selected_conversations`` and ``selection``, both ways, observable), and the
``filter_conversations`` and ``highlight`` traits a linked chart drives."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import traitlets
from payload_reader import parse

from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap._payload import encode
from weave_widgets.minimap._widget import ConversationMinimap


def _ids(data: ConversationData) -> list[str]:
    return [str(c) for c in data.conversations["conversation_id"]]


def test_own_categories_in_the_payload_and_the_filter(data: ConversationData) -> None:
    mine = data.with_categories({"execute_tool": "tools", "chat": "model"})
    payload = parse(encode(mine))
    assert payload.meta["palette"]["categories"] == list(mine.categories)
    assert payload.meta["palette"]["category_colors"] == list(mine.category_colors.values())
    codes = payload.column("span_category")
    assert [mine.categories[c] for c in codes] == mine.spans["category"].astype(str).tolist()
    widget = ConversationMinimap(mine, filter_category=["tools"])
    with pytest.raises(traitlets.TraitError, match="unknown category"):
        widget.filter_category = ["llm"]
    widget.data = data  # back to the built-in categories: "tools" no longer exists
    assert widget.filter_category == []


def test_selected_conversations_and_selection_both_ways(
    widget: ConversationMinimap, data: ConversationData
) -> None:
    seen: list[Any] = []
    widget.observe(lambda change: seen.append(("ids", change["new"])), "selected_conversations")
    widget.observe(lambda change: seen.append(("data", change["new"])), "selection")
    ids = _ids(data)
    widget.selected_conversations = [ids[3], ids[1], ids[3]]
    assert widget.selected_conversations == [ids[3], ids[1]]  # duplicates dropped, order kept
    assert _ids(widget.selection) == [ids[3], ids[1]]
    assert set(widget.selection.spans["conversation_id"]) == {ids[3], ids[1]}
    assert sorted(kind for kind, _ in seen) == ["data", "ids"]  # one event each
    widget.selection = data.select([ids[0]])
    assert widget.selected_conversations == [ids[0]]
    widget.selection = None
    assert widget.selected_conversations == []
    assert widget.selection is None
    with pytest.raises(traitlets.TraitError, match="not in this widget's data"):
        widget.selected_conversations = ["nope"]
    assert widget.selected_conversations == []


def test_selection_survives_new_data_only_where_it_can(
    widget: ConversationMinimap, data: ConversationData
) -> None:
    ids = _ids(data)
    widget.selected_conversations = ids[:3]
    widget.filter_conversations = ids[1:4]
    widget.data = data.select(ids[2:])
    assert widget.selected_conversations == [ids[2]]
    assert widget.filter_conversations == ids[2:4]
    assert _ids(widget.selection) == [ids[2]]


def test_highlight_and_filter_values(widget: ConversationMinimap) -> None:
    widget.highlight = {"operation_name": ["execute_tool"], "status": ["ERROR"]}
    assert widget.highlight == {"operation_name": ["execute_tool"], "status": ["ERROR"]}
    with pytest.raises(traitlets.TraitError, match="unexpected keys"):
        widget.highlight = {"span_id": ["x"]}
    assert widget.filter_conversations is None
    widget.filter_conversations = []
    assert widget.filter_conversations == []
    assert "selection" not in widget.options()  # not synced: a Python-side view only


def test_constructor_takes_a_selection(data: ConversationData) -> None:
    ids = _ids(data)
    widget = ConversationMinimap(data, selected_conversations=ids[:2])
    assert _ids(widget.selection) == ids[:2]


def test_group_by_column_series_mapping(data: ConversationData) -> None:
    ids = _ids(data)
    widget = ConversationMinimap(data, group_by="n_turns")
    labels = widget.groups["labels"]
    turns = data.conversations["n_turns"].astype(str).tolist()
    assert labels == sorted(set(turns))
    assert [labels[c] for c in widget.groups["codes"]] == turns
    widget.group_by = {ids[0]: "v2", ids[1]: "v1"}
    assert widget.groups["labels"] == ["v1", "v2", "(none)"]  # no group listed last
    assert widget.groups["codes"][:3] == [1, 0, 2]
    widget.group_by = None
    assert widget.groups == {}
    with pytest.raises(ValueError, match="not a column"):
        widget.group_by = "agent"
    widget.group_by = data.conversations.set_index("conversation_id")["n_errors"] > 0
    assert widget.groups["labels"] == ["False", "True"]
    widget.data = data.select(ids[:4])  # regrouped for the new rows
    assert len(widget.groups["codes"]) == 4


def test_group_by_agent_name_from_the_listing(data: ConversationData) -> None:
    ids = _ids(data)
    listing = pd.DataFrame(
        {
            "conversation_id": ids[:3],
            "agent_names": [["support"], ["web-search", "support"], ["support", "web-search"]],
        }
    )
    widget = ConversationMinimap(data.with_listing(listing), group_by="agent_name")
    assert widget.groups["labels"] == ["support", "support, web-search", "(none)"]
    assert widget.groups["codes"][:4] == [0, 1, 1, 2]  # the unlisted read "(none)"
