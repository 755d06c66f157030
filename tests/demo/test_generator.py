"""``weave_widgets.demo``: reproducible, realistic OTel GenAI conversations written through the
HTTP API, read back exactly through ``/agents/conversations/spans``."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from weave_widgets.client import WeaveClient
from weave_widgets.demo import _generator as generator
from weave_widgets.demo import demo_conversations, export_requests, write_demo
from weave_widgets.models import MAX_CONVERSATION_SPANS
from weave_widgets.palette import OPERATION_CATEGORIES

NOW = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
STATUS = {0: "UNSET", 1: "OK", 2: "ERROR"}


def attrs(span: Span) -> dict[str, Any]:
    """A span's attributes as plain values (arrays as lists)."""
    out: dict[str, Any] = {}
    for kv in span.attributes:
        kind = kv.value.WhichOneof("value")
        if kind == "array_value":
            out[kv.key] = [v.string_value for v in kv.value.array_value.values]
        else:
            out[kv.key] = getattr(kv.value, kind or "string_value")
    return out


def op(span: Span) -> str:
    return str(attrs(span)["gen_ai.operation.name"])


def dumped(n: int, seed: int) -> list[object]:
    return [
        [s.SerializeToString() for s in conv.spans] + [f.model_dump() for f in conv.feedback]
        for conv in demo_conversations("e/p", n, seed=seed, now=NOW)
    ]


def test_seeded_and_reproducible() -> None:
    assert dumped(20, seed=1) == dumped(20, seed=1)
    assert dumped(20, seed=1) != dumped(20, seed=2)
    assert dumped(40, seed=1)[:20] == dumped(20, seed=1)  # conversation i never depends on n


def test_export_requests_are_byte_identical_for_a_fixed_now() -> None:
    def requests() -> list[bytes]:
        convs = demo_conversations("e/p", 60, seed=4, now=NOW)
        return [r.SerializeToString(deterministic=True) for r in export_requests(convs, seed=4)]

    first = requests()
    assert len(first) > 1
    assert first == requests()


@pytest.fixture(scope="module")
def corpus() -> list[generator.DemoConversation]:
    return list(demo_conversations("e/p", 300, now=NOW))


def test_operations_statuses_and_sizes(corpus: list[generator.DemoConversation]) -> None:
    spans = [s for conv in corpus for s in conv.spans]
    ops = Counter(op(s) for s in spans)
    assert set(ops) == {
        "invoke_agent",
        "chat",
        "generate_content",
        "execute_tool",
        "retrieval",
        "embeddings",
    }
    assert set(ops) <= set(OPERATION_CATEGORIES)  # every one has a display category
    assert {s.status.code for s in spans} == {0, 2}  # UNSET or ERROR, never OK
    failed = [s for s in spans if s.status.code == 2]
    assert {op(s) for s in failed} == {"execute_tool"}
    assert 0.03 < len(failed) / ops["execute_tool"] < 0.08
    for s in failed:
        assert s.status.message
        assert attrs(s)["error.type"]
        assert [e.name for e in s.events] == ["exception"]
    sizes = [len(conv.spans) for conv in corpus]
    assert min(sizes) < 10
    assert 2 <= sum(size > MAX_CONVERSATION_SPANS for size in sizes) <= 20
    lower = int((NOW - datetime.timedelta(days=8)).timestamp()) * 10**9
    upper = int(NOW.timestamp()) * 10**9
    assert all(lower < s.start_time_unix_nano < s.end_time_unix_nano < upper for s in spans)
    assert all(s.start_time_unix_nano % 1000 == 0 for s in spans)  # whole microseconds


def test_turns_are_traces_rooted_at_invoke_agent(
    corpus: list[generator.DemoConversation],
) -> None:
    for conv in corpus:
        assert len(set(conv.traces)) == len(conv.turns)
        for turn in conv.turns:
            root = turn[-1]  # listed last: it ends after its children
            assert op(root) == "invoke_agent"
            assert not root.parent_span_id
            assert root.status.code == 0  # a failed tool leaves the turn UNSET
            assert {s.trace_id for s in turn} == {root.trace_id}
            ends = {s.span_id: (s.start_time_unix_nano, s.end_time_unix_nano) for s in turn}
            for index, span in enumerate(turn):
                assert span.start_time_unix_nano < span.end_time_unix_nano
                assert attrs(span)["gen_ai.conversation.id"] == conv.conversation_id
                if span is root:
                    continue
                start, end = ends[span.parent_span_id]
                assert start <= span.start_time_unix_nano < span.end_time_unix_nano <= end
                parent_at = next(i for i, s in enumerate(turn) if s.span_id == span.parent_span_id)
                assert parent_at > index  # children are exported before their parent
    nested = [
        s for conv in corpus for s in conv.spans if op(s) == "invoke_agent" and s.parent_span_id
    ]
    assert nested, "some turns call a subagent"


