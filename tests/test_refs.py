"""``weave_widgets.refs``: building and parsing agent refs."""

from __future__ import annotations

import pytest

from weave_widgets.refs import AgentRef, conversation_ref, parse_agent_ref, span_ref, turn_ref


def test_ref_strings() -> None:
    assert turn_ref("e/p", "t") == "weave:///e/p/agent_turn/t"
    assert span_ref("e/p", "s") == "weave:///e/p/agent_span/s"
    assert conversation_ref("e/p", "user/42:session") == (
        "weave:///e/p/agent_conversation/user%2F42%3Asession"
    )


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (turn_ref("e/p", "t-1"), AgentRef("turn", "e/p", "t-1")),
        (span_ref("e/p", "abc"), AgentRef("span", "e/p", "abc")),
        (conversation_ref("e/p", "a b/c%d"), AgentRef("conversation", "e/p", "a b/c%d")),
    ],
)
def test_round_trip(ref: str, expected: AgentRef) -> None:
    assert parse_agent_ref(ref) == expected


@pytest.mark.parametrize(
    ("ref", "needle"),
    [
        ("https://e/p/agent_turn/t", "weave:///"),
        ("weave:///e/p/agent_turn", "expected"),
        ("weave:///e/p/call/123", "'call'"),
        ("weave:///e/p/agent_turn/t/extra", "expected"),
        ("weave:///e/p/agent_conversation/a%ZZ", "malformed percent-escape"),
        ("weave:///e/p/agent_conversation/a%2", "malformed percent-escape"),
        ("weave:///e/p/agent_conversation/a%ff", "does not decode to UTF-8"),
    ],
)
def test_parse_errors_say_what_is_wrong(ref: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_agent_ref(ref)


@pytest.mark.parametrize("project", ["no-slash", "a/b/c", "/p", ""])
def test_bad_project(project: str) -> None:
    with pytest.raises(ValueError, match="entity/project"):
        turn_ref(project, "t")
    with pytest.raises(ValueError, match="non-empty id"):
        turn_ref("e/p", "")
