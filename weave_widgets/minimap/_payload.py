"""Encode ``ConversationData`` as the widget's compact binary columnar payload.

Format (version 1, all integers little-endian; mirrored by ``js/src/decode.ts``)::

    offset 0  4 bytes  magic b"WWMM"
    offset 4  uint8    version (1)
    offset 5  uint8    compression: 0 = none, 1 = zlib (RFC 1950; the browser inflates it
                       with DecompressionStream("deflate"))
    offset 6  2 bytes  reserved (0)
    offset 8  body     (zlib-compressed when compression == 1)

    body:  uint32 meta_length | meta (UTF-8 JSON) | zero padding to a multiple of 8 | data

``meta`` holds the counts (``n_conversations``, ``n_spans``, ``n_feedback``, ``n_ratings``),
the palette (``weave_widgets.palette.palette()``: the statuses are always the contract's, the
categories and their colours are the data's, ``ConversationData.category_colors``, at most
``palette.MAX_CATEGORIES``; a front end older than that refuses categories it does not
know), the code tables (``feedback_types``)
and ``columns``: ``{name: {"dtype", "offset", "length", ...}}`` with ``offset`` in bytes from
the start of ``data`` (every column starts on an 8-byte boundary). Column dtypes:

- ``u8``/``u16``/``u32``/``i32``/``f64``: a typed array of ``length`` elements. Unsigned code
  columns use the smallest width that fits; ``NONE`` (the dtype's maximum) marks a missing code.
- ``str``: a string table of ``length`` strings: uint32 offsets[length + 1] into the UTF-8 bytes
  that follow (``"bytes"`` long).
- ``uuid``: ``length`` canonical lowercase UUID strings, 16 raw bytes each.

Columns (``C`` conversations in row order, ``S`` spans in (conversation, span_index) order,
``F`` feedback markers in (conversation, feedback_index) order, ``R`` ratings):

- ``conversation_id`` (str, C); ``span_offsets``/``feedback_offsets`` (u32, C + 1): the
  conversation's spans/markers are ``[offsets[c], offsets[c + 1])``; ``n_turns``, ``n_errors``
  (u32, C); ``total_duration_ms``, ``wall_time_ms`` (f64, C); ``mean_rating`` (f64, C, NaN
  when none); ``at_span_cap`` (u8, C).
- ``span_turn`` (uint, S); ``span_category`` (u8, S, index in ``palette.categories``);
  ``span_status`` (u8, S, index in ``palette.statuses``); ``span_duration_ms`` (uint or f64, S);
  ``span_frames`` (u8, S: 1 when the span frames its turn);
  ``span_operation`` (uint codes, S) into ``operations`` (str); ``span_trace`` (uint codes, S)
  into ``traces`` (str or uuid); ``span_id`` (str or uuid, S).
- ``feedback_level`` (u8, F: 0 turn, 1 conversation); ``feedback_turn`` (i32, F, -1 unknown);
  ``feedback_type`` (u8, F, index in ``feedback_types``); ``feedback_trace`` (uint codes, F,
  NONE for conversation-level) into ``traces``; ``feedback_tag_offsets`` (u32, F + 1) into
  ``tag_codes`` (uint) into ``tags`` (str).
- ``rating_feedback`` (u32, R: global marker index); ``rating_name`` (uint codes) into
  ``rating_names`` (str); ``rating_value``, ``rating_confidence`` (f64, NaN when none);
  ``rating_reason`` (uint codes, NONE when none) into ``reasons`` (str).
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from weave_widgets.data._frames import ConversationData
from weave_widgets.models import AGENT_SPAN_FEEDBACK_TYPES
from weave_widgets.palette import FEEDBACK_LEVELS, STATUS_CODES, palette

MAGIC = b"WWMM"
VERSION = 1
COMPRESS_ABOVE = 4096
"""Bodies up to this many bytes are never compressed."""
COMPRESS_MIN_SAVING = 0.5
"""Auto mode compresses only when zlib at least halves the body: the browser inflates about
150 MB/s, so a modest saving (raw 16-byte UUIDs barely compress) delays the first paint more
than it shortens the transfer (bench: 1M spans, 358 ms compressed vs 87 ms raw)."""
_SAMPLE_CHUNK = 32 * 1024
_SAMPLE_CHUNKS = 8


def _worth_compressing(body: bytes) -> bool:
    """Whether zlib saves ``COMPRESS_MIN_SAVING``, judged on evenly spaced 32 KiB chunks."""
    if len(body) <= COMPRESS_ABOVE:
        return False
    sample = body
    if len(body) > _SAMPLE_CHUNK * _SAMPLE_CHUNKS:
        step = len(body) // _SAMPLE_CHUNKS
        sample = b"".join(body[i : i + _SAMPLE_CHUNK] for i in range(0, len(body), step))
    return len(zlib.compress(sample, 1)) <= len(sample) * (1 - COMPRESS_MIN_SAVING)


_DTYPES: dict[str, str] = {"u8": "<u1", "u16": "<u2", "u32": "<u4", "i32": "<i4", "f64": "<f8"}


def _uint_dtype(max_value: int) -> str:
    """The smallest unsigned dtype holding ``0..max_value`` plus a NONE sentinel."""
    for name, limit in (("u8", 0xFF), ("u16", 0xFFFF)):
        if max_value < limit:
            return name
    return "u32"


def none_code(dtype: str) -> int:
    """The missing-code sentinel of an unsigned code dtype (its maximum value)."""
    return int(np.iinfo(np.dtype(_DTYPES[dtype])).max)


_HEX = np.full(256, 255, dtype=np.uint8)
_HEX[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)
_UUID_DASHES = np.array([8, 13, 18, 23])
_UUID_HEX = np.setdiff1d(np.arange(36), _UUID_DASHES)


def _utf8(values: pa.Array) -> tuple[npt.NDArray[np.int64], bytes]:
    """Offsets (length + 1, from 0) and UTF-8 bytes of a string array, without a Python loop."""
    array = values.cast(pa.large_string())
    raw = np.frombuffer(
        array.buffers()[1], dtype="<i8", count=len(array) + 1, offset=8 * array.offset
    )
    data = array.buffers()[2]
    text = b"" if data is None else data.to_pybytes()[int(raw[0]) : int(raw[-1])]
    return raw - raw[0], text


def _uuid_bytes(offsets: npt.NDArray[np.int64], text: bytes) -> bytes | None:
    """16 raw bytes per id when every string is a canonical lowercase UUID, else None."""
    n = len(offsets) - 1
    if n == 0 or len(text) != 36 * n or not (np.diff(offsets) == 36).all():
        return None
    chars = np.frombuffer(text, dtype=np.uint8).reshape(n, 36)
    if not (chars[:, _UUID_DASHES] == ord("-")).all():
        return None
    nibbles = _HEX[chars[:, _UUID_HEX]]
    if (nibbles == 255).any():
        return None
    return ((nibbles[:, 0::2] << 4) | nibbles[:, 1::2]).astype(np.uint8).tobytes()


@dataclass
class _Writer:
    """Accumulates aligned columns and their metadata."""

    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0

    def _append(self, name: str, blob: bytes, info: dict[str, Any]) -> None:
        pad = -self.size % 8
        if pad:
            self.chunks.append(b"\0" * pad)
            self.size += pad
        self.columns[name] = {**info, "offset": self.size}
        self.chunks.append(blob)
        self.size += len(blob)

    def array(self, name: str, values: npt.ArrayLike, dtype: str) -> None:
        arr = np.ascontiguousarray(np.asarray(values), dtype=_DTYPES[dtype])
        self._append(name, arr.tobytes(), {"dtype": dtype, "length": len(arr)})

    def codes(self, name: str, values: npt.ArrayLike, table_size: int) -> None:
        """Code column; negative codes mean missing and become NONE."""
        dtype = _uint_dtype(table_size)
        arr = np.asarray(values, dtype=np.int64)
        self.array(name, np.where(arr < 0, none_code(dtype), arr), dtype)

    def strings(self, name: str, values: pa.Array, *, allow_uuid: bool = False) -> None:
        """A string table (or a uuid table when ``allow_uuid`` and every value is one)."""
        offsets, text = _utf8(values)
        packed = _uuid_bytes(offsets, text) if allow_uuid else None
        if packed is not None:
            self._append(name, packed, {"dtype": "uuid", "length": len(values)})
            return
        info = {"dtype": "str", "length": len(values), "bytes": len(text)}
        self._append(name, offsets.astype("<u4").tobytes() + text, info)


def _strings(values: Any) -> pa.Array:
    """Any sequence/Series of str (None/NaN for missing) as one Arrow string array."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _factorize(values: Any) -> tuple[npt.NDArray[np.int64], pa.Array]:
    """Codes in order of first appearance (-1 for missing) and the distinct values."""
    encoded = pc.dictionary_encode(_strings(values))
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def _offsets(ids: pd.Series, counts_of: pd.Series) -> npt.NDArray[np.int64]:
    counts = counts_of.groupby(counts_of, sort=False).size()
    per_row = counts.reindex(ids.to_numpy(), fill_value=0).to_numpy(dtype=np.int64)
    return np.concatenate([[0], np.cumsum(per_row)])


