"""What each endpoint sends and how its answer is read: pure functions shared by both clients.

Each public function validates its arguments (errors name the field before any request is
sent) and returns a ``Call``: the path, the payload (JSON, or a ``RawBody`` such as an OTLP
protobuf export), any headers of its own, and how to read the reply.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import orjson
import pandas as pd
import pydantic
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from pydantic import BaseModel

from weave_widgets import refs
from weave_widgets.client._redact import quote, quote_bytes
from weave_widgets.client._transport import HEAD_BYTES, ITEM_CHARS, RawBody, Reply, decode_error
from weave_widgets.data import _columnar as columnar
from weave_widgets.data._columnar import ResponseColumns, paused_gc
from weave_widgets.data._frames import STRING, ConversationData, agent_label, conversation_data
from weave_widgets.data._transcripts import messages_frame
from weave_widgets.errors import (
    ApiError,
    BatchFetchError,
    FailedBatch,
    InvalidArgumentError,
    ResponseDecodeError,
    ResponseValidationError,
    WeaveWidgetsError,
)
from weave_widgets.ids import new_id
from weave_widgets.models import (
    AGENT_MONITOR_FEEDBACK,
    AGENT_USER_FEEDBACK,
    MAX_CHAT_TURNS,
    MAX_CONVERSATION_IDS,
    MAX_LISTING_LIMIT,
    AgentConversationSpansReq,
    AgentConversationSpansRes,
    AgentGroupByRef,
    AgentSearchReq,
    AgentSearchRes,
    AgentSortBy,
    AgentSpansQueryReq,
    AgentSpansQueryRes,
    CallBatchEndMode,
    CallBatchStartMode,
    CallCreateBatchReq,
    CallCreateBatchRes,
    CallEndReq,
    CallEndRes,
    CallStartReq,
    CallStartRes,
    ConversationChatReq,
    ConversationChatRes,
    EndedCallSchemaForInsert,
    FeedbackCreateBatchReq,
    FeedbackCreateBatchRes,
    FeedbackCreateReq,
    FeedbackCreateRes,
    StartedCallSchemaForInsert,
    TraceChatReq,
    TraceChatRes,
)

logger = logging.getLogger("weave_widgets")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

MAX_PROBLEMS = 50
"""How many contract violations an error lists (the first ones)."""

AWARE_HINT = "pass a timezone-aware datetime, e.g. datetime.now(timezone.utc)"

LISTING_COLUMNS: dict[str, Any] = {
    "conversation_id": STRING,
    "span_count": "int64",
    "error_count": "int64",
    "total_duration_ms": "int64",
    "first_seen": "datetime64[us, UTC]",
    "last_seen": "datetime64[us, UTC]",
    "agent_names": "object",  # list[str], in no promised order
    "agent_name": STRING,  # the root agent (which ran first), else ``agent_label(agent_names)``
    "request_models": "object",  # list[str]
    "first_message": STRING,
    "last_message": STRING,
}
"""Columns and dtypes of ``list_conversations``."""


@dataclass(frozen=True)
class Call(Generic[T]):
    """One POST: where, what, and how to read a successful reply (given the reply and URL);
    ``headers`` go with the request besides the client's own (URL, auth, JSON by default)."""

    path: str
    payload: Any
    read: Callable[[Reply, str, str | None], T]
    headers: Mapping[str, str] | None = None


# --- reading replies -------------------------------------------------------------------------


