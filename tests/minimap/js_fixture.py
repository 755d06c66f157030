"""The payload fixtures the vitest suite decodes (``js/test/fixtures``).

Regenerate after a payload format change: ``.venv/bin/python tests/minimap/js_fixture.py``;
``test_payload.py`` fails while they are stale.
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


if __name__ == "__main__":
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, content in fixtures().items():
        (FIXTURES / name).write_bytes(content)
        print(f"wrote {FIXTURES / name} ({len(content)} bytes)")
