"""Turn transcripts and search results as DataFrames with stable columns.

A transcript is the chat projection of a turn (``/agents/traces/chat``) or of a conversation's
turns (``/agents/conversations/chat``), flattened to one row per message, so that what a user
reads in the panel is also a frame to filter. ``TranscriptReader`` is what a widget needs to
fetch them (the clients are one); it is declared here so the minimap never imports a client.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from weave_widgets.data._frames import STRING
from weave_widgets.models import AgentSearchRes, ChatMessage, TraceChatRes

MESSAGE_COLUMNS: dict[str, Any] = {
    "conversation_id": STRING,
    "trace_id": STRING,
    "turn_index": "Int64",
    "message_index": "int64",
    "kind": STRING,
    "role": STRING,
    "agent_name": STRING,
    "text": STRING,
    "tool_name": STRING,
    "tool_arguments": STRING,
    "tool_result": STRING,
    "model": STRING,
    "tokens": "Int64",
    "cost": "float64",
    "status": STRING,
    "duration_ms": "Int64",
    "span_id": STRING,
    "error_type": STRING,
    "error_message": STRING,
}
"""Columns and dtypes of a transcript: one row per message, in turn then message order.
``kind`` is the API's message type (user_message, agent_start, assistant_message, tool_call,
context_compacted, agent_handoff); ``role`` is user, assistant, tool or system."""

SEARCH_COLUMNS: dict[str, Any] = {
    "conversation_id": STRING,
    "conversation_name": STRING,
    "agent_name": STRING,
    "last_activity": "datetime64[us, UTC]",
    "trace_id": STRING,
    "span_id": STRING,
    "role": STRING,
    "content_preview": STRING,
    "content_digest": STRING,
    "started_at": "datetime64[us, UTC]",
}
"""Columns of a search answer: one row per matched message (a conversation matched with no
listed message has one row with the message columns missing)."""

ROLES = {
    "user_message": "user",
    "assistant_message": "assistant",
    "tool_call": "tool",
    "agent_start": "system",
    "context_compacted": "system",
    "agent_handoff": "assistant",
}


class TranscriptReader(Protocol):
    """Fetches transcripts and searches for a view (``WeaveClient`` is one)."""

    def turn_chat(
        self,
        trace_id: str,
        *,
        include_feedback: bool = False,
        conversation_id: str | None = None,
        turn_index: int | None = None,
    ) -> pd.DataFrame: ...

    def search(
        self,
        query: str,
        *,
        conversation_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> pd.DataFrame: ...


def _row(message: ChatMessage) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": message.type,
        "role": ROLES.get(message.type, "assistant"),
        "agent_name": message.agent_name,
        "status": message.status_code,
        "span_id": message.span_id,
        "error_type": message.error_type,
        "error_message": message.status_message,
    }
    if message.user_message is not None:
        row["text"] = message.user_message.text
    if (a := message.assistant_message) is not None:
        tokens = [t for t in (a.input_tokens, a.output_tokens) if t is not None]
        row.update(
            text=a.text,
            model=a.model,
            tokens=sum(tokens) if tokens else None,
            cost=a.total_cost_usd,
            status=message.status_code or a.status,
            duration_ms=a.duration_ms,
        )
    if (t := message.tool_call) is not None:
        row.update(
            tool_name=t.tool_name,
            tool_arguments=t.tool_arguments,
            tool_result=t.tool_result,
            status=message.status_code or t.status,
            duration_ms=t.duration_ms,
        )
    if (s := message.agent_start) is not None:
        row.update(text=s.system_instructions, model=s.model)
    if (c := message.context_compacted) is not None:
        row["text"] = c.compaction_summary
    return row


def messages_frame(
    turns: Sequence[TraceChatRes],
    conversation_id: str | None = None,
    first_turn_index: int | None = None,
) -> pd.DataFrame:
    """One row per message of ``turns`` (in order); turn ``i`` gets ``first_turn_index + i``
    (``<NA>`` when the turn's place in its conversation is not known)."""
    rows: list[dict[str, Any]] = []
    for offset, turn in enumerate(turns):
        for index, message in enumerate(turn.messages):
            row = _row(message)
            row.update(
                conversation_id=conversation_id,
                trace_id=turn.trace_id,
                turn_index=None if first_turn_index is None else first_turn_index + offset,
                message_index=index,
            )
            rows.append(row)
    return _frame(rows, MESSAGE_COLUMNS)


def _frame(rows: list[dict[str, Any]], columns: dict[str, Any]) -> pd.DataFrame:
    data = {}
    for name, dtype in columns.items():
        values = [row.get(name) for row in rows]
        if dtype == "int64":
            data[name] = pd.Series(np.array(values, dtype=np.int64), dtype="int64")
        elif str(dtype).startswith("datetime64"):
            data[name] = pd.to_datetime(pd.Series(values, dtype=object), utc=True).astype(dtype)
        else:
            data[name] = pd.Series(
                [np.nan if v is None and dtype == "float64" else v for v in values],
                dtype=dtype,
            )
    return pd.DataFrame(data)


def search_frame(res: AgentSearchRes) -> pd.DataFrame:
    """One row per matched message, conversations most recently active first."""
    rows: list[dict[str, Any]] = []
    for result in res.results:
        head = {
            "conversation_id": result.conversation_id,
            "conversation_name": result.conversation_name,
            "agent_name": result.agent_name,
            "last_activity": result.last_activity,
        }
        rows.extend({**head, **m.model_dump()} for m in result.matched_messages)
        if not result.matched_messages:
            rows.append(head)
    return _frame(rows, SEARCH_COLUMNS)