def error_path(loc: Sequence[str | int]) -> str:
    """``("conversations", 3, "spans", 7, "status")`` -> ``conversations[3].spans[7].status``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the whole body)"


def read_model(model: type[M], reply: Reply, url: str, secret: str | None) -> M:
    """Validate a reply body into ``model``; bad JSON or a contract violation raises."""
    try:
        return model.model_validate_json(reply.body)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        if any(e["type"] == "json_invalid" for e in errors):
            raise decode_error(reply, url, secret) from None
        raise _contract_error(url, exc, secret) from None


def _contract_error(
    url: str, exc: pydantic.ValidationError, secret: str | None
) -> ResponseValidationError:
    """The paths and messages of ``exc``, scrubbed and cut: a path holds the server's keys,
    a message may quote its values."""
    errors = exc.errors(include_url=False, include_input=False)[:MAX_PROBLEMS]
    return ResponseValidationError(
        url,
        [
            (quote(error_path(e["loc"]), secret, ITEM_CHARS), quote(e["msg"], secret, ITEM_CHARS))
            for e in errors
        ],
    )


def read_spans(reply: Reply, url: str, secret: str | None) -> ResponseColumns:
    """A spans reply as columns: the fast column-wise check when the body is exactly as the
    contract says, else pydantic (which accepts what it may coerce and names what it can't)."""
    with paused_gc():
        fast = columnar.from_body(reply.body)
        if fast is not None:
            return fast
        try:
            data = orjson.loads(reply.body)
        except orjson.JSONDecodeError:
            raise decode_error(reply, url, secret) from None
        columns = columnar.from_json(data)
        if columns is None:
            try:
                res = AgentConversationSpansRes.model_validate(data)
            except pydantic.ValidationError as exc:
                raise _contract_error(url, exc, secret) from None
            try:
                columns = columnar.from_models(res.conversations)
            except OverflowError:
                where = "conversations[].spans[].duration_ms"
                raise ResponseValidationError(url, [(where, "too large for int64")]) from None
    return columns


def _reader(model: type[M]) -> Callable[[Reply, str, str | None], M]:
    def read(reply: Reply, url: str, secret: str | None) -> M:
        return read_model(model, reply, url, secret)

    return read


def _not_unicode(value: Any, path: str) -> str | None:
    """The path of the first string (or key) in ``value`` that cannot be sent as UTF-8 JSON
    (it holds a lone surrogate), else None."""
    if isinstance(value, str):
        return None if value.isascii() or _encodes(value) else path
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}"
            found = _not_unicode(key, where) or _not_unicode(item, where)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _not_unicode(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_unicode(value: Any, path: str) -> None:
    try:
        orjson.dumps(value, default=str)  # fast path: fails only on text that is not UTF-8
    except TypeError:
        pass
    else:
        return
    where = _not_unicode(value, path)
    if where is not None:
        raise InvalidArgumentError(
            f"{where} is not valid Unicode text (it holds a lone surrogate such as '\\ud800'); "
            "decode bytes with the right encoding, or drop the broken characters"
        )


def _validated(model: type[M], value: M | Mapping[str, Any], what: str) -> M:
    if isinstance(value, model):
        _check_unicode(value.model_dump(), what)
        return value
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"{what} must be a {model.__name__} or a mapping of its fields, "
            f"got {type(value).__name__}"
        )
    try:
        valid = model.model_validate(value)
    except pydantic.ValidationError as exc:
        lines = "\n".join(
            f"  - {what}.{error_path(e['loc'])}: {e['msg']}"
            for e in exc.errors(include_url=False, include_input=False)
        )
        raise InvalidArgumentError(f"invalid {what}:\n{lines}") from None
    _check_unicode(valid.model_dump(), what)
    return valid


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json", exclude_none=True)


# --- conversation spans ----------------------------------------------------------------------


def check_window(
    started_after: datetime.datetime | None, started_before: datetime.datetime | None
) -> None:
    """Both bounds must be aware datetimes (or None), and after < before."""
    for name, value in (("started_after", started_after), ("started_before", started_before)):
        if value is None:
            continue
        if not isinstance(value, datetime.datetime):
            raise InvalidArgumentError(
                f"{name} must be a datetime or None, got {type(value).__name__}; {AWARE_HINT}"
            )
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidArgumentError(f"{name} is a naive datetime ({value}); {AWARE_HINT}")
    if started_after is not None and started_before is not None and started_after >= started_before:
        raise InvalidArgumentError(
            f"started_after ({started_after}) must be earlier than started_before "
            f"({started_before}); the window is [started_after, started_before)"
        )


