"""Realistic synthetic agent conversations, written the way real users' agents write them.

In Weave the agent conversation store is fed by OpenTelemetry GenAI spans: the weave SDK's
Conversation SDK and its agent integrations export OTLP protobuf to
``POST /agents/otel/v1/traces``. The demo produces exactly that shape (as measured from the
weave 0.54 Conversation SDK):

- one OTel trace per turn, rooted at an ``invoke_agent <agent>`` span that covers its children
  in time; its steps are a ``chat <model>`` call (``generate_content <model>`` for Gemini)
  asking for a tool, then ``execute_tool <tool>`` or a nested subagent (``invoke_agent
  <subagent>`` with its own chat, tool and chat), or an ``embeddings`` + ``retrieval`` lookup;
  a final chat gives the answer;
- ``gen_ai.conversation.id`` on every span names the conversation; spans carry
  ``gen_ai.operation.name``, agent, model, provider, token usage, and the messages as JSON in the
  GenAI "parts" model (``gen_ai.input.messages`` / ``gen_ai.output.messages``, tool calls as
  ``tool_call`` / ``tool_call_response`` parts, ``gen_ai.system_instructions``), tools their
  ``gen_ai.tool.call.arguments`` / ``.result``; the weave client info (``weave.*``) and the
  conversation's own attributes (``app.*``) are stamped on every span;
- status UNSET on every span that did not fail (the SDK never sets OK); about 5 % of tool calls
  fail with status ERROR, ``error.type`` and an ``exception`` event (the turn stays UNSET);
- span kind INTERNAL, flags 0x100, scope ``weave.conversation``, resource
  ``service.name=weave-conversation-sdk``; each span is listed when it ends, so children come
  before their parents, as the BatchSpanProcessor exports them.

Conversations run from 1 to 12 turns of 1-3 steps; about 3 % are long (8-12 turns of 6-12
steps, about 150-300 spans), and most of those go over the server's 200-span cap. Feedback, sent
through ``/feedback/batch/create``: human 👍/👎 (some with skin tones, as the SDK sends
reactions) and text tags (``wandb.agent_user_feedback``), scorer ratings with reasons and
confidences (``wandb.agent_monitor``), on turns and on whole conversations.

``write_demo(..., via="calls")`` writes the same conversations through ``/call/upsert_batch``
instead (same ids, times, names and attributes; the conversation is the call's ``thread_id``).
One difference is inherent to that API: a finished call is OK, so the spans that are UNSET on
the OTel path are OK on the calls path (failed tools are ERROR on both).

Everything derives from ``seed`` and the conversation's index, so conversation ``i`` is the same
whatever ``n_conversations`` is. Times (whole microseconds) are placed over the ``days`` before
``now``; pass a fixed ``now`` for byte-identical output.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, Span, Status
from tqdm.auto import tqdm

from weave_widgets.demo import _content as content
from weave_widgets.demo._content import Agent, Ask, Model, Subagent, TextSlots, Tool
from weave_widgets.models import (
    CallEndReq,
    CallStartReq,
    EndedCallSchemaForInsert,
    FeedbackCreateReq,
    StartedCallSchemaForInsert,
    SummaryInsertMap,
)
from weave_widgets.progress import interactive
from weave_widgets.refs import conversation_ref, turn_ref

if TYPE_CHECKING:
    from weave_widgets.client._clients import WeaveClient

Via = Literal["otel", "calls"]

SCOPE_NAME = "weave.conversation"
RESOURCE_ATTRIBUTES = (
    ("telemetry.sdk.language", "python"),
    ("telemetry.sdk.name", "opentelemetry"),
    ("telemetry.sdk.version", "1.45.2"),
    ("service.name", "weave-conversation-sdk"),
    ("wandb.sdk.name", "weave"),
    ("wandb.sdk.version", "0.54.0"),
    ("wandb.sdk.language", "python"),
)
"""The resource of the weave SDK's tracer provider (plus a ``service.instance.id``)."""
CLIENT_INFO = (
    ("weave.client_version", "0.54.0"),
    ("weave.source", "python-sdk"),
    ("weave.sys_version", "3.12.8 (main, Jan 14 2026, 22:51:17) [GCC 12.2.0]"),
    ("weave.os_name", "Linux"),
    ("weave.os_version", "#1 SMP PREEMPT_DYNAMIC"),
    ("weave.os_release", "6.8.0-1021-aws"),
)
"""What the weave SDK stamps on every span about the client."""
SPAN_FLAGS = 0x100
"""``SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK`` set, is-remote clear: every parent is local."""
INTERNAL = Span.SpanKind.SPAN_KIND_INTERNAL
UNSET = Status.StatusCode.STATUS_CODE_UNSET
ERROR = Status.StatusCode.STATUS_CODE_ERROR

