"""The chat projection: stored spans of a turn read back as the ordered messages people read.

Answers ``/agents/traces/chat``, ``/agents/conversations/chat`` and ``/agents/search`` from what
the store kept: OTel GenAI attributes (``gen_ai.input.messages`` / ``gen_ai.output.messages`` /
``gen_ai.system_instructions`` in the "parts" model, ``gen_ai.tool.*``, ``error.type``) and, for
``/call/start``-path calls, the same attributes or else the call's inputs and output.

A turn reads as: the user's message (the last user message the turn's root agent, else its first
model call, was given), then per span in start order an ``agent_start`` for ``invoke_agent``, an
``assistant_message`` for a model call and a ``tool_call`` for ``execute_tool``; other spans
(retrieval, embeddings) carry no message. Text is returned as stored: the reader renders it.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from weave_widgets.server.call_spans import lookup
from weave_widgets.server.store import SpanRow, Store, from_micros

MODEL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content"})
"""``gen_ai.operation.name`` values that read as an assistant message."""
USER_INPUT_KEYS = ("user_message", "message", "query", "question", "prompt", "input", "text")
"""Keys of a call's inputs that hold the user's text, tried in order (the ``/call/start`` path)."""
MAX_MATCHES_PER_CONVERSATION = 20
"""Matched messages listed per conversation in a search answer (the count is not capped)."""
PREVIEW_CHARS = 200
"""Characters of a matched message shown when ``truncate_content`` is set."""

_COLUMNS = ", ".join(
    "CASE WHEN status IN ('UNSET', 'OK', 'ERROR') THEN status ELSE 'UNSET' END"
    if name == "status"
    else name
    for name in SpanRow._fields
)
"""``SpanRow``'s columns in its order, so a selected row is a ``SpanRow``; a status other than
the three OTel codes reads as ``UNSET``."""


@dataclass
class StoredSpan:
    """One stored span: its ``row`` as the store keeps it (so the stored fields have one
    definition, ``SpanRow``) plus what the projection decodes from it."""

    row: SpanRow
    attributes: Mapping[str, Any]
    inputs: Any
    output: Any

    @classmethod
    def from_row(cls, values: Iterable[Any]) -> StoredSpan:
        """The span from a row selected with ``_COLUMNS``."""
        row = SpanRow._make(values)
        start = _loads(row.start_json)
        end = _loads(row.end_json) if row.end_json is not None else {}
        attributes = start.get("attributes") if isinstance(start, Mapping) else None
        return cls(
            row=row,
            attributes=attributes if isinstance(attributes, Mapping) else {},
            inputs=start.get("inputs") if isinstance(start, Mapping) else None,
            output=end.get("output") if isinstance(end, Mapping) else None,
        )

    def attr(self, key: str) -> Any:
        return lookup(self.attributes, key)

    @property
    def duration_ms(self) -> int:
        if self.row.ended_at is None or self.row.ended_at <= self.row.started_at:
            return 0
        return self.row.ended_at // 1000 - self.row.started_at // 1000


def _loads(blob: bytes | str) -> Any:
    try:
        return orjson.loads(blob)
    except orjson.JSONDecodeError:
        return {}


# --- message text ------------------------------------------------------------------------------


def _as_json(value: Any) -> Any:
    """A JSON-string attribute decoded (the GenAI conventions store messages as JSON strings)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Mapping) and part.get("type", "text") == "text":
        content = part.get("content", part.get("text"))
        return content if isinstance(content, str) else ""
    return ""


def _message_text(message: Mapping[str, Any]) -> str:
    """The text of a GenAI "parts" message, or of an OpenAI-style ``content`` message."""
    parts = message.get("parts")
    if isinstance(parts, list):
        return "\n".join(t for t in (_part_text(p) for p in parts) if t)
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(t for t in (_part_text(p) for p in content) if t)
    return content if isinstance(content, str) else ""


def messages_of(value: Any) -> list[Mapping[str, Any]]:
    """The messages of a ``gen_ai.*.messages`` value (a JSON string or a list)."""
    value = _as_json(value)
    if isinstance(value, Mapping):
        value = value.get("messages")
    return [m for m in value if isinstance(m, Mapping)] if isinstance(value, list) else []


def _last_text(messages: Iterable[Mapping[str, Any]], role: str) -> str | None:
    texts = [_message_text(m) for m in messages if m.get("role") == role]
    texts = [t for t in texts if t]
    return texts[-1] if texts else None


