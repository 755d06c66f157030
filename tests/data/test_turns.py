"""``data.turns``: one row per turn, checked value by value on a small answer, against a plain
pandas groupby on a random one, and at a million spans built with numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weave_widgets.data import TURN_COLUMNS, ConversationData, conversation_data
from weave_widgets.data._frames import (
    CATEGORY_DTYPE,
    CONVERSATION_COLUMNS,
    FEEDBACK_COLUMNS,
    RATING_COLUMNS,
    STATUS_DTYPE,
    STRING,
    empty_frame,
)
from weave_widgets.models import (
    AgentConversationSpan,
    AgentConversationSpanFeedback,
    AgentConversationSpanRating,
    AgentConversationSpans,
)


def _span(trace: str, span: str, op: str, ms: int, status: str = "UNSET") -> AgentConversationSpan:
    return AgentConversationSpan(
        operation_name=op, trace_id=trace, span_id=span, status=status, duration_ms=ms
    )


def small() -> ConversationData:
    a = AgentConversationSpans(
        conversation_id="a",
        spans=[
            _span("t1", "s1", "invoke_agent", 900),
            _span("t1", "s2", "chat", 400),
            _span("t1", "s3", "execute_tool", 100, "ERROR"),
            _span("t2", "s4", "invoke_agent", 500),
            _span("t2", "s5", "retrieval", 50),
        ],
        spans_feedback=[
            AgentConversationSpanFeedback(
                trace_id="t2", feedback_type="wandb.agent_user_feedback", tags=["👎"]
            ),
            AgentConversationSpanFeedback(
                trace_id="t2",
                feedback_type="wandb.agent_monitor",
                tags=["slow"],
                ratings=[
                    AgentConversationSpanRating(name="quality", value=0.2),
                    AgentConversationSpanRating(name="tone", value=0.6),
                ],
            ),
            AgentConversationSpanFeedback(
                trace_id=None, feedback_type="wandb.agent_user_feedback", tags=["session"]
            ),
        ],
    )
    b = AgentConversationSpans(
        conversation_id="b", spans=[_span("t9", "s9", "custom_step", 7, "OK")]
    )
    return conversation_data([a, b], ["b", "a", "c"])


def test_small_answer_value_by_value() -> None:
    turns = small().turns
    assert list(turns.columns) == [*TURN_COLUMNS, "rating.quality", "rating.tone"]
    assert turns["conversation_id"].tolist() == ["b", "a", "a"]  # conversations order
    assert turns["turn_index"].tolist() == [0, 0, 1]
    assert turns["trace_id"].tolist() == ["t9", "t1", "t2"]
    assert turns["n_spans"].tolist() == [1, 3, 2]
    assert turns["n_errors"].tolist() == [0, 1, 0]
    assert turns["duration_ms"].tolist() == [7, 900, 500]
    assert turns["span_ms"].tolist() == [7, 1400, 550]
    assert turns["categories"].tolist() == ["other", "agent,llm,tool", "agent,retrieval"]
    assert turns["n_feedback"].tolist() == [0, 0, 2]
    assert turns["tags"].tolist() == [[], [], ["slow", "👎"]]  # in marker (feedback_index) order
    assert turns["mean_rating"].iloc[2] == pytest.approx(0.4)
    assert turns["rating.quality"].iloc[2] == pytest.approx(0.2)
    assert turns["rating.tone"].iloc[2] == pytest.approx(0.6)
    assert turns[["mean_rating", "rating.tone"]].iloc[:2].isna().all().all()


def test_dtypes_are_stable_also_when_empty() -> None:
    expected = {name: pd.Series([], dtype=dtype).dtype for name, dtype in TURN_COLUMNS.items()}
    for data in (small(), conversation_data([], ["x"])):
        turns = data.turns
        assert {c: turns[c].dtype for c in TURN_COLUMNS} == expected


def test_matches_a_plain_groupby_on_random_data() -> None:
    rng = np.random.default_rng(3)
    spans = _random_spans(rng, n_conversations=300, max_turns=9)
    turns = _bare(spans).turns
    plain = (
        spans.assign(err=spans["status"] == "ERROR")
        .groupby(["conversation_id", "turn_index"], sort=False, observed=True)
        .agg(
            trace_id=("trace_id", "first"),
            n_spans=("span_id", "size"),
            n_errors=("err", "sum"),
            duration_ms=("duration_ms", "max"),
            span_ms=("duration_ms", "sum"),
        )
        .reset_index()
    )
    order = pd.Index(spans["conversation_id"].unique())
    plain = plain.assign(rank=order.get_indexer(plain["conversation_id"]))
    plain = plain.sort_values(["rank", "turn_index"]).reset_index(drop=True)
    for column in ("trace_id", "n_spans", "n_errors", "duration_ms", "span_ms"):
        assert turns[column].tolist() == plain[column].tolist(), column
    present = spans.groupby(["conversation_id", "turn_index"], sort=False)["category"].agg(
        lambda c: set(c.astype(str))
    )
    for cid, turn, cats in turns[["conversation_id", "turn_index", "categories"]].itertuples(
        index=False
    ):
        assert set(cats.split(",")) == present[(cid, turn)]


def _random_spans(rng: np.random.Generator, n_conversations: int, max_turns: int) -> pd.DataFrame:
    """A spans frame in the documented shape: conversations in order, turns interleaving."""
    per_conv = rng.integers(1, 4 * max_turns, size=n_conversations)
    total = int(per_conv.sum())
    conv = np.repeat(np.arange(n_conversations), per_conv)
    turn = rng.integers(0, max_turns, size=total)
    # turn_index counts turns by first span: renumber each conversation's turns in order seen
    key = conv * max_turns + turn
    codes, _ = pd.factorize(key)
    first_code = pd.Series(codes).groupby(conv).transform("min").to_numpy()
    turn_index = (codes - first_code).astype(np.int32)
    starts = np.repeat(np.cumsum(per_conv) - per_conv, per_conv)
    return pd.DataFrame(
        {
            "conversation_id": pd.array([f"c{i}" for i in conv], dtype=STRING),
            "turn_index": turn_index,
            "trace_id": pd.array(
                [f"c{c}-t{t}" for c, t in zip(conv, turn_index, strict=True)], dtype=STRING
            ),
            "span_index": (np.arange(total) - starts).astype(np.int32),
            "span_id": pd.array([f"s{i}" for i in range(total)], dtype=STRING),
            "operation_name": pd.array(["chat"] * total, dtype=STRING),
            "category": pd.Categorical.from_codes(
                rng.integers(0, 6, size=total), dtype=CATEGORY_DTYPE
            ),
            "status": pd.Categorical.from_codes(
                rng.choice(3, size=total, p=[0.6, 0.3, 0.1]), dtype=STATUS_DTYPE
            ),
            "duration_ms": rng.integers(0, 10_000, size=total).astype(np.int64),
        }
    )


def _bare(spans: pd.DataFrame) -> ConversationData:
    ids = pd.unique(spans["conversation_id"].astype(object))
    conversations = empty_frame(CONVERSATION_COLUMNS).reindex(range(len(ids)))
    conversations["conversation_id"] = pd.array(ids, dtype=STRING)
    return ConversationData(
        spans, empty_frame(FEEDBACK_COLUMNS), empty_frame(RATING_COLUMNS), conversations
    )


def test_a_million_spans() -> None:
    """Built with numpy (no server): every span is counted once, into the right turn."""
    rng = np.random.default_rng(7)
    n_conv, per_conv, per_turn = 20_000, 50, 5
    total = n_conv * per_conv
    conv = np.repeat(np.arange(n_conv), per_conv)
    turn = (np.arange(total) % per_conv // per_turn).astype(np.int32)
    ids = pd.array(np.char.add("c", np.arange(n_conv).astype(str)), dtype=STRING)
    status = rng.choice(3, size=total, p=[0.7, 0.25, 0.05])
    durations = rng.integers(0, 5_000, size=total).astype(np.int64)
    spans = pd.DataFrame(
        {
            "conversation_id": ids.take(conv),
            "turn_index": turn,
            "trace_id": ids.take(conv),
            "span_index": (np.arange(total) % per_conv).astype(np.int32),
            "span_id": pd.array(np.arange(total).astype(str), dtype=STRING),
            "operation_name": pd.array(np.full(total, "chat"), dtype=STRING),
            "category": pd.Categorical.from_codes(
                (np.arange(total) % 3).astype(np.int8), dtype=CATEGORY_DTYPE
            ),
            "status": pd.Categorical.from_codes(status.astype(np.int8), dtype=STATUS_DTYPE),
            "duration_ms": durations,
        }
    )
    turns = _bare(spans).turns  # (turns are keyed by turn_index, as the frames number them)
    n_turns = n_conv * per_conv // per_turn
    assert len(turns) == n_turns
    assert (turns["n_spans"] == per_turn).all()
    assert int(turns["n_errors"].sum()) == int((status == 2).sum())
    assert int(turns["span_ms"].sum()) == int(durations.sum())
    assert turns["duration_ms"].to_numpy().tolist() == (
        durations.reshape(n_turns, per_turn).max(axis=1).tolist()
    )
    assert turns["turn_index"].to_numpy().tolist() == (np.arange(n_turns) % 10).tolist()
    assert set(turns["categories"].unique()) == {"agent,llm,tool"}
