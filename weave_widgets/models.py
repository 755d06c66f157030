"""Pydantic v2 models mirroring the Weave trace server API, field for field.

Sources: the published OpenAPI pages (``POST /call/start``, ``POST /agents/conversations/spans``)
and the server's own models for ``/call/end``, ``/call/upsert_batch``, ``/feedback/create`` and
``/agents/spans/query`` (as the weave SDK's vendored client declares them).

Strict request envelopes (``CallStartReq``, ``CallEndReq``, ``FeedbackCreateReq``,
``CallCreateBatchReq``) forbid unknown keys, as the real server's ``BaseModelStrict`` does;
everything else ignores unknown keys, as plain ``BaseModel`` does there.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

# Statuses are defined once, with the rest of what the widget front end shares.
from weave_widgets.palette import STATUS_CODES as STATUS_CODES
from weave_widgets.palette import StatusCode as StatusCode

MAX_CONVERSATION_IDS = 10_000
"""``conversation_ids`` longer than this are rejected (``maxItems`` in the contract)."""

MAX_CONVERSATION_SPANS = 200
"""The server keeps only the most recent this-many spans of each conversation."""

MAX_LISTING_LIMIT = 10_000
"""The most groups one ``/agents/spans/query`` page may ask for (``limit``)."""

AgentSpanFeedbackType = Literal["wandb.agent_user_feedback", "wandb.agent_monitor"]
AGENT_USER_FEEDBACK: AgentSpanFeedbackType = "wandb.agent_user_feedback"
AGENT_MONITOR_FEEDBACK: AgentSpanFeedbackType = "wandb.agent_monitor"
AGENT_SPAN_FEEDBACK_TYPES: tuple[AgentSpanFeedbackType, ...] = (
    AGENT_USER_FEEDBACK,
    AGENT_MONITOR_FEEDBACK,
)


EARLIEST_TIME = datetime.datetime.min.replace(tzinfo=datetime.UTC)
"""The earliest time a write may carry (0001-01-01 UTC): before it, a stored time cannot be
turned back into a datetime."""
LATEST_TIME = datetime.datetime.max.replace(tzinfo=datetime.UTC)
"""The latest time a write may carry (9999-12-31 23:59:59.999999 UTC)."""

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def check_utc_range(value: datetime.datetime) -> datetime.datetime:
    """``value`` unchanged if its UTC value lies in years 1-9999 (a naive value counts as UTC);
    else ValueError. Every write's times pass here, so none can be stored that cannot be read
    back: an offset can push a valid local time (9999-12-31T23:00-05:00) out of range."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        try:
            value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValueError(
                f"{value.isoformat()} falls outside years 1-9999 once converted to UTC; "
                "send a time between 0001-01-01 and 9999-12-31 UTC"
            ) from None
    return value


UtcTime = Annotated[datetime.datetime, AfterValidator(check_utc_range)]
"""A datetime whose UTC value lies in years 1-9999: the type of every stored time."""

EXACT_FLOAT = 2**53
"""Beyond this magnitude a float no longer holds every integer exactly."""


def no_inexact_float(value: Any) -> Any:
    """``value`` unless it is a float too large to be an exact integer. JSON parsers turn an
    integer literal beyond 64 bits into such a float (``-9223372036854775809`` becomes
    ``-2**63``), which would then pass a range check as a number that was never sent."""
    if isinstance(value, float) and abs(value) > EXACT_FLOAT:
        raise ValueError(
            f"{value!r} is not an exact integer; send an integer from {INT64_MIN} to {INT64_MAX}"
        )
    return value


Int64 = Annotated[int, BeforeValidator(no_inexact_float), Field(ge=INT64_MIN, le=INT64_MAX)]
"""An integer SQLite can hold (JSON allows up to 2**64 - 1, a signed 64-bit column does not),
sent as an integer (see :func:`no_inexact_float`)."""


