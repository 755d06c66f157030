"""Write known conversations through the HTTP API and describe what must be read back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pandas.testing import assert_frame_equal

from weave_widgets.client import WeaveClient
from weave_widgets.data._frames import ConversationData

T0 = datetime.datetime(2026, 3, 1, 12, 0, 0, tzinfo=datetime.UTC)
OPERATIONS = ("invoke_agent", "chat", "execute_tool", "retrieval")


def at(seconds: float) -> str:
    """ISO timestamp ``seconds`` after ``T0``."""
    return (T0 + datetime.timedelta(seconds=seconds)).isoformat()


@dataclass(frozen=True)
class Span:
    """One span to write: its ids, operation, start/end (seconds after ``T0``), error."""

    conversation_id: str
    trace_id: str
    span_id: str
    operation: str
    start: float
    end: float
    error: bool = False

    def start_req(self, project_id: str) -> dict[str, Any]:
        return {
            "start": {
                "project_id": project_id,
                "id": self.span_id,
                "trace_id": self.trace_id,
                "thread_id": self.conversation_id,
                "op_name": f"weave:///{project_id}/op/{self.operation}:v0",
                "started_at": at(self.start),
                "attributes": {"gen_ai.operation.name": self.operation},
                "inputs": {"conversation": self.conversation_id},
            }
        }

    def end_req(self, project_id: str) -> dict[str, Any]:
        end: dict[str, Any] = {
            "project_id": project_id,
            "id": self.span_id,
            "ended_at": at(self.end),
            "summary": {},
        }
        if self.error:
            end["exception"] = "ValueError: injected"
        return {"end": end}

    def read_back(self) -> dict[str, Any]:
        """The span as ``/agents/conversations/spans`` must return it."""
        return {
            "operation_name": self.operation,
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "status": "ERROR" if self.error else "OK",
            "duration_ms": round((self.end - self.start) * 1000),
        }


def conversation(cid: str, n_spans: int, *, prefix: str = "") -> list[Span]:
    """``n_spans`` spans of ``cid`` in turns of three, one second apart, every 5th an error."""
    return [
        Span(
            cid,
            f"{prefix}{cid}~t{i // 3}",
            f"{prefix}{cid}~s{i}",
            OPERATIONS[i % len(OPERATIONS)],
            float(i),
            i + 0.25 + i % 3 * 0.125,
            error=i % 5 == 4,
        )
        for i in range(n_spans)
    ]


def write(client: WeaveClient, spans: list[Span]) -> None:
    """Write ``spans`` (starts and ends) in one ``/call/upsert_batch``."""
    items: list[Any] = [s.start_req(client.project) for s in spans]
    items += [s.end_req(client.project) for s in spans]
    client.call_upsert_batch(items)


def spans_by_conversation(spans: list[Span]) -> dict[str, list[dict[str, Any]]]:
    """What the server must return per conversation, in (started_at, span_id) order."""
    out: dict[str, list[Span]] = {}
    for s in spans:
        out.setdefault(s.conversation_id, []).append(s)
    return {
        cid: [s.read_back() for s in sorted(group, key=lambda s: (s.start, s.span_id))]
        for cid, group in out.items()
    }


def frame_spans(data: ConversationData) -> dict[str, list[dict[str, Any]]]:
    """The spans of ``data`` per conversation, as ``spans_by_conversation`` describes them."""
    columns = ["operation_name", "trace_id", "span_id", "status", "duration_ms"]
    out: dict[str, list[dict[str, Any]]] = {}
    for cid, group in data.spans.groupby("conversation_id", sort=False, observed=True):
        rows = group.sort_values("span_index")[columns].astype(object)
        out[str(cid)] = [{str(k): _plain(v) for k, v in r.items()} for r in rows.to_dict("records")]
    return out


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, int) else str(value)


def assert_same_data(got: ConversationData, expected: ConversationData) -> None:
    """Every frame of ``got`` equals ``expected`` (values, dtypes, order)."""
    for name in ("spans", "feedback", "ratings", "conversations"):
        frame: pd.DataFrame = getattr(got, name)
        assert_frame_equal(frame, getattr(expected, name), obj=name)
