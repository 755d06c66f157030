"""``weave_widgets.server.routing.parse_json``: one parser for every JSON body, whose depth
check counts nesting on the bytes exactly as a walk over the parsed value does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weave_widgets.server.routing import MAX_JSON_DEPTH, InvalidJson, json_depth, parse_json

TRICKY = st.text(st.sampled_from('ab"\\[]{}/\u00e9\u2028 :,'), max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TRICKY,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TRICKY, inner, max_size=4),
    max_leaves=40,
)


def walked(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(walked, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(walked, value), default=0)
    return 0


def wrapped(value: Any, depth: int, wide: int) -> Any:
    """``value`` under ``depth`` levels, next to ``wide`` empty lists (so the bytes hold more
    brackets than the limit and the exact count is taken)."""
    for level in range(depth):
        value = [value] if level % 2 else {'k\\"[': value}
    return [[[] for _ in range(wide)], value]


@settings(max_examples=300, deadline=None, database=None)
@given(
    value=VALUES,
    depth=st.integers(0, 2 * MAX_JSON_DEPTH),
    wide=st.sampled_from([0, MAX_JSON_DEPTH + 1]),
    style=st.sampled_from(["compact", "spaced", "ascii"]),
)
def test_depth_on_the_bytes_equals_the_walked_depth(
    value: Any, depth: int, wide: int, style: str
) -> None:
    document = wrapped(value, depth, wide)
    if style == "compact":
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    else:
        body = json.dumps(document, indent=1, ensure_ascii=style == "ascii").encode()
    expected = walked(document)
    got = json_depth(body)
    assert got == expected or (got == 0 and body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH)
    if expected <= MAX_JSON_DEPTH:
        assert parse_json(body) == document
    else:
        with pytest.raises(InvalidJson, match=f"nest {expected} levels deep"):
            parse_json(body)