class _Model(BaseModel):
    """Every model here: floats must be finite (``"NaN"`` / ``"inf"`` strings are refused, as
    a stored NaN would be written back as ``null`` and break the answer's schema)."""

    model_config = ConfigDict(allow_inf_nan=False)


class _Strict(_Model):
    """Rejects unknown keys (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


# --- calls -----------------------------------------------------------------------------------


class StartedCallSchemaForInsert(_Model):
    project_id: str
    id: str | None = None
    op_name: str
    display_name: str | None = None
    trace_id: str | None = None
    parent_id: str | None = None
    thread_id: str | None = None
    turn_id: str | None = None
    started_at: UtcTime
    attributes: dict[str, Any]
    inputs: dict[str, Any]
    otel_dump: dict[str, Any] | None = None
    wb_user_id: str | None = Field(
        default=None,
        description="Do not set directly. Server will automatically populate this field.",
    )
    wb_run_id: str | None = None
    wb_run_step: Int64 | None = None


class CallStartReq(_Strict):
    start: StartedCallSchemaForInsert


class CallStartRes(_Model):
    id: str
    trace_id: str


class LLMUsageSchema(_Model):
    model_config = ConfigDict(extra="allow")

    prompt_tokens: Int64 | None = None
    input_tokens: Int64 | None = None
    completion_tokens: Int64 | None = None
    output_tokens: Int64 | None = None
    requests: Int64 | None = None
    total_tokens: Int64 | None = None


class SummaryInsertMap(_Model):
    model_config = ConfigDict(extra="allow")

    usage: dict[str, LLMUsageSchema] | None = None
    status_counts: dict[str, Int64] | None = None


class EndedCallSchemaForInsert(_Model):
    project_id: str
    id: str
    ended_at: UtcTime
    exception: str | None = None
    output: Any | None = None
    summary: SummaryInsertMap
    wb_run_step_end: Int64 | None = None


class CallEndReq(_Strict):
    end: EndedCallSchemaForInsert


class CallEndRes(_Model):
    pass


class CallBatchStartMode(_Strict):
    mode: Literal["start"] = "start"
    req: CallStartReq


class CallBatchEndMode(_Strict):
    mode: Literal["end"] = "end"
    req: CallEndReq


CallBatchItem = Annotated[CallBatchStartMode | CallBatchEndMode, Field(discriminator="mode")]


class CallCreateBatchReq(_Strict):
    batch: list[CallBatchItem]


class CallCreateBatchRes(_Model):
    res: list[CallStartRes | CallEndRes]


class CompletedCallSchemaForInsert(StartedCallSchemaForInsert):
    """A finished call in one piece, as the weave SDK batches ``@weave.op`` calls by default
    (``POST /v2/{entity}/{project}/calls/complete``): a start with its end's fields."""

    id: str
    trace_id: str
    ended_at: UtcTime
    exception: str | None = None
    output: Any | None = None
    summary: SummaryInsertMap
    wb_run_step_end: Int64 | None = None

    def started(self) -> StartedCallSchemaForInsert:
        """The start half of this call."""
        return StartedCallSchemaForInsert.model_validate(
            self.model_dump(include=set(StartedCallSchemaForInsert.model_fields))
        )

    def ended(self) -> EndedCallSchemaForInsert:
        """The end half of this call."""
        return EndedCallSchemaForInsert.model_validate(
            self.model_dump(include=set(EndedCallSchemaForInsert.model_fields))
        )


class CallsCompleteReq(_Strict):
    batch: list[CompletedCallSchemaForInsert]


# --- feedback --------------------------------------------------------------------------------