def conversation_ids_arg(conversation_ids: Iterable[str]) -> list[str]:
    """The ids as a list of str with duplicates removed, first occurrence kept."""
    if isinstance(conversation_ids, str | bytes):
        raise InvalidArgumentError(
            "conversation_ids must be a list of ids, not a single string; "
            f"wrap it in a list: [{conversation_ids!r}]"
        )
    ids = list(conversation_ids)
    for index, cid in enumerate(ids):
        if not isinstance(cid, str):
            raise InvalidArgumentError(
                f"conversation_ids[{index}] must be a str, got {type(cid).__name__} ({cid!r})"
            )
        _check_unicode(cid, f"conversation_ids[{index}]")
    return list(dict.fromkeys(ids))


def batches(ids: Sequence[str], size: int = MAX_CONVERSATION_IDS) -> list[list[str]]:
    """``ids`` cut into consecutive batches of at most ``size``."""
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


def conversation_spans_call(
    project_id: str,
    batch: list[str],
    started_after: datetime.datetime | None,
    started_before: datetime.datetime | None,
) -> Call[ResponseColumns]:
    """One batch of ``/agents/conversations/spans``; its reader rejects ids not asked for."""
    req = AgentConversationSpansReq(
        project_id=project_id,
        conversation_ids=batch,
        started_after=started_after,
        started_before=started_before,
    )
    asked = set(batch)

    def read(reply: Reply, url: str, secret: str | None) -> ResponseColumns:
        columns = read_spans(reply, url, secret)
        seen: set[str] = set()
        problems = []
        for index, cid in enumerate(columns.conversation_ids):
            where = f"conversations[{index}].conversation_id"
            shown = quote(repr(cid), secret, ITEM_CHARS)
            if cid not in asked:
                problems.append((where, f"{shown} was not asked for"))
            elif cid in seen:
                problems.append((where, f"{shown} is repeated"))
            seen.add(cid)
            if len(problems) >= MAX_PROBLEMS:
                break
        if problems:
            raise ResponseValidationError(url, problems)
        return columns

    return Call("/agents/conversations/spans", _body(req), read)


def merge_batches(
    batch_ids: Sequence[Sequence[str]],
    outcomes: Sequence[ResponseColumns | WeaveWidgetsError],
    ids: Sequence[str],
    *,
    project_id: str,
    window: tuple[datetime.datetime | None, datetime.datetime | None],
    reader: Any = None,
) -> ConversationData:
    """Frame every batch's conversations, or raise: one batch's own error, or
    ``BatchFetchError`` naming each failed batch when there were several batches."""
    failed = [
        FailedBatch(index, batch[0], batch[-1], len(batch), outcome)
        for index, (batch, outcome) in enumerate(zip(batch_ids, outcomes, strict=True))
        if isinstance(outcome, WeaveWidgetsError)
    ]
    if failed:
        if len(batch_ids) == 1:
            raise failed[0].error
        raise BatchFetchError(failed, len(batch_ids))
    parts = [outcome for outcome in outcomes if isinstance(outcome, ResponseColumns)]
    merged = ResponseColumns.concat(parts)
    return conversation_data(merged, ids, project_id=project_id, window=window, reader=reader)


# --- listing conversations -------------------------------------------------------------------


def list_conversations_call(
    project_id: str,
    started_after: datetime.datetime | None,
    started_before: datetime.datetime | None,
    limit: int,
    offset: int,
) -> Call[pd.DataFrame]:
    """``/agents/spans/query`` grouped by ``conversation_id``, most recently active first."""
    check_window(started_after, started_before)
    req = _validated(
        AgentSpansQueryReq,
        {
            "project_id": project_id,
            "group_by": [AgentGroupByRef(source="column", key="conversation_id")],
            "sort_by": [AgentSortBy(field="last_seen", direction="desc")],
            "limit": limit,
            "offset": offset,
            "started_after": started_after,
            "started_before": started_before,
        },
        "list_conversations",
    )

    def read(reply: Reply, url: str, secret: str | None) -> pd.DataFrame:
        return listing_frame(read_model(AgentSpansQueryRes, reply, url, secret))

    return Call("/agents/spans/query", _body(req), read)


