"""Widget payload: bytes per span of the binary payload against plain JSON of the same data.

Plain JSON is what a widget without a binary format would sync: every frame of the
``ConversationData`` as ``DataFrame.to_json(orient="records")``. The payload is what
``ConversationMinimap`` actually sends (zlib-compressed columns), so it is also compared with
the same JSON gzipped at level 6, and its encode time with the JSON's.
"""

from __future__ import annotations

import zlib
from typing import Any

from bench.common import Row, Sizes, faster, median_time, ms
from bench.seed import load

TARGET_SHARE = 1 / 5


def plain_json(data: Any) -> bytes:
    """Every frame as JSON records, in one object."""
    parts = [
        f'"{name}":' + getattr(data, name).to_json(orient="records")
        for name in ("conversations", "spans", "feedback", "ratings")
    ]
    return ("{" + ",".join(parts) + "}").encode()


def rows(sizes: Sizes, seed: int = 0) -> list[Row]:
    from weave_widgets.minimap import _payload as payload

    data = load(*sizes.payload, seed)
    n_spans = len(data.spans)
    binary = payload.encode(data)
    text = plain_json(data)
    gzipped = zlib.compress(text, 6)
    case = f"{sizes.payload[0]:,}x{sizes.payload[1]}"
    share = len(binary) / len(text)
    encode_s = median_time(lambda: payload.encode(data), sizes.repeats)
    json_s = median_time(lambda: plain_json(data), sizes.repeats)
    return [
        Row(
            "payload",
            f"{case} bytes/span",
            f"{len(binary) / n_spans:,.1f} B/span ({len(binary):,} B)",
            f"{len(text) / n_spans:,.1f} B/span ({len(text):,} B)",
            len(text) / len(binary),
            "<= 1/5 of JSON",
            share <= TARGET_SHARE,
            f"binary is {share:.1%} of plain JSON records",
        ),
        Row(
            "payload",
            f"{case} vs gzipped JSON",
            f"{len(binary) / n_spans:,.1f} B/span",
            f"{len(gzipped) / n_spans:,.1f} B/span",
            len(gzipped) / len(binary),
            "",
            None,
            "same JSON, zlib level 6 (a JSON widget could compress too)",
        ),
        Row(
            "payload",
            f"{case} encode time",
            ms(encode_s),
            ms(json_s),
            faster(encode_s, json_s),
            "",
            None,
            "payload.encode vs DataFrame.to_json of every frame",
        ),
    ]
