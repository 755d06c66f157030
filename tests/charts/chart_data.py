"""ConversationData built straight from API models, for the chart tests (no server)."""

from __future__ import annotations

import random

from weave_widgets.data._frames import ConversationData, conversation_data
from weave_widgets.models import (
    AgentConversationSpan,
    AgentConversationSpanFeedback,
    AgentConversationSpanRating,
    AgentConversationSpans,
    AgentConversationSpansRes,
)

TURN = ("invoke_agent", "chat", "execute_tool", "retrieval", "chat", "custom_step")


def _conversation(rng: random.Random, number: int, n_turns: int) -> AgentConversationSpans:
    cid = f"conv-{number:04d}"
    spans = []
    feedback = [
        AgentConversationSpanFeedback(
            trace_id=None, feedback_type="wandb.agent_user_feedback", tags=["needs-review"]
        )
    ]
    for turn in range(n_turns):
        trace_id = f"{cid}-t{turn}"
        for k, op in enumerate(TURN):
            status = "ERROR" if (op == "execute_tool" and turn == 1) else "OK"
            spans.append(
                AgentConversationSpan(
                    operation_name=op,
                    trace_id=trace_id,
                    span_id=f"{trace_id}-s{k}",
                    status=status,
                    duration_ms=0 if op == "custom_step" else rng.randint(50, 3000),
                )
            )
        feedback.append(
            AgentConversationSpanFeedback(
                trace_id=trace_id,
                feedback_type="wandb.agent_user_feedback",
                tags=["👍" if turn % 2 == 0 else "👎"],
            )
        )
        feedback.append(
            AgentConversationSpanFeedback(
                trace_id=trace_id,
                feedback_type="wandb.agent_monitor",
                tags=["helpful"],
                ratings=[
                    AgentConversationSpanRating(name="quality", value=rng.random()),
                    AgentConversationSpanRating(name="relevance", value=rng.random()),
                ],
            )
        )
    return AgentConversationSpans(conversation_id=cid, spans=spans, spans_feedback=feedback)


def make_data(n_conversations: int = 6, n_turns: int = 3, seed: int = 0) -> ConversationData:
    """``n_conversations`` conversations of ``n_turns`` turns x 6 spans; turn 1's tool fails;
    every turn has an emoji tag and a monitor marker (text tag + 2 ratings); each conversation
    has a conversation-level text tag. ``empty-conv`` (no spans) is listed last."""
    rng = random.Random(seed)
    entries = [_conversation(rng, i, n_turns) for i in range(n_conversations)]
    entries.append(AgentConversationSpans(conversation_id="empty-conv"))
    return conversation_data(AgentConversationSpansRes(conversations=entries), project_id="e/p")


HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


def hostile_data() -> ConversationData:
    """A conversation whose id, operation and tag are HTML."""
    span = AgentConversationSpan(
        operation_name=HOSTILE, trace_id="t", span_id="s", status="ERROR", duration_ms=5
    )
    marker = AgentConversationSpanFeedback(
        trace_id="t", feedback_type="wandb.agent_user_feedback", tags=[HOSTILE]
    )
    entry = AgentConversationSpans(conversation_id=HOSTILE, spans=[span], spans_feedback=[marker])
    return conversation_data(AgentConversationSpansRes(conversations=[entry]))
