"""Which conversations the widget shows first, in Python: the rows of the static fallback.

Mirrors ``js/src/rows.ts`` (filters, then a stable sort with unrated conversations last), so
the picture saved with a notebook matches the top of the live widget.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from weave_widgets.data._frames import ConversationData

SORT_COLUMNS: dict[str, str | None] = {
    "input": None,
    "errors": "n_errors",
    "duration": "total_duration_ms",
    "rating": "mean_rating",
    "turns": "n_turns",
    "spans": "n_spans",
}
"""The ``conversations`` column of each sort key (None: input order); keys as in palette."""


def shown_ids(data: ConversationData, options: Mapping[str, Any]) -> list[str]:
    """Conversation ids in the order the widget lists them under ``options``."""
    conversations = data.conversations.reset_index(drop=True)
    spans = data.spans
    keep = pd.Series(True, index=conversations.index)
    ids = conversations["conversation_id"]
    for option, column in (("filter_status", "status"), ("filter_category", "category")):
        wanted = list(options.get(option) or [])
        if wanted:
            hit = spans.loc[spans[column].isin(wanted), "conversation_id"]
            keep &= ids.isin(hit)
    if options.get("filter_has_feedback"):
        keep &= conversations["n_feedback"] > 0
    kept = conversations[keep]
    descending = bool(options.get("sort_descending"))
    sort_column = SORT_COLUMNS[str(options.get("sort_by", "input"))]
    if sort_column is None:
        order = list(kept["conversation_id"])
        return order[::-1] if descending else order
    key = kept[sort_column].astype("float64")
    ranked = kept.assign(_missing=key.isna(), _key=-key if descending else key)
    ranked = ranked.sort_values(["_missing", "_key"], kind="stable")
    return list(ranked["conversation_id"])