TOOL_ERROR_RATE = 0.05
EXPORT_BATCH_SPANS = 512
"""Spans per OTLP export request, as the OTel BatchSpanProcessor's default batch size; a turn is
never split across requests."""
CALL_BATCH_ITEMS = 4000
"""Starts + ends per ``/call/upsert_batch`` request; a conversation is never split."""
FEEDBACK_BATCH = 1000
PROGRESS_MIN_CONVERSATIONS = 100
"""``write_demo`` shows a progress bar from this many conversations on."""
SKIN_TONES = ("\U0001f3fb", "\U0001f3fc", "\U0001f3fd", "\U0001f3fe", "\U0001f3ff")


@dataclass
class DemoConversation:
    """One synthetic conversation: its OTLP spans turn by turn, and its feedback."""

    project_id: str
    conversation_id: str
    turns: list[list[Span]] = field(default_factory=list)
    """Each turn's spans in export order (a span is listed when it ends: children first)."""
    feedback: list[FeedbackCreateReq] = field(default_factory=list)

    @property
    def spans(self) -> list[Span]:
        """Every span, turn after turn."""
        return [span for turn in self.turns for span in turn]

    @property
    def traces(self) -> list[str]:
        """The turns' trace ids (32 hex characters), in order."""
        return [turn[0].trace_id.hex() for turn in self.turns]

    def calls(self) -> list[CallStartReq | CallEndReq]:
        """The same spans as ``/call/start`` and ``/call/end`` bodies, in time order (see the
        module docstring for how they differ)."""
        events: list[tuple[int, int, CallStartReq | CallEndReq]] = []
        for span in self.spans:
            start_us, end_us = span.start_time_unix_nano // 1000, span.end_time_unix_nano // 1000
            attributes = {kv.key: _python(kv.value) for kv in span.attributes}
            start = StartedCallSchemaForInsert(
                project_id=self.project_id,
                id=span.span_id.hex(),
                trace_id=span.trace_id.hex(),
                parent_id=span.parent_span_id.hex() or None,
                thread_id=self.conversation_id,
                op_name=span.name,
                started_at=_datetime(start_us),
                attributes=attributes,
                inputs={},
            )
            failed = span.status.code == ERROR
            end = EndedCallSchemaForInsert(
                project_id=self.project_id,
                id=span.span_id.hex(),
                ended_at=_datetime(end_us),
                exception=f"{attributes['error.type']}: {span.status.message}" if failed else None,
                summary=SummaryInsertMap(),
            )
            events.append((start_us, 0, CallStartReq(start=start)))
            events.append((end_us, 1, CallEndReq(end=end)))
        events.sort(key=lambda event: (event[0], event[1]))
        return [request for _, _, request in events]


# --- values ---------------------------------------------------------------------------------------

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _micros(when: datetime.datetime) -> int:
    return (when - _EPOCH) // datetime.timedelta(microseconds=1)


def _datetime(micros: int) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(microseconds=micros)


