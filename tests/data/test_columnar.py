"""The column-wise fast path agrees with pydantic: it never accepts what the models reject,
and what it accepts frames exactly as the validated models do."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pandas as pd
import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weave_widgets.data import _columnar as columnar
from weave_widgets.data._frames import conversation_data
from weave_widgets.models import AgentConversationSpansRes

text = st.text(max_size=4)
loose = st.one_of(text, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())

span = st.fixed_dictionaries(
    {
        "operation_name": st.sampled_from(["chat", "execute_tool", "x"]) | loose,
        "trace_id": st.sampled_from(["t1", "t2"]) | loose,
        "span_id": text | loose,
        "status": st.sampled_from(["OK", "ERROR", "UNSET"]) | loose,
        "duration_ms": st.integers(0, 10**6) | loose,
    }
)
spans = st.lists(
    span | st.dictionaries(st.sampled_from(["status", "span_id"]), loose, max_size=2), max_size=4
)
marker = st.fixed_dictionaries(
    {
        "trace_id": st.sampled_from(["t1", "t2", None]),
        "feedback_type": st.sampled_from(["wandb.agent_monitor", "wandb.agent_user_feedback", "x"]),
    },
    optional={
        "tags": st.lists(text, max_size=2),
        "ratings": st.lists(
            st.fixed_dictionaries({"name": text, "value": st.floats(0, 1) | st.integers(0, 1)}),
            max_size=2,
        ),
    },
)
entry = st.fixed_dictionaries(
    {"conversation_id": st.sampled_from(["a", "b", "c"]) | loose},
    optional={"spans": spans | loose, "spans_feedback": st.lists(marker, max_size=3)},
)
body = st.fixed_dictionaries({}, optional={"conversations": st.lists(entry, max_size=3) | loose})


def frames_equal(left: Any, right: Any) -> None:
    for name in ("spans", "feedback", "ratings", "conversations"):
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name))


@settings(max_examples=300, deadline=None)
@given(body)
def test_fast_path_never_accepts_more_than_pydantic(data: dict[str, Any]) -> None:
    columns = columnar.from_json(data)
    if columns is None:
        return
    try:
        res = AgentConversationSpansRes.model_validate(data)
    except pydantic.ValidationError as exc:
        raise AssertionError(f"fast path accepted what pydantic rejects: {exc}") from None
    ids = list(dict.fromkeys(columns.conversation_ids))
    frames_equal(conversation_data(columns, ids), conversation_data(res, ids))


def test_exact_bodies_take_the_fast_path() -> None:
    data = {
        "conversations": [
            {
                "conversation_id": "a",
                "spans": [
                    {
                        "operation_name": "chat",
                        "trace_id": "t",
                        "span_id": "s",
                        "status": "OK",
                        "duration_ms": 5,
                    }
                ],
            }
        ]
    }
    columns = columnar.from_json(data)
    assert columns is not None
    assert columns.span_id.to_pylist() == ["s"]


def test_coercible_bodies_leave_the_decision_to_pydantic() -> None:
    data = {
        "conversations": [
            {
                "conversation_id": "a",
                "spans": [
                    {
                        "operation_name": "chat",
                        "trace_id": "t",
                        "span_id": "s",
                        "status": "OK",
                        "duration_ms": 5.0,
                    }
                ],
            }
        ]
    }
    assert columnar.from_json(data) is None
    res = AgentConversationSpansRes.model_validate(data)
    assert res.conversations[0].spans[0].duration_ms == 5


def test_take_reorders_conversations_with_their_spans() -> None:
    res = AgentConversationSpansRes.model_validate(
        {
            "conversations": [
                {
                    "conversation_id": cid,
                    "spans": [
                        {
                            "operation_name": "chat",
                            "trace_id": f"{cid}-t",
                            "span_id": f"{cid}{i}",
                            "status": "OK",
                            "duration_ms": i,
                        }
                        for i in range(n)
                    ],
                }
                for cid, n in (("a", 2), ("b", 0), ("c", 3))
            ]
        }
    )
    picked = columnar.from_models(res.conversations).take([2, 0, 1])
    assert picked.conversation_ids == ["c", "a", "b"]
    assert list(picked.span_counts) == [3, 2, 0]
    assert picked.span_id.to_pylist() == ["c0", "c1", "c2", "a0", "a1"]
    assert list(picked.duration_ms) == [0, 1, 2, 0, 1]


def _encodings(data: Any) -> list[bytes]:
    """The body as the server writes it (compact) and as another server might (spaced)."""
    compact = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return [compact, json.dumps(data, indent=1).encode(), json.dumps(data).encode()]


@settings(max_examples=300, deadline=None)
@given(body)
def test_arrow_path_never_accepts_more_than_pydantic(data: dict[str, Any]) -> None:
    for raw in _encodings(data):
        columns = columnar.from_body(raw)
        if columns is None:
            continue
        try:
            res = AgentConversationSpansRes.model_validate(data)
        except pydantic.ValidationError as exc:
            raise AssertionError(f"arrow path accepted what pydantic rejects: {exc}") from None
        ids = list(dict.fromkeys(columns.conversation_ids))
        frames_equal(conversation_data(columns, ids), conversation_data(res, ids))


def _one_span(**changes: Any) -> dict[str, Any]:
    span = {"operation_name": "chat", "trace_id": "t", "span_id": "s", "status": "OK"}
    return {
        "conversations": [
            {
                "conversation_id": "a",
                "spans": [{**span, "duration_ms": 5, **changes}],
                "spans_feedback": [],
            }
        ]
    }


def test_arrow_path_takes_exact_bodies() -> None:
    columns = columnar.from_body(orjson.dumps(_one_span()))
    assert columns is not None
    assert columns.span_id.to_pylist() == ["s"]
    assert list(columns.duration_ms) == [5]


@pytest.mark.parametrize(
    "raw",
    [
        orjson.dumps(_one_span(duration_ms=5.0)),  # pydantic coerces: its decision
        orjson.dumps(_one_span(duration_ms=True)),
        orjson.dumps(_one_span(span_id=7)),
        orjson.dumps(_one_span(status="DONE")),
        orjson.dumps(_one_span(status=None)),
        orjson.dumps(_one_span()) + b"\n" + orjson.dumps(_one_span()),  # two values
        orjson.dumps(_one_span()).replace(b'"span_id":"s"', b'"span_id":"s","span_id":"t"'),
        orjson.dumps(_one_span()).replace(b'"a"', b'"\\ud800"'),  # lone surrogate
        orjson.dumps(_one_span()).replace(b'"a"', b'"\xff"'),  # not UTF-8
        orjson.dumps(_one_span()).replace(b'"spans_feedback":[]', b'"spans_feedback":null'),
        orjson.dumps(_one_span(duration_ms=2**63)),
        b"[]",
        b"",
    ],
)
def test_arrow_path_leaves_anything_unusual_to_the_other_paths(raw: bytes) -> None:
    assert columnar.from_body(raw) is None


def _with_marker(marker: bytes) -> bytes:
    return orjson.dumps(_one_span()).replace(
        b'"spans_feedback":[]', b'"spans_feedback":[' + marker + b"]"
    )


@pytest.mark.parametrize(
    "marker",
    [
        b'{"feedback_type":"wandb.agent_monitor","tags":[]}',  # trace_id absent: pydantic's call
        b'{"trace_id":null,"feedback_type":"wandb.agent_monitor","tags":null}',
        b'{"trace_id":null,"feedback_type":"wandb.agent_monitor","ratings":[{"name":"x","value":NaN}]}',
        b'{"trace_id":null,"feedback_type":"wandb.agent_monitor","ratings":[{"name":"x","value":Infinity}]}',
    ],
)
def test_arrow_path_leaves_doubtful_markers_to_pydantic(marker: bytes) -> None:
    assert columnar.from_body(_with_marker(marker)) is None


def test_arrow_path_reads_conversation_level_markers() -> None:
    marker = (
        b'{"trace_id":null,"feedback_type":"wandb.agent_monitor","tags":[],'
        b'"ratings":[{"name":"x","value":1}]}'
    )
    columns = columnar.from_body(_with_marker(marker))
    assert columns is not None
    assert columns.feedback[0][0].trace_id is None
    assert columns.feedback[0][0].ratings[0].value == 1.0