def listing_frame(res: AgentSpansQueryRes) -> pd.DataFrame:
    """One row per conversation group (the ``""`` group of spans without one is dropped)."""
    groups = [g for g in res.groups if g.group_keys.get("conversation_id", "")]

    def times(values: list[datetime.datetime | None]) -> pd.Series:
        stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        return stamps.astype(LISTING_COLUMNS["first_seen"])

    frame = pd.DataFrame(
        {
            "conversation_id": pd.array(
                [g.group_keys["conversation_id"] for g in groups], dtype=STRING
            ),
            "span_count": np.array([g.span_count for g in groups], dtype=np.int64),
            "error_count": np.array([g.error_count for g in groups], dtype=np.int64),
            "total_duration_ms": np.array([g.total_duration_ms for g in groups], dtype=np.int64),
            "first_seen": times([g.first_seen for g in groups]),
            "last_seen": times([g.last_seen for g in groups]),
            "agent_names": pd.Series([list(g.agent_names) for g in groups], dtype=object),
            "agent_name": pd.array([agent_label(g.agent_names) for g in groups], dtype=STRING),
            "request_models": pd.Series([list(g.request_models) for g in groups], dtype=object),
            "first_message": pd.array(
                [g.first_message.text if g.first_message else None for g in groups], dtype=STRING
            ),
            "last_message": pd.array(
                [g.last_message.text if g.last_message else None for g in groups], dtype=STRING
            ),
        }
    )
    return frame[list(LISTING_COLUMNS)]


ROOT_AGENT_PAGES = 10
"""At most this many pages of ``(conversation, agent)`` groups are read to find root agents;
conversations still unresolved keep the label of all their agents."""
_ONE_MICROSECOND = datetime.timedelta(microseconds=1)
UNSPLIT_LISTING = (400, 422)
"""Statuses of a server that cannot split the listing by agent: the conversations then keep
the label of all their agents (``agent_label``) instead of the root agent."""


class RootAgents:
    """Finds which agent ran first in each listed conversation that names several: the
    listing says only which agents took part, in no promised order. Reads ``/agents/spans/
    query`` grouped by conversation and agent, earliest first, in the window the listed
    conversations span, until every one is resolved (``next_call`` then answers None)."""

    def __init__(self, project_id: str, listing: pd.DataFrame) -> None:
        named = listing["agent_names"].map(lambda names: len(set(names) - {""}) > 1)
        several = listing[named.astype(bool)]  # an empty object Series would select columns
        self.project_id = project_id
        self.wanted = set(several["conversation_id"])
        self.found: dict[str, str] = {}
        self._offset = 0
        self._pages = 0
        self._exhausted = not self.wanted
        if self.wanted:
            self._after = several["first_seen"].min().to_pydatetime()
            self._before = several["last_seen"].max().to_pydatetime() + _ONE_MICROSECOND

    def next_call(self) -> Call[AgentSpansQueryRes] | None:
        """The next page's call, or None when every wanted conversation is resolved."""
        if self._exhausted or self._pages >= ROOT_AGENT_PAGES or self.wanted <= self.found.keys():
            return None
        req = AgentSpansQueryReq(
            project_id=self.project_id,
            group_by=[
                AgentGroupByRef(source="column", key="conversation_id"),
                AgentGroupByRef(source="column", key="agent_name"),
            ],
            sort_by=[AgentSortBy(field="first_seen", direction="asc")],
            limit=MAX_LISTING_LIMIT,
            offset=self._offset,
            started_after=self._after,
            started_before=self._before,
        )
        return Call("/agents/spans/query", _body(req), _reader(AgentSpansQueryRes))

    def named(self, listing: pd.DataFrame) -> pd.DataFrame:
        """``listing`` with ``agent_name`` the root agent of every resolved conversation."""
        roots = listing["conversation_id"].map(self.found).astype(STRING)
        return listing.assign(agent_name=roots.fillna(listing["agent_name"]))

    def refused(self, exc: ApiError) -> None:
        """Stop asking when the server cannot split the listing by agent; re-raise any other
        failure."""
        if exc.status not in UNSPLIT_LISTING:
            raise exc
        self._exhausted = True

    def add(self, page: AgentSpansQueryRes) -> None:
        """Take one page: a wanted conversation's first named agent is its root."""
        for group in page.groups:
            cid = group.group_keys.get("conversation_id", "")
            agent = group.group_keys.get("agent_name", "")
            if cid in self.wanted and agent and cid not in self.found:
                self.found[cid] = agent
        self._pages += 1
        self._offset += len(page.groups)
        self._exhausted = len(page.groups) < MAX_LISTING_LIMIT or self._offset >= page.total_count


