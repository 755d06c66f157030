"""Property-based tests (hypothesis): the DataFrame framing of any valid response, and the
widget payload encoder's round trip for arbitrary unicode ids, tags and operation names."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from minimap.payload_reader import decode  # the tests' reader of widget payloads
from pandas.testing import assert_frame_equal

from weave_widgets.data._frames import ConversationData, conversation_data
from weave_widgets.minimap import _payload as payload
from weave_widgets.models import (
    AGENT_SPAN_FEEDBACK_TYPES,
    MAX_CONVERSATION_SPANS,
    STATUS_CODES,
    AgentConversationSpansRes,
)
from weave_widgets.palette import OPERATION_CATEGORIES

SETTINGS = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

ids = st.one_of(st.text(max_size=12), st.uuids().map(str))
operations = st.one_of(st.sampled_from(sorted(OPERATION_CATEGORIES)), st.text(max_size=10))
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def entry(draw: st.DrawFn, conversation_id: str) -> dict[str, Any]:
    """One conversation of a response: spans over a few turns, markers on them or not."""
    turns = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    spans = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "operation_name": operations,
                    "trace_id": st.sampled_from(turns),
                    "span_id": ids,
                    "status": st.sampled_from(STATUS_CODES),
                    "duration_ms": st.integers(0, 2**40),
                }
            ),
            max_size=8,
        )
    )
    rating = st.fixed_dictionaries(
        {
            "name": st.text(max_size=8),
            "value": finite,
            "reason": st.none() | st.text(max_size=8),
            "confidence": st.none() | st.floats(0, 1),
        }
    )
    markers = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "trace_id": st.none() | st.sampled_from(turns) | ids,
                    "feedback_type": st.sampled_from(AGENT_SPAN_FEEDBACK_TYPES),
                    "tags": st.lists(st.text(max_size=8), max_size=3),
                    "ratings": st.lists(rating, max_size=2),
                }
            ),
            max_size=4,
        )
    )
    return {"conversation_id": conversation_id, "spans": spans, "spans_feedback": markers}


@st.composite
def responses(draw: st.DrawFn) -> tuple[AgentConversationSpansRes, list[str]]:
    """A response and the ids asked for: some answered, some unknown, some repeated; the
    response may also hold an id nobody asked for."""
    answered = draw(st.lists(ids, max_size=6, unique=True))
    entries = [draw(entry(cid)) for cid in answered]
    unknown = draw(st.lists(ids.filter(lambda i: i not in answered), max_size=3))
    asked = draw(st.permutations([*answered, *unknown]))
    asked = [*asked, *draw(st.lists(st.sampled_from(asked), max_size=2))] if asked else []
    extra = draw(ids.filter(lambda i: i not in asked))
    entries.append(draw(entry(extra)))
    return AgentConversationSpansRes.model_validate({"conversations": entries}), asked


@SETTINGS
@given(responses())
def test_frames_invariants(case: tuple[AgentConversationSpansRes, list[str]]) -> None:
    res, asked = case
    data = conversation_data(res, asked)
    distinct = list(dict.fromkeys(asked))
    by_id = {e.conversation_id: e for e in res.conversations}
    assert list(data.conversations["conversation_id"]) == distinct
    assert set(data.spans["conversation_id"]) <= set(distinct)
    assert len(data.spans) == sum(len(by_id[c].spans) for c in distinct if c in by_id)
    assert len(data.feedback) == sum(len(by_id[c].spans_feedback) for c in distinct if c in by_id)

    for row in data.conversations.to_dict("records"):
        cid = row["conversation_id"]
        entry = by_id.get(cid)
        spans = data.spans[data.spans["conversation_id"] == cid]
        feedback = data.feedback[data.feedback["conversation_id"] == cid]
        ratings = data.ratings[data.ratings["conversation_id"] == cid]
        if entry is None:  # asked for, not answered: a row of zeros and nothing else
            assert (
                row["n_spans"],
                row["n_turns"],
                row["n_feedback"],
                len(spans),
                len(feedback),
            ) == (
                0,
                0,
                0,
                0,
                0,
            )
            continue
        # order kept, indexes consistent
        assert list(spans["span_index"]) == list(range(len(entry.spans)))
        assert list(spans["span_id"]) == [s.span_id for s in entry.spans]
        assert list(spans["operation_name"]) == [s.operation_name for s in entry.spans]
        assert list(spans["status"]) == [s.status for s in entry.spans]
        assert list(spans["duration_ms"]) == [s.duration_ms for s in entry.spans]
        first_seen = list(dict.fromkeys(s.trace_id for s in entry.spans))
        assert list(spans["turn_index"]) == [first_seen.index(s.trace_id) for s in entry.spans]
        assert list(spans["category"]) == [
            OPERATION_CATEGORIES.get(s.operation_name, "other") for s in entry.spans
        ]
        # markers sit at their turn; conversation-level and unknown turns have none
        turn_of = {t: i for i, t in enumerate(first_seen)}
        for marker in feedback.to_dict("records"):
            trace = None if pd.isna(marker["trace_id"]) else marker["trace_id"]
            assert marker["level"] == ("conversation" if trace is None else "turn")
            expected_turn = turn_of.get(trace) if trace is not None else None
            assert (
                None if pd.isna(marker["turn_index"]) else marker["turn_index"]
            ) == expected_turn
        assert sorted(map(tuple, feedback["tags"])) == sorted(
            tuple(m.tags) for m in entry.spans_feedback
        )
        # the summary equals a recomputation
        values = [r.value for m in entry.spans_feedback for r in m.ratings]
        assert row["n_spans"] == len(entry.spans)
        assert row["n_turns"] == len(first_seen)
        assert row["n_errors"] == sum(s.status == "ERROR" for s in entry.spans)
        assert row["total_duration_ms"] == sum(s.duration_ms for s in entry.spans)
        assert row["n_feedback"] == len(entry.spans_feedback)
        assert len(ratings) == len(values)
        if values:
            assert math.isclose(row["mean_rating"], sum(values) / len(values), abs_tol=1e-6)
        else:
            assert math.isnan(row["mean_rating"])
        assert row["at_span_cap"] == (len(entry.spans) >= MAX_CONVERSATION_SPANS)


def assert_round_trip(data: ConversationData, compress: bool) -> None:
    back = decode(payload.encode(data, compress=compress))
    for name in ("spans", "feedback", "ratings", "conversations"):
        assert_frame_equal(getattr(back, name), getattr(data, name), obj=name)
    assert back.project_id == data.project_id


@SETTINGS
@given(responses(), st.booleans(), st.text(max_size=20))
def test_payload_round_trip(
    case: tuple[AgentConversationSpansRes, list[str]], compress: bool, project: str
) -> None:
    res, asked = case
    assert_round_trip(conversation_data(res, asked, project_id=project), compress)


@SETTINGS
@given(st.lists(st.text(min_size=1), min_size=1, max_size=5, unique=True), operations)
def test_payload_round_trip_of_hostile_text(texts: list[str], operation: str) -> None:
    """Any text as conversation id, trace id, span id, tag, operation, rating name and reason."""
    entries = [
        {
            "conversation_id": text,
            "spans": [
                {
                    "operation_name": operation + text,
                    "trace_id": text,
                    "span_id": text[::-1],
                    "status": "ERROR",
                    "duration_ms": len(text),
                }
            ],
            "spans_feedback": [
                {
                    "trace_id": text,
                    "feedback_type": "wandb.agent_monitor",
                    "tags": [text, f"<b>{text}</b>"],
                    "ratings": [{"name": text, "value": 0.5, "reason": text}],
                }
            ],
        }
        for text in texts
    ]
    res = AgentConversationSpansRes.model_validate({"conversations": entries})
    assert_round_trip(conversation_data(res, texts), compress=False)