def _set(attributes: Any, key: str, value: Any) -> None:
    """Append ``key = value`` to a protobuf attribute list (str, bool, int, float, list of str)."""
    if isinstance(value, str):  # the common case first, in as few calls as it takes
        attributes.add(key=key).value.string_value = value
        return
    kv = attributes.add(key=key)
    if isinstance(value, bool):
        kv.value.bool_value = value
    elif isinstance(value, int):
        kv.value.int_value = value
    elif isinstance(value, float):
        kv.value.double_value = value
    else:
        values = kv.value.array_value.values
        for item in value:
            values.add().string_value = item


def _python(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_python(item) for item in value.array_value.values]
    return getattr(value, kind) if kind else None


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _text(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": text}]}


def _tokens(text: str) -> int:
    return len(text) // 4 + 1


# --- one conversation -----------------------------------------------------------------------------


class _Builder:
    """Lays out one conversation's spans on a clock of whole microseconds."""

    def __init__(self, rng: random.Random, cid: str, agent: Agent, model: Model, start_us: int):
        self.rng = rng
        self.agent = agent
        self.model = model
        self.t = start_us
        self.context = _tokens(agent.system) + 350  # system prompt + tool definitions
        self.spans: list[Span] = []
        self.slots = TextSlots(rng)
        self.name = ""
        stamped = Span()
        _set(stamped.attributes, "gen_ai.conversation.id", cid)
        _set(stamped.attributes, "app.tenant", f"tenant-{rng.randint(1, 40):03d}")
        _set(stamped.attributes, "app.build", rng.randint(1200, 1299))
        for key, value in CLIENT_INFO:
            _set(stamped.attributes, key, value)
        self.stamped = stamped.SerializeToString()
        """The attributes every span of the conversation carries, pre-encoded once."""

    def advance(self, low_ms: float, high_ms: float) -> None:
        self.wait(self.rng.uniform(low_ms, high_ms))

    def wait(self, ms: float) -> None:
        self.t += int(ms * 1000) + 1

    def open(self, trace: bytes, parent: Span | None, name: str, operation: str) -> Span:
        span = Span(
            trace_id=trace,
            span_id=self.rng.getrandbits(64).to_bytes(8, "big"),
            parent_span_id=parent.span_id if parent is not None else b"",
            name=name,
            kind=INTERNAL,
            flags=SPAN_FLAGS,
            start_time_unix_nano=self.t * 1000,
        )
        _set(span.attributes, "gen_ai.operation.name", operation)
        return span

    def close(self, span: Span, error: tuple[str, str] | None = None) -> None:
        """End ``span`` now; ``error`` is ``(error.type, message)`` for a failure."""
        span.end_time_unix_nano = self.t * 1000
        if error is not None:
            kind, message = error
            span.status.code = ERROR
            span.status.message = message
            _set(span.attributes, "error.type", kind)
            event = span.events.add()
            event.name = "exception"
            event.time_unix_nano = (self.t - self.rng.randint(5, 300)) * 1000
            line = self.rng.randint(20, 400)
            trace = (
                "Traceback (most recent call last):\n"
                f'  File "/srv/agent/tools.py", line {line}, in {span.name.split()[-1]}\n'
                "    return await client.call(**arguments)\n"
                f"{kind}: {message}\n"
            )
            for key, value in (
                ("exception.type", kind),
                ("exception.message", message),
                ("exception.stacktrace", trace),
                ("exception.escaped", "False"),
            ):
                _set(event.attributes, key, value)
        span.MergeFromString(self.stamped)
        self.spans.append(span)

    # --- operations ---------------------------------------------------------------------------

    def chat(
        self,
        trace: bytes,
        parent: Span,
        model: str,
        inputs: list[dict[str, Any]],
        outputs: list[dict[str, Any]],
        *,
        system: str | None = None,
    ) -> None:
        """One LLM call: ``inputs`` in, one assistant message of ``outputs`` parts out."""
        operation = self.model.operation
        span = self.open(trace, parent, f"{operation} {model}", operation)
        rng, attrs = self.rng, span.attributes
        calls_tool = any(part["type"] == "tool_call" for part in outputs)
        sent = _json(inputs)
        answer = _json([{"role": "assistant", "parts": outputs}])
        input_tokens = self.context + _tokens(sent) + rng.randint(0, 40)
        output_tokens = _tokens(answer) + rng.randint(0, 25)
        self.context = input_tokens + output_tokens
        _set(attrs, "gen_ai.request.model", model)
        _set(attrs, "gen_ai.provider.name", self.model.provider)
        response_id = self.model.response_id(rng)
        if response_id is not None:
            _set(attrs, "gen_ai.response.id", response_id)
            _set(attrs, "gen_ai.response.model", self.model.response_name)
        _set(attrs, "gen_ai.output.type", "text")
        _set(attrs, "gen_ai.response.finish_reasons", ["tool_calls" if calls_tool else "stop"])
        _set(attrs, "gen_ai.request.temperature", 0.2)
        if system is not None:
            _set(attrs, "gen_ai.system_instructions", _json([{"type": "text", "content": system}]))
        _set(attrs, "gen_ai.usage.input_tokens", input_tokens)
        _set(attrs, "gen_ai.usage.output_tokens", output_tokens)
        _set(attrs, "gen_ai.usage.total_tokens", input_tokens + output_tokens)
        if input_tokens > 1024 and self.model.provider != "gcp.gemini" and rng.random() < 0.7:
            cached = int(input_tokens * rng.uniform(0.5, 0.9)) // 128 * 128
            _set(attrs, "gen_ai.usage.cache_read.input_tokens", cached)
        _set(attrs, "gen_ai.input.messages", sent)
        _set(attrs, "gen_ai.output.messages", answer)
        latency = rng.uniform(250, 900) + input_tokens * 0.01 + output_tokens * rng.uniform(8, 25)
        self.wait(latency)
        self.close(span)
        self.advance(1, 30)

    def tool(
        self, trace: bytes, parent: Span, tool: Tool, call_id: str, arguments: dict[str, Any]
    ) -> str:
        """One tool execution; returns the response the next LLM call gets."""
        rng = self.rng
        span = self.open(trace, parent, f"execute_tool {tool.name}", "execute_tool")
        attrs = span.attributes
        _set(attrs, "gen_ai.tool.name", tool.name)
        _set(attrs, "gen_ai.tool.call.id", call_id)
        _set(attrs, "gen_ai.tool.call.arguments", _json(arguments))
        _set(attrs, "gen_ai.tool.type", "function")
        _set(attrs, "gen_ai.tool.description", tool.description)
        error = None
        if rng.random() < TOOL_ERROR_RATE:
            kind, template = rng.choice(tool.errors or (content.TIMEOUT,))
            error = (kind, template.format(tool=tool.name, **arguments))
            response = _json({"error": error[1]})
            if rng.random() < 0.5:
                _set(attrs, "gen_ai.tool.call.result", response)
            if kind == "TimeoutError":
                self.advance(10_000, 10_050)
            else:
                self.advance(20, 900)
        else:
            response = _json(tool.result(self.slots, arguments))
            _set(attrs, "gen_ai.tool.call.result", response)
            self.advance(20, 1500)
        self.close(span, error)
        self.advance(1, 30)
        return response

    def lookup(self, trace: bytes, parent: Span, query: str) -> str:
        """``embeddings`` of the query, then a ``retrieval``; returns the context found."""
        rng = self.rng
        provider, model, dimensions = content.EMBEDDING_MODEL
        span = self.open(trace, parent, f"embeddings {model}", "embeddings")
        _set(span.attributes, "gen_ai.request.model", model)
        _set(span.attributes, "gen_ai.provider.name", provider)
        _set(span.attributes, "gen_ai.usage.input_tokens", _tokens(query))
        _set(span.attributes, "gen_ai.embeddings.dimension.count", dimensions)
        self.advance(20, 150)
        self.close(span)
        self.advance(1, 10)
        source = self.agent.data_source
        span = self.open(trace, parent, f"retrieval {source}", "retrieval")
        scores = sorted(round(rng.uniform(0.6, 0.95), 3) for _ in range(rng.randint(3, 5)))
        documents = [
            {"id": f"{source}/{rng.getrandbits(32):08x}", "score": score}
            for score in reversed(scores)
        ]
        _set(span.attributes, "gen_ai.data_source.id", source)
        _set(span.attributes, "gen_ai.retrieval.top_k", 5)
        _set(span.attributes, "gen_ai.retrieval.query.text", query)
        _set(span.attributes, "gen_ai.retrieval.documents", _json(documents))
        self.advance(50, 400)
        self.close(span)
        self.advance(1, 20)
        return "Relevant passages:\n" + "\n".join(
            f"- {doc['id']} (score {doc['score']})" for doc in documents
        )

    def subagent(self, trace: bytes, parent: Span, sub: Subagent, call_id: str, task: str) -> str:
        """A specialist agent called as a tool with ``task``: its own chat -> tool -> chat."""
        rng = self.rng
        summary = self.slots.fill(rng.choice(sub.summaries))
        span = self.open(trace, parent, f"invoke_agent {sub.name}", "invoke_agent")
        attrs = span.attributes
        _set(attrs, "gen_ai.agent.name", sub.name)
        _set(attrs, "gen_ai.conversation.name", self.name)
        _set(attrs, "gen_ai.request.model", self.model.small)
        _set(attrs, "gen_ai.agent.id", f"{sub.name}-001")
        _set(attrs, "gen_ai.agent.description", sub.description)
        _set(attrs, "gen_ai.agent.version", "v2")
        _set(attrs, "gen_ai.tool.name", sub.tool_name)
        _set(attrs, "gen_ai.tool.call.id", call_id)
        _set(attrs, "gen_ai.tool.call.arguments", _json({"task": task}))
        _set(attrs, "gen_ai.input.messages", _json([_text("user", task)]))
        self.advance(1, 15)
        context, self.context = self.context, _tokens(task) + 200  # the subagent's own context
        tool = rng.choice(sub.tools)
        inner_id = self.model.call_id(rng)
        arguments = tool.arguments(self.slots)
        call = {"type": "tool_call", "id": inner_id, "name": tool.name}
        call["arguments"] = _json(arguments)
        self.chat(trace, span, self.model.small, [_text("user", task)], [call])
        response = self.tool(trace, span, tool, inner_id, arguments)
        answer = [{"type": "text", "content": summary}]
        reply = {"role": "tool", "parts": [_tool_response(inner_id, response)]}
        self.chat(trace, span, self.model.small, [reply], answer)
        self.context = context + _tokens(summary)
        _set(attrs, "gen_ai.tool.call.result", _json({"summary": summary}))
        _set(attrs, "gen_ai.output.messages", _json([{"role": "assistant", "parts": answer}]))
        self.close(span)
        self.advance(1, 20)
        return _json({"summary": summary})

    def turn(self, index: int, ask: Ask, steps: int) -> list[Span]:
        """One turn: the ``invoke_agent`` root around ``steps`` steps and a final answer."""
        rng, agent, model = self.rng, self.agent, self.model
        question = self.slots.fill(ask.question)
        if index == 0:
            self.name = question if len(question) <= 60 else question[:57] + "..."
        trace = rng.getrandbits(128).to_bytes(16, "big")
        root = self.open(trace, None, f"invoke_agent {agent.name}", "invoke_agent")
        attrs = root.attributes
        _set(attrs, "gen_ai.agent.name", agent.name)
        _set(attrs, "gen_ai.conversation.name", self.name)
        _set(attrs, "gen_ai.request.model", model.name)
        if index == 0:
            _set(
                attrs,
                "gen_ai.system_instructions",
                _json([{"type": "text", "content": agent.system}]),
            )
        _set(attrs, "gen_ai.input.messages", _json([_text("user", question)]))
        self.advance(1, 20)
        pending = [_text("user", question)]
        system: str | None = agent.system
        for _ in range(steps):
            action = rng.random()
            if action < 0.25:
                context = self.lookup(trace, root, question)
                pending = [*pending, _text("user", context)]
                continue
            preface = [{"type": "text", "content": "Let me check."}] if rng.random() < 0.3 else []
            call_id = model.call_id(rng)
            if action < 0.9 or not agent.subagents:
                tool = agent.pick_tool(rng, ask)
                arguments = tool.arguments(self.slots)
                call = {"type": "tool_call", "id": call_id, "name": tool.name}
                call["arguments"] = _json(arguments)
                self.chat(trace, root, model.name, pending, [*preface, call], system=system)
                response = self.tool(trace, root, tool, call_id, arguments)
            else:
                sub = rng.choice(agent.subagents)
                task = self.slots.fill(rng.choice(sub.tasks))
                call = {"type": "tool_call", "id": call_id, "name": sub.tool_name}
                call["arguments"] = _json({"task": task})
                self.chat(trace, root, model.name, pending, [*preface, call], system=system)
                response = self.subagent(trace, root, sub, call_id, task)
            system = None
            pending = [{"role": "tool", "parts": [_tool_response(call_id, response)]}]
        if rng.random() < 0.08:
            answer = content.long_answer(self.slots, agent)
        else:
            answer = self.slots.fill(ask.answer)
        self.chat(
            trace, root, model.name, pending, [{"type": "text", "content": answer}], system=system
        )
        _set(attrs, "gen_ai.output.messages", _json([_text("assistant", answer)]))
        self.advance(1, 10)
        self.close(root)
        spans, self.spans = self.spans, []
        return spans


def _tool_response(call_id: str, response: str) -> dict[str, Any]:
    return {"type": "tool_call_response", "id": call_id, "response": response}


# --- feedback -------------------------------------------------------------------------------------


def _thumb(rng: random.Random, up: float = 0.7) -> str:
    thumb = "👍" if rng.random() < up else "👎"
    return thumb + rng.choice(SKIN_TONES) if rng.random() < 0.3 else thumb


def _user_feedback(base: dict[str, Any], tags: list[str]) -> FeedbackCreateReq:
    """Human feedback as the SDK sends a reaction: emoji tags with ``Set by user`` reasons."""
    emoji = tags[0]
    return FeedbackCreateReq(
        **base,
        feedback_type="wandb.agent_user_feedback",
        payload={"emoji": emoji, "scorer_tags": tags},
        scorer_tags=tags,
        scorer_tag_reasons={tag: "Set by user" for tag in tags},
        scorer_tag_confidences={tag: 1.0 for tag in tags},
    )


def _monitor_refs(rng: random.Random, project_id: str) -> dict[str, str]:
    return {
        "runnable_ref": f"weave:///{project_id}/op/quality_judge:v3",
        "call_ref": f"weave:///{project_id}/call/{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "trigger_ref": f"weave:///{project_id}/object/quality_monitor:v1",
    }


def _rating(rng: random.Random, name: str) -> tuple[float, str, float]:
    value = round(rng.betavariate(4, 1.5), 2)
    reason = (
        f"{name}: answer addressed the request" if value >= 0.6 else f"{name}: missed key details"
    )
    return value, reason, round(rng.uniform(0.55, 0.99), 2)


def _monitor(
    rng: random.Random, base: dict[str, Any], project_id: str, names: Sequence[str]
) -> FeedbackCreateReq:
    scores = {name: _rating(rng, name) for name in names}
    return FeedbackCreateReq(
        **base,
        **_monitor_refs(rng, project_id),
        feedback_type="wandb.agent_monitor",
        scorer_ratings={n: v[0] for n, v in scores.items()},
        scorer_rating_reasons={n: v[1] for n, v in scores.items()},
        scorer_rating_confidences={n: v[2] for n, v in scores.items()},
    )


def _feedback(
    rng: random.Random, project_id: str, cid: str, traces: Sequence[str], errors: Sequence[bool]
) -> list[FeedbackCreateReq]:
    """Turn and conversation feedback; a turn with a failed tool gets more 👎."""
    out = []
    if rng.random() < 0.35:
        turn = rng.randrange(len(traces))
        trace = traces[turn]
        tags = [_thumb(rng, up=0.35 if errors[turn] else 0.75)]
        if tags[0].startswith("👎") and rng.random() < 0.5:
            tags.append(rng.choice(("needs-review", "wrong-answer", "too-slow")))
        base = {"project_id": project_id, "weave_ref": turn_ref(project_id, trace)}
        base |= {"span_conversation_id": cid, "span_trace_id": trace}
        out.append(_user_feedback(base, tags))
    if rng.random() < 0.4:
        trace = rng.choice(traces)
        base = {"project_id": project_id, "weave_ref": turn_ref(project_id, trace)}
        base |= {"span_conversation_id": cid, "span_trace_id": trace}
        names = rng.sample(("helpfulness", "correctness", "tone"), rng.randint(1, 2))
        out.append(_monitor(rng, base, project_id, names))
    if rng.random() < 0.12:
        base = {"project_id": project_id, "weave_ref": conversation_ref(project_id, cid)}
        pick = rng.random()
        if pick < 0.35:
            out.append(_user_feedback(base, [_thumb(rng)]))
        elif pick < 0.6:
            tag = rng.choice(("resolved", "escalated", "needs-review"))
            out.append(
                FeedbackCreateReq(
                    **base, feedback_type="wandb.agent_user_feedback", scorer_tags=[tag]
                )
            )
        else:
            out.append(_monitor(rng, base, project_id, ["task_completion"]))
    return out


# --- conversations --------------------------------------------------------------------------------


def demo_conversation(
    project_id: str, index: int, *, seed: int = 0, now: datetime.datetime, days: float = 7.0
) -> DemoConversation:
    """Conversation ``index`` of the demo with ``seed``; pure and deterministic."""
    rng = random.Random(f"weave-widgets-demo/{seed}/{index}")  # noqa: S311 (not for security)
    cid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    long_one = rng.random() < 0.03
    n_turns = rng.randint(8, 12) if long_one else min(12, 1 + int(rng.expovariate(1 / 2.5)))
    start = now - datetime.timedelta(days=rng.uniform(0, days), hours=1)
    agent = rng.choice(content.AGENTS)
    model = rng.choice(content.MODELS)
    builder = _Builder(rng, cid, agent, model, _micros(start))
    conv = DemoConversation(project_id, cid)
    for turn in range(n_turns):
        ask = rng.choice(agent.followups if turn else agent.opening)
        steps = rng.randint(6, 12) if long_one else rng.randint(1, 3)
        conv.turns.append(builder.turn(turn, ask, steps))
        builder.advance(5_000, 120_000)  # the user reads and types
    errors = [any(span.status.code == ERROR for span in turn) for turn in conv.turns]
    conv.feedback = _feedback(rng, project_id, cid, conv.traces, errors)
    return conv


def demo_conversations(
    project_id: str,
    n_conversations: int,
    *,
    seed: int = 0,
    now: datetime.datetime | None = None,
    days: float = 7.0,
) -> Iterator[DemoConversation]:
    """The demo's conversations (see the module docstring)."""
    if n_conversations < 0:
        raise ValueError(f"n_conversations must be >= 0, got {n_conversations}")
    when = now or datetime.datetime.now(datetime.UTC)
    for index in range(n_conversations):
        yield demo_conversation(project_id, index, seed=seed, now=when, days=days)


def export_requests(
    conversations: Iterable[DemoConversation],
    *,
    seed: int = 0,
    max_spans: int = EXPORT_BATCH_SPANS,
) -> Iterator[ExportTraceServiceRequest]:
    """The conversations' spans as OTLP export requests of about ``max_spans`` spans each, as
    a BatchSpanProcessor sends them: one resource (the weave SDK's), one scope, whole turns
    (a turn larger than ``max_spans`` goes alone)."""
    rng = random.Random(f"weave-widgets-demo/{seed}/resource")  # noqa: S311 (not for security)
    resource = ResourceSpans()
    for key, value in (
        *RESOURCE_ATTRIBUTES,
        ("service.instance.id", str(uuid.UUID(int=rng.getrandbits(128), version=4))),
    ):
        resource.resource.attributes.append(KeyValue(key=key, value=AnyValue(string_value=value)))
    resource.scope_spans.add().scope.name = SCOPE_NAME

    def fresh() -> ExportTraceServiceRequest:
        request = ExportTraceServiceRequest()
        request.resource_spans.append(resource)
        return request

    request, count = fresh(), 0
    for conv in conversations:
        for turn in conv.turns:
            if count and count + len(turn) > max_spans:
                yield request
                request, count = fresh(), 0
            request.resource_spans[0].scope_spans[0].spans.extend(turn)
            count += len(turn)
    if count:
        yield request


# --- writing --------------------------------------------------------------------------------------


def _progress(total: int, enabled: bool | None) -> tqdm[Any]:
    show = total >= PROGRESS_MIN_CONVERSATIONS and (interactive() if enabled is None else enabled)
    return tqdm(total=total, desc="demo conversations", unit="conv", disable=not show, leave=False)


def write_demo(
    client: WeaveClient,
    n_conversations: int = 50,
    *,
    seed: int = 0,
    now: datetime.datetime | None = None,
    days: float = 7.0,
    via: Via = "otel",
    progress: bool | None = None,
) -> list[str]:
    """Write ``n_conversations`` demo conversations to ``client.project``; return their ids.

    ``via="otel"`` (the default) exports them as OTLP protobuf to ``/agents/otel/v1/traces``
    (``client.otel_export``) in requests of about ``EXPORT_BATCH_SPANS`` spans, never splitting
    a turn; ``via="calls"`` sends them through ``/call/upsert_batch`` in requests of about
    ``CALL_BATCH_ITEMS`` starts and ends, never splitting a conversation. Feedback follows
    through ``/feedback/batch/create``. ``progress`` shows a bar for writes of at least
    ``PROGRESS_MIN_CONVERSATIONS`` (``None``: ``client.progress``, else where someone can see
    it).
    """
    if via not in ("otel", "calls"):
        raise ValueError(f"via must be 'otel' or 'calls', got {via!r}")
    ids: list[str] = []
    feedback: list[FeedbackCreateReq] = []
    convs = demo_conversations(client.project, n_conversations, seed=seed, now=now, days=days)
    enabled = client.progress if progress is None else progress
    with _progress(n_conversations, enabled) as bar:

        def tapped() -> Iterator[DemoConversation]:
            for conv in convs:
                ids.append(conv.conversation_id)
                feedback.extend(conv.feedback)
                yield conv
                bar.update()

        if via == "otel":
            for request in export_requests(tapped(), seed=seed):
                client.otel_export(request)
        else:
            calls: list[CallStartReq | CallEndReq] = []
            for conv in tapped():
                calls.extend(conv.calls())
                if len(calls) >= CALL_BATCH_ITEMS:
                    client.call_upsert_batch(calls)
                    calls = []
            if calls:
                client.call_upsert_batch(calls)
        for start in range(0, len(feedback), FEEDBACK_BATCH):
            client.feedback_create_batch(feedback[start : start + FEEDBACK_BATCH])
    return ids
