"""Faults injected by a proxy in front of the REAL local server, during multi-batch fetches.

The scripted-server tests in ``tests/client/test_transport_faults.py`` cover each fault alone;
here the faults hit a fraction of real requests, the answers are real, and the result must be
exactly what a fault-free fetch returns, or an error naming every failed batch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from fault_proxy import (
    RETRYABLE,
    Fault,
    FaultProxy,
    Plan,
    Request,
    elapsed,
    forward_then_reset,
    mutate,
    rotating,
    running,
    stall,
    stall_body,
    status,
    trickle,
    truncate,
)
from written import (
    Span,
    assert_same_data,
    conversation,
    frame_spans,
    spans_by_conversation,
    write,
)

from weave_widgets.client import AsyncWeaveClient, WeaveClient
from weave_widgets.data._frames import ConversationData
from weave_widgets.errors import (
    BatchFetchError,
    ResponseValidationError,
    ServerError,
    TransportError,
)
from weave_widgets.models import MAX_CONVERSATION_IDS

PROJECT = "reliability/faults"
REAL = [f"conv-{i:02d}" for i in range(30)]
IDS = [f"missing-{i:05d}" for i in range(2 * MAX_CONVERSATION_IDS + 5_000)]
for _i, _cid in enumerate(REAL):
    IDS[_i * 800] = _cid
BATCH_FIRST = [IDS[0], IDS[MAX_CONVERSATION_IDS], IDS[2 * MAX_CONVERSATION_IDS]]
FAST: dict[str, Any] = {"timeout": 1.0, "max_retries": 3, "backoff_base": 0.01}


@pytest.fixture(scope="module")
def expected(local_server: str) -> ConversationData:
    """Write the real conversations, then fetch all ids directly (no proxy)."""
    with WeaveClient(PROJECT, url=local_server) as direct:
        write(direct, [s for cid in REAL for s in conversation(cid, 4 + REAL.index(cid) % 5)])
        direct.add_feedback(REAL[0], f"{REAL[0]}~t0", tags=["👍"])
        direct.add_feedback(REAL[1], ratings={"quality": 0.5})
        return direct.conversation_spans(IDS)


@pytest.fixture
def proxy(local_server: str, request: pytest.FixtureRequest) -> Iterator[FaultProxy]:
    plan: Plan = getattr(request, "param", rotating())
    with running(local_server, plan) as p:
        yield p


def first_id(request: Request) -> str | None:
    ids = orjson.loads(request.body).get("conversation_ids") or [None]
    return str(ids[0]) if ids[0] is not None else None


def fetch_sync(url: str, ids: list[str], **options: Any) -> ConversationData:
    with WeaveClient(PROJECT, url=url, **{**FAST, **options}) as c:
        return c.conversation_spans(ids)


def fetch_async(url: str, ids: list[str], **options: Any) -> ConversationData:
    async def run() -> ConversationData:
        async with AsyncWeaveClient(PROJECT, url=url, **{**FAST, **options}) as c:
            return await c.conversation_spans(ids)

    return asyncio.run(run())


FETCHES = [pytest.param(fetch_sync, id="sync"), pytest.param(fetch_async, id="async")]
Fetch = Callable[..., ConversationData]


@pytest.mark.parametrize("fetch", FETCHES)
def test_faults_on_a_fraction_of_requests_are_retried_to_the_exact_result(
    proxy: FaultProxy, expected: ConversationData, fetch: Fetch
) -> None:
    got = fetch(proxy.url, IDS)
    assert_same_data(got, expected)
    singles = [fetch(proxy.url, [cid]) for cid in REAL[:12]]
    for cid, data in zip(REAL, singles, strict=False):
        assert_same_data(data, expected.select([cid]))
    assert set(proxy.injected) == {fault().name for fault in RETRYABLE}
    assert proxy.forwarded >= len(singles) + 3


def fail_batches(plan: dict[str, Fault]) -> Plan:
    """Always answer the batches starting with the given ids with their fault."""

    def choose(request: Request, _attempt: int) -> Fault | None:
        return plan.get(first_id(request) or "")

    return choose


UNKNOWN_STATUS = mutate(
    "bad-status", lambda body: body.replace(b'"status":"OK"', b'"status":"DONE"')
)


@pytest.mark.parametrize(
    "proxy",
    [fail_batches({BATCH_FIRST[1]: status(503), BATCH_FIRST[0]: UNKNOWN_STATUS})],
    indirect=True,
)
@pytest.mark.parametrize("fetch", FETCHES)
def test_failed_batches_are_named_and_nothing_is_returned(
    proxy: FaultProxy, expected: ConversationData, fetch: Fetch
) -> None:
    del expected  # only its data must exist
    with pytest.raises(BatchFetchError) as info:
        fetch(proxy.url, IDS)
    failed = {f.index: f for f in info.value.failed}
    assert sorted(failed) == [0, 1]
    assert isinstance(failed[0].error, ResponseValidationError)
    assert "status" in str(failed[0].error)
    assert isinstance(failed[1].error, ServerError)
    assert (failed[1].first_id, failed[1].size) == (BATCH_FIRST[1], MAX_CONVERSATION_IDS)
    assert info.value.n_batches == 3
    message = str(info.value)
    assert "2 of 3 batches failed, so no data is returned" in message
    assert f"batch 2/3 ({MAX_CONVERSATION_IDS} ids, {BATCH_FIRST[1]!r}" in message
    assert proxy.injected["503"] == 1 + FAST["max_retries"]
    assert proxy.injected["bad-status"] == 1


SLOW = [
    pytest.param(stall(), id="no-answer"),
    pytest.param(stall_body(), id="headers-then-nothing"),
    pytest.param(trickle(0.2), id="body-trickles-slower-than-the-deadline"),
]


@pytest.mark.parametrize("fetch", FETCHES)
@pytest.mark.parametrize("fault", SLOW)
def test_a_slow_server_never_holds_the_client_past_its_timeouts(
    local_server: str, expected: ConversationData, fetch: Fetch, fault: Fault
) -> None:
    del expected
    timeout, retries = 0.5, 1
    with running(local_server, lambda _req, _n: fault) as proxy:
        seconds, outcome = elapsed(
            lambda: fetch(proxy.url, REAL[:2], timeout=timeout, max_retries=retries)
        )
        # the client gives up at its deadline; on a loaded machine the proxy may read the
        # last attempt's request just after that, so wait (boundedly) for it to be counted
        settle = time.monotonic() + 5
        while proxy.injected[fault.name] < retries + 1 and time.monotonic() < settle:
            time.sleep(0.02)
    assert isinstance(outcome, TransportError), outcome
    assert "Timeout" in str(outcome)
    assert outcome.attempts == retries + 1
    assert proxy.injected[fault.name] == retries + 1
    # each attempt may take the read timeout to notice the deadline passed, plus backoff
    bound = (retries + 1) * 2 * timeout + 1.0
    assert seconds < bound, f"took {seconds:.2f} s, bound {bound:.2f} s"


def lose_first_answer(request: Request, attempt: int) -> Fault | None:
    """Every write reaches the server, but its first answer is lost (cut or never sent)."""
    if attempt > 0 or request.path.startswith("/agents"):
        return None
    return truncate() if len(request.body) % 2 else stall_body()


@pytest.mark.parametrize("proxy", [lose_first_answer], indirect=True)
def test_writes_whose_answer_was_lost_are_retried_and_stored_once(
    proxy: FaultProxy, local_server: str, project_id: str
) -> None:
    spans = conversation("conv-w", 6)
    with WeaveClient(project_id, url=proxy.url, **FAST) as client:
        for s in spans[:3]:  # ids generated by the client, so a retry is a replay
            fields = dict(s.start_req(project_id)["start"])
            del fields["id"], fields["trace_id"]
            res = client.call_start(fields)
            client.call_end({**s.end_req(project_id)["end"], "id": res.id})
        write(client, spans[3:])
        client.add_feedback("conv-w", tags=["👍"])
    with WeaveClient(project_id, url=local_server) as direct:
        data = direct.conversation_spans(["conv-w"])
    assert len(data.spans) == len(spans)
    assert data.spans["status"].tolist() == [s.read_back()["status"] for s in spans]
    assert len(data.feedback) == 1
    assert proxy.injected["truncate"] + proxy.injected["stall-body"] == 3 * 2 + 1 + 1


def kill_first_answers(request: Request, attempt: int) -> Fault | None:
    """Each distinct batch is acted on, and its first answer killed (a reset after the server
    stored it); the same batch sent again gets its answer."""
    if request.path != "/call/upsert_batch" or attempt > 0:
        return None
    return forward_then_reset()


def write_groups(project_id: str) -> tuple[list[list[Any]], list[Span]]:
    """Items to write in order: each group starts three calls and ends the first of them,
    and ends the other two of the group before."""
    spans = conversation("conv-replay", 24)
    groups = [spans[i : i + 3] for i in range(0, len(spans), 3)]
    items: list[list[Any]] = []
    for k, group in enumerate(groups):
        new: list[Any] = [s.start_req(project_id) for s in group]
        new.append(group[0].end_req(project_id))
        if k:
            new += [s.end_req(project_id) for s in groups[k - 1][1:]]
        items.append(new)
    items.append([s.end_req(project_id) for s in groups[-1][1:]])
    return items, spans


class BatchProcessor:
    """What a batching client does: items whose answer was lost go out again with the next
    ones (a replay of acknowledged starts next to their calls' ends)."""

    def __init__(self) -> None:
        self.pending: list[Any] = []
        self.lost = 0

    def batch(self, new: list[Any]) -> list[Any]:
        self.pending += new
        return list(self.pending)

    def outcome(self, ok: bool) -> None:
        if ok:
            self.pending = []
        else:
            self.lost += 1


@pytest.mark.parametrize("proxy", [kill_first_answers], indirect=True)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_batches_replayed_after_killed_answers_lose_nothing(
    proxy: FaultProxy, local_server: str, project_id: str, mode: str
) -> None:
    """Crash consistency of acknowledged writes: every batch is stored and its answer killed;
    the batch client sends its items again with the next ones. Every start and every end of
    every acknowledged batch reads back."""
    groups, spans = write_groups(project_id)
    processor = BatchProcessor()
    options = {**FAST, "max_retries": 0}
    if mode == "sync":
        with WeaveClient(project_id, url=proxy.url, **options) as client:
            for new in groups:
                try:
                    client.call_upsert_batch(processor.batch(new))
                except TransportError:
                    processor.outcome(False)
                else:
                    processor.outcome(True)
            client.call_upsert_batch(processor.pending)  # the same body again: answered
    else:

        async def run() -> None:
            async with AsyncWeaveClient(project_id, url=proxy.url, **options) as client:
                for new in groups:
                    try:
                        await client.call_upsert_batch(processor.batch(new))
                    except TransportError:
                        processor.outcome(False)
                    else:
                        processor.outcome(True)
                await client.call_upsert_batch(processor.pending)

        asyncio.run(run())
    with WeaveClient(project_id, url=local_server) as direct:
        data = direct.conversation_spans(["conv-replay"])
    assert frame_spans(data) == spans_by_conversation(spans)
    assert processor.lost == len(groups)
    assert proxy.injected["forward-then-reset"] == len(groups)