# --- reading the conversation ----------------------------------------------------------------


def turn_chat_call(project_id: str, trace_id: str, include_feedback: bool) -> Call[TraceChatRes]:
    """``/agents/traces/chat``: one turn as ordered messages."""
    if not isinstance(trace_id, str) or not trace_id:
        raise InvalidArgumentError(f"trace_id must be a non-empty string, got {trace_id!r}")
    req = _validated(
        TraceChatReq,
        {"project_id": project_id, "trace_id": trace_id, "include_feedback": include_feedback},
        "turn_chat",
    )
    return Call("/agents/traces/chat", _body(req), _reader(TraceChatRes))


def conversation_chat_call(
    project_id: str, conversation_id: str, limit: int, offset: int, include_feedback: bool
) -> Call[ConversationChatRes]:
    """``/agents/conversations/chat``: a page of turns, ``offset`` most recent ones skipped."""
    if not isinstance(conversation_id, str) or not conversation_id:
        raise InvalidArgumentError(
            f"conversation_id must be a non-empty string, got {conversation_id!r}"
        )
    req = _validated(
        ConversationChatReq,
        {
            "project_id": project_id,
            "conversation_id": conversation_id,
            "limit": limit,
            "offset": offset,
            "include_feedback": include_feedback,
        },
        "conversation_chat",
    )
    return Call("/agents/conversations/chat", _body(req), _reader(ConversationChatRes))


def check_chat_paging(max_turns: int | None, page_size: int) -> None:
    """``max_turns`` None or positive; ``page_size`` from 1 to ``MAX_CHAT_TURNS``."""
    if max_turns is not None and (
        not isinstance(max_turns, int) or isinstance(max_turns, bool) or max_turns < 1
    ):
        raise InvalidArgumentError(
            f"max_turns must be a positive integer or None, got {max_turns!r}"
        )
    if not isinstance(page_size, int) or isinstance(page_size, bool):
        raise InvalidArgumentError(f"page_size must be an integer, got {page_size!r}")
    if not 1 <= page_size <= MAX_CHAT_TURNS:
        raise InvalidArgumentError(
            f"page_size must be from 1 to {MAX_CHAT_TURNS} (the server's page limit), "
            f"got {page_size}"
        )


def conversation_messages(
    conversation_id: str, pages: Sequence[ConversationChatRes]
) -> pd.DataFrame:
    """The messages of pages fetched newest first, as one frame oldest first; turns are
    numbered from the conversation's first turn (``total_turns`` minus the turns skipped)."""
    turns = [turn for page in reversed(pages) for turn in page.turns]
    first: int | None = None
    if pages:
        last = pages[-1]
        begin = last.total_turns - last.offset - len(last.turns)
        first = begin if begin >= 0 else None
    return messages_frame(turns, conversation_id, first)


def search_call(project_id: str, query: str, **options: Any) -> Call[AgentSearchRes]:
    """``/agents/search``: conversations whose messages contain ``query``."""
    check_window(options.get("started_after"), options.get("started_before"))
    req = _validated(
        AgentSearchReq, {"project_id": project_id, "query": query, **options}, "search"
    )
    return Call("/agents/search", _body(req), _reader(AgentSearchRes))


# --- writes ----------------------------------------------------------------------------------


def _new_id() -> str:
    """A UUIDv7, as the hosted server generates for missing ids."""
    return new_id()


def _with_ids(start: StartedCallSchemaForInsert) -> StartedCallSchemaForInsert:
    """``start`` with ``id`` and ``trace_id`` filled in, so that a retry of a request whose
    answer was lost is an identical replay (ignored by the server), not a second call."""
    if start.id and start.trace_id:
        return start
    ids = {"id": start.id or _new_id(), "trace_id": start.trace_id or _new_id()}
    return start.model_copy(update=ids)


def call_start_call(start: StartedCallSchemaForInsert | Mapping[str, Any]) -> Call[CallStartRes]:
    """``/call/start`` for one call; returns its ``id`` and ``trace_id`` (UUIDv7s generated
    here when not given)."""
    req = CallStartReq(start=_with_ids(_validated(StartedCallSchemaForInsert, start, "start")))
    return Call("/call/start", _body(req), _reader(CallStartRes))