def test_messages_tokens_and_names(corpus: list[generator.DemoConversation]) -> None:
    chats = [
        attrs(s) for conv in corpus for s in conv.spans if op(s) in ("chat", "generate_content")
    ]
    assert all(a["gen_ai.usage.input_tokens"] > 0 < a["gen_ai.usage.output_tokens"] for a in chats)
    assert {a["gen_ai.provider.name"] for a in chats} == {"openai", "anthropic", "gcp.gemini"}
    answers = [attrs(turn[-1])["gen_ai.output.messages"] for conv in corpus for turn in conv.turns]
    assert max(len(a) for a in answers) > 1000  # an occasional long answer
    tools = {
        attrs(s)["gen_ai.tool.name"]
        for conv in corpus
        for s in conv.spans
        if op(s) == "execute_tool"
    }
    assert len(tools) > 10
    agents = {attrs(conv.turns[0][-1])["gen_ai.agent.name"] for conv in corpus}
    assert agents == {"support-agent", "research-agent", "coding-agent", "travel-planner"}


def test_feedback(corpus: list[generator.DemoConversation]) -> None:
    feedback = [f for conv in corpus for f in conv.feedback]
    kinds = Counter(
        (f.feedback_type, "conversation" if "agent_conversation" in f.weave_ref else "turn")
        for f in feedback
    )
    assert set(kinds) == {
        ("wandb.agent_user_feedback", "turn"),
        ("wandb.agent_user_feedback", "conversation"),
        ("wandb.agent_monitor", "turn"),
        ("wandb.agent_monitor", "conversation"),
    }
    tags = {t for f in feedback for t in f.scorer_tags or ()}
    assert {"👍", "👎", "needs-review", "resolved"} <= tags
    assert any(len(t) > 1 and t[0] in "👍👎" for t in tags)  # some carry a skin tone
    monitors = [f for f in feedback if f.feedback_type == "wandb.agent_monitor"]
    assert all(f.scorer_rating_reasons and f.scorer_rating_confidences for f in monitors)
    for conv in corpus:
        for f in conv.feedback:
            if f.span_trace_id is not None:
                assert f.span_trace_id in conv.traces
                assert f.span_conversation_id == conv.conversation_id


def test_export_requests_batch_whole_turns(corpus: list[generator.DemoConversation]) -> None:
    requests = list(export_requests(corpus[:120], max_spans=128))
    turn_of = {
        s.span_id: turn[-1].trace_id for conv in corpus[:120] for turn in conv.turns for s in turn
    }
    seen: list[bytes] = []
    traces_per_request = []
    for request in requests:
        (resource,) = request.resource_spans
        (scope,) = resource.scope_spans
        assert scope.scope.name == "weave.conversation"
        assert any(a.key == "service.name" for a in resource.resource.attributes)
        spans = list(scope.spans)
        traces = {turn_of[s.span_id] for s in spans}
        assert len(spans) <= 128 or len(traces) == 1  # only a single huge turn goes over
        traces_per_request.append(traces)
        seen.extend(s.span_id for s in spans)
    assert sorted(seen) == sorted(turn_of)  # every span exactly once
    for a, b in itertools.pairwise(traces_per_request):
        assert not a & b  # a turn is never split across requests


def test_negative_size_is_an_error() -> None:
    with pytest.raises(ValueError, match="n_conversations"):
        list(demo_conversations("e/p", -1))


Row = tuple[str, str, str, str, int]
"""``(trace_id, span_id, operation_name, status, duration_ms)`` of one span."""


