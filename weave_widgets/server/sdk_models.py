"""Request bodies of the routes only the weave SDK calls: objects, files, tables, refs, and the
call and feedback readers, the agent rollups.

They follow the weave SDK 0.54 request types (``weave_server_sdk/types``) and, like the hosted
server, ignore keys they do not know (the SDK sends options this server has no use for, such
as ``include_costs`` or ``return_expanded_column_values``). Limits and offsets are bounded so
that they fit SQLite's 64-bit integers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from weave_widgets.server.object_store import MAX_INDEX

Count = Annotated[int, Field(ge=0, le=MAX_INDEX)]
"""A limit or an offset."""


class SortBy(BaseModel):
    field: str
    direction: Literal["asc", "desc"] = "asc"


class Query(BaseModel):
    """``{"$expr": <expression>}``, evaluated by :mod:`weave_widgets.server.query_expr`."""

    expr: Any = Field(alias="$expr")


# --- objects ---------------------------------------------------------------------------------


class ObjCreateBody(BaseModel):
    project_id: str
    object_id: str
    val: Any
    builtin_object_class: str | None = None
    set_base_object_class: str | None = None
    expected_digest: str | None = None
    wb_user_id: str | None = None


class ObjCreateReq(BaseModel):
    obj: ObjCreateBody


class ObjReadReq(BaseModel):
    project_id: str
    object_id: str
    digest: str
    metadata_only: bool | None = False
    include_tags_and_aliases: bool | None = False


# --- tables ----------------------------------------------------------------------------------


class TableCreateBody(BaseModel):
    project_id: str
    rows: list[dict[str, Any]]
    expected_digest: str | None = None


class TableCreateReq(BaseModel):
    table: TableCreateBody


class TableCreateFromDigestsReq(BaseModel):
    project_id: str
    row_digests: list[str]
    expected_digest: str | None = None


class TableAppend(BaseModel):
    row: dict[str, Any]


class TableInsert(BaseModel):
    index: int = Field(ge=-MAX_INDEX, le=MAX_INDEX)
    row: dict[str, Any]


class TablePop(BaseModel):
    index: int = Field(ge=-MAX_INDEX, le=MAX_INDEX)


class TableUpdateSpec(BaseModel):
    """One of ``{"append": {row}}``, ``{"insert": {index, row}}``, ``{"pop": {index}}``."""

    append: TableAppend | None = None
    insert: TableInsert | None = None
    pop: TablePop | None = None


class TableUpdateReq(BaseModel):
    project_id: str
    base_digest: str
    updates: list[TableUpdateSpec]


class TableRowFilter(BaseModel):
    row_digests: list[str] | None = None


class TableQueryReq(BaseModel):
    project_id: str
    digest: str
    filter: TableRowFilter | None = None
    sort_by: list[SortBy] | None = None
    limit: Count | None = None
    offset: Count | None = None


class TableQueryStatsReq(BaseModel):
    project_id: str
    digest: str


class RefsReadBatchReq(BaseModel):
    refs: list[str]


class FileContentReq(BaseModel):
    project_id: str
    digest: str


# --- calls -----------------------------------------------------------------------------------


class CallsFilter(BaseModel):
    """Each list narrows the calls to those matching one of its items; an empty or absent list
    does not narrow (as on the hosted server)."""

    op_names: list[str] | None = None
    input_refs: list[str] | None = None
    output_refs: list[str] | None = None
    parent_ids: list[str] | None = None
    trace_ids: list[str] | None = None
    call_ids: list[str] | None = None
    thread_ids: list[str] | None = None
    turn_ids: list[str] | None = None
    trace_roots_only: bool | None = None
    wb_user_ids: list[str] | None = None
    wb_run_ids: list[str] | None = None


class CallsQueryStatsReq(BaseModel):
    project_id: str
    filter: CallsFilter | None = None
    query: Query | None = None
    limit: Count | None = None
    expand_columns: list[str] | None = None
    include_total_storage_size: bool | None = False


class CallsQueryReq(BaseModel):
    project_id: str
    filter: CallsFilter | None = None
    query: Query | None = None
    sort_by: list[SortBy] | None = None
    limit: Count | None = None
    offset: Count | None = None
    columns: list[str] | None = None
    expand_columns: list[str] | None = None
    include_feedback: bool | None = False


# --- feedback --------------------------------------------------------------------------------


class FeedbackQueryReq(BaseModel):
    project_id: str
    query: Query | None = None
    fields: list[str] | None = None
    sort_by: list[SortBy] | None = None
    limit: Count | None = None
    offset: Count | None = None


# --- agent rollups ---------------------------------------------------------------------------


class AgentFilters(BaseModel):
    agent_name: str | None = None


class AgentQueryReq(BaseModel):
    project_id: str
    filters: AgentFilters | None = None
    sort_by: list[SortBy] | None = None
    limit: Annotated[int, Field(ge=0, le=10_000)] = 100
    offset: Count = 0


class AgentVersionQueryReq(BaseModel):
    project_id: str
    agent_name: str
    sort_by: list[SortBy] | None = None
    limit: Annotated[int, Field(ge=0, le=10_000)] = 100
    offset: Count = 0
