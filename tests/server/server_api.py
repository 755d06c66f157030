"""A loopback client for one project of the local server, with call and span writers."""

from __future__ import annotations

import datetime
from typing import Any

import httpx

T0 = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.UTC)


def at(seconds: float) -> str:
    """ISO timestamp ``seconds`` after ``T0``."""
    return (T0 + datetime.timedelta(seconds=seconds)).isoformat()


class Api:
    """Thin loopback client for one project; asserts success unless told otherwise."""

    def __init__(self, http: httpx.Client, project_id: str) -> None:
        self.http = http
        self.project_id = project_id

    def post(self, path: str, body: Any, status: int = 200) -> Any:
        res = self.http.post(path, json=body)
        assert res.status_code == status, res.text
        return res.json()

    def start(
        self,
        span_id: str | None,
        trace_id: str | None,
        conversation: str | None,
        start: float,
        *,
        op: str = "chat",
        status: int = 200,
        **extra: Any,
    ) -> Any:
        body: dict[str, Any] = {
            "project_id": self.project_id,
            "op_name": f"weave:///{self.project_id}/op/{op}:v0",
            "started_at": at(start),
            "attributes": {"gen_ai.operation.name": op},
            "inputs": {},
            **extra,
        }
        for key, value in (("id", span_id), ("trace_id", trace_id), ("thread_id", conversation)):
            if value is not None:
                body[key] = value
        return self.post("/call/start", {"start": body}, status)

    def end(
        self, span_id: str, end: float, *, exception: str | None = None, status: int = 200
    ) -> Any:
        body = {"project_id": self.project_id, "id": span_id, "ended_at": at(end), "summary": {}}
        if exception is not None:
            body["exception"] = exception
        return self.post("/call/end", {"end": body}, status)

    def span(
        self,
        span_id: str,
        trace_id: str,
        conversation: str,
        start: float,
        end: float | None = None,
        *,
        op: str = "chat",
        exception: str | None = None,
    ) -> None:
        self.start(span_id, trace_id, conversation, start, op=op)
        if end is not None:
            self.end(span_id, end, exception=exception)

    def spans(self, ids: list[str], status: int = 200, **extra: Any) -> Any:
        body = {"project_id": self.project_id, "conversation_ids": ids, **extra}
        return self.post("/agents/conversations/spans", body, status)

    def conversation(self, cid: str, **extra: Any) -> dict[str, Any]:
        (entry,) = self.spans([cid], **extra)["conversations"]
        assert entry["conversation_id"] == cid
        return dict(entry)

    def feedback(self, status: int = 200, **fields: Any) -> Any:
        return self.post("/feedback/create", {"project_id": self.project_id, **fields}, status)
