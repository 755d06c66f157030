"""``weave_widgets.demo``: reproducible, realistic data written through the HTTP API."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from weave_widgets.client import WeaveClient
from weave_widgets.demo import demo_conversations, write_demo
from weave_widgets.models import MAX_CONVERSATION_SPANS, CallEndReq, CallStartReq

NOW = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)


def dumped(n: int, seed: int) -> list[object]:
    return [
        [c.model_dump() for c in conv.calls] + [f.model_dump() for f in conv.feedback]
        for conv in demo_conversations("e/p", n, seed=seed, now=NOW)
    ]


def test_seeded_and_reproducible() -> None:
    assert dumped(20, seed=1) == dumped(20, seed=1)
    assert dumped(20, seed=1) != dumped(20, seed=2)
    assert dumped(40, seed=1)[:20] == dumped(20, seed=1)  # conversation i never depends on n


def test_shape_of_the_data() -> None:
    convs = list(demo_conversations("e/p", 300, now=NOW))
    starts = [c.start for conv in convs for c in conv.calls if isinstance(c, CallStartReq)]
    ends = [c.end for conv in convs for c in conv.calls if isinstance(c, CallEndReq)]
    ops = Counter(s.attributes["gen_ai.operation.name"] for s in starts)
    assert set(ops) == {"invoke_agent", "chat", "execute_tool", "retrieval", "embeddings"}
    assert any(
        s.parent_id and s.attributes["gen_ai.operation.name"] == "invoke_agent" for s in starts
    )
    failed = sum(e.exception is not None for e in ends) / ops["execute_tool"]
    assert 0.02 < failed < 0.09
    sizes = [sum(isinstance(c, CallStartReq) for c in conv.calls) for conv in convs]
    assert min(sizes) < 10
    assert max(sizes) > MAX_CONVERSATION_SPANS
    assert all(NOW - datetime.timedelta(days=8) < s.started_at < NOW for s in starts)
    feedback = [f for conv in convs for f in conv.feedback]
    tags = {t for f in feedback for t in f.scorer_tags or ()}
    assert {"👍", "👎", "needs-review"} <= tags
    assert any(len(t) > 1 and t[0] in "👍👎" for t in tags)  # some carry a skin tone
    assert any(f.scorer_rating_reasons for f in feedback)
    assert any("agent_conversation" in f.weave_ref for f in feedback)


def test_negative_size_is_an_error() -> None:
    with pytest.raises(ValueError, match="n_conversations"):
        list(demo_conversations("e/p", -1))


def test_write_demo_round_trip(local_server: str, project_id: str) -> None:
    with WeaveClient(project_id, url=local_server, progress=False) as client:
        ids = write_demo(client, 40, seed=3, now=NOW)
        assert len(set(ids)) == 40
        data = client.conversation_spans(ids, started_after=NOW - datetime.timedelta(days=30))
    expected = list(demo_conversations(project_id, 40, seed=3, now=NOW))
    per_conv = data.spans.groupby("conversation_id").size()
    for conv in expected:
        n_spans = sum(isinstance(c, CallStartReq) for c in conv.calls)
        assert per_conv.get(conv.conversation_id, 0) == min(n_spans, MAX_CONVERSATION_SPANS)
    statuses = set(data.spans["status"])
    assert statuses == {"OK", "ERROR"}
    markers = sum(len(conv.feedback) for conv in expected)
    assert len(data.feedback) == markers
    tags = {t for tags in data.feedback["tags"] for t in tags}
    assert all(len(t) == 1 or not t.startswith(("👍", "👎")) for t in tags)  # tones stripped
