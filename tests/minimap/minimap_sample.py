"""Deterministic demo-like conversations for the widget tests (no server needed)."""

from __future__ import annotations

import random
import uuid

from weave_widgets.data._frames import ConversationData, conversation_data
from weave_widgets.models import (
    MAX_CONVERSATION_SPANS,
    AgentConversationSpan,
    AgentConversationSpanFeedback,
    AgentConversationSpanRating,
    AgentConversationSpans,
    AgentConversationSpansRes,
)

XSS_TAG = "<img src=x onerror=alert(1)>"
XSS_OPERATION = "<script>alert(1)</script>"
TURN_SHAPES = (
    ("invoke_agent", "chat", "execute_tool", "chat"),
    ("invoke_agent", "retrieval", "embeddings", "chat"),
    ("invoke_agent", "chat", "execute_tool", "execute_tool", "chat"),
)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def conversation(
    rng: random.Random, cid: str, n_turns: int, *, error_rate: float = 0.08
) -> AgentConversationSpans:
    """One conversation of ``n_turns`` agent turns with feedback on some turns."""
    spans: list[AgentConversationSpan] = []
    feedback: list[AgentConversationSpanFeedback] = []
    for _ in range(n_turns):
        trace_id = _uuid(rng)
        for op in TURN_SHAPES[rng.randrange(len(TURN_SHAPES))]:
            status = "ERROR" if rng.random() < error_rate else "OK"
            duration = {"chat": 900, "execute_tool": 300, "invoke_agent": 2500}.get(op, 150)
            spans.append(
                AgentConversationSpan(
                    operation_name=op,
                    trace_id=trace_id,
                    span_id=_uuid(rng),
                    status=status,
                    duration_ms=int(duration * rng.uniform(0.3, 2.0)),
                )
            )
        roll = rng.random()
        if roll < 0.25:
            feedback.append(
                AgentConversationSpanFeedback(
                    trace_id=trace_id,
                    feedback_type="wandb.agent_user_feedback",
                    tags=[rng.choice(["👍", "👎", "🎉"])],
                )
            )
        elif roll < 0.45:
            value = round(rng.random(), 2)
            feedback.append(
                AgentConversationSpanFeedback(
                    trace_id=trace_id,
                    feedback_type="wandb.agent_monitor",
                    tags=[rng.choice(["helpful", "off-topic", "hallucination"])],
                    ratings=[
                        AgentConversationSpanRating(
                            name="quality", value=value, reason="scored by the monitor"
                        )
                    ],
                )
            )
    return AgentConversationSpans(conversation_id=cid, spans=spans, spans_feedback=feedback)


def sample_response(n_conversations: int = 12, *, seed: int = 0) -> AgentConversationSpansRes:
    """Demo-like conversations plus the edge cases the widget must draw."""
    rng = random.Random(seed)
    entries = [
        conversation(rng, f"conv-{i:03d}", rng.randint(1, 6)) for i in range(n_conversations)
    ]
    first = entries[0]
    first.spans[0] = first.spans[0].model_copy(update={"status": "OK"})
    first.spans[1] = first.spans[1].model_copy(update={"status": "ERROR", "duration_ms": 1500})
    first.spans[2] = first.spans[2].model_copy(update={"status": "UNSET", "duration_ms": 0})
    first.spans_feedback[:0] = [
        AgentConversationSpanFeedback(
            trace_id=first.spans[0].trace_id,
            feedback_type="wandb.agent_monitor",
            tags=[XSS_TAG],
            ratings=[AgentConversationSpanRating(name="quality", value=0.9, confidence=0.7)],
        ),
        AgentConversationSpanFeedback(
            trace_id=None, feedback_type="wandb.agent_user_feedback", tags=["🎉", "great"]
        ),
        AgentConversationSpanFeedback(
            trace_id="trace-not-in-spans", feedback_type="wandb.agent_user_feedback", tags=["👎"]
        ),
    ]
    entries[1].spans[0] = entries[1].spans[0].model_copy(update={"operation_name": XSS_OPERATION})
    capped = conversation(rng, "conv-capped", 60, error_rate=0.02)
    capped.spans = capped.spans[-MAX_CONVERSATION_SPANS:]
    entries.append(capped)
    entries.append(AgentConversationSpans(conversation_id="conv-empty"))
    return AgentConversationSpansRes(conversations=entries)


def sample_data(n_conversations: int = 12, *, seed: int = 0) -> ConversationData:
    """``sample_response`` framed as ``ConversationData``."""
    return conversation_data(
        sample_response(n_conversations, seed=seed), project_id="test-entity/widget"
    )
