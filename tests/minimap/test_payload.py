"""The binary payload: round trip, size against JSON, format checks, JS fixtures in sync."""

from __future__ import annotations

import struct

import pandas as pd
import pytest
from js_fixture import FIXTURES, fixtures
from minimap_sample import sample_data
from payload_reader import decode, parse

from weave_widgets.data._frames import ConversationData, conversation_data
from weave_widgets.minimap import _payload as payload
from weave_widgets.models import (
    AgentConversationSpan,
    AgentConversationSpanFeedback,
    AgentConversationSpanRating,
    AgentConversationSpans,
)
from weave_widgets.palette import CATEGORIES, STATUS_CODES, palette

FRAMES = ("spans", "feedback", "ratings", "conversations")


def assert_same(a: ConversationData, b: ConversationData) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.project_id == b.project_id


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_equals_the_frames(data: ConversationData, compress: bool) -> None:
    encoded = payload.encode(data, compress=compress)
    assert encoded[5] == int(compress)
    assert_same(decode(encoded), data)


def test_round_trip_of_plain_string_ids_unicode_and_big_durations() -> None:
    spans = [
        AgentConversationSpan(
            operation_name=op,
            trace_id=f"t{i // 2}",
            span_id=f"s-{i}-é",
            status=st,
            duration_ms=d,
        )
        for i, (op, st, d) in enumerate(
            [("chat", "OK", 5), ("my/op ✨", "ERROR", 2**40), ("execute_tool", "UNSET", 0)]
        )
    ]
    feedback = [
        AgentConversationSpanFeedback(
            trace_id="t0",
            feedback_type="wandb.agent_monitor",
            tags=["naïve", "👍🏽"],
            ratings=[
                AgentConversationSpanRating(name="q", value=-1.5, reason="ok", confidence=0.25),
                AgentConversationSpanRating(name="r", value=0.0),
            ],
        )
    ]
    entry = AgentConversationSpans(
        conversation_id="user/42:session ü", spans=spans, spans_feedback=feedback
    )
    data = conversation_data([entry], ["user/42:session ü", "missing"], project_id="e/p")
    encoded = payload.encode(data)
    meta = parse(encoded).meta
    assert meta["columns"]["span_id"]["dtype"] == "str"
    assert meta["columns"]["span_duration_ms"]["dtype"] == "f64"
    assert_same(decode(encoded), data)


def test_uuid_ids_are_sent_as_16_raw_bytes(data: ConversationData) -> None:
    meta = parse(payload.encode(data)).meta
    assert meta["columns"]["span_id"]["dtype"] == "uuid"
    assert meta["columns"]["span_category"]["dtype"] == "u8"
    assert meta["palette"] == palette()
    assert meta["palette"]["categories"] == list(CATEGORIES)
    assert meta["palette"]["statuses"] == list(STATUS_CODES)


def test_empty_data_round_trips() -> None:
    empty = conversation_data([], [])
    assert_same(decode(payload.encode(empty)), empty)


def test_binary_payload_is_at_most_a_fifth_of_json() -> None:
    data = sample_data(300, seed=3)
    as_json = sum(
        len(frame.to_json(orient="records").encode())
        for frame in (data.spans, data.feedback, data.ratings)
    )
    ratio = len(payload.encode(data)) / as_json
    print(f"payload/json size ratio: {ratio:.3f} ({len(data.spans)} spans)")
    assert ratio <= 0.2


def test_header() -> None:
    """Magic, version, compression flag (the browser's refusal of bad bytes: decode.test.ts)."""
    encoded = payload.encode(sample_data(2), compress=False)
    assert encoded[:4] == payload.MAGIC
    assert struct.unpack_from("<BBH", encoded, 4) == (payload.VERSION, 0, 0)


def test_status_and_category_codes_are_the_palettes(data: ConversationData) -> None:
    """Codes index the palette's names whatever order the frames' categoricals list them in."""
    spans = data.spans.assign(
        status=data.spans["status"].cat.reorder_categories(list(reversed(STATUS_CODES))),
        category=data.spans["category"].astype(str),
    )
    shuffled = ConversationData(
        spans, data.feedback, data.ratings, data.conversations, data.project_id
    )
    assert payload.encode(shuffled) == payload.encode(data)
    bad = ConversationData(
        spans.assign(status=spans["status"].astype(str).replace("OK", "FINE")),
        data.feedback,
        data.ratings,
        data.conversations,
    )
    with pytest.raises(ValueError, match=r"data\.spans\.status: 'FINE' is not one of"):
        payload.encode(bad)


def test_misordered_frames_are_refused_with_a_fix(data: ConversationData) -> None:
    shuffled = ConversationData(
        data.spans.iloc[::-1].reset_index(drop=True),
        data.feedback,
        data.ratings,
        data.conversations,
    )
    with pytest.raises(ValueError, match=r"data\.spans must be sorted .* data\.select"):
        payload.encode(shuffled)
    orphan = ConversationData(data.spans, data.feedback, data.ratings, data.conversations.iloc[1:])
    with pytest.raises(ValueError, match=r"is not in data\.conversations"):
        payload.encode(orphan)


def test_js_fixtures_are_current() -> None:
    for name, content in fixtures().items():
        current = (FIXTURES / name).read_bytes()
        assert current == content, (
            f"js/test/fixtures/{name} is stale: run .venv/bin/python tests/minimap/js_fixture.py"
        )