def _text_value(value: Any) -> str | None:
    """A value shown as text: strings as they are, anything else as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def user_text(span: StoredSpan) -> str | None:
    """The user's message a span was given: its input messages, else its call inputs."""
    text = _last_text(messages_of(span.attr("gen_ai.input.messages")), "user")
    if text is None and isinstance(span.inputs, Mapping):
        text = _last_text(messages_of(span.inputs.get("messages")), "user")
        for key in USER_INPUT_KEYS:
            value = span.inputs.get(key)
            if text is None and isinstance(value, str) and value:
                text = value
    return text


def assistant_text(span: StoredSpan) -> str:
    """What a model call answered: its output messages' text, else its call output."""
    text = _last_text(messages_of(span.attr("gen_ai.output.messages")), "assistant")
    if text is not None:
        return text
    output = span.output
    if isinstance(output, Mapping):
        choices = output.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
            message = choices[0].get("message")
            if isinstance(message, Mapping):
                return _message_text(message)
        messages = messages_of(output)
        if messages:
            return _last_text(messages, "assistant") or ""
    return _text_value(output) or ""


def system_text(span: StoredSpan) -> str | None:
    value = _as_json(span.attr("gen_ai.system_instructions"))
    if isinstance(value, list):
        return "\n".join(t for t in (_part_text(p) for p in value) if t) or None
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# --- one turn ----------------------------------------------------------------------------------


def _common(span: StoredSpan, agent: str | None) -> dict[str, Any]:
    failed = span.row.status == "ERROR"
    return {
        "span_id": span.row.span_id,
        "started_at": from_micros(span.row.started_at),
        "agent_name": span.row.agent_name or agent,
        "agent_version": _str(span.attr("gen_ai.agent.version")),
        "status_code": span.row.status,
        "status_message": span.row.exception if failed else None,
        "error_type": _str(span.attr("error.type")) if failed else None,
    }


def _message(span: StoredSpan, agent: str | None) -> dict[str, Any] | None:
    op = span.row.operation_name
    model = _str(span.attr("gen_ai.response.model")) or _str(span.attr("gen_ai.request.model"))
    if op == "invoke_agent":
        payload: dict[str, Any] = {
            "model": model,
            "status": span.row.status,
            "system_instructions": system_text(span),
            "tool_definitions": _text_value(span.attr("gen_ai.tool.definitions")),
        }
        return {"type": "agent_start", **_common(span, agent), "agent_start": payload}
    if op in MODEL_OPERATIONS:
        payload = {
            "text": assistant_text(span),
            "content_refs": [],
            "model": model,
            "input_tokens": _int(span.attr("gen_ai.usage.input_tokens")),
            "output_tokens": _int(span.attr("gen_ai.usage.output_tokens")),
            "reasoning_tokens": _int(span.attr("gen_ai.usage.reasoning.output_tokens")),
            "duration_ms": span.duration_ms,
            "status": span.row.status,
        }
        return {"type": "assistant_message", **_common(span, agent), "assistant_message": payload}
    if op == "execute_tool":
        arguments = span.attr("gen_ai.tool.call.arguments")
        result = span.attr("gen_ai.tool.call.result")
        if arguments is None and span.row.source == "call":
            arguments = span.inputs or None
        if result is None and span.row.source == "call":
            result = span.output
        payload = {
            "tool_name": _str(span.attr("gen_ai.tool.name")) or span.row.op_name,
            "tool_arguments": _text_value(arguments),
            "tool_result": _text_value(result),
            "duration_ms": span.duration_ms,
            "status": span.row.status,
            "content_refs": [],
        }
        return {"type": "tool_call", **_common(span, agent), "tool_call": payload}
    return None


def _usage(spans: Sequence[StoredSpan], key: str) -> int:
    return sum(_int(s.attr(key)) or 0 for s in spans if s.row.operation_name in MODEL_OPERATIONS)


