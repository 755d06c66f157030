"""Wall time per turn: the root span frames its turn, so nothing is counted twice. Checked
against the start and end times of the demo's own OTel spans, and on hand-made turns."""

from __future__ import annotations

import datetime
from statistics import median

import numpy as np
import pandas as pd
import pytest

from weave_widgets.client import WeaveClient
from weave_widgets.data._frames import turn_wall_times
from weave_widgets.demo import demo_conversations, write_demo

NOW = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)


def test_demo_turn_wall_times_match_the_stored_start_and_end_times(
    local_server: str, project_id: str
) -> None:
    with WeaveClient(project_id, url=local_server) as client:
        ids = write_demo(client, 40, now=NOW, seed=3, progress=False)
        data = client.conversation_spans(ids)
    truth: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for conv in demo_conversations(project_id, 40, seed=3, now=NOW):
        for turn in conv.turns:
            start = min(s.start_time_unix_nano for s in turn) // 10**6
            end = max(s.end_time_unix_nano for s in turn) // 10**6
            truth[turn[0].trace_id.hex()] = end - start
            sizes[turn[0].trace_id.hex()] = len(turn)
    spans = data.spans
    walls = turn_wall_times(spans)
    trace_of = spans.groupby(["conversation_id", "turn_index"], observed=True)["trace_id"].first()
    counts = spans.groupby("trace_id").size()
    checked = 0
    old_ratio = []
    for key, wall in walls.items():
        trace = trace_of[key]
        if counts[trace] != sizes[trace]:
            continue  # the span cap dropped part of this turn
        assert abs(wall - truth[trace]) <= 1, (key, wall, truth[trace])
        summed = spans.loc[spans["trace_id"] == trace, "duration_ms"].sum()
        old_ratio.append(summed / truth[trace])
        checked += 1
    assert checked > 100
    assert median(old_ratio) > 1.5  # what adding every span up would have claimed
    conv = data.conversations.set_index("conversation_id")
    assert (conv["wall_time_ms"] < conv["total_duration_ms"]).all()
    assert (conv["wall_time_ms"] == walls.groupby(level=0).sum().reindex(conv.index)).all()


@pytest.mark.parametrize(
    ("turn", "frames", "wall"),
    [
        ([("invoke_agent", 900), ("chat", 500), ("execute_tool", 300)], [1, 0, 0], 900),
        # sequential spans with no covering root: end to end
        ([("chat", 500), ("execute_tool", 300)], [0, 0], 800),
        # an agent span shorter than a later span cannot contain it
        ([("invoke_agent", 100), ("chat", 500)], [0, 0], 600),
        # a lone span is its own turn; zero durations stay zero
        ([("invoke_agent", 0)], [0], 0),
        ([("invoke_agent", 0), ("chat", 0)], [1, 0], 0),
    ],
)
def test_which_span_frames_its_turn(
    turn: list[tuple[str, int]], frames: list[int], wall: int
) -> None:
    from weave_widgets.data._frames import _frames_turn
    from weave_widgets.palette import CATEGORIES, OPERATION_CATEGORIES

    category = np.array([CATEGORIES.index(OPERATION_CATEGORIES[op]) for op, _ in turn])
    duration = np.array([ms for _, ms in turn], dtype=np.int64)
    got = _frames_turn(np.zeros(len(turn), dtype=np.int64), category, duration)
    assert got.tolist() == [bool(f) for f in frames]
    spans = pd.DataFrame(
        {
            "conversation_id": "c",
            "turn_index": 0,
            "duration_ms": duration,
            "frames_turn": got,
        }
    )
    assert turn_wall_times(spans).tolist() == [wall]
