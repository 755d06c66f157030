"""``turn_profile``: error rate, duration and rating by turn position, per cohort, with counts
and intervals; also ``conversation_durations`` and the selections linked views use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from chart_data import make_data

from weave_widgets.charts import (
    chart,
    conversation_durations,
    made_as,
    turn_profile,
    turn_profile_table,
)
from weave_widgets.charts._turn_profile import PROFILE_COLUMNS
from weave_widgets.data._frames import ConversationData


def test_table_by_turn(data: ConversationData) -> None:
    table = turn_profile_table(data)
    assert list(table.columns) == list(PROFILE_COLUMNS)
    assert table["group"].tolist() == ["all"] * 3
    assert table["turn_index"].tolist() == [0, 1, 2]
    assert table["n_turns"].tolist() == [6, 6, 6]  # six conversations of three turns
    assert table["error_rate"].tolist() == [0.0, 1.0, 0.0]  # turn 1's tool fails everywhere
    assert (table["error_low"] <= table["error_rate"]).all()
    assert (table["error_high"] >= table["error_rate"]).all()
    assert 0 < table["error_high"].iloc[0] < 0.5  # Wilson: 0 of 6 is not "surely 0"
    turns = data.turns
    medians = turns.groupby("turn_index")["duration_ms"].median().tolist()
    assert table["median_ms"].tolist() == pytest.approx(medians)
    ratings = data.ratings.groupby("turn_index")["value"]
    assert table["n_rated"].tolist() == [6, 6, 6]
    # a turn's rating is the mean of its ratings; the profile is the mean over turns
    per_turn = turns.groupby("turn_index")["mean_rating"].mean().tolist()
    assert table["mean_rating"].tolist() == pytest.approx(per_turn)
    assert len(ratings) == 3
    assert (table["rating_low"] <= table["mean_rating"]).all()


def test_table_by_cohort_column_series_and_mapping(data: ConversationData) -> None:
    ids = data.conversations["conversation_id"].astype(object).tolist()
    halves = {cid: ("first" if i < 3 else "second") for i, cid in enumerate(ids[:6])}
    by_mapping = turn_profile_table(data, by=halves)
    assert set(by_mapping["group"]) == {"first", "second"}
    assert by_mapping.groupby("group")["n_turns"].sum().tolist() == [9, 9]
    by_series = turn_profile_table(data, by=pd.Series(halves))
    pd.testing.assert_frame_equal(by_mapping, by_series)
    by_column = turn_profile_table(data, by="n_turns")
    assert set(by_column["group"]) == {"3"}  # the empty conversation has no turns
    with pytest.raises(ValueError, match="not a column"):
        turn_profile_table(data, by="agent")


def test_chart_panels_and_kind(data: ConversationData) -> None:
    spec = turn_profile(data, by={"conv-0000": "a"}).to_dict()
    assert len(spec["vconcat"]) == 3
    titles = [p["layer"][1]["encoding"]["y"]["title"] for p in spec["vconcat"]]
    assert titles == ["turns with errors", "turn duration (ms)", "mean rating"]
    made = data.chart("turn_profile", max_turns=2)
    assert made_as(made) == ("turn_profile", {"max_turns": 2})
    assert "usermeta" not in made.to_dict()
    assert made_as(turn_profile(data)) is None  # made directly, not by chart(kind)
    both = data.chart("errors") | data.chart("durations")  # concatenates (no usermeta inside)
    assert len(both.to_dict()["hconcat"]) == 2
    rows = made.to_dict()["vconcat"][0]["layer"][0]
    assert rows  # drawn from the table: at most max_turns turns
    assert turn_profile_table(data, max_turns=2)["turn_index"].max() == 1


def test_many_turns_few_rows() -> None:
    data = make_data(n_conversations=200, n_turns=12, seed=2)
    table = turn_profile_table(data, by=data.conversations["conversation_id"].str[-1:])
    assert len(table) <= 10 * 12  # one row per cohort and turn, whatever the span count
    assert np.isfinite(table["error_low"]).all()


def test_conversation_durations_brush_and_errors_pick(data: ConversationData) -> None:
    spec = conversation_durations(data).to_dict()
    assert spec["params"][0]["name"] == "duration_brush"
    assert spec["params"][0]["select"]["type"] == "interval"
    assert spec["encoding"]["x"]["field"] == "wall_time_ms"
    counts = pd.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert counts["conversations"].sum() == len(data.conversations)
    errors = chart(data, "errors").to_dict()
    params = errors.get("params") or errors["layer"][0].get("params")
    assert params[0]["name"] == "operation_pick"
    assert params[0]["select"]["fields"] == ["operation_name", "status"]