def turn_chat(spans: Sequence[StoredSpan], trace_id: str) -> dict[str, Any]:
    """The chat view of one turn from its spans (any order)."""
    spans = sorted(spans, key=lambda s: (s.row.started_at, s.row.span_id))
    ids = {s.row.span_id for s in spans}
    roots = [s for s in spans if s.row.parent_id not in ids]
    root = roots[0] if roots else None
    by_id = {s.row.span_id: s for s in spans}
    messages: list[dict[str, Any]] = []
    if root is not None:
        first_model = next((s for s in spans if s.row.operation_name in MODEL_OPERATIONS), None)
        text = user_text(root) or (user_text(first_model) if first_model else None)
        if text is not None:
            messages.append(
                {
                    "type": "user_message",
                    "span_id": root.row.span_id,
                    "started_at": from_micros(root.row.started_at),
                    "agent_name": root.row.agent_name,
                    "user_message": {"text": text, "content_refs": []},
                }
            )
    for span in spans:
        agent = _agent_of(span, by_id)
        message = _message(span, agent)
        if message is not None:
            messages.append(message)
    return {
        "trace_id": trace_id,
        "messages": messages,
        "agent_name": root.row.agent_name if root else None,
        "agent_version": _str(root.attr("gen_ai.agent.version")) if root else None,
        "started_at": from_micros(root.row.started_at) if root else None,
        "ended_at": from_micros(root.row.ended_at) if root and root.row.ended_at else None,
        "status_code": root.row.status if root else None,
        "provider": _str(root.attr("gen_ai.provider.name")) if root else None,
        "root_span_name": root.row.op_name if root else None,
        "total_input_tokens": _usage(spans, "gen_ai.usage.input_tokens"),
        "total_output_tokens": _usage(spans, "gen_ai.usage.output_tokens"),
        "total_reasoning_tokens": _usage(spans, "gen_ai.usage.reasoning.output_tokens"),
        "total_cache_creation_input_tokens": _usage(
            spans, "gen_ai.usage.cache_creation.input_tokens"
        ),
        "total_cache_read_input_tokens": _usage(spans, "gen_ai.usage.cache_read.input_tokens"),
        "total_duration_ms": root.duration_ms if root else None,
    }


def _agent_of(span: StoredSpan, by_id: Mapping[str, StoredSpan]) -> str | None:
    """The name of the nearest agent at or above ``span``."""
    node: StoredSpan | None = span
    for _ in range(len(by_id) + 1):
        if node is None:
            return None
        if node.row.agent_name:
            return node.row.agent_name
        node = by_id.get(node.row.parent_id or "")
    return None


# --- reading the store -------------------------------------------------------------------------


