"""Reading the conversation with both clients: ``turn_chat``, ``conversation_chat`` (paging
through ``has_more``) and ``search`` return frames with stable columns, over loopback, on demo
conversations written as OTel GenAI spans; arguments are checked before anything is sent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from fault_server import FaultServer, Request, reply

from weave_widgets import AsyncWeaveClient, WeaveClient
from weave_widgets.data import MESSAGE_COLUMNS, SEARCH_COLUMNS
from weave_widgets.demo import write_demo
from weave_widgets.errors import InvalidArgumentError


@pytest.fixture(scope="module")
def demo(local_server: str) -> Iterator[tuple[WeaveClient, list[str]]]:
    with WeaveClient("client-tests/transcripts", url=local_server) as client:
        ids = write_demo(client, 12, seed=5)
        yield client, ids


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return frame.dtypes.astype(str).to_dict()


def test_turn_chat_frame_has_stable_columns(demo: tuple[WeaveClient, list[str]]) -> None:
    client, ids = demo
    spans = client.conversation_spans(ids[:1]).spans
    trace = spans["trace_id"].iloc[0]
    turn = client.turn_chat(trace, conversation_id=ids[0], turn_index=0)
    assert list(turn.columns) == list(MESSAGE_COLUMNS)
    assert dtypes(turn) == {k: str(v) for k, v in MESSAGE_COLUMNS.items()}
    assert turn["kind"].iloc[0] == "user_message"
    assert turn["role"].iloc[0] == "user"
    assert turn["message_index"].tolist() == list(range(len(turn)))
    assert set(turn["conversation_id"]) == {ids[0]}
    assert set(turn["span_id"]) <= set(spans["span_id"])
    unlabeled = client.turn_chat(trace)
    assert unlabeled["turn_index"].isna().all()
    assert unlabeled["conversation_id"].isna().all()


def test_conversation_chat_pages_oldest_first(demo: tuple[WeaveClient, list[str]]) -> None:
    client, ids = demo
    spans = client.conversation_spans(ids).spans
    turns = spans.groupby("conversation_id")["turn_index"].max() + 1
    cid = str(turns.idxmax())
    n = int(turns.max())
    assert n >= 3
    order = spans[spans["conversation_id"] == cid].drop_duplicates("trace_id")
    whole = client.conversation_chat(cid)
    paged = client.conversation_chat(cid, page_size=2)
    pd.testing.assert_frame_equal(whole, paged)
    assert whole["trace_id"].unique().tolist() == order["trace_id"].tolist()
    assert whole["turn_index"].unique().tolist() == list(range(n))
    last = client.conversation_chat(cid, max_turns=2, page_size=1)
    assert last["turn_index"].unique().tolist() == [n - 2, n - 1]


def test_conversation_chat_follows_has_more(fault_server: FaultServer) -> None:
    """Pages are asked for newest first until the server says there are no more."""

    def page(req: Request) -> Any:
        body = req.json()
        total, offset, limit = 3, body["offset"], body["limit"]
        end, begin = total - offset, max(total - offset - limit, 0)
        turns = [{"trace_id": f"t{i}", "messages": [{"type": "user_message",
                  "user_message": {"text": f"q{i}", "content_refs": []}}]}
                 for i in range(begin, end)]  # fmt: skip
        return reply(body={"conversation_id": "c", "turns": turns, "total_turns": total,
                           "has_more": begin > 0, "limit": limit, "offset": offset})  # fmt: skip

    fault_server.route(page)
    with WeaveClient("e/p", url=fault_server.url, max_retries=0) as client:
        frame = client.conversation_chat("c", page_size=2)
    assert [r.json()["offset"] for r in fault_server.requests] == [0, 2]
    assert frame["text"].tolist() == ["q0", "q1", "q2"]
    assert frame["turn_index"].tolist() == [0, 1, 2]


def test_search_frame(demo: tuple[WeaveClient, list[str]]) -> None:
    client, ids = demo
    first = client.list_conversations(limit=100)
    word = first["first_message"].iloc[0].split()[1]
    found = client.search(word, roles=["user"])
    assert list(found.columns) == list(SEARCH_COLUMNS)
    assert dtypes(found) == {k: str(v) for k, v in SEARCH_COLUMNS.items()}
    assert first["conversation_id"].iloc[0] in set(found["conversation_id"])
    assert set(found["role"]) == {"user"}
    assert found["content_preview"].str.lower().str.contains(word.lower(), regex=False).all()
    assert set(found["conversation_id"]) <= set(ids)
    assert client.search("no such words anywhere 8c1f").empty


def test_async_client_agrees(demo: tuple[WeaveClient, list[str]], local_server: str) -> None:
    client, ids = demo
    trace = client.conversation_spans(ids[:1]).spans["trace_id"].iloc[-1]

    async def run() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        async with AsyncWeaveClient(client.project, url=local_server) as c:
            return (
                await c.turn_chat(trace),
                await c.conversation_chat(ids[0], page_size=1),
                await c.search("the"),
            )

    turn, conversation, found = asyncio.run(run())
    pd.testing.assert_frame_equal(turn, client.turn_chat(trace))
    pd.testing.assert_frame_equal(conversation, client.conversation_chat(ids[0]))
    pd.testing.assert_frame_equal(found, client.search("the"))


def test_async_data_reads_transcripts_through_a_blocking_twin(
    demo: tuple[WeaveClient, list[str]], local_server: str
) -> None:
    client, ids = demo

    async def run() -> Any:
        async with AsyncWeaveClient(client.project, url=local_server) as c:
            return await c.conversation_spans(ids[:1])

    data = asyncio.run(run())
    assert isinstance(data.reader, WeaveClient)
    trace = data.spans["trace_id"].iloc[0]
    pd.testing.assert_frame_equal(data.reader.turn_chat(trace), client.turn_chat(trace))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.turn_chat(""), "trace_id"),
        (lambda c: c.conversation_chat(""), "conversation_id"),
        (lambda c: c.conversation_chat("c", page_size=51), "page_size"),
        (lambda c: c.conversation_chat("c", max_turns=0), "max_turns"),
        (lambda c: c.search("x", limit=-1), "limit"),
        (lambda c: c.search("x", roles=["robot"]), "roles"),
        (lambda c: c.search("x", started_after=pd.Timestamp("2026-01-01")), "naive"),
    ],
)
def test_bad_arguments_are_refused_before_sending(
    fault_server: FaultServer, call: Any, message: str
) -> None:
    with (
        WeaveClient("e/p", url=fault_server.url) as client,
        pytest.raises(InvalidArgumentError, match=message),
    ):
        call(client)
    assert fault_server.requests == []
