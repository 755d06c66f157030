"""A reader of the widget payload for the tests: header checks, columns, and frames rebuilt.

The widget decodes payloads in TypeScript (``js/src/decode.ts``, tested on the fixtures of
``js_fixture.py``); this independent reader lets the Python tests check the encoder's round
trip on any data (unicode, plain string ids, huge durations, hypothesis examples).
"""

from __future__ import annotations

import itertools
import json
import struct
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from weave_widgets.data._frames import (
    CONVERSATION_COLUMNS,
    FEEDBACK_COLUMNS,
    RATING_COLUMNS,
    SPAN_COLUMNS,
    ConversationData,
)
from weave_widgets.minimap._payload import MAGIC, VERSION, none_code
from weave_widgets.palette import FEEDBACK_LEVELS

_DTYPES = {"u8": "<u1", "u16": "<u2", "u32": "<u4", "i32": "<i4", "f64": "<f8"}


@dataclass(frozen=True)
class Payload:
    """A parsed payload: its metadata and a column reader."""

    meta: dict[str, Any]
    data: memoryview

    def column(self, name: str) -> Any:
        """A column as a numpy array (numbers) or a list of str (``str``/``uuid``)."""
        info = self.meta["columns"][name]
        start, length, dtype = info["offset"], info["length"], info["dtype"]
        if dtype == "uuid":
            raw = self.data[start : start + length * 16].tobytes()
            return [str(uuid.UUID(bytes=raw[i : i + 16])) for i in range(0, len(raw), 16)]
        if dtype == "str":
            offsets = np.frombuffer(self.data, dtype="<u4", count=length + 1, offset=start)
            text = self.data[start + 4 * (length + 1) :]
            return [text[a:b].tobytes().decode("utf-8") for a, b in itertools.pairwise(offsets)]
        return np.frombuffer(self.data, dtype=_DTYPES[dtype], count=length, offset=start)

    def lookup(self, codes_name: str, table_name: str) -> list[str | None]:
        """Resolve a code column through its string table (NONE -> None)."""
        table = self.column(table_name)
        none = none_code(self.meta["columns"][codes_name]["dtype"])
        return [None if c == none else table[c] for c in self.column(codes_name)]


def parse(payload: bytes) -> Payload:
    """Check the header, inflate and split a payload into metadata and data."""
    if payload[:4] != MAGIC:
        raise ValueError("payload: bad magic")
    version, compression, _ = struct.unpack_from("<BBH", payload, 4)
    if version != VERSION:
        raise ValueError(f"payload: version {version} is not supported")
    body = zlib.decompress(payload[8:]) if compression else payload[8:]
    (meta_length,) = struct.unpack_from("<I", body, 0)
    meta = json.loads(body[4 : 4 + meta_length].decode("utf-8"))
    start = 4 + meta_length
    start += -start % 8
    return Payload(meta, memoryview(body)[start:])


def _typed(frame: dict[str, Any], columns: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {name: pd.Series(frame[name]).astype(dtype) for name, dtype in columns.items()}
    )


def decode(payload: bytes) -> ConversationData:
    """Rebuild the ``ConversationData`` frames from a payload; names come from its palette."""
    p = parse(payload)
    palette, types = p.meta["palette"], p.meta["feedback_types"]
    ids = p.column("conversation_id")
    span_offsets = p.column("span_offsets").astype(np.int64)
    fb_offsets = p.column("feedback_offsets").astype(np.int64)
    span_conv = np.repeat(np.array(ids, dtype=object), np.diff(span_offsets))
    fb_conv = np.repeat(np.array(ids, dtype=object), np.diff(fb_offsets))
    span_starts = np.repeat(span_offsets[:-1], np.diff(span_offsets))
    fb_starts = np.repeat(fb_offsets[:-1], np.diff(fb_offsets))

    spans = _typed(
        {
            "conversation_id": span_conv,
            "turn_index": p.column("span_turn"),
            "trace_id": p.lookup("span_trace", "traces"),
            "span_index": np.arange(p.meta["n_spans"]) - span_starts,
            "span_id": p.column("span_id"),
            "operation_name": p.lookup("span_operation", "operations"),
            "category": [palette["categories"][c] for c in p.column("span_category")],
            "status": [palette["statuses"][c] for c in p.column("span_status")],
            "duration_ms": p.column("span_duration_ms"),
            "frames_turn": p.column("span_frames").astype(bool),
        },
        SPAN_COLUMNS,
    )
    tag_offsets = p.column("feedback_tag_offsets")
    tags = p.lookup("tag_codes", "tags")
    turn = p.column("feedback_turn")
    feedback_trace = p.lookup("feedback_trace", "traces")
    feedback = _typed(
        {
            "conversation_id": fb_conv,
            "feedback_index": np.arange(p.meta["n_feedback"]) - fb_starts,
            "trace_id": feedback_trace,
            "turn_index": pd.array([None if t < 0 else int(t) for t in turn], dtype="Int32"),
            "level": [FEEDBACK_LEVELS[lv] for lv in p.column("feedback_level")],
            "feedback_type": [types[t] for t in p.column("feedback_type")],
            "tags": [tags[a:b] for a, b in itertools.pairwise(tag_offsets)],
        },
        FEEDBACK_COLUMNS,
    )
    marker = p.column("rating_feedback").astype(np.int64)
    ratings = _typed(
        {
            "conversation_id": fb_conv[marker],
            "feedback_index": feedback["feedback_index"].to_numpy()[marker],
            "trace_id": [feedback_trace[m] for m in marker],
            "turn_index": feedback["turn_index"].to_numpy()[marker],
            "feedback_type": feedback["feedback_type"].to_numpy()[marker],
            "name": p.lookup("rating_name", "rating_names"),
            "value": p.column("rating_value"),
            "reason": p.lookup("rating_reason", "reasons"),
            "confidence": p.column("rating_confidence"),
        },
        RATING_COLUMNS,
    )
    conversations = _typed(
        {
            "conversation_id": ids,
            "n_spans": np.diff(span_offsets),
            "n_turns": p.column("n_turns"),
            "n_errors": p.column("n_errors"),
            "total_duration_ms": p.column("total_duration_ms"),
            "wall_time_ms": p.column("wall_time_ms"),
            "n_feedback": np.diff(fb_offsets),
            "mean_rating": p.column("mean_rating"),
            "at_span_cap": p.column("at_span_cap").astype(bool),
            "agent_name": np.full(len(ids), np.nan),
        },
        CONVERSATION_COLUMNS,
    )
    return ConversationData(spans, feedback, ratings, conversations, p.meta["project_id"])
