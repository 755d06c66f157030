"""``data.turns``: one row per turn (a ``trace_id`` within a conversation), with its span and
error counts, durations, the categories it touched and the feedback pinned to it.

Built with numpy reductions over the spans sorted once by (conversation, turn), so a million
spans make their turns in well under a second; the feedback join is a pandas merge of the
(much smaller) feedback frames.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from weave_widgets.data._frames import STRING, ConversationData, empty_frame

RATING_PREFIX: Final = "rating."
"""Turn-level ratings also appear as one float64 column per rating name, ``rating.<name>``
(the mean when a turn has several), after the fixed ``TURN_COLUMNS``, sorted by name."""


TURN_COLUMNS: Final[dict[str, Any]] = {
    "conversation_id": STRING,
    "turn_index": "int32",  # as in data.spans
    "trace_id": STRING,  # the turn
    "n_spans": "int64",
    "n_errors": "int64",  # ERROR spans
    # The turn's wall time as the frames can know it: the longest span of the turn (the
    # root invoke_agent span covers the turn; the answer carries no timestamps).
    "duration_ms": "int64",
    "span_ms": "int64",  # summed span durations (nested spans counted again)
    "categories": STRING,  # categories present, in legend order, joined by ","
    "n_feedback": "int64",  # turn-level feedback markers
    "tags": "object",  # list[str]: their tags in marker order ([] when none)
    "mean_rating": "float64",  # mean of the turn's ratings, NaN when none
}


def turn_frame(data: ConversationData) -> pd.DataFrame:
    """One row per turn of ``data``, in conversation order then ``turn_index``."""
    columns = TURN_COLUMNS
    spans = data.spans
    if len(spans) == 0:
        return _with_feedback(empty_frame(columns), data)
    conv_codes, _ = pd.factorize(spans["conversation_id"], sort=False)
    turn = spans["turn_index"].to_numpy(dtype=np.int64)
    key = conv_codes.astype(np.int64) * (int(turn.max()) + 1) + turn
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])
    first = order[starts]
    errors = (spans["status"] == "ERROR").to_numpy(dtype=np.int64)[order]
    durations = spans["duration_ms"].to_numpy(dtype=np.int64)[order]
    codes = np.asarray(spans["category"].cat.codes, dtype=np.int64)
    bits = np.where(codes >= 0, np.left_shift(1, codes.clip(0)), 0).astype(np.uint64)[order]
    masks = np.bitwise_or.reduceat(bits, starts)
    turns = pd.DataFrame(
        {
            "conversation_id": spans["conversation_id"].take(first).to_numpy(),
            "turn_index": turn[first].astype(np.int32),
            "trace_id": spans["trace_id"].take(first).to_numpy(),
            "n_spans": np.diff(np.r_[starts, len(order)]).astype(np.int64),
            "n_errors": np.add.reduceat(errors, starts),
            "duration_ms": np.maximum.reduceat(durations, starts),
            "span_ms": np.add.reduceat(durations, starts),
            "categories": _mask_names(masks, list(spans["category"].cat.categories)),
        }
    ).astype({name: columns[name] for name in ("conversation_id", "trace_id", "categories")})
    return _with_feedback(turns, data)


def _mask_names(masks: np.ndarray[Any, Any], names: list[str]) -> pd.Categorical | Any:
    """Each bit mask as the comma-joined names of its set bits (only distinct masks looked at)."""
    codes, uniques = pd.factorize(masks)
    text = [",".join(n for i, n in enumerate(names) if int(m) >> i & 1) for m in uniques]
    return pd.array(text, dtype=STRING).take(codes)


def _with_feedback(turns: pd.DataFrame, data: ConversationData) -> pd.DataFrame:
    """``turns`` with the turn-level feedback counts, tags and ratings joined on."""
    columns = TURN_COLUMNS
    keys = ["conversation_id", "turn_index"]
    feedback = data.feedback.dropna(subset=["turn_index"])
    ratings = data.ratings.dropna(subset=["turn_index"])
    n_feedback = np.zeros(len(turns), dtype=np.int64)
    tags: list[list[str]] = [[] for _ in range(len(turns))]
    mean_rating = np.full(len(turns), np.nan)
    per_name: dict[str, np.ndarray[Any, Any]] = {}
    if len(turns) and (len(feedback) or len(ratings)):
        index = pd.MultiIndex.from_arrays(
            [turns["conversation_id"].astype(object), turns["turn_index"].astype(np.int64)]
        )

        def rows(frame: pd.DataFrame) -> np.ndarray[Any, Any]:
            at = pd.MultiIndex.from_arrays(
                [frame["conversation_id"].astype(object), frame["turn_index"].astype(np.int64)]
            )
            return np.asarray(index.get_indexer(at), dtype=np.int64)

        if len(feedback):
            where = rows(feedback)
            kept = where >= 0
            n_feedback = np.bincount(where[kept], minlength=len(turns)).astype(np.int64)
            ordered = feedback[kept].sort_values([*keys, "feedback_index"], kind="stable")
            for row, marker_tags in zip(rows(ordered), ordered["tags"], strict=True):
                tags[row].extend(marker_tags)
        if len(ratings):
            where = rows(ratings)
            kept = where >= 0
            values = ratings["value"].to_numpy(dtype=np.float64)[kept]
            at = where[kept]
            total = np.bincount(at, weights=values, minlength=len(turns))
            count = np.bincount(at, minlength=len(turns))
            with np.errstate(invalid="ignore", divide="ignore"):
                mean_rating = np.where(count > 0, total / np.maximum(count, 1), np.nan)
            names = ratings["name"].astype(object).to_numpy()[kept]
            for name in sorted(set(names)):
                pick = names == name
                t = np.bincount(at[pick], weights=values[pick], minlength=len(turns))
                c = np.bincount(at[pick], minlength=len(turns))
                per_name[RATING_PREFIX + str(name)] = np.where(c > 0, t / np.maximum(c, 1), np.nan)
    turns = turns.assign(
        n_feedback=n_feedback,
        tags=pd.Series(tags, index=turns.index, dtype=object),
        mean_rating=mean_rating,
    )
    turns = turns[list(columns)].astype(columns)
    for name, values in per_name.items():
        turns[name] = values.astype(np.float64)
    return turns.reset_index(drop=True)
