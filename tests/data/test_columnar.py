"""The column-wise fast path agrees with pydantic: it never accepts what the models reject,
and what it accepts frames exactly as the validated models do."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pydantic
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
    assert list(columns.span_id) == ["s"]


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
    assert list(picked.span_id) == ["c0", "c1", "c2", "a0", "a1"]
    assert list(picked.duration_ms) == [0, 1, 2, 0, 1]
