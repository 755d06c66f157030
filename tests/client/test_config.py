"""Configuration (URL, key, timeouts), the retry policy's arithmetic, progress bars and the
feedback helpers."""

from __future__ import annotations

import asyncio
import email.utils
import io
import sys

import httpx
import pytest

from weave_widgets import progress
from weave_widgets.client import AsyncWeaveClient, WeaveClient
from weave_widgets.client import _endpoints as api
from weave_widgets.client._config import PUBLIC_URL, auth_header
from weave_widgets.client._transport import RetryPolicy, retry_after
from weave_widgets.errors import InvalidArgumentError
from weave_widgets.server import embedded


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("WF_TRACE_SERVER_URL", "WANDB_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- URL and key -------------------------------------------------------------------------------


def test_url_argument_wins(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WF_TRACE_SERVER_URL", "http://127.0.0.1:1/")
    with WeaveClient("e/p", url="http://127.0.0.1:2/") as c:
        assert c.url == "http://127.0.0.1:2"


def test_url_from_env(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WF_TRACE_SERVER_URL", "http://127.0.0.1:1/")
    with WeaveClient("e/p") as c:
        assert c.url == "http://127.0.0.1:1"


def test_public_server_when_a_key_is_set(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WANDB_API_KEY", "k")
    with WeaveClient("e/p") as c:
        assert c.url == PUBLIC_URL == "https://trace.wandb.ai"


def test_local_server_when_nothing_is_set(clean_env: pytest.MonkeyPatch, local_server: str) -> None:
    clean_env.setattr(embedded, "default_url", lambda: local_server)
    with WeaveClient("e/p") as c:
        assert c.url == local_server
        assert repr(c).endswith("auth='no api key')")


def test_key_from_env_is_sent(clean_env: pytest.MonkeyPatch, local_server: str) -> None:
    clean_env.setenv("WANDB_API_KEY", "env-key")
    with WeaveClient("e/p", url=local_server) as c:
        assert c._http.headers["authorization"] == auth_header("env-key")
    assert auth_header("env-key") == "Basic YXBpOmVudi1rZXk="


def test_bad_url_and_timeout(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidArgumentError, match="http:// or https://"):
        WeaveClient("e/p", url="127.0.0.1:8000")
    with pytest.raises(InvalidArgumentError, match="timeout must be a positive"):
        WeaveClient("e/p", url="http://127.0.0.1:1", timeout=0)
    with pytest.raises(InvalidArgumentError, match="max_retries must be >= 0"):
        WeaveClient("e/p", url="http://127.0.0.1:1", max_retries=-1)


def test_default_timeouts() -> None:
    with WeaveClient("e/p", url="http://127.0.0.1:1") as c:
        assert c._http.timeout == httpx.Timeout(30.0, connect=5.0)


# --- retry policy ------------------------------------------------------------------------------


def test_retry_after_forms() -> None:
    assert retry_after(httpx.Headers({"retry-after": "2"})) == 2.0
    assert retry_after(httpx.Headers({"retry-after": "1.5"})) == 1.5
    assert retry_after(httpx.Headers({"retry-after-ms": "250", "retry-after": "9"})) == 0.25
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after(httpx.Headers({"retry-after": date}), now=1_000_000) == 30.0
    assert retry_after(httpx.Headers({"retry-after": date}), now=2_000_000) == 0.0
    assert retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after(httpx.Headers({})) is None


def test_delay_caps_retry_after_and_backs_off_exponentially() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=8.0)
    assert policy.delay(0, httpx.Headers({"retry-after": "3600"})) == 60.0
    for retry, full in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 8.0)]:
        wait = policy.delay(retry, httpx.Headers())
        assert 0.75 * full <= wait <= full


# --- progress ----------------------------------------------------------------------------------


def test_progress_bar_only_for_several_batches() -> None:
    assert progress.bar(1, True, "x").disable
    assert not progress.bar(2, True, "x").disable
    assert progress.bar(2, False, "x").disable


def test_progress_auto_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress.bar(3, None, "x").disable
    monkeypatch.setattr("sys.stderr", Tty())
    assert not progress.bar(3, None, "x").disable


# --- feedback helpers --------------------------------------------------------------------------


def test_turn_feedback_carries_both_target_ids() -> None:
    req = api.agent_feedback("e/p", "user/42:s", "t1", tags=["👍"])
    assert req.weave_ref == "weave:///e/p/agent_turn/t1"
    assert (req.span_conversation_id, req.span_trace_id) == ("user/42:s", "t1")
    assert req.feedback_type == "wandb.agent_user_feedback"
    assert req.runnable_ref is None


def test_conversation_rating_is_monitor_feedback_with_refs() -> None:
    req = api.agent_feedback("e/p", "user/42:s", ratings={"q": 0.5}, reasons={"q": "ok"})
    assert req.weave_ref == "weave:///e/p/agent_conversation/user%2F42%3As"
    assert req.span_trace_id is None
    assert req.feedback_type == "wandb.agent_monitor"
    assert req.runnable_ref == "weave:///e/p/op/weave-widgets-add-feedback:latest"
    assert req.call_ref is not None
    assert req.call_ref.startswith("weave:///e/p/call/")
    assert req.trigger_ref == "weave:///e/p/object/weave-widgets-manual-trigger:latest"


def test_feedback_needs_a_signal() -> None:
    with pytest.raises(InvalidArgumentError, match="give tags"):
        api.agent_feedback("e/p", "c", "t")
    with pytest.raises(InvalidArgumentError, match=r"not a string: \['good'\]"):
        api.agent_feedback("e/p", "c", "t", tags="good")


def test_feedback_batch_round_trip(local_server: str, project_id: str) -> None:
    reqs = [
        api.agent_feedback(project_id, "c1", "t1", tags=["a"]),
        api.agent_feedback(project_id, "c1", ratings={"q": 1.0}).model_dump(exclude_none=True),
    ]
    with WeaveClient(project_id, url=local_server) as c:
        res = c.feedback_create_batch(reqs)
        assert len(res.res) == 2
        with pytest.raises(InvalidArgumentError, match=r"feedback\[0\]\.weave_ref: Field required"):
            c.feedback_create_batch([{"project_id": project_id, "feedback_type": "x"}])


def test_async_writes_and_listing(local_server: str, project_id: str) -> None:
    start = {
        "project_id": project_id,
        "thread_id": "conv-1",
        "op_name": "chat",
        "started_at": "2026-03-01T12:00:00Z",
        "attributes": {},
        "inputs": {},
    }

    async def run() -> tuple[str, list[str], list[str]]:
        async with AsyncWeaveClient(project_id, url=local_server) as c:
            res = await c.call_start(start)
            await c.call_end(
                {
                    "project_id": project_id,
                    "id": res.id,
                    "ended_at": "2026-03-01T12:00:01Z",
                    "summary": {},
                }
            )
            await c.add_feedback("conv-1", res.trace_id, tags=["good"])
            listing = await c.list_conversations()
            data = await c.conversation_spans(["conv-1"])
            return res.id, list(listing["conversation_id"]), list(data.feedback["trace_id"])

    span_id, listed, feedback_traces = asyncio.run(run())
    assert listed == ["conv-1"]
    assert len(feedback_traces) == 1
    assert span_id


def test_progress_auto_in_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    class Shell:
        kernel = object()

    class IPython:
        @staticmethod
        def get_ipython() -> Shell:
            return Shell()

    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.setitem(sys.modules, "IPython", IPython)
    assert progress.interactive()