def _check_order(frame: pd.DataFrame, ids: pd.Series, index_column: str, what: str) -> None:
    rank = pd.Index(ids).get_indexer(frame["conversation_id"].astype(object))
    if (rank < 0).any():
        missing = frame["conversation_id"].iloc[int(np.argmax(rank < 0))]
        raise ValueError(
            f"data.{what}: conversation_id {missing!r} is not in data.conversations; "
            "build the data with weave_widgets.conversation_data(...)"
        )
    d_rank = np.diff(rank.astype(np.int64))
    d_index = np.diff(frame[index_column].to_numpy(dtype=np.int64))
    if not ((d_rank > 0) | ((d_rank == 0) & (d_index > 0))).all():
        raise ValueError(
            f"data.{what} must be sorted by conversation (in data.conversations order) and "
            f"{index_column}; use data.select(ids) to reorder"
        )


def _codes(values: pd.Series, names: tuple[str, ...], what: str) -> npt.NDArray[np.int64]:
    """The code (index in ``names``, the palette's code order) of each value of a column."""
    if isinstance(values.dtype, pd.CategoricalDtype) and tuple(values.cat.categories) == names:
        return np.asarray(values.cat.codes, dtype=np.int64)  # the frames' usual dtype: no work
    codes = np.asarray(pd.Index(names).get_indexer(pd.Index(values.astype(object))), dtype=np.int64)
    unknown = (codes < 0) & values.notna().to_numpy()
    if unknown.any():
        raise ValueError(
            f"data.{what}: {values[unknown].iloc[0]!r} is not one of {list(names)}; "
            "build the data with weave_widgets.conversation_data(...)"
        )
    return codes