def call_end_call(end: EndedCallSchemaForInsert | Mapping[str, Any]) -> Call[CallEndRes]:
    """``/call/end`` for one call."""
    req = CallEndReq(end=_validated(EndedCallSchemaForInsert, end, "end"))
    return Call("/call/end", _body(req), _reader(CallEndRes))


def upsert_batch_call(
    items: Sequence[CallStartReq | CallEndReq | Mapping[str, Any]],
) -> Call[CallCreateBatchRes]:
    """``/call/upsert_batch``: starts and ends in order, as ``{"mode": ..., "req": ...}``."""
    batch: list[CallBatchStartMode | CallBatchEndMode] = []
    for index, item in enumerate(items):
        what = f"items[{index}]"
        if isinstance(item, CallStartReq) or (isinstance(item, Mapping) and "start" in item):
            req = _validated(CallStartReq, item, what)
            batch.append(CallBatchStartMode(req=CallStartReq(start=_with_ids(req.start))))
        elif isinstance(item, CallEndReq) or (isinstance(item, Mapping) and "end" in item):
            batch.append(CallBatchEndMode(req=_validated(CallEndReq, item, what)))
        else:
            raise InvalidArgumentError(
                f"{what} must be a CallStartReq or CallEndReq (or a mapping with a 'start' or "
                f"'end' key), got {type(item).__name__}"
            )
    return Call(
        "/call/upsert_batch", _body(CallCreateBatchReq(batch=batch)), _reader(CallCreateBatchRes)
    )


def feedback_create_call(req: FeedbackCreateReq | Mapping[str, Any]) -> Call[FeedbackCreateRes]:
    """``/feedback/create`` for one feedback row (its ``id`` generated here when not given,
    so a retried request is an identical replay)."""
    valid = _validated(FeedbackCreateReq, req, "feedback")
    if valid.id is None:
        valid = valid.model_copy(update={"id": _new_id()})
    return Call("/feedback/create", _body(valid), _reader(FeedbackCreateRes))


def feedback_batch_call(
    reqs: Sequence[FeedbackCreateReq | Mapping[str, Any]],
) -> Call[FeedbackCreateBatchRes]:
    """``/feedback/batch/create`` for many feedback rows, validated one by one first."""
    batch = [_validated(FeedbackCreateReq, r, f"feedback[{i}]") for i, r in enumerate(reqs)]
    return Call(
        "/feedback/batch/create",
        _body(FeedbackCreateBatchReq(batch=batch)),
        _reader(FeedbackCreateBatchRes),
    )


def agent_feedback(
    project_id: str,
    conversation_id: str,
    trace_id: str | None = None,
    *,
    tags: Sequence[str] = (),
    ratings: Mapping[str, float] | None = None,
    reasons: Mapping[str, str] | None = None,
    feedback_type: str | None = None,
    runnable_ref: str | None = None,
    call_ref: str | None = None,
    trigger_ref: str | None = None,
) -> FeedbackCreateReq:
    """A ``FeedbackCreateReq`` for a turn (``trace_id``) or a whole conversation.

    ``feedback_type`` defaults to ``wandb.agent_user_feedback`` when there are tags (a
    human's tags), else ``wandb.agent_monitor`` (a scorer's ratings). Monitor feedback needs
    ``runnable_ref``, ``call_ref`` and ``trigger_ref``; left out, they default to the op
    ``weave-widgets-add-feedback:latest``, a fresh call id, and the object
    ``weave-widgets-manual-trigger:latest`` in the same project. Turn feedback always carries
    ``span_conversation_id`` with ``span_trace_id`` so conversation filters see it.
    """
    if isinstance(tags, str):
        raise InvalidArgumentError(f"tags must be a list of strings, not a string: [{tags!r}]")
    kind = feedback_type or (AGENT_USER_FEEDBACK if tags else AGENT_MONITOR_FEEDBACK)
    if kind == AGENT_USER_FEEDBACK and not tags:
        raise InvalidArgumentError(
            "tags: wandb.agent_user_feedback needs at least one tag, e.g. tags=['👍']"
        )
    if not tags and not ratings:
        raise InvalidArgumentError("give tags=[...] or ratings={name: value}; both are empty")
    try:
        weave_ref = (
            refs.turn_ref(project_id, trace_id)
            if trace_id is not None
            else refs.conversation_ref(project_id, conversation_id)
        )
    except ValueError as exc:
        raise InvalidArgumentError(str(exc)) from None
    fields: dict[str, Any] = {
        "project_id": project_id,
        "weave_ref": weave_ref,
        "feedback_type": kind,
        "payload": {},
        "scorer_tags": list(tags) or None,
        "scorer_ratings": dict(ratings) if ratings else None,
        "scorer_rating_reasons": dict(reasons) if reasons else None,
        "span_conversation_id": conversation_id if trace_id is not None else None,
        "span_trace_id": trace_id,
    }
    if kind == AGENT_MONITOR_FEEDBACK:
        base = f"weave:///{project_id}"
        fields["runnable_ref"] = runnable_ref or f"{base}/op/weave-widgets-add-feedback:latest"
        fields["call_ref"] = call_ref or f"{base}/call/{uuid.uuid4()}"
        fields["trigger_ref"] = trigger_ref or f"{base}/object/weave-widgets-manual-trigger:latest"
    return _validated(FeedbackCreateReq, fields, "feedback")


