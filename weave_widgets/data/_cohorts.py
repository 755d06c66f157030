"""Cohorts: a label per conversation (agent version, judge-score bucket, date, ...) from a
column of ``data.conversations``, or a Series or mapping the user computed, so that charts and
the widget can compare groups of conversations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from weave_widgets.data._frames import ConversationData

NO_GROUP = "(none)"
"""The label of conversations that a Series or mapping gives no group."""


def cohort_labels(data: ConversationData, by: Any) -> pd.Series:
    """The group label (str) of each conversation, indexed by ``conversation_id`` in
    ``data.conversations`` order. ``by`` is a column name of ``data.conversations``, a Series
    indexed by conversation id (or aligned with ``data.conversations``' rows), or a mapping
    from conversation id to label; missing labels read ``NO_GROUP``."""
    conv = data.conversations
    ids = conv["conversation_id"].astype(object)
    if isinstance(by, str):
        if by not in conv.columns:
            raise ValueError(
                f"by={by!r} is not a column of data.conversations; use one of "
                f"{list(conv.columns)}, or pass a Series or mapping by conversation_id"
            )
        values = pd.Series(conv[by].to_numpy(), index=ids)
    elif isinstance(by, pd.Series):
        if by.index.isin(ids).any():
            values = by.reindex(ids)
        elif len(by) == len(conv):
            values = pd.Series(by.to_numpy(), index=ids)
        else:
            raise ValueError(
                "by: a Series must be indexed by conversation_id, or have one value per row of "
                "data.conversations"
            )
    elif isinstance(by, Mapping):
        values = pd.Series([by.get(cid) for cid in ids], index=ids, dtype=object)
    else:
        raise TypeError(
            "by: give a column name of data.conversations, a Series or a mapping by "
            f"conversation_id, not {type(by).__name__}"
        )
    labels = values.astype(object).where(values.notna(), NO_GROUP).map(str)
    labels.index.name = "conversation_id"
    return labels.rename("group")