def encode(data: ConversationData, *, compress: bool | None = None) -> bytes:
    """The binary payload of ``data`` (see the module docstring for the format)."""
    conv, spans, feedback, ratings = data.conversations, data.spans, data.feedback, data.ratings
    ids = conv["conversation_id"].astype(object)
    _check_order(spans, ids, "span_index", "spans")
    _check_order(feedback, ids, "feedback_index", "feedback")
    w = _Writer()

    w.strings("conversation_id", _strings(ids))
    w.array("span_offsets", _offsets(ids, spans["conversation_id"]), "u32")
    w.array("feedback_offsets", _offsets(ids, feedback["conversation_id"]), "u32")
    w.array("n_turns", conv["n_turns"], "u32")
    w.array("n_errors", conv["n_errors"], "u32")
    w.array("total_duration_ms", conv["total_duration_ms"].astype("float64"), "f64")
    w.array("wall_time_ms", conv["wall_time_ms"].astype("float64"), "f64")
    w.array("mean_rating", conv["mean_rating"].astype("float64"), "f64")
    w.array("at_span_cap", conv["at_span_cap"].astype(bool), "u8")

    turns = spans["turn_index"].to_numpy(dtype=np.int64)
    w.array("span_turn", turns, _uint_dtype(int(turns.max(initial=0))))
    categories = data.categories
    w.array("span_category", _codes(spans["category"], categories, "spans.category"), "u8")
    w.array("span_status", _codes(spans["status"], STATUS_CODES, "spans.status"), "u8")
    durations = spans["duration_ms"].to_numpy(dtype=np.int64)
    wide = durations.min(initial=0) < 0 or durations.max(initial=0) >= 0xFFFFFFFF
    w.array("span_duration_ms", durations, "f64" if wide else "u32")
    w.array("span_frames", spans["frames_turn"].astype(bool), "u8")
    op_codes, operations = _factorize(spans["operation_name"])
    w.codes("span_operation", op_codes, len(operations))
    w.strings("operations", operations)

    trace_values = pa.concat_arrays([_strings(spans["trace_id"]), _strings(feedback["trace_id"])])
    trace_codes, traces = _factorize(trace_values)
    w.codes("span_trace", trace_codes[: len(spans)], len(traces))
    w.codes("feedback_trace", trace_codes[len(spans) :], len(traces))
    w.strings("traces", traces, allow_uuid=True)
    w.strings("span_id", _strings(spans["span_id"]), allow_uuid=True)

    w.array("feedback_level", _codes(feedback["level"], FEEDBACK_LEVELS, "feedback.level"), "u8")
    w.array("feedback_turn", feedback["turn_index"].astype("float64").fillna(-1), "i32")
    w.array("feedback_type", feedback["feedback_type"].cat.codes, "u8")
    tag_lists = [list(tags) for tags in feedback["tags"]]
    tag_counts = [len(tags) for tags in tag_lists]
    w.array("feedback_tag_offsets", np.concatenate([[0], np.cumsum(tag_counts)]), "u32")
    tag_codes, tags = _factorize([tag for tag_list in tag_lists for tag in tag_list])
    w.codes("tag_codes", tag_codes, len(tags))
    w.strings("tags", tags)

    marker_of = {
        key: i
        for i, key in enumerate(
            zip(feedback["conversation_id"], feedback["feedback_index"], strict=True)
        )
    }
    rating_marker = [
        marker_of[key]
        for key in zip(ratings["conversation_id"], ratings["feedback_index"], strict=True)
    ]
    w.array("rating_feedback", rating_marker, "u32")
    name_codes, names = _factorize(ratings["name"])
    w.codes("rating_name", name_codes, len(names))
    w.strings("rating_names", names)
    w.array("rating_value", ratings["value"].astype("float64"), "f64")
    w.array("rating_confidence", ratings["confidence"].astype("float64"), "f64")
    reason_codes, reasons = _factorize(ratings["reason"])
    w.codes("rating_reason", reason_codes, len(reasons))
    w.strings("reasons", reasons)

    meta = {
        "version": VERSION,
        "project_id": data.project_id,
        "n_conversations": len(conv),
        "n_spans": len(spans),
        "n_feedback": len(feedback),
        "n_ratings": len(ratings),
        "palette": palette(data.category_colors),
        "feedback_types": list(AGENT_SPAN_FEEDBACK_TYPES),
        "columns": w.columns,
    }
    meta_bytes = json.dumps(meta, separators=(",", ":")).encode("utf-8")
    head = struct.pack("<I", len(meta_bytes)) + meta_bytes
    body = head + b"\0" * (-len(head) % 8) + b"".join(w.chunks)
    if compress is None:
        compress = _worth_compressing(body)
    if compress:
        body = zlib.compress(body, 1)  # fast; level 6 saves only ~4% more on ids
    return MAGIC + struct.pack("<BBH", VERSION, int(compress), 0) + body


__all__ = ["MAGIC", "VERSION", "encode", "none_code"]
