"""The kernel half of the transcript panel and the search box: custom messages answered by one
dispatcher through the data's reader (the client, over loopback), ``selected_turn``, and the
transcripts an exported page carries under its size cap."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from weave_widgets import WeaveClient
from weave_widgets.data import MESSAGE_COLUMNS, ConversationData
from weave_widgets.demo import write_demo
from weave_widgets.errors import WeaveWidgetsError
from weave_widgets.minimap._transcripts import NO_READER, records, turns_by_interest
from weave_widgets.minimap._widget import ConversationMinimap


@pytest.fixture(scope="module")
def live(local_server: str) -> Iterator[ConversationData]:
    with WeaveClient("widget-tests/transcripts", url=local_server) as client:
        ids = write_demo(client, 10, seed=1)  # seed 1: four failing spans
        yield client.conversation_spans(ids)


def failed_span(data: ConversationData) -> Any:
    spans = data.spans
    return spans[spans["status"] == "ERROR"].iloc[0]


def ask(widget: ConversationMinimap, content: Any) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    widget._transcripts.handle(content, sent.append)
    return sent


def test_selected_turn_is_the_selected_spans_turn(live: ConversationData) -> None:
    widget = ConversationMinimap(live)
    assert widget.selected_turn is None
    span = failed_span(live)
    widget.selected = {"conversation_id": span["conversation_id"], "span_id": span["span_id"]}
    turn = widget.selected_turn
    assert turn is not None
    assert list(turn.columns) == list(MESSAGE_COLUMNS)
    assert set(turn["trace_id"]) == {span["trace_id"]}
    assert set(turn["turn_index"]) == {span["turn_index"]}
    mine = turn[turn["span_id"] == span["span_id"]]
    assert mine["status"].tolist() == ["ERROR"]
    assert mine["error_message"].notna().all()
    assert widget.selected_turn is turn  # cached: the panel and Python share one fetch


def test_transcript_message_is_answered_with_json_safe_records(live: ConversationData) -> None:
    widget = ConversationMinimap(live)
    span = failed_span(live)
    (answer,) = ask(
        widget,
        {
            "kind": "transcript",
            "request": 7,
            "conversation_id": span["conversation_id"],
            "trace_id": span["trace_id"],
        },
    )
    assert (answer["kind"], answer["request"], answer["trace_id"]) == (
        "transcript",
        7,
        span["trace_id"],
    )
    assert all(set(m) == set(MESSAGE_COLUMNS) for m in answer["messages"])
    json.dumps(answer, allow_nan=False)  # what the comm sends: no NaN, no numpy scalars


def test_search_message_keeps_the_widgets_conversations_in_order(live: ConversationData) -> None:
    widget = ConversationMinimap(live.select(live.conversations["conversation_id"][:6]))
    (answer,) = ask(widget, {"kind": "search", "request": 2, "query": "the"})
    shown = widget.data.conversations["conversation_id"].tolist()
    assert answer["conversation_ids"]
    assert answer["conversation_ids"] == [c for c in shown if c in answer["conversation_ids"]]
    (cleared,) = ask(widget, {"kind": "search", "request": 3, "query": "  "})
    assert cleared["conversation_ids"] is None


def test_without_a_reader_the_answer_says_why(data: ConversationData) -> None:
    widget = ConversationMinimap(data)
    span = data.spans.iloc[0]
    widget.selected = {"conversation_id": span["conversation_id"], "span_id": span["span_id"]}
    with pytest.raises(WeaveWidgetsError, match="no transcript source"):
        _ = widget.selected_turn
    (answer,) = ask(widget, {"kind": "transcript", "request": 1, "trace_id": span["trace_id"]})
    assert answer == {"kind": "transcript", "request": 1, "error": NO_READER}
    assert ask(widget, "not a dict") == []
    assert ask(widget, {"kind": "unknown"}) == []


def _state(html: str) -> dict[str, Any]:
    found = re.search(r'id="weave-minimap-state">(.*?)</script>', html, re.S)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_pages_carry_transcripts_only_when_asked_and_under_the_cap(live: ConversationData) -> None:
    widget = ConversationMinimap(live)
    assert "prefetched_transcripts" not in _state(widget.to_html())
    every = _state(widget.to_html(transcripts=True))["prefetched_transcripts"]
    order = turns_by_interest(live)
    assert list(every["turns"]) == [t for _, t in order]
    assert every["omitted"] == 0
    first_error = order[0][1]
    assert first_error in set(live.spans[live.spans["status"] == "ERROR"]["trace_id"])
    size = len(orjson.dumps(every["turns"][first_error]))
    capped = _state(widget.to_html(transcripts=True, max_transcript_bytes=size))
    assert list(capped["prefetched_transcripts"]["turns"]) == [first_error]
    assert capped["prefetched_transcripts"]["omitted"] == len(order) - 1
    with pytest.raises(ValueError, match="max_transcript_bytes"):
        widget.to_html(transcripts=True, max_transcript_bytes=-1)


def test_records_of_an_empty_turn() -> None:
    import pandas as pd

    frame = pd.DataFrame({k: pd.Series([], dtype=v) for k, v in MESSAGE_COLUMNS.items()})
    assert records(frame) == []
