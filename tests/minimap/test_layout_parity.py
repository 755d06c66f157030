"""The Python layout (what ``save_png`` and the SVG draw) matches ``js/test/fixtures/layout.json``
within a pixel; ``js/test/parity.test.ts`` checks the widget's TypeScript layout against the
same file, so a change to either side's width encoding fails one of them until both agree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from js_fixture import FIXTURES, LAYOUT_CASES, layout_fixture

STALE = (
    "regenerate with .venv/bin/python tests/minimap/js_fixture.py, then make js/src/layout.ts agree"
)


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    return json.loads((FIXTURES / "layout.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_python_layout_places_the_committed_marks(committed: dict[str, Any]) -> None:
    current = layout_fixture()
    assert len(committed["cases"]) == len(current["cases"]) == len(LAYOUT_CASES)
    for want, got in zip(committed["cases"], current["cases"], strict=True):
        assert (want["options"], want["width"]) == (got["options"], got["width"]), STALE
        assert want["rows"].keys() == got["rows"].keys(), STALE
        for cid, row in got["rows"].items():
            old = want["rows"][cid]
            assert [s[0] for s in row["spans"]] == [s[0] for s in old["spans"]], (cid, STALE)
            for (_, x, w), (_, x0, w0) in zip(row["spans"], old["spans"], strict=True):
                assert max(abs(x - x0), abs(w - w0)) < 1, (cid, x, w, x0, w0, STALE)
            assert [(m[0], m[3]) for m in row["markers"]] == [(m[0], m[3]) for m in old["markers"]]
            for (_, x, w, _t), (_, x0, w0, _t0) in zip(row["markers"], old["markers"], strict=True):
                assert max(abs(x - x0), abs(w - w0)) < 1, (cid, x, x0, STALE)
    assert current["emoji"] == committed["emoji"], STALE


def test_the_fixture_covers_every_kind_of_mark(committed: dict[str, Any]) -> None:
    kinds = {
        m[0] for case in committed["cases"] for row in case["rows"].values() for m in row["markers"]
    }
    assert kinds == {"conversation", "emoji", "tag", "rating", "unplaced"}
    assert sum(len(row["spans"]) for row in committed["cases"][0]["rows"].values()) > 20
    assert committed["emoji"]["🇫🇷"]
    assert committed["emoji"]["1️⃣"]
    assert not committed["emoji"]["ok 👍"]


def test_a_text_tag_gives_up_label_characters_before_a_rating_is_hidden() -> None:
    from weave_widgets.minimap._layout import (
        MAX_MARKER_SHIFT,
        MarkerItem,
        declutter,
        tag_label,
        tag_label_for,
        tag_width,
    )

    tag = MarkerItem("tag", 0, 0.0, tag_width(tag_label("needs-review")), "needs-review")
    rating = MarkerItem("rating", 1, 30.0, 28.0, ".89", 0.89)
    placed = declutter([tag, rating])
    assert [p.kind for p in placed] == ["tag", "rating"]
    assert placed[0].w == 30 + MAX_MARKER_SHIFT - 1
    assert placed[1].x == placed[0].w + 1
    assert tag_label_for("needs-review", placed[0].w) == "nee…"
    assert tag_label_for("needs-review", tag_width(tag_label("needs-review"))) == "needs-r…"
