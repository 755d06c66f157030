"""Reading the conversation: ``/agents/traces/chat``, ``/agents/conversations/chat`` and
``/agents/search``, answered from the stored spans by :mod:`weave_widgets.server.chat`.

Conversation pages hold at most ``MAX_CHAT_TURNS`` (50) turns; ``offset`` skips the most recent
turns and each page is oldest first, as the hosted server pages them.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from weave_widgets.models import (
    AgentSearchReq,
    AgentSearchRes,
    ConversationChatReq,
    ConversationChatRes,
    TraceChatReq,
    TraceChatRes,
)
from weave_widgets.server.chat import ChatReader
from weave_widgets.server.deps import StoreDep
from weave_widgets.server.routing import StrictJSONRoute, json_response
from weave_widgets.server.store import MAX_TIME, MIN_TIME, to_micros

router = APIRouter(route_class=StrictJSONRoute, tags=["Agents"])


@router.post("/agents/traces/chat", response_model=TraceChatRes)
def agent_trace_chat(req: TraceChatReq, store: StoreDep) -> Response:
    turn = ChatReader(store).turn(req.project_id, req.trace_id, req.include_feedback)
    return json_response(turn)


@router.post("/agents/conversations/chat", response_model=ConversationChatRes)
def agent_conversation_chat(req: ConversationChatReq, store: StoreDep) -> Response:
    page = ChatReader(store).conversation(
        req.project_id, req.conversation_id, req.limit, req.offset, req.include_feedback
    )
    return json_response(page)


@router.post("/agents/search", response_model=AgentSearchRes)
def agent_search(req: AgentSearchReq, store: StoreDep) -> Response:
    found = ChatReader(store).search(
        req.project_id,
        req.query,
        conversation_id=req.conversation_id,
        trace_id=req.trace_id,
        agent_name=req.agent_name,
        provider_name=req.provider_name,
        request_model=req.request_model,
        roles=req.roles,
        truncate_content=req.truncate_content,
        after=MIN_TIME if req.started_after is None else to_micros(req.started_after),
        before=MAX_TIME if req.started_before is None else to_micros(req.started_before),
        limit=req.limit,
        offset=req.offset,
    )
    return json_response(found)
