"""Agent routes: a conversation's spans and feedback markers, and the conversation listing.

``/agents/conversations/spans`` answers the spans and markers of the requested conversations;
``/agents/spans/query`` lists conversations grouped by ``conversation_id`` (each group with
previews of its first and last message), or by ``conversation_id`` and ``agent_name`` (which
agent ran first in a conversation: the client's root agent); anything else is 400.
Both read a time window: ``started_after`` inclusive, ``started_before``
exclusive.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

import anyio
from fastapi import APIRouter
from fastapi.responses import Response

from weave_widgets.models import (
    AgentConversationSpansReq,
    AgentConversationSpansRes,
    AgentSpansQueryReq,
    AgentSpansQueryRes,
)
from weave_widgets.server.chat import previews
from weave_widgets.server.deps import StoreDep
from weave_widgets.server.routing import (
    BadRequest,
    JSONArraySlices,
    StrictJSONRoute,
    json_response,
)
from weave_widgets.server.store import (
    GROUP_SORT_FIELDS,
    MAX_TIME,
    MIN_TIME,
    Store,
    from_micros,
    to_micros,
)

router = APIRouter(route_class=StrictJSONRoute, tags=["Agents"])


def _micros(value: datetime.datetime | None, default: int) -> int:
    return default if value is None else to_micros(value)


def _group_sort(req: AgentSpansQueryReq) -> list[tuple[str, str]]:
    sort: list[tuple[str, str]] = [(s.field, s.direction) for s in req.sort_by]
    for field, _ in sort:
        if field not in GROUP_SORT_FIELDS:
            raise BadRequest(
                f"sort_by field {field!r} is not supported; "
                f"use one of {', '.join(GROUP_SORT_FIELDS)}"
            )
    return sort or [("last_seen", "desc")]


_GROUPINGS = {
    (("column", "conversation_id"),): False,
    (("column", "conversation_id"), ("column", "agent_name")): True,
}
"""The groupings the local server answers, each with whether it splits conversations by agent."""


def _groups(store: Store, req: AgentSpansQueryReq) -> dict[str, Any]:
    keys = tuple((g.source, g.key) for g in req.group_by)
    if keys not in _GROUPINGS:
        raise BadRequest(
            "the local server lists conversations, optionally split by agent: send group_by="
            '[{"source": "column", "key": "conversation_id"}] (then each group also has its '
            'first and last message), optionally followed by {"source": "column", "key": '
            '"agent_name"}'
        )
    by_agent = _GROUPINGS[keys]
    names = [g.alias or g.key for g in req.group_by]
    groups, total = store.conversation_groups(
        req.project_id,
        _micros(req.started_after, MIN_TIME),
        _micros(req.started_before, MAX_TIME),
        _group_sort(req),
        req.limit,
        req.offset,
        by_agent=by_agent,
    )
    shown = {} if by_agent else previews(store, req.project_id, [g.conversation_id for g in groups])
    return {
        "spans": [],
        "groups": [
            {
                "group_keys": dict(zip(names, (g.conversation_id, g.agent_name), strict=False)),
                "span_count": g.span_count,
                "invocation_count": g.invocation_count,
                "conversation_count": g.conversation_count,
                "total_duration_ms": g.total_duration_ms,
                "error_count": g.error_count,
                "agent_names": g.agent_names,
                **shown.get(g.conversation_id, {}),
                "first_seen": from_micros(g.first_seen),
                "last_seen": from_micros(g.last_seen),
            }
            for g in groups
        ],
        "total_count": total,
    }


SLICE_IDS = 1_000
"""Conversation ids read per slice of a ``/agents/conversations/spans`` answer."""


@router.post("/agents/conversations/spans", response_model=AgentConversationSpansRes)
async def genai_conversation_spans(req: AgentConversationSpansReq, store: StoreDep) -> Response:
    """The JSON the store joined from its span answers, sent as it is (no dicts, no
    re-serialisation; it matches the response model). Read by slices of ``SLICE_IDS`` ids,
    each in its own snapshot, the next one while the one before is sent; a conversation is
    always read whole in one."""
    ids = list(dict.fromkeys(req.conversation_ids))
    after = _micros(req.started_after, MIN_TIME)
    before = _micros(req.started_before, MAX_TIME)
    slices = [ids[start : start + SLICE_IDS] for start in range(0, len(ids), SLICE_IDS)]

    def entries(part: list[str]) -> list[bytes]:
        return store.conversation_entries_json(req.project_id, part, after, before)

    first = await anyio.to_thread.run_sync(entries, slices[0] if slices else [])
    rest = [functools.partial(entries, part) for part in slices[1:]]
    return JSONArraySlices(b'{"conversations":[', first, rest, b"]}")


@router.post("/agents/spans/query", response_model=AgentSpansQueryRes)
def genai_spans_query(req: AgentSpansQueryReq, store: StoreDep) -> Response:
    return json_response(_groups(store, req))
