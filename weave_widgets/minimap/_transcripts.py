"""The kernel half of the transcript panel and the search box: custom messages in, answers out.

The view asks by custom message (a dict with ``kind``, see ``palette.CUSTOM_MESSAGE_KINDS``):
``{"kind": "transcript", "request", "trace_id", "conversation_id"}`` is answered with that
turn's messages as records (the columns of ``weave_widgets.data.MESSAGE_COLUMNS``), and
``{"kind": "search", "request", "query"}`` with the ids of the shown conversations whose
messages match. Transcripts are cached per turn; everything goes through the data's reader
(the client that fetched it), so the minimap never imports a client.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson
import pandas as pd

from weave_widgets.data._frames import ConversationData
from weave_widgets.data._transcripts import MESSAGE_COLUMNS
from weave_widgets.errors import WeaveWidgetsError

NO_READER = (
    "this data has no transcript source: fetch it with WeaveClient.conversation_spans (or pass "
    "reader= to conversation_data) to read the turns' messages"
)
DEFAULT_PREFETCH_BYTES = 2_000_000
"""Default cap on the transcripts a ``to_html`` page carries (JSON bytes)."""
SEARCH_LIMIT = 1000
"""Most conversations one search from the box asks for."""
MAX_QUERY_CHARS = 500
"""A longer search query is refused before it reaches the server."""


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A transcript frame as JSON-safe records (missing values as None)."""
    out = []
    for row in frame[list(MESSAGE_COLUMNS)].itertuples(index=False, name=None):
        out.append({name: _plain(value) for name, value in zip(MESSAGE_COLUMNS, row, strict=True)})
    return out


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


class Transcripts:
    """Fetches and caches the turns' transcripts of one widget's data."""

    def __init__(self, data: ConversationData) -> None:
        self.data = data
        self._cache: dict[str, pd.DataFrame] = {}

    def turn_index(self, conversation_id: str, trace_id: str) -> int | None:
        spans = self.data.spans
        rows = spans[
            (spans["conversation_id"] == conversation_id) & (spans["trace_id"] == trace_id)
        ]
        return int(rows["turn_index"].iloc[0]) if len(rows) else None

    def turn(self, conversation_id: str, trace_id: str) -> pd.DataFrame:
        """The transcript frame of one turn (fetched once, then cached)."""
        cached = self._cache.get(trace_id)
        if cached is not None:
            return cached
        reader = self.data.reader
        if reader is None:
            raise WeaveWidgetsError(NO_READER)
        frame: pd.DataFrame = reader.turn_chat(
            trace_id,
            conversation_id=conversation_id,
            turn_index=self.turn_index(conversation_id, trace_id),
        )
        self._cache[trace_id] = frame
        return frame

    def search(self, query: str) -> list[str]:
        """Ids of this data's conversations whose messages contain ``query``, in data order."""
        reader = self.data.reader
        if reader is None:
            raise WeaveWidgetsError(NO_READER)
        found = reader.search(query, limit=SEARCH_LIMIT)
        matched = set(found["conversation_id"].dropna())
        return [c for c in self.data.conversations["conversation_id"] if c in matched]

    def handle(self, content: Any, send: Callable[[dict[str, Any]], None]) -> None:
        """Answer one custom message from the view (the one dispatcher, by ``kind``)."""
        if not isinstance(content, Mapping):
            return
        kind = content.get("kind")
        request = content.get("request")
        try:
            if kind == "transcript":
                cid, trace = str(content.get("conversation_id", "")), str(content["trace_id"])
                send(
                    {
                        "kind": "transcript",
                        "request": request,
                        "trace_id": trace,
                        "messages": records(self.turn(cid, trace)),
                    }
                )
            elif kind == "search":
                query = str(content.get("query", ""))[:MAX_QUERY_CHARS]
                ids = self.search(query) if query.strip() else None
                send(
                    {"kind": "search", "request": request, "query": query, "conversation_ids": ids}
                )
        except (WeaveWidgetsError, KeyError) as exc:
            send({"kind": kind, "request": request, "error": str(exc)})

    def prefetch(
        self, traces: Iterable[tuple[str, str]], max_bytes: int
    ) -> tuple[dict[str, list[dict[str, Any]]], int]:
        """Transcripts of ``(conversation_id, trace_id)`` turns, in order, while their JSON stays
        under ``max_bytes``; also how many turns were left out."""
        out: dict[str, list[dict[str, Any]]] = {}
        used = 0
        wanted = list(dict.fromkeys(traces))
        for index, (cid, trace) in enumerate(wanted):
            shown = records(self.turn(cid, trace))
            size = len(orjson.dumps(shown))
            if used + size > max_bytes:
                return out, len(wanted) - index
            out[trace] = shown
            used += size
        return out, 0


def turns_by_interest(data: ConversationData) -> list[tuple[str, str]]:
    """Every turn of ``data``: turns with an ERROR span first, then the rest, in data order."""
    spans = data.spans
    if spans.empty:
        return []
    turns = spans.groupby(["conversation_id", "trace_id"], sort=False, observed=True)["status"]
    failed = turns.apply(lambda s: bool((s == "ERROR").any()))
    keys = list(failed.index)
    first = [k for k in keys if failed[k]]
    rest = [k for k in keys if not failed[k]]
    return [(str(c), str(t)) for c, t in first + rest]