class FeedbackCreateReq(_Strict):
    id: str | None = None
    project_id: str
    weave_ref: str
    creator: str | None = None
    feedback_type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    annotation_ref: str | None = None
    runnable_ref: str | None = None
    call_ref: str | None = None
    trigger_ref: str | None = None
    queue_id: str | None = None
    wb_user_id: str | None = Field(
        default=None,
        description="Do not set directly. Server will automatically populate this field.",
    )
    scorer_tags: list[str] | None = None
    scorer_tag_reasons: dict[str, str] | None = None
    scorer_tag_confidences: dict[str, float] | None = None
    scorer_ratings: dict[str, float] | None = None
    scorer_rating_reasons: dict[str, str] | None = None
    scorer_rating_confidences: dict[str, float] | None = None
    span_agent_name: str | None = None
    span_agent_version: str | None = None
    span_status_code: str | None = None
    span_conversation_id: str | None = None
    span_trace_id: str | None = None
    scorer_trace_id: str | None = None


class FeedbackCreateRes(_Model):
    id: str
    created_at: datetime.datetime
    wb_user_id: str
    payload: dict[str, Any]


class FeedbackCreateBatchReq(_Strict):
    """``/feedback/batch/create``: many feedback rows in one request."""

    batch: list[FeedbackCreateReq]


class FeedbackCreateBatchRes(_Model):
    res: list[FeedbackCreateRes]


# --- agent conversation spans ----------------------------------------------------------------


class AgentConversationSpansReq(_Model):
    """Request the span sequences of an explicit set of conversations.

    Reads only span scalar columns (no message bodies) for the given ``conversation_ids``;
    powers the conversations-list spans minimap.
    """

    project_id: str
    conversation_ids: list[str] = Field(default_factory=list, max_length=MAX_CONVERSATION_IDS)
    started_after: AwareDatetime | None = None
    started_before: AwareDatetime | None = None


class AgentConversationSpan(_Model):
    """One span in a conversation's traces, ordered by ``started_at``.

    ``operation_name`` is the raw OTel value; the client maps it to a display category.
    """

    operation_name: str
    trace_id: str
    span_id: str
    status: StatusCode
    duration_ms: int


class AgentConversationSpanRating(_Model):
    """One numeric rating (a scorer score) applied to a turn or conversation."""

    name: str
    value: float
    reason: str | None = None
    confidence: float | None = None


class AgentConversationSpanFeedback(_Model):
    """Tags and ratings applied to a turn (or to the conversation itself).

    Positioned client-side by matching ``trace_id`` (turn) against the spans; ``trace_id``
    is None for conversation-level feedback.
    """

    trace_id: str | None = Field(
        description="The turn this feedback attaches to; None when conversation-level."
    )
    feedback_type: AgentSpanFeedbackType
    tags: list[str] = Field(
        default_factory=list,
        description="Arbitrary descriptive tags applied by this feedback.",
        examples=[["👍", "needs-review"]],
    )
    ratings: list[AgentConversationSpanRating] = Field(
        default_factory=list,
        description="Numeric scorer ratings applied by this feedback.",
    )


class AgentConversationSpans(_Model):
    """The span sequence and feedback markers of one conversation."""

    conversation_id: str
    spans: list[AgentConversationSpan] = Field(default_factory=list)
    spans_feedback: list[AgentConversationSpanFeedback] = Field(default_factory=list)


class AgentConversationSpansRes(_Model):
    """One span sequence + feedback markers entry per requested conversation."""

    conversations: list[AgentConversationSpans] = Field(default_factory=list)


# --- listing conversations (/agents/spans/query grouped by conversation_id) -------------------


class AgentGroupByRef(_Model):
    source: Literal["column", "attribute", "custom_attr"] = "column"
    key: str
    alias: str | None = None


class AgentSortBy(_Model):
    field: str
    direction: Literal["asc", "desc"] = "desc"


class AgentSpansQueryReq(_Model):
    project_id: str
    group_by: list[AgentGroupByRef] = Field(default_factory=list)
    sort_by: list[AgentSortBy] = Field(default_factory=list)
    limit: int = Field(default=100, ge=0, le=MAX_LISTING_LIMIT)
    offset: Annotated[Int64, Field(ge=0)] = 0
    started_after: datetime.datetime | None = None
    started_before: datetime.datetime | None = None


