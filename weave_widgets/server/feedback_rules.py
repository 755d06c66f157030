"""Feedback rules: which feedback requests are accepted, where each attaches, and its marker.

A request the hosted server would refuse raises :class:`InvalidFeedback`, answered with 400
``{"reason": ...}``: agent user feedback needs ``scorer_tags``; monitor feedback needs
``runnable_ref``, ``call_ref`` and ``trigger_ref``, refs of the right kind that only monitor
and ``wandb.runnable.*`` feedback may carry; scorer fields belong to those and agent user
feedback only; a reaction is exactly one emoji; an agent ref must point into the request's
project and agree with ``span_trace_id`` / ``span_conversation_id``. Each accepted row gets an
:class:`Anchor` (the conversation or turn it belongs to) and, when it is one of the two agent
feedback types anchored to a turn or a conversation, a minimap marker: its tags with skin
tones stripped, its ratings joined with their reasons and confidences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import emoji

from weave_widgets.models import (
    AGENT_MONITOR_FEEDBACK,
    AGENT_SPAN_FEEDBACK_TYPES,
    AGENT_USER_FEEDBACK,
    FeedbackCreateReq,
)
from weave_widgets.refs import AgentRef, parse_agent_ref

_SKIN_TONE = re.compile(r"_(light|medium-light|medium|medium-dark|dark)_skin_tone")
_SCORER_FIELDS = (
    "scorer_tags",
    "scorer_tag_reasons",
    "scorer_tag_confidences",
    "scorer_ratings",
    "scorer_rating_reasons",
    "scorer_rating_confidences",
)
# field -> ref kinds it may hold (the segment after entity/project)
_MONITOR_REFS = {
    "runnable_ref": ("op", "object"),
    "call_ref": ("call",),
    "trigger_ref": ("object",),
}


def _given(value: Any) -> bool:
    """Whether a field was really set: the weave SDK sends every scorer and span field on every
    feedback row, empty (``[]``, ``{}``, ``""``) when unused, and the hosted server takes an
    empty field as an absent one."""
    return value is not None and value != "" and value != [] and value != {}


def _text_field(value: str | None) -> str | None:
    return value if _given(value) else None


class InvalidFeedback(ValueError):
    """A feedback request the server refuses (HTTP 400); the message names the field."""


@dataclass(frozen=True)
class Anchor:
    """Where a feedback row attaches: a turn (``trace_id``) or a whole conversation."""

    kind: str | None
    conversation_id: str | None
    trace_id: str | None


def detone_emojis(text: str) -> str:
    """``text`` with skin-tone modifiers removed from every emoji (👍🏽 -> 👍)."""
    out: list[str] = []
    for token in emoji.analyze(text, non_emoji=True):
        if isinstance(token.value, str):
            out.append(token.value)
        else:
            shortcode = emoji.demojize(token.value.emoji)
            out.append(emoji.emojize(_SKIN_TONE.sub("", shortcode)))
    return "".join(out)


def _is_runnable(feedback_type: str) -> bool:
    return feedback_type == AGENT_MONITOR_FEEDBACK or feedback_type.startswith("wandb.runnable.")


def _ref_kind(ref: str) -> str | None:
    parts = ref.removeprefix("weave:///").split("/") if ref.startswith("weave:///") else []
    return parts[2] if len(parts) >= 4 else None


def _validate_types(req: FeedbackCreateReq) -> None:
    ftype = req.feedback_type
    if ftype == AGENT_USER_FEEDBACK and not req.scorer_tags:
        raise InvalidFeedback(
            f"{AGENT_USER_FEEDBACK} feedback requires a non-empty scorer_tags list, e.g. ['👍']"
        )
    for field, kinds in _MONITOR_REFS.items():
        value = getattr(req, field)
        if not _given(value):
            if ftype == AGENT_MONITOR_FEEDBACK:
                raise InvalidFeedback(f"{AGENT_MONITOR_FEEDBACK} feedback requires {field}")
            continue
        if not _is_runnable(ftype):
            raise InvalidFeedback(
                f"{field} is only allowed on {AGENT_MONITOR_FEEDBACK} or wandb.runnable.* feedback"
            )
        if _ref_kind(value) not in kinds:
            raise InvalidFeedback(
                f"{field} must be a weave:///<entity>/<project>/{'|'.join(kinds)}/... ref, "
                f"got {value!r}"
            )
    if ftype not in AGENT_SPAN_FEEDBACK_TYPES and not _is_runnable(ftype):
        for field in _SCORER_FIELDS:
            if _given(getattr(req, field)):
                raise InvalidFeedback(
                    f"{field} is only allowed on {AGENT_MONITOR_FEEDBACK}, {AGENT_USER_FEEDBACK} "
                    "or wandb.runnable.* feedback"
                )
    if ftype == "wandb.reaction.1":
        reaction = req.payload.get("emoji")
        if (
            not isinstance(reaction, str)
            or not emoji.purely_emoji(reaction)
            or (emoji.emoji_count(reaction) != 1)
        ):
            raise InvalidFeedback("wandb.reaction.1 feedback needs payload.emoji with one emoji")


def _agent_ref(req: FeedbackCreateReq) -> AgentRef | None:
    if _ref_kind(req.weave_ref) not in ("agent_turn", "agent_conversation", "agent_span"):
        return None
    try:
        ref = parse_agent_ref(req.weave_ref)
    except ValueError as exc:
        raise InvalidFeedback(f"weave_ref: {exc}") from exc
    if ref.project_id != req.project_id:
        raise InvalidFeedback(
            f"weave_ref points at project {ref.project_id!r} but project_id is {req.project_id!r}"
        )
    return ref


def _anchor(req: FeedbackCreateReq, ref: AgentRef | None) -> Anchor:
    conv, trace = _text_field(req.span_conversation_id), _text_field(req.span_trace_id)
    if ref is None:
        if trace is not None:
            return Anchor("turn", conv, trace)
        return Anchor("conversation" if conv is not None else None, conv, None)
    if ref.kind == "turn":
        if trace is not None and trace != ref.id:
            raise InvalidFeedback(
                f"span_trace_id {trace!r} contradicts weave_ref's turn {ref.id!r}; "
                "omit it or make them equal"
            )
        return Anchor("turn", conv, ref.id)
    if ref.kind == "conversation":
        if trace is not None:
            raise InvalidFeedback(
                "span_trace_id is not allowed on feedback for a conversation ref; "
                "use an agent_turn ref for turn feedback"
            )
        if conv is not None and conv != ref.id:
            raise InvalidFeedback(
                f"span_conversation_id {conv!r} contradicts weave_ref's conversation {ref.id!r}"
            )
        return Anchor("conversation", ref.id, None)
    return Anchor("span", conv, trace)


def validate_feedback(req: FeedbackCreateReq) -> Anchor:
    """Check ``req`` by the rules above and return where it attaches."""
    _validate_types(req)
    return _anchor(req, _agent_ref(req))


def marker(req: FeedbackCreateReq, anchor: Anchor) -> dict[str, Any] | None:
    """The minimap marker of one feedback row, or None when it is not surfaced.

    Only the two agent feedback types anchored to a turn or a conversation are surfaced;
    agent_span feedback has no place in the response model and is dropped.
    """
    if req.feedback_type not in AGENT_SPAN_FEEDBACK_TYPES or anchor.kind not in (
        "turn",
        "conversation",
    ):
        return None
    tags = [detone_emojis(tag) for tag in req.scorer_tags or () if isinstance(tag, str) and tag]
    reasons = req.scorer_rating_reasons or {}
    confidences = req.scorer_rating_confidences or {}
    ratings = []
    for name, value in (req.scorer_ratings or {}).items():
        reason = reasons.get(name)
        confidence = confidences.get(name)
        ratings.append(
            {
                "name": name,
                "value": float(value),
                "reason": reason if isinstance(reason, str) and reason else None,
                "confidence": float(confidence)
                if isinstance(confidence, int | float) and not isinstance(confidence, bool)
                else None,
            }
        )
    return {
        "trace_id": anchor.trace_id,
        "feedback_type": req.feedback_type,
        "tags": tags,
        "ratings": ratings,
    }