class ChatReader:
    """Turns, conversations and searches over one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _conn(self) -> sqlite3.Connection:
        return self.store.connection()

    def trace_spans(self, project_id: str, trace_id: str) -> list[StoredSpan]:
        rows = self._conn().execute(
            f"SELECT {_COLUMNS} FROM spans WHERE project_id = ? AND trace_id = ?",  # noqa: S608
            (project_id, trace_id),
        )
        return [StoredSpan.from_row(row) for row in rows]

    def feedback(self, project_id: str, trace_ids: Sequence[str]) -> dict[str, list[Any]]:
        """Each trace's feedback rows, oldest first, in the chat projection's shape."""
        out: dict[str, list[Any]] = {t: [] for t in trace_ids}
        if not trace_ids:
            return out
        marks = ",".join("?" * len(trace_ids))
        rows = self._conn().execute(
            "SELECT id, weave_ref, feedback_type, created_at, wb_user_id, trace_id, body "  # noqa: S608
            f"FROM feedback WHERE project_id = ? AND trace_id IN ({marks}) "
            "ORDER BY created_at, id",
            (project_id, *trace_ids),
        )
        for fid, ref, ftype, created, user, trace, body in rows:
            sent = _loads(body)
            sent = sent if isinstance(sent, Mapping) else {}
            payload = sent.get("payload")
            out[trace].append(
                {
                    "id": fid,
                    "feedback_type": ftype,
                    "payload": payload if isinstance(payload, Mapping) else {},
                    "weave_ref": ref,
                    "created_at": from_micros(created),
                    "creator": _str(sent.get("creator")),
                    "wb_user_id": user,
                    **{
                        key: sent[key]
                        for key in (
                            "annotation_ref",
                            "call_ref",
                            "runnable_ref",
                            "trigger_ref",
                            "scorer_tags",
                            "scorer_tag_reasons",
                            "scorer_tag_confidences",
                            "scorer_ratings",
                            "scorer_rating_reasons",
                            "scorer_rating_confidences",
                        )
                        if sent.get(key) is not None
                    },
                }
            )
        return out

    def turn(self, project_id: str, trace_id: str, include_feedback: bool) -> dict[str, Any]:
        turn = turn_chat(self.trace_spans(project_id, trace_id), trace_id)
        if include_feedback:
            turn["feedback"] = self.feedback(project_id, [trace_id])[trace_id]
        return turn

    def conversation_traces(self, project_id: str, conversation_id: str) -> list[str]:
        """The conversation's turns, oldest first (by each turn's first span)."""
        rows = self._conn().execute(
            "SELECT trace_id FROM spans WHERE project_id = ? AND conversation_id = ? "
            "GROUP BY trace_id ORDER BY MIN(started_at), MIN(span_id)",
            (project_id, conversation_id),
        )
        return [row[0] for row in rows]

    def conversation(
        self,
        project_id: str,
        conversation_id: str,
        limit: int,
        offset: int,
        include_feedback: bool,
    ) -> dict[str, Any]:
        """A page of turns: ``offset`` most recent turns skipped, oldest first in the page."""
        traces = self.conversation_traces(project_id, conversation_id)
        end = max(len(traces) - offset, 0)
        begin = max(end - limit, 0)
        page = traces[begin:end]
        feedback = self.feedback(project_id, page) if include_feedback else {}
        turns = []
        for trace in page:
            turn = turn_chat(self.trace_spans(project_id, trace), trace)
            if include_feedback:
                turn["feedback"] = feedback[trace]
            turns.append(turn)
        return {
            "conversation_id": conversation_id,
            "turns": turns,
            "total_turns": len(traces),
            "has_more": begin > 0,
            "limit": limit,
            "offset": offset,
        }

    def search(
        self,
        project_id: str,
        query: str,
        *,
        conversation_id: str | None = None,
        trace_id: str | None = None,
        agent_name: str | None = None,
        provider_name: str | None = None,
        request_model: str | None = None,
        roles: Sequence[str] | None = None,
        truncate_content: bool = True,
        after: int,
        before: int,
        limit: int,
        offset: int,
    ) -> dict[str, Any]:
        """Conversations whose messages contain ``query`` (case-insensitive; empty: all),
        most recently active first."""
        sql = (
            f"SELECT {_COLUMNS} FROM spans "  # noqa: S608 (constant columns; values bound)
            "WHERE project_id = ? AND conversation_id IS NOT NULL "
            "AND started_at >= ? AND started_at < ?"
        )
        args: list[Any] = [project_id, after, before]
        for column, value in (("conversation_id", conversation_id), ("trace_id", trace_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        needle = query.casefold()
        if needle.isascii() and needle.isprintable() and not set('"\\') & set(needle):
            # a cheap prefilter on the stored JSON: ASCII without escapes reads the same there
            sql += " AND (instr(lower(CAST(start_json AS TEXT)), ?) > 0"
            sql += " OR instr(lower(CAST(COALESCE(end_json, '') AS TEXT)), ?) > 0"
            sql += " OR instr(lower(COALESCE(exception, '')), ?) > 0)"
            args += [needle, needle, needle]
        sql += " ORDER BY conversation_id, started_at, span_id"
        wanted = set(roles or ()) - {""}
        found: dict[str, dict[str, Any]] = {}
        for row in self._conn().execute(sql, args):
            span = StoredSpan.from_row(row)
            if agent_name is not None and span.row.agent_name != agent_name:
                continue
            if provider_name is not None and span.attr("gen_ai.provider.name") != provider_name:
                continue
            if request_model is not None and span.attr("gen_ai.request.model") != request_model:
                continue
            cid = span.row.conversation_id or ""
            entry = found.setdefault(
                cid,
                {
                    "conversation_id": cid,
                    "conversation_name": "",
                    "agent_name": "",
                    "last_activity": span.row.started_at,
                    "matched_messages": [],
                    "seen": set(),
                },
            )
            entry["last_activity"] = max(entry["last_activity"], span.row.started_at)
            entry["conversation_name"] = entry["conversation_name"] or (
                _str(span.attr("gen_ai.conversation.name")) or ""
            )
            entry["agent_name"] = entry["agent_name"] or span.row.agent_name or ""
            for role, text in span_texts(span):
                if wanted and role not in wanted:
                    continue
                at = text.casefold().find(needle)
                if at < 0:
                    continue
                digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
                if (role, digest) in entry["seen"]:
                    continue  # a history message repeated in later model calls
                entry["seen"].add((role, digest))
                entry["match_count"] = entry.get("match_count", 0) + 1
                if len(entry["matched_messages"]) < MAX_MATCHES_PER_CONVERSATION:
                    entry["matched_messages"].append(
                        {
                            "trace_id": span.row.trace_id,
                            "span_id": span.row.span_id,
                            "role": role,
                            "content_preview": _preview(text, at, len(needle))
                            if truncate_content
                            else text,
                            "content_digest": digest,
                            "started_at": from_micros(span.row.started_at),
                        }
                    )
        matched = [e for e in found.values() if e.get("match_count")]
        matched.sort(key=lambda e: (-e["last_activity"], e["conversation_id"]))
        results = []
        for entry in matched[offset : offset + limit]:
            entry.pop("seen")
            entry.pop("match_count")
            entry["last_activity"] = from_micros(entry["last_activity"])
            results.append(entry)
        return {"results": results, "total_conversations": len(matched)}


def span_texts(span: StoredSpan) -> Iterator[tuple[str, str]]:
    """``(role, text)`` of every message a span holds, with the search API's role names."""
    if span.row.operation_name == "execute_tool":
        arguments: str | None = _text_value(span.attr("gen_ai.tool.call.arguments"))
        result: str | None = _text_value(span.attr("gen_ai.tool.call.result"))
        if span.row.source == "call":
            arguments = arguments or _text_value(span.inputs or None)
            result = result or _text_value(span.output)
        if arguments:
            yield "tool_call", arguments
        if result:
            yield "tool_result", result
    else:
        system = system_text(span)
        if system:
            yield "system", system
        for message in messages_of(span.attr("gen_ai.input.messages")):
            role, text = message.get("role"), _message_text(message)
            if isinstance(role, str) and text:
                yield role, text
        for message in messages_of(span.attr("gen_ai.output.messages")):
            role, text = message.get("role"), _message_text(message)
            if isinstance(role, str) and text:
                yield role, text
        if span.row.source == "call":
            asked = user_text(span)
            if asked:
                yield "user", asked
            if span.output is not None and span.row.operation_name in MODEL_OPERATIONS:
                yield "assistant", assistant_text(span)
    if span.row.exception:
        yield (
            "tool" if span.row.operation_name == "execute_tool" else "assistant",
            span.row.exception,
        )