def expected_rows(conv: generator.DemoConversation, *, calls: bool = False) -> list[Row]:
    """What ``/agents/conversations/spans`` must answer for ``conv``: spans by
    ``(started_at, span_id)``, the newest 200, integer-millisecond durations."""
    rows = []
    for s in conv.spans:
        start, end = s.start_time_unix_nano // 1000, s.end_time_unix_nano // 1000
        status = STATUS[s.status.code]
        if calls and status == "UNSET":
            status = "OK"  # a finished call is OK
        row = (s.trace_id.hex(), s.span_id.hex(), op(s), status, end // 1000 - start // 1000)
        rows.append(((start, s.span_id.hex()), row))
    rows.sort()
    return [row for _, row in rows][-MAX_CONVERSATION_SPANS:]


def fetched_rows(data: Any, cid: str) -> list[Row]:
    spans = data.spans[data.spans["conversation_id"] == cid]
    columns = ["trace_id", "span_id", "operation_name", "status", "duration_ms"]
    return [
        (str(t), str(s), str(o), str(st), int(d))
        for t, s, o, st, d in spans[columns].itertuples(index=False)
    ]


@pytest.fixture
def client(local_server: str, project_id: str) -> Iterator[WeaveClient]:
    with WeaveClient(project_id, url=local_server, progress=False) as c:
        yield c


@pytest.mark.parametrize("via", ["otel", "calls"])
def test_write_demo_round_trip(client: WeaveClient, project_id: str, via: str) -> None:
    ids = write_demo(client, 40, seed=3, now=NOW, via=via)  # type: ignore[arg-type]
    assert len(set(ids)) == 40
    data = client.conversation_spans(ids, started_after=NOW - datetime.timedelta(days=30))
    expected = list(demo_conversations(project_id, 40, seed=3, now=NOW))
    assert [c.conversation_id for c in expected] == ids
    for conv in expected:
        want = expected_rows(conv, calls=via == "calls")
        assert fetched_rows(data, conv.conversation_id) == want
        turns = data.spans[data.spans["conversation_id"] == conv.conversation_id]
        first_seen = list(dict.fromkeys(turns["trace_id"]))
        assert first_seen == [t for t in conv.traces if t in set(first_seen)]  # turn order
    capped = data.conversations[data.conversations["at_span_cap"]]
    assert len(capped) == sum(len(c.spans) >= MAX_CONVERSATION_SPANS for c in expected) > 0
    statuses = set(data.spans["status"])
    assert statuses == ({"OK", "ERROR"} if via == "calls" else {"UNSET", "ERROR"})
    assert len(data.feedback) == sum(len(conv.feedback) for conv in expected)
    tags = {t for tags in data.feedback["tags"] for t in tags}
    assert {"👍", "👎"} <= tags
    assert all(len(t) == 1 or not t.startswith(("👍", "👎")) for t in tags)  # tones stripped
    assert data.ratings["reason"].notna().any()


def test_calls_are_the_same_conversations() -> None:
    conv = next(
        c
        for c in demo_conversations("e/p", 50, now=NOW)
        if any(s.status.code == 2 for s in c.spans)
    )
    calls = conv.calls()
    starts = [c.start for c in calls if hasattr(c, "start")]
    ends = {c.end.id: c.end for c in calls if hasattr(c, "end")}
    assert len(starts) == len(ends) == len(conv.spans)
    for span, start in zip(
        sorted(conv.spans, key=lambda s: (s.start_time_unix_nano, s.span_id)), starts, strict=True
    ):
        assert start.id == span.span_id.hex()
        assert start.trace_id == span.trace_id.hex()
        assert start.parent_id == (span.parent_span_id.hex() or None)
        assert start.thread_id == conv.conversation_id
        assert start.op_name == span.name
        assert start.attributes == attrs(span)
        end = ends[start.id]
        assert (end.exception is not None) == (span.status.code == 2)
        assert (end.ended_at - start.started_at) == datetime.timedelta(
            microseconds=(span.end_time_unix_nano - span.start_time_unix_nano) // 1000
        )


def test_bad_via_is_an_error(client: WeaveClient) -> None:
    with pytest.raises(ValueError, match="via"):
        write_demo(client, 1, via="grpc")  # type: ignore[arg-type]


def test_progress_bar_for_long_writes(
    client: WeaveClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(generator, "PROGRESS_MIN_CONVERSATIONS", 3)
    write_demo(client, 2, now=NOW, progress=True)
    assert "demo conversations" not in capsys.readouterr().err  # short: no bar
    write_demo(client, 3, seed=1, now=NOW, progress=True)
    assert "demo conversations" in capsys.readouterr().err
    write_demo(client, 3, seed=2, now=NOW)  # progress=False on the client
    assert "demo conversations" not in capsys.readouterr().err
