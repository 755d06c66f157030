"""What the weave SDK publishes and reads back: ``/obj/create``, ``/obj/read``, ``/file/create``,
``/file/content``, ``/table/create``, ``/table/create_from_digests``, ``/table/update``,
``/table/query``, ``/table/query_stats`` and ``/refs/read_batch``.

Storage and digests are in :mod:`weave_widgets.server.object_store`. Something missing is 404
and an ``expected_digest`` other than the computed digest is 409, both answered
``{"detail": ..., "reason": ...}`` (the SDK prints the body; it turns client-side digests off on
a 409). ``/file/create`` takes ``multipart/form-data``; ``/file/content`` answers raw bytes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from weave_widgets.server.deps import StoreDep
from weave_widgets.server.object_store import ObjectStore
from weave_widgets.server.routes.feedback import LOCAL_USER
from weave_widgets.server.routing import StrictJSONRoute, json_response
from weave_widgets.server.sdk_models import (
    FileContentReq,
    ObjCreateReq,
    ObjReadReq,
    RefsReadBatchReq,
    TableCreateFromDigestsReq,
    TableCreateReq,
    TableQueryReq,
    TableQueryStatsReq,
    TableUpdateReq,
)
from weave_widgets.server.store import Store, StoreError

router = APIRouter(route_class=StrictJSONRoute)

_BYTES: dict[int | str, dict[str, Any]] = {200: {"content": {"application/octet-stream": {}}}}


def objects(store: Store) -> ObjectStore:
    """The object store over ``store``'s database."""
    return ObjectStore(store, LOCAL_USER)


def refused(exc: StoreError) -> Response:
    """The answer to a refused request: its status, with the message as ``detail`` (FastAPI's
    and the hosted server's key) and as ``reason`` (this server's)."""
    return json_response({"detail": str(exc), "reason": str(exc)}, exc.status)


@router.post("/obj/create", tags=["Objects"])
def obj_create(req: ObjCreateReq, store: StoreDep) -> Response:
    obj = req.obj
    try:
        digest = objects(store).create_object(
            obj.project_id,
            obj.object_id,
            obj.val,
            builtin_object_class=obj.builtin_object_class,
            expected_digest=obj.expected_digest,
        )
    except StoreError as exc:
        return refused(exc)
    return json_response({"digest": digest, "object_id": obj.object_id})


@router.post("/obj/read", tags=["Objects"])
def obj_read(req: ObjReadReq, store: StoreDep) -> Response:
    try:
        obj = objects(store).read_object(
            req.project_id,
            req.object_id,
            req.digest,
            metadata_only=bool(req.metadata_only),
            include_tags_and_aliases=bool(req.include_tags_and_aliases),
        )
    except StoreError as exc:
        return refused(exc)
    return json_response({"obj": obj})


@router.post("/file/create", tags=["Files"])
def file_create(
    store: StoreDep,
    project_id: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    expected_digest: Annotated[str | None, Form()] = None,
) -> Response:
    try:
        digest = objects(store).create_file(project_id, file.file.read(), expected_digest or None)
    except StoreError as exc:
        return refused(exc)
    return json_response({"digest": digest})


@router.post("/file/content", tags=["Files"], response_class=Response, responses=_BYTES)
def file_content(req: FileContentReq, store: StoreDep) -> Response:
    try:
        content = objects(store).file_content(req.project_id, req.digest)
    except StoreError as exc:
        return refused(exc)
    return Response(content, media_type="application/octet-stream")


@router.post("/table/create", tags=["Tables"])
def table_create(req: TableCreateReq, store: StoreDep) -> Response:
    table = req.table
    try:
        digest, row_digests = objects(store).create_table(
            table.project_id, table.rows, table.expected_digest
        )
    except StoreError as exc:
        return refused(exc)
    return json_response({"digest": digest, "row_digests": row_digests})


@router.post("/table/create_from_digests", tags=["Tables"])
def table_create_from_digests(req: TableCreateFromDigestsReq, store: StoreDep) -> Response:
    try:
        digest = objects(store).create_table_from_digests(
            req.project_id, req.row_digests, req.expected_digest
        )
    except StoreError as exc:
        return refused(exc)
    return json_response({"digest": digest})


@router.post("/table/update", tags=["Tables"])
def table_update(req: TableUpdateReq, store: StoreDep) -> Response:
    updates: list[tuple[str, int, Any]] = []
    for spec in req.updates:
        given = [op for op in ("append", "insert", "pop") if getattr(spec, op) is not None]
        if len(given) != 1:
            return json_response(
                {"reason": "each update is exactly one of append, insert or pop"}, 400
            )
        if spec.append is not None:
            updates.append(("append", 0, spec.append.row))
        elif spec.insert is not None:
            updates.append(("insert", spec.insert.index, spec.insert.row))
        elif spec.pop is not None:
            updates.append(("pop", spec.pop.index, None))
    try:
        digest, added = objects(store).update_table(req.project_id, req.base_digest, updates)
    except StoreError as exc:
        return refused(exc)
    return json_response({"digest": digest, "updated_row_digests": added})


@router.post("/table/query", tags=["Tables"])
def table_query(req: TableQueryReq, store: StoreDep) -> Response:
    rows = objects(store).query_table(
        req.project_id,
        req.digest,
        row_digests=req.filter.row_digests if req.filter else None,
        sort_by=[(s.field, s.direction) for s in req.sort_by or ()],
        limit=req.limit,
        offset=req.offset or 0,
    )
    return json_response({"rows": rows})


@router.post("/table/query_stats", tags=["Tables"])
def table_query_stats(req: TableQueryStatsReq, store: StoreDep) -> Response:
    return json_response({"count": objects(store).table_count(req.project_id, req.digest)})


@router.post("/refs/read_batch", tags=["Refs"])
def refs_read_batch(req: RefsReadBatchReq, store: StoreDep) -> Response:
    try:
        vals = objects(store).read_refs(req.refs)
    except StoreError as exc:
        return refused(exc)
    return json_response({"vals": vals})
