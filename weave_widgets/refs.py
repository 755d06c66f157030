"""Weave agent refs: ``weave:///<entity>/<project>/agent_turn|agent_conversation|agent_span/<id>``.

Conversation ids are percent-encoded with nothing left unescaped (``user/42:session`` becomes
``user%2F42%3Asession``) and decoded back by :func:`parse_agent_ref`. Turn and span ids are
used as they are.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Literal

AgentRefKind = Literal["turn", "conversation", "span"]

_PREFIX = "weave:///"
_KIND_BY_SEGMENT: dict[str, AgentRefKind] = {
    "agent_turn": "turn",
    "agent_conversation": "conversation",
    "agent_span": "span",
}
_SEGMENT_BY_KIND = {kind: segment for segment, kind in _KIND_BY_SEGMENT.items()}


@dataclass(frozen=True)
class AgentRef:
    """A parsed agent ref: what it points at, in which ``entity/project``, and the raw id."""

    kind: AgentRefKind
    project_id: str
    id: str


def check_project(project_id: str, name: str = "project_id") -> str:
    """``project_id`` if it is ``entity/project`` (one slash, both parts non-empty), else a
    ``ValueError`` naming the argument ``name``; shared by the clients, refs and the server."""
    entity, _, project = project_id.partition("/") if isinstance(project_id, str) else ("", "", "")
    if not entity or not project or "/" in project:
        raise ValueError(
            f"{name} must look like 'entity/project', got {project_id!r}; "
            "pass the W&B entity and project separated by one '/'"
        )
    return project_id


def _ref(project_id: str, kind: AgentRefKind, encoded_id: str) -> str:
    check_project(project_id)
    if not encoded_id:
        raise ValueError(f"an agent {kind} ref needs a non-empty id")
    if "/" in encoded_id:
        field = "trace_id" if kind == "turn" else "span_id"
        raise ValueError(
            f"{field} {encoded_id!r} contains '/', which an agent {kind} ref cannot hold; "
            "use ids without '/' (only conversation ids are percent-encoded)"
        )
    return f"{_PREFIX}{project_id}/{_SEGMENT_BY_KIND[kind]}/{encoded_id}"


def turn_ref(project_id: str, trace_id: str) -> str:
    """The ref of one turn (``trace_id``) of an agent conversation."""
    return _ref(project_id, "turn", trace_id)


def conversation_ref(project_id: str, conversation_id: str) -> str:
    """The ref of a whole conversation; the id is percent-encoded with ``safe=""``."""
    return _ref(project_id, "conversation", urllib.parse.quote(conversation_id, safe=""))


def span_ref(project_id: str, span_id: str) -> str:
    """The ref of one span."""
    return _ref(project_id, "span", span_id)


def parse_agent_ref(ref: str) -> AgentRef:
    """Parse an agent turn, conversation or span ref; raise ``ValueError`` saying what is wrong."""
    if not ref.startswith(_PREFIX):
        raise ValueError(f"not a weave ref (expected it to start with {_PREFIX!r}): {ref!r}")
    parts = ref[len(_PREFIX) :].split("/")
    if len(parts) != 4 or not all(parts):
        raise ValueError(
            f"not an agent ref: {ref!r}; expected "
            "'weave:///<entity>/<project>/agent_turn|agent_conversation|agent_span/<id>'"
        )
    entity, project, segment, raw_id = parts
    kind = _KIND_BY_SEGMENT.get(segment)
    if kind is None:
        raise ValueError(
            f"not an agent ref: {ref!r} has kind {segment!r}; "
            f"expected one of {', '.join(_KIND_BY_SEGMENT)}"
        )
    ident = _decode_conversation_id(raw_id, ref) if kind == "conversation" else raw_id
    return AgentRef(kind=kind, project_id=f"{entity}/{project}", id=ident)


def _decode_conversation_id(raw_id: str, ref: str) -> str:
    """Percent-decode strictly: malformed escapes or non-UTF-8 bytes are an error, not U+FFFD."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", raw_id):
        raise ValueError(f"malformed percent-escape in conversation ref {ref!r}")
    try:
        return urllib.parse.unquote(raw_id, errors="strict")
    except UnicodeDecodeError:
        raise ValueError(
            f"conversation ref {ref!r} does not decode to UTF-8 text; "
            "build it with weave_widgets.refs.conversation_ref(project_id, conversation_id)"
        ) from None
