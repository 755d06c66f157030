"""OpenTelemetry routes: an OTLP/HTTP export's spans, stored as agent spans.

``POST /agents/otel/v1/traces`` is where the weave SDK's Conversation SDK and agent
integrations export; ``POST /otel/v1/traces`` is Weave's general OTel endpoint; ``POST
/v1/traces`` is where a plain OTel exporter posts when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is the
server's base URL. All three take the target project from a ``project_id: entity/project``
header, as Weave's OTel endpoints expect. The body may be gzip or deflate compressed (its
decompressed size is held to the same limit as any body); decoding and storing run in the
thread pool, off the event loop, the spans of a protobuf body decoded while the ones before
them are inserted (all in one transaction: a bad span stores none of the request). A re-sent
span (same project and span id) replaces the stored one.
"""

from __future__ import annotations

import gzip
import zlib

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from weave_widgets.server import otlp_spans
from weave_widgets.server.deps import StoreDep
from weave_widgets.server.guard import MAX_BODY_BYTES, BodyTooLarge
from weave_widgets.server.routing import BadRequest, StrictJSONRoute, json_response

PROJECT_HEADER = "project_id"
"""Header naming the ``entity/project`` of an OTLP export, as Weave's OTel endpoint expects."""

router = APIRouter(route_class=StrictJSONRoute, tags=["OpenTelemetry"])


def _decompress(body: bytes, encoding: str | None) -> bytes:
    if not encoding or encoding == "identity":
        return body
    if encoding not in ("gzip", "deflate"):
        raise BadRequest(f"unsupported Content-Encoding {encoding!r}; use gzip or none")
    reader = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
    try:
        out = reader.decompress(body, MAX_BODY_BYTES + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise BadRequest(f"body is not valid {encoding}: {exc}") from exc
    if len(out) > MAX_BODY_BYTES:
        raise BodyTooLarge(MAX_BODY_BYTES)
    return out


@router.post("/agents/otel/v1/traces")
@router.post("/otel/v1/traces")
@router.post("/v1/traces")
async def export_trace(request: Request, store: StoreDep) -> Response:
    project_id = request.headers.get(PROJECT_HEADER)
    if not project_id:
        raise BadRequest(
            f"send the target project in a '{PROJECT_HEADER}: entity/project' header (with an "
            f"OTel exporter: OTEL_EXPORTER_OTLP_HEADERS={PROJECT_HEADER}=entity/project)"
        )
    body = _decompress(await request.body(), request.headers.get("content-encoding"))
    content_type = request.headers.get("content-type", "")
    rows = await run_in_threadpool(otlp_spans.spans, body, content_type, project_id)
    await run_in_threadpool(store.upsert_spans, rows)
    if content_type.startswith("application/json"):
        return json_response({})
    return Response(otlp_spans.EMPTY_PROTOBUF_RESPONSE, media_type="application/x-protobuf")
