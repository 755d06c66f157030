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

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Statuses are defined once, with the rest of what the widget front end shares.
from weave_widgets.palette import STATUS_CODES as STATUS_CODES
from weave_widgets.palette import StatusCode as StatusCode

MAX_CONVERSATION_IDS = 10_000
"""``conversation_ids`` longer than this are rejected (``maxItems`` in the contract)."""

MAX_CONVERSATION_SPANS = 200
"""The server keeps only the most recent this-many spans of each conversation."""

AgentSpanFeedbackType = Literal["wandb.agent_user_feedback", "wandb.agent_monitor"]
AGENT_USER_FEEDBACK: AgentSpanFeedbackType = "wandb.agent_user_feedback"
AGENT_MONITOR_FEEDBACK: AgentSpanFeedbackType = "wandb.agent_monitor"
AGENT_SPAN_FEEDBACK_TYPES: tuple[AgentSpanFeedbackType, ...] = (
    AGENT_USER_FEEDBACK,
    AGENT_MONITOR_FEEDBACK,
)


class _Strict(BaseModel):
    """Rejects unknown keys (``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


# --- calls -----------------------------------------------------------------------------------


class StartedCallSchemaForInsert(BaseModel):
    project_id: str
    id: str | None = None
    op_name: str
    display_name: str | None = None
    trace_id: str | None = None
    parent_id: str | None = None
    thread_id: str | None = None
    turn_id: str | None = None
    started_at: datetime.datetime
    attributes: dict[str, Any]
    inputs: dict[str, Any]
    otel_dump: dict[str, Any] | None = None
    wb_user_id: str | None = Field(
        default=None,
        description="Do not set directly. Server will automatically populate this field.",
    )
    wb_run_id: str | None = None
    wb_run_step: int | None = None


class CallStartReq(_Strict):
    start: StartedCallSchemaForInsert


class CallStartRes(BaseModel):
    id: str
    trace_id: str


class LLMUsageSchema(BaseModel):
    model_config = ConfigDict(extra="allow")

    prompt_tokens: int | None = None
    input_tokens: int | None = None
    completion_tokens: int | None = None
    output_tokens: int | None = None
    requests: int | None = None
    total_tokens: int | None = None


class SummaryInsertMap(BaseModel):
    model_config = ConfigDict(extra="allow")

    usage: dict[str, LLMUsageSchema] | None = None
    status_counts: dict[str, int] | None = None


class EndedCallSchemaForInsert(BaseModel):
    project_id: str
    id: str
    ended_at: datetime.datetime
    exception: str | None = None
    output: Any | None = None
    summary: SummaryInsertMap
    wb_run_step_end: int | None = None


class CallEndReq(_Strict):
    end: EndedCallSchemaForInsert


class CallEndRes(BaseModel):
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


class CallCreateBatchRes(BaseModel):
    res: list[CallStartRes | CallEndRes]


class CompletedCallSchemaForInsert(StartedCallSchemaForInsert):
    """A finished call in one piece, as the weave SDK batches ``@weave.op`` calls by default
    (``POST /v2/{entity}/{project}/calls/complete``): a start with its end's fields."""

    id: str
    trace_id: str
    ended_at: datetime.datetime
    exception: str | None = None
    output: Any | None = None
    summary: SummaryInsertMap
    wb_run_step_end: int | None = None

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


class FeedbackCreateRes(BaseModel):
    id: str
    created_at: datetime.datetime
    wb_user_id: str
    payload: dict[str, Any]


class FeedbackCreateBatchReq(_Strict):
    """``/feedback/batch/create``: many feedback rows in one request."""

    batch: list[FeedbackCreateReq]


class FeedbackCreateBatchRes(BaseModel):
    res: list[FeedbackCreateRes]


# --- agent conversation spans ----------------------------------------------------------------


class AgentConversationSpansReq(BaseModel):
    """Request the span sequences of an explicit set of conversations.

    Reads only span scalar columns (no message bodies) for the given ``conversation_ids``;
    powers the conversations-list spans minimap.
    """

    project_id: str
    conversation_ids: list[str] = Field(default_factory=list, max_length=MAX_CONVERSATION_IDS)
    started_after: AwareDatetime | None = None
    started_before: AwareDatetime | None = None


class AgentConversationSpan(BaseModel):
    """One span in a conversation's traces, ordered by ``started_at``.

    ``operation_name`` is the raw OTel value; the client maps it to a display category.
    """

    operation_name: str
    trace_id: str
    span_id: str
    status: StatusCode
    duration_ms: int


class AgentConversationSpanRating(BaseModel):
    """One numeric rating (a scorer score) applied to a turn or conversation."""

    name: str
    value: float
    reason: str | None = None
    confidence: float | None = None


class AgentConversationSpanFeedback(BaseModel):
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


class AgentConversationSpans(BaseModel):
    """The span sequence and feedback markers of one conversation."""

    conversation_id: str
    spans: list[AgentConversationSpan] = Field(default_factory=list)
    spans_feedback: list[AgentConversationSpanFeedback] = Field(default_factory=list)


class AgentConversationSpansRes(BaseModel):
    """One span sequence + feedback markers entry per requested conversation."""

    conversations: list[AgentConversationSpans] = Field(default_factory=list)


# --- listing conversations (/agents/spans/query grouped by conversation_id) -------------------


class AgentGroupByRef(BaseModel):
    source: Literal["column", "attribute", "custom_attr"] = "column"
    key: str
    alias: str | None = None


class AgentSortBy(BaseModel):
    field: str
    direction: Literal["asc", "desc"] = "desc"


class AgentSpansQueryReq(BaseModel):
    project_id: str
    group_by: list[AgentGroupByRef] = Field(default_factory=list)
    sort_by: list[AgentSortBy] = Field(default_factory=list)
    limit: int = Field(default=100, ge=0, le=10_000)
    offset: int = Field(default=0, ge=0)
    started_after: datetime.datetime | None = None
    started_before: datetime.datetime | None = None


class AgentSpanGroup(BaseModel):
    group_keys: dict[str, str]
    span_count: int
    invocation_count: int = 0
    conversation_count: int = 0
    total_duration_ms: int = 0
    error_count: int = 0
    agent_names: list[str] = Field(default_factory=list)
    first_seen: datetime.datetime | None = None
    last_seen: datetime.datetime | None = None


class AgentSpansQueryRes(BaseModel):
    spans: list[dict[str, Any]] = Field(default_factory=list)
    groups: list[AgentSpanGroup] = Field(default_factory=list)
    total_count: int = 0


# --- errors (FastAPI's 422 body) ---------------------------------------------------------------


class ValidationErrorItem(BaseModel):
    """One entry of a 422 ``detail`` list (the contract's ``ValidationError`` schema)."""

    model_config = ConfigDict(title="ValidationError")

    loc: list[str | int]
    msg: str
    type: str


class HTTPValidationError(BaseModel):
    """The body of a 422 response."""

    detail: list[ValidationErrorItem] = Field(default_factory=list)
