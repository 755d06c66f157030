"""The payload fixtures the vitest suite decodes (``js/test/fixtures``), and the Python
layout of the same data (``layout.json``) that the TypeScript layout must match.

Regenerate after a payload format change: ``.venv/bin/python tests/minimap/js_fixture.py``;
``test_payload.py`` fails while they are stale. ``layout.json`` is checked against the Python
layout by ``test_layout_parity.py`` and against ``js/src/layout.ts`` by
``js/test/parity.test.ts``, each within a pixel: change either side's width encoding and one
of them fails until both agree again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[2])]

from minimap_sample import sample_data  # noqa: E402

from weave_widgets.data._frames import ConversationData  # noqa: E402
from weave_widgets.minimap import _payload as payload  # noqa: E402
from weave_widgets.minimap import _scene  # noqa: E402
from weave_widgets.minimap._layout import is_emoji  # noqa: E402

FIXTURES = Path(__file__).parents[2] / "js" / "test" / "fixtures"


def fixture_data() -> ConversationData:
    """Small sample: 3 demo conversations (with the edge-case feedback) and an empty one."""
    data = sample_data(3, seed=7)
    return data.select([c for c in data.conversations["conversation_id"] if c != "conv-capped"])


def _records(frame: Any) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))


def fixtures() -> dict[str, bytes]:
    """File name -> content of every fixture."""
    data = fixture_data()
    expected = {
        "conversations": _records(data.conversations),
        "spans": _records(data.spans),
        "feedback": _records(data.feedback),
        "ratings": _records(data.ratings),
    }
    return {
        "sample.bin": payload.encode(data, compress=False),
        "sample.zlib.bin": payload.encode(data, compress=True),
        "sample.json": (json.dumps(expected, ensure_ascii=False) + "\n").encode(),
    }


LAYOUT_CASES: list[tuple[dict[str, Any], int]] = [
    ({"width_mode": "duration", "scale": "sqrt", "time_axis": "shared"}, 1100),
    ({"width_mode": "duration", "scale": "linear", "time_axis": "fit"}, 1100),
    ({"width_mode": "duration", "scale": "log", "time_axis": "shared"}, 600),
    ({"width_mode": "uniform", "scale": "sqrt", "time_axis": "shared"}, 400),
]
"""Option sets and widths the two layouts are compared at."""

EMOJI_CASES = [
    "👍",
    "👎",
    "🎉",
    "👍🏽",
    "🇫🇷",
    "🏳️‍🌈",
    "👨‍👩‍👧",
    "1️⃣",
    "#️⃣",
    "❤️",
    "great",
    "ok 👍",
    "FR",
    "1",
]
"""Tags both sides must class the same way (emoji glyph or labelled text tag)."""


def layout_fixture() -> dict[str, Any]:
    """The Python layout (the one the PNG and SVG draw) of ``fixture_data``: per case and
    conversation, each drawn span's position and x/width, each marker item's kind, x, width
    and text, rounded to 0.01 px."""
    data = fixture_data()
    cases = []
    for options, width in LAYOUT_CASES:
        scene = _scene.build(data, options, width=width)
        rows: dict[str, dict[str, list[Any]]] = {
            str(c): {"spans": [], "markers": []} for c in data.conversations["conversation_id"]
        }
        for cid, i, x, w in scene.spans:
            rows[cid]["spans"].append([i, round(x, 2), round(w, 2)])
        for cid, item in scene.markers:
            rows[cid]["markers"].append([item.kind, round(item.x, 2), round(item.w, 2), item.text])
        cases.append({"options": options, "width": width, "rows": rows})
    return {"cases": cases, "emoji": {tag: is_emoji(tag) for tag in EMOJI_CASES}}


def layout_json() -> bytes:
    return (json.dumps(layout_fixture(), ensure_ascii=False) + "\n").encode()


if __name__ == "__main__":
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "layout.json").write_bytes(layout_json())
    print(f"wrote {FIXTURES / 'layout.json'}")
    for name, content in fixtures().items():
        (FIXTURES / name).write_bytes(content)
        print(f"wrote {FIXTURES / name} ({len(content)} bytes)")
