"""The demo's spans have the shape of real weave SDK data.

The reference is what the weave 0.54 Conversation SDK really exported for a 3-turn
conversation (a subagent, two failing tools), decoded from its OTLP protobuf request. Only the
facts the comparison needs are copied here: per span its trace, id, parent, name, status, times
(microseconds from the first turn's start) and attribute keys in export order; the attribute
value types; the resource, scope, span kind, flags, exception event and message-part shapes.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from weave_widgets.demo import demo_conversations, export_requests


class RealSpan(NamedTuple):
    trace: str
    span: str
    parent: str | None
    name: str
    status: int
    start: int
    end: int
    keys: str


# Export order: each span is exported when it ends, so children precede their parents.
REAL_SPANS = [
    RealSpan(
        "t1",
        "d70e",
        "026f",
        "chat gpt-probe-1",
        0,
        806,
        8479,
        "probe.run probe.number gen_ai.operation.name gen_ai.request.model "
        "gen_ai.conversation.id gen_ai.provider.name gen_ai.response.id "
        "gen_ai.response.model gen_ai.output.type gen_ai.response.finish_reasons "
        "gen_ai.request.temperature gen_ai.request.max_tokens gen_ai.system_instructions "
        "gen_ai.usage.input_tokens gen_ai.usage.output_tokens gen_ai.usage.total_tokens "
        "gen_ai.usage.reasoning.output_tokens gen_ai.usage.cache_read.input_tokens "
        "gen_ai.input.messages gen_ai.output.messages weave.content_refs "
        "weave.client_version weave.source weave.sys_version weave.os_name "
        "weave.os_version weave.os_release",
    ),
    RealSpan(
        "t1",
        "026f",
        None,
        "invoke_agent probe-agent",
        0,
        0,
        96964,
        "probe.run probe.number gen_ai.operation.name gen_ai.agent.name "
        "gen_ai.conversation.id gen_ai.conversation.name gen_ai.request.model "
        "gen_ai.system_instructions gen_ai.input.messages gen_ai.output.messages "
        "weave.client_version weave.source weave.sys_version weave.os_name "
        "weave.os_version weave.os_release",
    ),
    RealSpan(
        "t2",
        "31ec",
        "96a9",
        "chat gpt-probe-1",
        0,
        97268,
        97677,
        "probe.run probe.number gen_ai.operation.name gen_ai.request.model "
        "gen_ai.conversation.id gen_ai.provider.name gen_ai.response.id "
        "gen_ai.response.finish_reasons gen_ai.usage.input_tokens "
        "gen_ai.usage.output_tokens gen_ai.usage.total_tokens gen_ai.input.messages "
        "gen_ai.output.messages weave.client_version weave.source weave.sys_version "
        "weave.os_name weave.os_version weave.os_release",
    ),
    RealSpan(
        "t2",
        "e31a",
        "96a9",
        "execute_tool get_weather",
        0,
        97836,
        98787,
        "probe.run probe.number gen_ai.operation.name gen_ai.tool.name "
        "gen_ai.conversation.id gen_ai.tool.call.id gen_ai.tool.call.arguments "
        "gen_ai.tool.call.result gen_ai.tool.type gen_ai.tool.description "
        "weave.client_version weave.source weave.sys_version weave.os_name "
        "weave.os_version weave.os_release",
    ),
    RealSpan(
        "t2",
        "a191",
        "0711",
        "chat gpt-probe-mini",
        0,
        99072,
        99153,
        "probe.run probe.number gen_ai.operation.name gen_ai.request.model "
        "gen_ai.conversation.id gen_ai.provider.name gen_ai.response.finish_reasons "
        "gen_ai.usage.input_tokens gen_ai.usage.output_tokens gen_ai.input.messages "
        "gen_ai.output.messages weave.client_version weave.source weave.sys_version "
        "weave.os_name weave.os_version weave.os_release",
    ),
    RealSpan(
        "t2",
        "5a65",
        "0711",
        "execute_tool wiki_search",
        0,
        99261,
        99335,
        "probe.run probe.number gen_ai.operation.name gen_ai.tool.name "
        "gen_ai.conversation.id gen_ai.tool.call.id gen_ai.tool.call.arguments "
        "gen_ai.tool.call.result weave.client_version weave.source weave.sys_version "
        "weave.os_name weave.os_version weave.os_release",
    ),
    RealSpan(
        "t2",
        "0711",
        "96a9",
        "invoke_agent researcher",
        0,
        98908,
        99400,
        "probe.run probe.number gen_ai.operation.name gen_ai.agent.name "
        "gen_ai.conversation.id gen_ai.conversation.name gen_ai.request.model "
        "gen_ai.agent.id gen_ai.agent.description gen_ai.agent.version "
        "gen_ai.input.messages gen_ai.output.messages gen_ai.tool.name "
        "gen_ai.tool.call.id gen_ai.tool.call.arguments gen_ai.tool.call.result "
        "weave.client_version weave.source weave.sys_version weave.os_name "
        "weave.os_version weave.os_release",
    ),
    RealSpan(
        "t2",
        "e63e",
        "96a9",
        "chat gpt-probe-1",
        0,
        99496,
        99785,
        "probe.run probe.number gen_ai.operation.name gen_ai.request.model "
        "gen_ai.conversation.id gen_ai.provider.name gen_ai.response.finish_reasons "
        "gen_ai.usage.input_tokens gen_ai.usage.output_tokens gen_ai.input.messages "
        "gen_ai.output.messages weave.client_version weave.source weave.sys_version "
        "weave.os_name weave.os_version weave.os_release",
    ),
    RealSpan(
        "t2",
        "96a9",
        None,
        "invoke_agent probe-agent",
        0,
        97085,
        99987,
        "probe.run probe.number gen_ai.operation.name gen_ai.agent.name "
        "gen_ai.conversation.id gen_ai.conversation.name gen_ai.request.model "
        "gen_ai.input.messages gen_ai.output.messages weave.client_version weave.source "
        "weave.sys_version weave.os_name weave.os_version weave.os_release",
    ),
    RealSpan(
        "t3",
        "4276",
        "5392",
        "chat gpt-probe-1",
        0,
        200596,
        200787,
        "weave.parent_call.trace_id weave.parent_call.id probe.run probe.number "
        "gen_ai.operation.name gen_ai.request.model gen_ai.conversation.id "
        "gen_ai.provider.name gen_ai.response.id gen_ai.response.finish_reasons "
        "gen_ai.usage.input_tokens gen_ai.usage.output_tokens gen_ai.usage.total_tokens "
        "gen_ai.input.messages gen_ai.output.messages weave.client_version weave.source "
        "weave.sys_version weave.os_name weave.os_version weave.os_release",
    ),
    RealSpan(
        "t3",
        "9605",
        "5392",
        "execute_tool fetch_url",
        2,
        200941,
        201172,
        "weave.parent_call.trace_id weave.parent_call.id probe.run probe.number "
        "error.type gen_ai.operation.name gen_ai.tool.name gen_ai.conversation.id "
        "gen_ai.tool.call.id gen_ai.tool.call.arguments gen_ai.tool.call.result "
        "weave.client_version weave.source weave.sys_version weave.os_name "
        "weave.os_version weave.os_release",
    ),
    RealSpan(
        "t3",
        "f61c",
        "5392",
        "execute_tool parse_pdf",
        2,
        201249,
        201485,
        "weave.parent_call.trace_id weave.parent_call.id probe.run probe.number "
        "error.type gen_ai.operation.name gen_ai.tool.name gen_ai.conversation.id "
        "gen_ai.tool.call.id gen_ai.tool.call.arguments weave.client_version weave.source "
        "weave.sys_version weave.os_name weave.os_version weave.os_release",
    ),
    RealSpan(
        "t3",
        "3125",
        "5392",
        "chat gpt-probe-1",
        0,
        201555,
        201658,
        "weave.parent_call.trace_id weave.parent_call.id probe.run probe.number "
        "gen_ai.operation.name gen_ai.request.model gen_ai.conversation.id "
        "gen_ai.provider.name gen_ai.response.finish_reasons gen_ai.usage.input_tokens "
        "gen_ai.usage.output_tokens gen_ai.input.messages gen_ai.output.messages "
        "weave.client_version weave.source weave.sys_version weave.os_name "
        "weave.os_version weave.os_release",
    ),
    RealSpan(
        "t3",
        "5392",
        None,
        "invoke_agent probe-agent",
        0,
        107954,
        201755,
        "weave.parent_call.trace_id weave.parent_call.id probe.run probe.number "
        "gen_ai.operation.name gen_ai.agent.name gen_ai.conversation.id "
        "gen_ai.conversation.name gen_ai.request.model gen_ai.input.messages "
        "gen_ai.output.messages weave.client_version weave.source weave.sys_version "
        "weave.os_name weave.os_version weave.os_release",
    ),
]
REAL_TYPES = {
    "error.type": "string",
    "gen_ai.agent.description": "string",
    "gen_ai.agent.id": "string",
    "gen_ai.agent.name": "string",
    "gen_ai.agent.version": "string",
    "gen_ai.conversation.id": "string",
    "gen_ai.conversation.name": "string",
    "gen_ai.input.messages": "string",
    "gen_ai.operation.name": "string",
    "gen_ai.output.messages": "string",
    "gen_ai.output.type": "string",
    "gen_ai.provider.name": "string",
    "gen_ai.request.max_tokens": "int",
    "gen_ai.request.model": "string",
    "gen_ai.request.temperature": "double",
    "gen_ai.response.finish_reasons": "array",
    "gen_ai.response.id": "string",
    "gen_ai.response.model": "string",
    "gen_ai.system_instructions": "string",
    "gen_ai.tool.call.arguments": "string",
    "gen_ai.tool.call.id": "string",
    "gen_ai.tool.call.result": "string",
    "gen_ai.tool.description": "string",
    "gen_ai.tool.name": "string",
    "gen_ai.tool.type": "string",
    "gen_ai.usage.cache_read.input_tokens": "int",
    "gen_ai.usage.input_tokens": "int",
    "gen_ai.usage.output_tokens": "int",
    "gen_ai.usage.reasoning.output_tokens": "int",
    "gen_ai.usage.total_tokens": "int",
    "probe.number": "int",
    "probe.run": "string",
    "weave.client_version": "string",
    "weave.content_refs": "array",
    "weave.os_name": "string",
    "weave.os_release": "string",
    "weave.os_version": "string",
    "weave.parent_call.id": "string",
    "weave.parent_call.trace_id": "string",
    "weave.source": "string",
    "weave.sys_version": "string",
}
REAL_CONVERSATION_ATTRIBUTES = {"probe.run", "probe.number"}
"""``start_conversation(attributes=...)``: stamped on every span of the conversation."""
REAL_RESOURCE_KEYS = {
    "telemetry.sdk.language",
    "telemetry.sdk.name",
    "telemetry.sdk.version",
    "service.instance.id",
    "service.name",
    "wandb.sdk.name",
    "wandb.sdk.version",
    "wandb.sdk.language",
}
REAL_SERVICE_NAME = "weave-conversation-sdk"
REAL_SCOPE = ("weave.conversation", "")  # name, version
REAL_KIND = Span.SpanKind.SPAN_KIND_INTERNAL
REAL_FLAGS = 0x100
REAL_EXCEPTION_EVENT = (
    "exception",
    {"exception.type", "exception.message", "exception.stacktrace", "exception.escaped"},
)
REAL_PART_KEYS = {
    "text": {"type", "content"},
    "reasoning": {"type", "content"},
    "tool_call": {"type", "id", "name", "arguments"},
    "tool_call_response": {"type", "id", "response"},
    "uri": {"type", "mime_type", "modality", "uri"},
}
REAL_ROLES = {"system", "user", "assistant", "tool"}
LLM_OPERATIONS = {"chat", "generate_content"}
"""The Conversation SDK names every LLM call ``chat``; Google ADK names Gemini calls
``generate_content`` with the same attributes. Both are compared with the real chat spans."""
NOT_IN_THE_DEMO = {
    "gen_ai.request.max_tokens",
    "gen_ai.usage.reasoning.output_tokens",
    "weave.content_refs",  # media attached to an LLM call
    "weave.parent_call.id",  # spans started inside a @weave.op call
    "weave.parent_call.trace_id",
}
"""Keys of the reference that the demo never sets; every other key appears."""
NOW = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Shape:
    """What the comparison looks at, for a real or a demo span."""

    trace: str
    span: str
    parent: str | None
    name: str
    operation: str
    status: int
    start: int
    end: int
    keys: frozenset[str]


def real_shapes() -> list[Shape]:
    return [
        Shape(s.trace, s.span, s.parent, s.name, s.name.split()[0], s.status, s.start, s.end,
              frozenset(s.keys.split()))
        for s in REAL_SPANS
    ]  # fmt: skip


def value_type(span: Span, key: str) -> str:
    value = next(kv.value for kv in span.attributes if kv.key == key)
    kind = value.WhichOneof("value")
    return {"string_value": "string", "int_value": "int", "double_value": "double",
            "array_value": "array", "bool_value": "bool"}[str(kind)]  # fmt: skip


def attribute(span: Span, key: str) -> Any:
    value = next(kv.value for kv in span.attributes if kv.key == key)
    return getattr(value, str(value.WhichOneof("value")))


def demo_shape(span: Span) -> Shape:
    return Shape(
        span.trace_id.hex(),
        span.span_id.hex(),
        span.parent_span_id.hex() or None,
        span.name,
        attribute(span, "gen_ai.operation.name"),
        span.status.code,
        span.start_time_unix_nano // 1000,
        span.end_time_unix_nano // 1000,
        frozenset(kv.key for kv in span.attributes),
    )


@pytest.fixture(scope="module")
def requests() -> list[Any]:
    return list(export_requests(demo_conversations("e/p", 200, now=NOW), max_spans=512))


@pytest.fixture(scope="module")
def demo(requests: list[Any]) -> list[Span]:
    return [span for r in requests for span in r.resource_spans[0].scope_spans[0].spans]


def assert_structure(spans: Sequence[Shape]) -> None:
    """One root per trace (an ``invoke_agent`` span), parents in the same trace and always
    ``invoke_agent``, children inside their parent's time, each span exported after its
    children, names ``<operation> <what>``."""
    by_id = {s.span: s for s in spans}
    position = {s.span: i for i, s in enumerate(spans)}
    roots: dict[str, list[Shape]] = defaultdict(list)
    for s in spans:
        assert s.name.split(" ", 1)[0] == s.operation
        assert len(s.name.split(" ", 1)) == 2
        if s.parent is None:
            roots[s.trace].append(s)
            continue
        parent = by_id[s.parent]
        assert parent.trace == s.trace
        assert parent.operation == "invoke_agent"
        assert parent.start <= s.start <= s.end <= parent.end
        assert position[s.span] < position[parent.span]
    assert {s.trace for s in spans} == set(roots)
    for trace_roots in roots.values():
        (root,) = trace_roots
        assert root.operation == "invoke_agent"


def keys_by_operation(spans: Iterable[Shape], own: set[str]) -> dict[str, list[frozenset[str]]]:
    """Each span's attribute keys, minus the conversation's own attributes, by operation."""
    out: dict[str, list[frozenset[str]]] = defaultdict(list)
    for s in spans:
        out["chat" if s.operation in LLM_OPERATIONS else s.operation].append(s.keys - own)
    return out


def test_the_reference_holds_what_is_compared() -> None:
    real = real_shapes()
    assert_structure(real)
    assert {s.status for s in real} == {0, 2}
    assert {s.operation for s in real if s.status == 2} == {"execute_tool"}
    assert all(s.keys >= REAL_CONVERSATION_ATTRIBUTES for s in real)
    assert {k for s in real for k in s.keys} == set(REAL_TYPES)


def test_same_structure(demo: list[Span]) -> None:
    shapes = [demo_shape(s) for s in demo]
    assert_structure(shapes)
    depth = {s.span: 0 for s in shapes if s.parent is None}
    for s in sorted(shapes, key=lambda s: s.start):
        if s.parent is not None:
            depth[s.span] = depth[s.parent] + 1
    assert max(depth.values()) == 2  # a subagent's chat and tool, as in the reference
    for span in demo:  # names say what: the model, the tool or the agent
        what = span.name.split(" ", 1)[1]
        op = attribute(span, "gen_ai.operation.name")
        key = {"invoke_agent": "gen_ai.agent.name", "execute_tool": "gen_ai.tool.name",
               "retrieval": "gen_ai.data_source.id"}.get(op, "gen_ai.request.model")  # fmt: skip
        assert attribute(span, key) == what


def test_same_resource_scope_kind_and_flags(requests: list[Any], demo: list[Span]) -> None:
    for request in requests:
        (resource,) = request.resource_spans
        keys = {kv.key for kv in resource.resource.attributes}
        assert keys == REAL_RESOURCE_KEYS
        service = next(
            kv.value.string_value for kv in resource.resource.attributes if kv.key == "service.name"
        )
        assert service == REAL_SERVICE_NAME
        (scope,) = resource.scope_spans
        assert (scope.scope.name, scope.scope.version) == REAL_SCOPE
    assert {s.kind for s in demo} == {REAL_KIND}
    assert {s.flags for s in demo} == {REAL_FLAGS}
    assert not any(s.links for s in demo)


def test_same_statuses_and_failures(demo: list[Span]) -> None:
    real = real_shapes()
    assert {s.status.code for s in demo} == {s.status for s in real}
    failing = {attribute(s, "gen_ai.operation.name") for s in demo if s.status.code == 2}
    assert failing == {s.operation for s in real if s.status == 2}
    for span in demo:
        if span.status.code == 0:
            assert span.status.message == ""
            assert not span.events
            assert "error.type" not in {kv.key for kv in span.attributes}
            continue
        assert span.status.message
        (event,) = span.events
        name, keys = REAL_EXCEPTION_EVENT
        assert event.name == name
        values = {kv.key: kv.value.string_value for kv in event.attributes}
        assert set(values) == keys
        assert values["exception.type"] == attribute(span, "error.type")
        assert values["exception.message"] == span.status.message
        assert values["exception.escaped"] == "False"
        assert values["exception.stacktrace"].endswith(
            f"{values['exception.type']}: {span.status.message}\n"
        )
        assert span.start_time_unix_nano <= event.time_unix_nano <= span.end_time_unix_nano


def test_same_attribute_keys_and_types(demo: list[Span]) -> None:
    real = keys_by_operation(real_shapes(), REAL_CONVERSATION_ATTRIBUTES)
    allowed = {op: frozenset().union(*sets) for op, sets in real.items()}
    required = {op: frozenset.intersection(*sets) for op, sets in real.items()}
    # The conversation's own attributes: on every span of the demo, with the same value types.
    stamped = frozenset.intersection(*(demo_shape(s).keys for s in demo))
    own = {k for k in stamped if not k.startswith(("gen_ai.", "weave."))}
    assert sorted(value_type(demo[0], k) for k in own) == sorted(
        REAL_TYPES[k] for k in REAL_CONVERSATION_ATTRIBUTES
    )
    shapes = keys_by_operation((demo_shape(s) for s in demo), own)
    assert set(shapes) == {*real, "retrieval", "embeddings"}
    for op, key_sets in shapes.items():
        if op not in real:  # no reference: the keys every span carries, and its operation's own
            for keys in key_sets:
                assert required["execute_tool"] & required["chat"] <= keys
            continue
        for keys in key_sets:
            assert required[op] <= keys, (op, required[op] - keys)
            assert keys <= allowed[op], (op, keys - allowed[op])
        assert frozenset().union(*key_sets) == allowed[op] - NOT_IN_THE_DEMO, op
    for span in demo:
        for kv in span.attributes:
            if kv.key in REAL_TYPES:
                assert value_type(span, kv.key) == REAL_TYPES[kv.key], kv.key


def parts(text: str) -> list[dict[str, Any]]:
    messages = json.loads(text)
    assert isinstance(messages, list)
    out = []
    for message in messages:
        assert set(message) == {"role", "parts"}
        assert message["role"] in REAL_ROLES
        out.extend(message["parts"])
    return out


def test_same_message_model(demo: list[Span]) -> None:
    calls_by_parent: dict[str, set[str]] = defaultdict(set)
    tool_spans = []
    for span in demo:
        keys = {kv.key for kv in span.attributes}
        for key in ("gen_ai.input.messages", "gen_ai.output.messages"):
            if key not in keys:
                continue
            for part in parts(attribute(span, key)):
                assert set(part) == REAL_PART_KEYS[part["type"]], part
                if part["type"] == "tool_call":
                    json.loads(part["arguments"])
                    calls_by_parent[span.parent_span_id.hex()].add(part["id"])
        if "gen_ai.system_instructions" in keys:
            (instruction,) = json.loads(attribute(span, "gen_ai.system_instructions"))
            assert set(instruction) == REAL_PART_KEYS["text"]
        if "gen_ai.tool.call.id" in keys:
            json.loads(attribute(span, "gen_ai.tool.call.arguments"))
            tool_spans.append(span)
    # Every tool run (and subagent call) answers a tool call its sibling LLM call made.
    for span in tool_spans:
        assert attribute(span, "gen_ai.tool.call.id") in calls_by_parent[span.parent_span_id.hex()]
