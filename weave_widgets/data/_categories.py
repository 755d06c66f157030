"""``data.with_categories``: the user's own span categories, so that the widget, the charts and
the frames group spans the way the user thinks of them (by operation, tool, model, ...).

The mapping is applied to the distinct values of a column only (a million spans hold a few
hundred operation names), and the result is a new ``ConversationData`` whose
``spans["category"]`` has the new categories and whose ``category_colors`` colours them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from weave_widgets.data._frames import ConversationData
from weave_widgets.palette import CATEGORY_COLORS, EXTRA_CATEGORY_COLORS, MAX_CATEGORIES

Categories = Mapping[Any, Any] | Callable[..., Any]
"""A mapping from values of a span column to category names, or a callable giving them."""


def with_categories(
    data: ConversationData,
    categories: Categories,
    *,
    column: str | None = None,
    colors: Mapping[str, str] | None = None,
) -> ConversationData:
    """``data`` with its spans put into the user's categories.

    ``categories`` is a mapping from values of ``column`` (default ``operation_name``) to
    category names, or a callable: given ``column``, it is called once per distinct value of
    that column; without, it is called once with the whole ``data.spans`` frame and returns one
    name per span (a Series, array or list, vectorised). A span whose value is unmapped, or
    whose name is None or NaN, keeps its current category. ``colors`` names the colour of any
    category (else: its current colour, else the next free one of the palette). Categories
    are listed in the order the mapping names them (or by span count), then the kept ones.
    """
    spans = data.spans
    if column is None and isinstance(categories, Mapping):
        column = "operation_name"
    if column is not None and column not in spans.columns:
        raise ValueError(
            f"with_categories: column={column!r} is not a column of data.spans; "
            f"use one of {list(spans.columns)}"
        )
    named = _names(spans, categories, column)
    current = spans["category"].astype(object).to_numpy()
    missing = pd.isna(named)
    labels = np.where(missing, current, named)
    bad = [v for v in pd.unique(labels[~missing]) if not isinstance(v, str) or not v]
    if bad:
        raise ValueError(
            f"with_categories: category names must be non-empty strings; got {bad[0]!r}"
        )
    order = _order(labels[~missing], categories)
    kept = [c for c in data.categories if c in set(labels[missing])]
    names = list(dict.fromkeys([*order, *kept]))
    if len(names) > MAX_CATEGORIES:
        raise ValueError(
            f"with_categories: {len(names)} categories; the widget shows at most "
            f"{MAX_CATEGORIES} (group the rarer ones together)"
        )
    dtype = pd.CategoricalDtype(names)
    new_spans = spans.assign(category=pd.Categorical(labels, dtype=dtype))
    return replace(
        data, spans=new_spans, category_colors=_colours(names, data.category_colors, colors)
    )


def _names(spans: pd.DataFrame, categories: Categories, column: str | None) -> Any:
    """The category name of each span (NaN where none is given), as an object array."""
    if column is None:
        if not callable(categories):
            raise TypeError("with_categories: give a mapping or a callable")
        result = categories(spans)
        values = np.asarray(pd.Series(result).astype(object), dtype=object)
        if len(values) != len(spans):
            raise ValueError(
                f"with_categories: the callable returned {len(values)} names for "
                f"{len(spans)} spans; return one per span of data.spans"
            )
        return values
    codes, uniques = pd.factorize(spans[column], use_na_sentinel=True)
    if isinstance(categories, Mapping):
        looked = [categories.get(u, None) for u in uniques]
    elif callable(categories):
        looked = [categories(u) for u in uniques]
    else:
        raise TypeError("with_categories: give a mapping or a callable")
    table = np.array([*looked, None], dtype=object)  # code -1 (a missing value) maps to None
    return table[codes]


def _order(labels: Any, categories: Categories) -> list[str]:
    """New names in the mapping's order, or by descending span count for a callable."""
    present = pd.Series(labels, dtype=object)
    if isinstance(categories, Mapping):
        named = [v for v in dict.fromkeys(categories.values()) if isinstance(v, str) and v]
        return named
    counts = present.value_counts(sort=True)
    return [str(v) for v in counts.index]


def _colours(
    names: list[str], current: Mapping[str, str], given: Mapping[str, str] | None
) -> dict[str, str]:
    given = dict(given or {})
    unknown = set(given) - set(names)
    if unknown:
        raise ValueError(
            f"with_categories: colors names {sorted(unknown)}, which are not among the "
            f"categories {names}"
        )
    out: dict[str, str] = {}
    for name in names:
        colour = given.get(name) or current.get(name) or CATEGORY_COLORS.get(name)
        if colour:
            out[name] = colour
    spare = [
        c
        for c in [*CATEGORY_COLORS.values(), *EXTRA_CATEGORY_COLORS]
        if c not in out.values() and c != CATEGORY_COLORS["other"]
    ]
    for name in names:
        if name not in out:
            out[name] = spare.pop(0) if spare else CATEGORY_COLORS["other"]
    return {name: out[name] for name in names}
