"""Realistic synthetic agent conversations, written through the HTTP API.

:func:`demo_conversations` is pure: it returns request models. Each turn is an
``invoke_agent`` span around ``chat`` -> ``execute_tool`` / ``retrieval`` / ``embeddings`` ->
``chat`` steps, sometimes with a nested subagent; about 5% of tool calls fail. Conversations
run from 1 to 12 turns, and a few are long enough (over 200 spans) to show the server's cap.
Feedback: human 👍/👎 (some with skin tones) and text tags, scorer ratings with reasons and
confidences (``wandb.agent_monitor``), and some conversation-level feedback.

Everything derives from ``seed`` and the conversation's index, so conversation ``i`` is the same
whatever ``n_conversations`` is. Times are placed over the ``days`` before ``now``; pass a fixed
``now`` for byte-identical output.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from weave_widgets.models import (
    CallEndReq,
    CallStartReq,
    EndedCallSchemaForInsert,
    FeedbackCreateReq,
    StartedCallSchemaForInsert,
    SummaryInsertMap,
)
from weave_widgets.refs import conversation_ref, turn_ref

if TYPE_CHECKING:
    from weave_widgets.client._clients import WeaveClient

AGENTS = ("support-agent", "research-agent", "coding-agent", "travel-planner")
SUBAGENTS = ("billing-specialist", "web-researcher", "code-reviewer", "fact-checker")
MODELS = (
    ("openai", "gpt-4o"),
    ("openai", "gpt-4o-mini"),
    ("anthropic", "claude-sonnet-4"),
    ("gcp.gemini", "gemini-2.0-flash"),
)
TOOLS = (
    "search_kb",
    "get_order_status",
    "create_ticket",
    "web_search",
    "run_sql",
    "send_email",
    "calculator",
    "fetch_url",
    "lookup_customer",
)
TOOL_ERRORS = (
    "TimeoutError: tool did not answer within 10 s",
    "ValueError: order id not found",
    "PermissionError: API token lacks scope 'tickets:write'",
    "ConnectionError: upstream returned 503",
)
SKIN_TONES = ("\U0001f3fb", "\U0001f3fc", "\U0001f3fd", "\U0001f3fe", "\U0001f3ff")
TOOL_ERROR_RATE = 0.05
BATCH_ITEMS = 4000
"""Starts + ends per ``/call/upsert_batch`` request (a few MB, well under the body limit)."""
FEEDBACK_BATCH = 1000


@dataclass
class DemoConversation:
    """One synthetic conversation as API requests, in the order they should be sent."""

    conversation_id: str
    calls: list[CallStartReq | CallEndReq] = field(default_factory=list)
    feedback: list[FeedbackCreateReq] = field(default_factory=list)


class _Builder:
    """Lays out the spans of one conversation on a clock."""

    def __init__(self, rng: random.Random, project_id: str, cid: str, t: datetime.datetime):
        self.rng = rng
        self.project_id = project_id
        self.cid = cid
        self.t = t
        self.conv = DemoConversation(cid)
        self.provider, self.model = rng.choice(MODELS)
        self.spans = 0

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def advance(self, low_ms: float, high_ms: float) -> None:
        self.t += datetime.timedelta(milliseconds=self.rng.uniform(low_ms, high_ms))

    def start(
        self, trace: str, parent: str | None, op: str, name: str, attrs: dict[str, Any]
    ) -> str:
        span_id = self.new_id()
        start = StartedCallSchemaForInsert(
            project_id=self.project_id,
            id=span_id,
            trace_id=trace,
            parent_id=parent,
            thread_id=self.cid,
            op_name=f"{op} {name}",
            started_at=self.t,
            attributes={"gen_ai.operation.name": op, **attrs},
            inputs={},
        )
        self.conv.calls.append(CallStartReq(start=start))
        self.spans += 1
        return span_id

    def end(self, span_id: str, exception: str | None = None) -> None:
        end = EndedCallSchemaForInsert(
            project_id=self.project_id,
            id=span_id,
            ended_at=self.t,
            exception=exception,
            summary=SummaryInsertMap(),
        )
        self.conv.calls.append(CallEndReq(end=end))

    def leaf(
        self,
        trace: str,
        parent: str,
        op: str,
        name: str,
        attrs: dict[str, Any],
        ms: tuple[int, int],
    ) -> None:
        failed = op == "execute_tool" and self.rng.random() < TOOL_ERROR_RATE
        span_id = self.start(trace, parent, op, name, attrs)
        self.advance(*ms)
        self.end(span_id, self.rng.choice(TOOL_ERRORS) if failed else None)
        self.advance(2, 40)

    def chat(self, trace: str, parent: str) -> None:
        attrs = {
            "gen_ai.provider.name": self.provider,
            "gen_ai.request.model": self.model,
            "gen_ai.usage.input_tokens": self.rng.randint(200, 6000),
            "gen_ai.usage.output_tokens": self.rng.randint(20, 800),
        }
        self.leaf(trace, parent, "chat", self.model, attrs, (300, 3500))

    def agent(self, trace: str, parent: str | None, name: str, steps: int, depth: int) -> None:
        """An ``invoke_agent`` span around ``steps`` chat -> action steps and a final chat."""
        root = self.start(trace, parent, "invoke_agent", name, {"gen_ai.agent.name": name})
        self.advance(1, 20)
        for _ in range(steps):
            self.chat(trace, root)
            action = self.rng.random()
            if action < 0.6:
                tool = self.rng.choice(TOOLS)
                attrs = {"gen_ai.tool.name": tool, "gen_ai.agent.name": name}
                self.leaf(trace, root, "execute_tool", tool, attrs, (20, 1500))
            elif action < 0.85:
                attrs = {"gen_ai.request.model": "text-embedding-3-small"}
                self.leaf(trace, root, "embeddings", "text-embedding-3-small", attrs, (20, 150))
                self.leaf(
                    trace, root, "retrieval", "vector-store", {"gen_ai.agent.name": name}, (50, 400)
                )
            elif depth == 0 and action < 0.95:
                self.agent(trace, root, self.rng.choice(SUBAGENTS), self.rng.randint(1, 3), 1)
        self.chat(trace, root)
        self.end(root)


def _thumb(rng: random.Random) -> str:
    thumb = "👍" if rng.random() < 0.7 else "👎"
    return thumb + rng.choice(SKIN_TONES) if rng.random() < 0.3 else thumb


def _monitor_refs(rng: random.Random, project_id: str) -> dict[str, str]:
    return {
        "runnable_ref": f"weave:///{project_id}/op/quality_judge:v3",
        "call_ref": f"weave:///{project_id}/call/{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "trigger_ref": f"weave:///{project_id}/object/quality_monitor:v1",
    }


def _rating(rng: random.Random, name: str) -> tuple[float, str, float]:
    value = round(rng.betavariate(4, 1.5), 2)
    reason = (
        f"{name}: answer addressed the request" if value >= 0.6 else f"{name}: missed key details"
    )
    return value, reason, round(rng.uniform(0.55, 0.99), 2)


def _feedback(
    rng: random.Random, project_id: str, cid: str, traces: Sequence[str]
) -> list[FeedbackCreateReq]:
    out = []
    base: dict[str, Any] = {"project_id": project_id, "payload": {}, "span_conversation_id": cid}
    if rng.random() < 0.35:
        trace = rng.choice(traces)
        tags = [_thumb(rng)]
        if tags[0].startswith("👎") and rng.random() < 0.5:
            tags.append("needs-review")
        out.append(
            FeedbackCreateReq(
                **base,
                weave_ref=turn_ref(project_id, trace),
                feedback_type="wandb.agent_user_feedback",
                scorer_tags=tags,
                span_trace_id=trace,
            )
        )
    if rng.random() < 0.4:
        trace = rng.choice(traces)
        names = rng.sample(("helpfulness", "correctness", "tone"), rng.randint(1, 2))
        scores = {name: _rating(rng, name) for name in names}
        out.append(
            FeedbackCreateReq(
                **base,
                **_monitor_refs(rng, project_id),
                weave_ref=turn_ref(project_id, trace),
                feedback_type="wandb.agent_monitor",
                scorer_ratings={n: v[0] for n, v in scores.items()},
                scorer_rating_reasons={n: v[1] for n, v in scores.items()},
                scorer_rating_confidences={n: v[2] for n, v in scores.items()},
                span_trace_id=trace,
            )
        )
    if rng.random() < 0.1:
        ref = conversation_ref(project_id, cid)
        if rng.random() < 0.5:
            tag = rng.choice(("resolved", "escalated", "needs-review"))
            out.append(
                FeedbackCreateReq(
                    **base,
                    weave_ref=ref,
                    feedback_type="wandb.agent_user_feedback",
                    scorer_tags=[tag],
                )
            )
        else:
            value, reason, confidence = _rating(rng, "task_completion")
            out.append(
                FeedbackCreateReq(
                    **base,
                    **_monitor_refs(rng, project_id),
                    weave_ref=ref,
                    feedback_type="wandb.agent_monitor",
                    scorer_ratings={"task_completion": value},
                    scorer_rating_reasons={"task_completion": reason},
                    scorer_rating_confidences={"task_completion": confidence},
                )
            )
    return out


def demo_conversation(
    project_id: str, index: int, *, seed: int = 0, now: datetime.datetime, days: float = 7.0
) -> DemoConversation:
    """Conversation ``index`` of the demo with ``seed``; pure and deterministic."""
    rng = random.Random(f"weave-widgets-demo/{seed}/{index}")  # noqa: S311 (not for security)
    cid = f"conv-{rng.getrandbits(48):012x}"
    long_one = rng.random() < 0.03
    turns = rng.randint(8, 12) if long_one else min(12, 1 + int(rng.expovariate(1 / 2.5)))
    start = now - datetime.timedelta(days=rng.uniform(0, days), hours=1)
    builder = _Builder(rng, project_id, cid, start)
    agent = rng.choice(AGENTS)
    traces = []
    for _ in range(turns):
        trace = builder.new_id()
        traces.append(trace)
        steps = rng.randint(6, 12) if long_one else rng.randint(1, 3)
        builder.agent(trace, None, agent, steps, 0)
        builder.advance(5_000, 120_000)  # the user reads and types
    builder.conv.feedback = _feedback(rng, project_id, cid, traces)
    return builder.conv


def demo_conversations(
    project_id: str,
    n_conversations: int,
    *,
    seed: int = 0,
    now: datetime.datetime | None = None,
    days: float = 7.0,
) -> Iterator[DemoConversation]:
    """The demo's conversations as request models (see the module docstring)."""
    if n_conversations < 0:
        raise ValueError(f"n_conversations must be >= 0, got {n_conversations}")
    when = now or datetime.datetime.now(datetime.UTC)
    for index in range(n_conversations):
        yield demo_conversation(project_id, index, seed=seed, now=when, days=days)


def write_demo(
    client: WeaveClient,
    n_conversations: int = 50,
    *,
    seed: int = 0,
    now: datetime.datetime | None = None,
    days: float = 7.0,
) -> list[str]:
    """Write ``n_conversations`` demo conversations to ``client.project``; return their ids.

    Calls go through ``/call/upsert_batch`` in chunks of about ``BATCH_ITEMS`` items (a
    conversation is never split), feedback through ``/feedback/batch/create``.
    """
    ids: list[str] = []
    calls: list[CallStartReq | CallEndReq] = []
    feedback: list[FeedbackCreateReq] = []
    for conv in demo_conversations(client.project, n_conversations, seed=seed, now=now, days=days):
        ids.append(conv.conversation_id)
        calls.extend(conv.calls)
        feedback.extend(conv.feedback)
        if len(calls) >= BATCH_ITEMS:
            client.call_upsert_batch(calls)
            calls = []
        if len(feedback) >= FEEDBACK_BATCH:
            client.feedback_create_batch(feedback)
            feedback = []
    if calls:
        client.call_upsert_batch(calls)
    if feedback:
        client.feedback_create_batch(feedback)
    return ids