class AgentGroupMessage(_Model):
    """A preview of a conversation's first or last message."""

    role: str
    text: str


class AgentSpanGroup(_Model):
    group_keys: dict[str, str]
    span_count: int
    invocation_count: int = 0
    conversation_count: int = 0
    total_duration_ms: int = 0
    error_count: int = 0
    agent_names: list[str] = Field(default_factory=list)
    request_models: list[str] = Field(default_factory=list)
    first_message: AgentGroupMessage | None = None
    last_message: AgentGroupMessage | None = None
    first_seen: datetime.datetime | None = None
    last_seen: datetime.datetime | None = None


class AgentSpansQueryRes(_Model):
    spans: list[dict[str, Any]] = Field(default_factory=list)
    groups: list[AgentSpanGroup] = Field(default_factory=list)
    total_count: int = 0


# --- reading the conversation (/agents/traces/chat, /agents/conversations/chat, /agents/search)
# Field for field the weave SDK's vendored models (types/agent_trace_chat_res.py,
# types/agents/conversation_chat_*.py, types/agent_search_*.py), so its readers accept our answers.

MAX_CHAT_TURNS = 50
"""Most turns in one ``/agents/conversations/chat`` page (the SDK's own page size)."""
MAX_SEARCH_LIMIT = 1000
"""Most conversations one ``/agents/search`` page holds."""

SpanStatus = Literal["UNSET", "OK", "ERROR"]
MessageType = Literal[
    "user_message",
    "assistant_message",
    "tool_call",
    "agent_handoff",
    "agent_start",
    "context_compacted",
]
SearchRole = Literal["", "user", "assistant", "system", "tool", "tool_call", "tool_result"]


class TraceChatReq(_Model):
    project_id: str
    trace_id: str
    include_feedback: bool = False
    include_model_tool_calls: bool = False


class ConversationChatReq(_Model):
    project_id: str
    conversation_id: str
    include_feedback: bool = False
    include_model_tool_calls: bool = False
    limit: int = Field(default=MAX_CHAT_TURNS, ge=1, le=MAX_CHAT_TURNS)
    offset: Annotated[Int64, Field(ge=0)] = 0
    """Most-recent turns to skip; the page itself is in chronological order."""


class ChatFeedback(_Model):
    """A feedback row of the chat projection (the SDK's ``Feedback``)."""

    id: str
    feedback_type: str
    payload: dict[str, Any] = Field(default_factory=dict)
    weave_ref: str
    created_at: datetime.datetime | None = None
    creator: str | None = None
    wb_user_id: str | None = None
    annotation_ref: str | None = None
    call_ref: str | None = None
    runnable_ref: str | None = None
    trigger_ref: str | None = None
    scorer_tags: list[str] = Field(default_factory=list)
    scorer_tag_reasons: dict[str, str] = Field(default_factory=dict)
    scorer_tag_confidences: dict[str, float] = Field(default_factory=dict)
    scorer_ratings: dict[str, float] = Field(default_factory=dict)
    scorer_rating_reasons: dict[str, str] = Field(default_factory=dict)
    scorer_rating_confidences: dict[str, float] = Field(default_factory=dict)


class ChatUserMessage(_Model):
    text: str
    content_refs: list[str] = Field(default_factory=list)


class ChatAssistantMessage(_Model):
    text: str
    content_refs: list[str] = Field(default_factory=list)
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    reasoning_content: str | None = None
    duration_ms: int | None = None
    status: SpanStatus | None = None
    input_cost_usd: float | None = None
    output_cost_usd: float | None = None
    total_cost_usd: float | None = None


class ChatToolCall(_Model):
    tool_name: str | None = None
    tool_arguments: str | None = None
    tool_result: str | None = None
    duration_ms: int | None = None
    status: SpanStatus | None = None
    content_refs: list[str] = Field(default_factory=list)


