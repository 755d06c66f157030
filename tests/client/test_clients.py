"""Both clients against the real embedded trace server over loopback HTTP: what is written
through ``/call/start``, ``/call/end``, ``/call/upsert_batch`` and ``/feedback/create`` comes
back from ``conversation_spans`` and ``list_conversations`` as the documented DataFrames."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fault_server import Action, FaultServer, Request, reply

from weave_widgets import local
from weave_widgets.client import AsyncWeaveClient, WeaveClient
from weave_widgets.client import _clients as client_module
from weave_widgets.client import _endpoints as api
from weave_widgets.client._endpoints import LISTING_COLUMNS
from weave_widgets.data._frames import (
    CONVERSATION_COLUMNS,
    FEEDBACK_COLUMNS,
    RATING_COLUMNS,
    SPAN_COLUMNS,
    ConversationData,
)
from weave_widgets.errors import AuthError, RequestValidationError
from weave_widgets.models import CallEndReq, CallStartReq

T0 = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Span:
    """One span to write: conversation, turn, id, operation, start offset (s), duration
    (ms, None = never ended) and whether it ends with an exception."""

    conv: str
    trace: str
    span: str
    op: str
    at: float
    ms: int | None
    error: bool = False

    @property
    def status(self) -> str:
        return "UNSET" if self.ms is None else ("ERROR" if self.error else "OK")


SPANS = [
    Span("conv/a", "ta1", "a1", "invoke_agent", 0, 1500),
    Span("conv/a", "ta1", "a2", "execute_tool", 1, 250),
    Span("conv/a", "ta1", "a3", "execute_tool", 2, 40, error=True),
    Span("conv/a", "ta2", "a4", "chat", 3, 900),
    Span("conv/a", "ta2", "a5", "retrieval", 4, None),
    Span("conv-b", "tb1", "b1", "my_custom_step", 10, 7),
    Span("conv-b", "tb1", "b2", "embeddings", 11, 3),
]
IDS = ["conv-b", "conv/a", "conv-empty"]
CATEGORY = {
    "invoke_agent": "agent",
    "execute_tool": "tool",
    "chat": "llm",
    "retrieval": "retrieval",
    "my_custom_step": "other",
    "embeddings": "embeddings",
}


def start(project: str, s: Span) -> dict[str, Any]:
    return {
        "project_id": project,
        "id": s.span,
        "trace_id": s.trace,
        "thread_id": s.conv,
        "op_name": f"weave:///{project}/op/{s.op}:v0",
        "started_at": T0 + datetime.timedelta(seconds=s.at),
        "attributes": {"gen_ai.operation.name": s.op},
        "inputs": {},
    }


def end(project: str, s: Span) -> dict[str, Any]:
    assert s.ms is not None
    return {
        "project_id": project,
        "id": s.span,
        "ended_at": T0 + datetime.timedelta(seconds=s.at, milliseconds=s.ms),
        "exception": "ValueError: tool failed" if s.error else None,
        "summary": {},
    }


@pytest.fixture
def client(local_server: str, project_id: str) -> Iterator[WeaveClient]:
    with WeaveClient(project_id, url=local_server) as c:
        yield c


@pytest.fixture
def written(client: WeaveClient, project_id: str) -> WeaveClient:
    for s in SPANS:
        res = client.call_start(start(project_id, s))
        assert (res.id, res.trace_id) == (s.span, s.trace)
        if s.ms is not None:
            client.call_end(end(project_id, s))
    client.add_feedback("conv/a", "ta1", tags=["👍", "needs-review"])
    client.add_feedback("conv/a", ratings={"quality": 0.25}, reasons={"quality": "slow"})
    client.add_feedback("conv-b", "tb1", ratings={"quality": 0.75, "safety": 1.0})
    return client


def frame(columns: dict[str, Any], data: dict[str, list[Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {name: pd.Series(data[name], dtype=dtype) for name, dtype in columns.items()}
    )


def expected_spans() -> pd.DataFrame:
    ordered = [s for cid in IDS for s in SPANS if s.conv == cid]
    turns = {"ta1": 0, "ta2": 1, "tb1": 0}
    index = {s.span: i for cid in IDS for i, s in enumerate(x for x in SPANS if x.conv == cid)}
    return frame(
        SPAN_COLUMNS,
        {
            "conversation_id": [s.conv for s in ordered],
            "turn_index": [turns[s.trace] for s in ordered],
            "trace_id": [s.trace for s in ordered],
            "span_index": [index[s.span] for s in ordered],
            "span_id": [s.span for s in ordered],
            "operation_name": [s.op for s in ordered],
            "category": [CATEGORY[s.op] for s in ordered],
            "status": [s.status for s in ordered],
            "duration_ms": [s.ms or 0 for s in ordered],
            # a1 (invoke_agent, 1500 ms) contains its turn's 250 ms and 40 ms tools
            "frames_turn": [s.span == "a1" for s in ordered],
        },
    )


def check_written(data: ConversationData) -> None:
    pd.testing.assert_frame_equal(data.spans, expected_spans())
    pd.testing.assert_frame_equal(
        data.feedback,
        frame(
            FEEDBACK_COLUMNS,
            {
                "conversation_id": ["conv-b", "conv/a", "conv/a"],
                "feedback_index": [0, 0, 1],
                "trace_id": ["tb1", np.nan, "ta1"],
                "turn_index": [0, pd.NA, 0],
                "level": ["turn", "conversation", "turn"],
                "feedback_type": [
                    "wandb.agent_monitor",
                    "wandb.agent_monitor",
                    "wandb.agent_user_feedback",
                ],
                "tags": [[], [], ["👍", "needs-review"]],
            },
        ),
    )
    pd.testing.assert_frame_equal(
        data.ratings,
        frame(
            RATING_COLUMNS,
            {
                "conversation_id": ["conv-b", "conv-b", "conv/a"],
                "feedback_index": [0, 0, 0],
                "trace_id": ["tb1", "tb1", np.nan],
                "turn_index": [0, 0, pd.NA],
                "feedback_type": ["wandb.agent_monitor"] * 3,
                "name": ["quality", "safety", "quality"],
                "value": [0.75, 1.0, 0.25],
                "reason": [np.nan, np.nan, "slow"],
                "confidence": [np.nan] * 3,
            },
        ),
    )
    pd.testing.assert_frame_equal(
        data.conversations,
        frame(
            CONVERSATION_COLUMNS,
            {
                "conversation_id": IDS,
                "n_spans": [2, 5, 0],
                "n_turns": [1, 2, 0],
                "n_errors": [0, 1, 0],
                "total_duration_ms": [10, 2690, 0],
                "wall_time_ms": [10, 1500 + 900, 0],
                "n_feedback": [1, 2, 0],
                "mean_rating": [0.875, 0.25, np.nan],
                "at_span_cap": [False] * 3,
                "agent_name": [np.nan] * 3,  # never listed: the spans answer names no agents
            },
        ),
    )


def test_spans_come_back_as_written(written: WeaveClient) -> None:
    check_written(written.conversation_spans(IDS))


def test_async_client_agrees(written: WeaveClient, local_server: str, project_id: str) -> None:
    async def run() -> ConversationData:
        async with AsyncWeaveClient(project_id, url=local_server) as c:
            return await c.conversation_spans(IDS)

    check_written(asyncio.run(run()))


def test_time_window_is_half_open(written: WeaveClient) -> None:
    data = written.conversation_spans(
        IDS,
        started_after=T0 + datetime.timedelta(seconds=1),
        started_before=T0 + datetime.timedelta(seconds=10),
    )
    assert list(data.spans["span_id"]) == ["a2", "a3", "a4", "a5"]
    assert list(data.conversations["n_spans"]) == [0, 4, 0]
    assert data.window[0] == T0 + datetime.timedelta(seconds=1)


def test_list_conversations(written: WeaveClient) -> None:
    listing = written.list_conversations()
    assert list(listing.columns) == list(LISTING_COLUMNS)
    assert listing.dtypes.astype(str).to_dict() == {k: str(v) for k, v in LISTING_COLUMNS.items()}
    assert list(listing["conversation_id"]) == ["conv-b", "conv/a"]
    assert list(listing["span_count"]) == [2, 5]
    assert list(listing["error_count"]) == [0, 1]
    assert listing["last_seen"].iloc[1] == pd.Timestamp(T0 + datetime.timedelta(seconds=4))
    assert listing["first_seen"].iloc[0] == pd.Timestamp(T0 + datetime.timedelta(seconds=10))
    assert len(written.list_conversations(limit=1)) == 1
    window = written.list_conversations(started_before=T0 + datetime.timedelta(seconds=5))
    assert list(window["conversation_id"]) == ["conv/a"]


def test_listed_conversations_get_their_agent(client: WeaveClient, project_id: str) -> None:
    written = [  # (conversation, span, agent): conv-two's root agent called a subagent
        ("conv-one", "o1", "planner"),
        ("conv-two", "w1", "web-search"),
        ("conv-two", "w2", "planner"),
        ("conv-none", "n1", None),
    ]
    for at, (conv, span, agent) in enumerate(written):
        fields = start(project_id, Span(conv, f"t-{conv}", span, "invoke_agent", at, 5))
        if agent is not None:
            fields["attributes"]["gen_ai.agent.name"] = agent
        client.call_start(fields)
    ids = ["conv-two", "conv-one", "conv-none", "conv-unlisted"]
    before = client.conversation_spans(ids).conversations
    assert before["agent_name"].isna().all()  # nothing listed yet: unknown, not guessed
    client.list_conversations()
    conv = client.conversation_spans(ids).conversations
    assert conv["agent_name"].tolist()[:2] == ["web-search", "planner"]  # the root, not a-z
    assert conv["agent_name"].iloc[2:].isna().all()
    assert str(conv["agent_name"].dtype) == str(CONVERSATION_COLUMNS["agent_name"])
    with WeaveClient(project_id, url=client.url) as other:  # framed elsewhere: join the listing
        unnamed = other.conversation_spans(ids)
        named = unnamed.with_listing(client.list_conversations())
    pd.testing.assert_frame_equal(named.conversations, conv)


def test_upsert_batch_round_trip(client: WeaveClient, project_id: str) -> None:
    s = Span("conv-x", "tx", "x1", "chat", 0, 12)
    res = client.call_upsert_batch(
        [
            CallStartReq.model_validate({"start": start(project_id, s)}),
            CallEndReq.model_validate({"end": end(project_id, s)}),
        ]
    )
    assert res.res[0].model_dump() == {"id": "x1", "trace_id": "tx"}
    spans = client.conversation_spans(["conv-x"]).spans
    assert spans[["span_id", "status", "duration_ms"]].values.tolist() == [["x1", "OK", 12]]


def test_generated_ids(client: WeaveClient, project_id: str) -> None:
    fields = start(project_id, Span("conv-g", "", "", "chat", 0, None))
    res = client.call_start({k: v for k, v in fields.items() if k not in ("id", "trace_id")})
    assert len(res.id) == 36
    assert len(res.trace_id) == 36
    assert list(client.conversation_spans(["conv-g"]).spans["span_id"]) == [res.id]


N_BATCHED = 10_050


@pytest.mark.slow
def test_more_than_10000_ids_are_batched(
    client: WeaveClient, project_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spans = [Span(f"c{i:05d}", f"t{i}", f"s{i}", "chat", i % 50, i % 7) for i in range(N_BATCHED)]
    items: list[Any] = []
    for s in spans:
        items += [{"start": start(project_id, s)}, {"end": end(project_id, s)}]
    for first in range(0, len(items), 5_000):
        client.call_upsert_batch(items[first : first + 5_000])

    paths: list[str] = []
    real_send = client_module.send

    def counting_send(*args: Any) -> Any:
        paths.append(args[2])
        return real_send(*args)

    monkeypatch.setattr(client_module, "send", counting_send)
    ids = [s.conv for s in reversed(spans)] + ["missing"]
    data = client.conversation_spans(ids)
    assert paths == ["/agents/conversations/spans"] * 2
    assert list(data.conversations["conversation_id"]) == ids
    assert data.conversations["n_spans"].tolist() == [1] * N_BATCHED + [0]
    assert list(data.spans["span_id"]) == [s.span for s in reversed(spans)]
    assert data.spans["duration_ms"].tolist() == [s.ms for s in reversed(spans)]


def test_server_422_lists_loc_and_msg(client: WeaveClient, project_id: str) -> None:
    too_many = {"project_id": project_id, "conversation_ids": [str(i) for i in range(10_001)]}
    call = api.Call("/agents/conversations/spans", too_many, api.read_spans)
    with pytest.raises(RequestValidationError) as info:
        client._run(call)
    assert info.value.status == 422
    assert [loc for loc, _ in info.value.errors] == ["body.conversation_ids"]
    assert "body.conversation_ids: " in str(info.value)


def test_api_key_is_checked_and_never_shown(tmp_path: Path, project_id: str) -> None:
    url = local.serve(tmp_path / "auth.db", api_key="right-key")
    try:
        with WeaveClient(project_id, url=url, api_key="wrong-key") as wrong:
            with pytest.raises(AuthError) as info:
                wrong.conversation_spans(["c"])
            assert info.value.status == 401
            assert "wrong-key" not in str(info.value) + repr(wrong)
        with WeaveClient(project_id, url=url, api_key="right-key") as right:
            assert list(right.conversation_spans(["c"]).conversations["n_spans"]) == [0]
    finally:
        local.stop(url)


def test_a_server_that_cannot_split_by_agent_keeps_every_agent(fault_server: FaultServer) -> None:
    """The root agent comes from a listing grouped by conversation and agent; a server that
    refuses that grouping (400) leaves the conversation labelled with all its agents."""
    group = {
        "group_keys": {"conversation_id": "c"},
        "span_count": 2,
        "agent_names": ["web-search", "planner"],
        "first_seen": "2026-01-01T00:00:00Z",
        "last_seen": "2026-01-01T00:00:01Z",
    }

    def answer(request: Request) -> Action:
        if len(request.json()["group_by"]) == 1:
            return reply(200, {"spans": [], "groups": [group], "total_count": 1})
        return reply(400, {"reason": "group_by agent_name is not supported"})

    fault_server.route(answer)
    with WeaveClient("e/p", url=fault_server.url, max_retries=0, progress=False) as client:
        listing = client.list_conversations()
        assert client._listed_agents == {"c": "planner, web-search"}
    assert list(listing["conversation_id"]) == ["c"]
    split = fault_server.requests[1].json()
    assert [g["key"] for g in split["group_by"]] == ["conversation_id", "agent_name"]
    assert split["sort_by"] == [{"field": "first_seen", "direction": "asc"}]


def test_an_empty_listing_asks_nothing_more(fault_server: FaultServer) -> None:
    fault_server.script(reply(200, {"spans": [], "groups": [], "total_count": 0}))
    with WeaveClient("e/p", url=fault_server.url, progress=False) as client:
        listing = client.list_conversations()
    assert listing.empty
    assert list(listing.columns) == list(LISTING_COLUMNS)
    assert len(fault_server.requests) == 1