# --- OpenTelemetry ---------------------------------------------------------------------------

OTLP_TRACES_PATH = "/agents/otel/v1/traces"
"""Where the weave SDK's Conversation SDK and agent integrations export their spans."""
OTLP_PROJECT_HEADER = "project_id"
PROTOBUF = "application/x-protobuf"


def otel_export_call(
    project_id: str, request: ExportTraceServiceRequest | bytes
) -> Call[ExportTraceServiceResponse]:
    """``/agents/otel/v1/traces``: an OTLP ``ExportTraceServiceRequest`` (or its serialized
    bytes, checked to decode as one) as protobuf, with the ``project_id`` header naming the
    project, as the weave SDK exports."""
    if isinstance(request, ExportTraceServiceRequest):
        body = request.SerializeToString()
    elif isinstance(request, bytes | bytearray | memoryview):
        body = bytes(request)
        try:
            ExportTraceServiceRequest.FromString(body)
        except DecodeError as exc:
            raise InvalidArgumentError(
                f"request bytes are not a serialized ExportTraceServiceRequest: {exc}"
            ) from None
    else:
        raise InvalidArgumentError(
            "request must be an opentelemetry.proto ExportTraceServiceRequest or its serialized "
            f"bytes, got {type(request).__name__}"
        )
    headers = {OTLP_PROJECT_HEADER: project_id, "Accept": f"{PROTOBUF}, application/json"}
    return Call(OTLP_TRACES_PATH, RawBody(body, PROTOBUF), read_otlp_response, headers)


def read_otlp_response(reply: Reply, url: str, secret: str | None) -> ExportTraceServiceResponse:
    """An OTLP export answer: protobuf (an empty body is an empty answer) or OTLP JSON.
    Spans the server says it rejected (``partial_success``) are logged, not raised: the OTLP
    spec says such a request must not be retried."""
    content_type = reply.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    answer = ExportTraceServiceResponse()
    try:
        if media == "application/json":
            json_format.Parse(reply.body or b"{}", answer, ignore_unknown_fields=True)
        elif media in (PROTOBUF, "application/protobuf"):
            answer.ParseFromString(reply.body)
        elif reply.body:
            raise DecodeError(f"unexpected content type {content_type!r}")
    except (DecodeError, json_format.ParseError):
        head = quote_bytes(reply.body, secret, HEAD_BYTES)
        problem = "a body that is not an OTLP ExportTraceServiceResponse"
        raise ResponseDecodeError(url, reply.status, content_type, head, problem) from None
    rejected = answer.partial_success.rejected_spans
    if rejected or answer.partial_success.error_message:
        logger.warning(
            "%s: the server rejected %d span(s): %s",
            url,
            rejected,
            answer.partial_success.error_message or "(no message)",
        )
    return answer