class ChatAgentStart(_Model):
    model: str | None = None
    status: SpanStatus | None = None
    system_instructions: str | None = None
    tool_definitions: str | None = None


class ChatContextCompacted(_Model):
    compaction_summary: str | None = None
    compaction_items_before: int | None = None
    compaction_items_after: int | None = None


class ChatMessage(_Model):
    """One event of a turn; exactly one payload, the one named by ``type``, is set."""

    type: MessageType
    span_id: str | None = None
    started_at: datetime.datetime | None = None
    agent_name: str | None = None
    agent_version: str | None = None
    status_code: SpanStatus | None = None
    status_message: str | None = None
    error_type: str | None = None
    feedback: list[ChatFeedback] | None = None
    user_message: ChatUserMessage | None = None
    assistant_message: ChatAssistantMessage | None = None
    tool_call: ChatToolCall | None = None
    agent_start: ChatAgentStart | None = None
    context_compacted: ChatContextCompacted | None = None
    agent_handoff: dict[str, Any] | None = None


class TraceChatRes(_Model):
    """One turn (one ``trace_id``) as an ordered list of messages."""

    trace_id: str
    messages: list[ChatMessage] = Field(default_factory=list)
    agent_name: str | None = None
    agent_version: str | None = None
    started_at: datetime.datetime | None = None
    ended_at: datetime.datetime | None = None
    status_code: SpanStatus | None = None
    provider: str | None = None
    root_span_name: str | None = None
    total_input_tokens: int = 0
    total_output_tokens: int = 0
    total_reasoning_tokens: int = 0
    total_cache_creation_input_tokens: int = 0
    total_cache_read_input_tokens: int = 0
    total_cost_usd: float | None = None
    total_duration_ms: int | None = None
    wb_user_id: str | None = None
    feedback: list[ChatFeedback] | None = None


class ConversationChatRes(_Model):
    """A page of a conversation's turns, oldest first within the page."""

    conversation_id: str
    turns: list[TraceChatRes] = Field(default_factory=list)
    total_turns: int = 0
    has_more: bool = False
    limit: int = MAX_CHAT_TURNS
    offset: int = 0
    total_cost_usd: float | None = None
    feedback: list[ChatFeedback] | None = None


class AgentSearchReq(_Model):
    project_id: str
    query: str = ""
    conversation_id: str | None = None
    trace_id: str | None = None
    agent_name: str | None = None
    provider_name: str | None = None
    request_model: str | None = None
    roles: list[SearchRole] | None = None
    truncate_content: bool = True
    started_after: datetime.datetime | None = None
    started_before: datetime.datetime | None = None
    limit: int = Field(default=100, ge=0, le=MAX_SEARCH_LIMIT)
    offset: Annotated[Int64, Field(ge=0)] = 0


class AgentSearchMatch(_Model):
    """A message that matched the query."""

    trace_id: str
    span_id: str
    role: str
    content_preview: str
    content_digest: str
    started_at: datetime.datetime


class AgentSearchResult(_Model):
    """A conversation holding matching messages."""

    conversation_id: str
    conversation_name: str = ""
    agent_name: str = ""
    last_activity: datetime.datetime
    matched_messages: list[AgentSearchMatch] = Field(default_factory=list)


class AgentSearchRes(_Model):
    results: list[AgentSearchResult] = Field(default_factory=list)
    total_conversations: int = 0


# --- errors (FastAPI's 422 body) ---------------------------------------------------------------


class ValidationErrorItem(_Model):
    """One entry of a 422 ``detail`` list (the contract's ``ValidationError`` schema)."""

    model_config = ConfigDict(title="ValidationError")

    loc: list[str | int]
    msg: str
    type: str


class HTTPValidationError(_Model):
    """The body of a 422 response."""

    detail: list[ValidationErrorItem] = Field(default_factory=list)