def _preview(text: str, at: int, size: int) -> str:
    """About ``PREVIEW_CHARS`` characters of ``text`` around the match at ``at``."""
    if len(text) <= PREVIEW_CHARS:
        return text
    start = max(0, min(at - PREVIEW_CHARS // 3, len(text) - PREVIEW_CHARS))
    cut = text[start : start + PREVIEW_CHARS]
    return ("…" if start > 0 else "") + cut + ("…" if start + PREVIEW_CHARS < len(text) else "")


def previews(
    store: Store, project_id: str, conversation_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Per conversation: its first user message, last assistant message and request models,
    for the listing (``/agents/spans/query`` grouped by ``conversation_id``)."""
    out: dict[str, dict[str, Any]] = {}
    ids = [c for c in dict.fromkeys(conversation_ids) if c]
    conn = store.connection()
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        marks = ",".join("?" * len(part))
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM spans "  # noqa: S608 (constant columns; values bound)
            f"WHERE project_id = ? AND conversation_id IN ({marks}) "
            "AND (operation_name = 'invoke_agent' OR operation_name IN "
            "('chat', 'text_completion', 'generate_content')) "
            "ORDER BY conversation_id, started_at, span_id",
            (project_id, *part),
        )
        for row in rows:
            span = StoredSpan.from_row(row)
            entry = out.setdefault(
                span.row.conversation_id or "",
                {"first_message": None, "last_message": None, "request_models": []},
            )
            if entry["first_message"] is None:
                text = user_text(span)
                if text:
                    entry["first_message"] = {"role": "user_message", "text": _cut(text)}
            if span.row.operation_name in MODEL_OPERATIONS:
                text = assistant_text(span)
                if text:
                    entry["last_message"] = {"role": "assistant_message", "text": _cut(text)}
            model = _str(span.attr("gen_ai.request.model"))
            if model and model not in entry["request_models"]:
                entry["request_models"].append(model)
    for entry in out.values():
        entry["request_models"].sort()
    return out


def _cut(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
