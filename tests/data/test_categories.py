"""``data.with_categories``: the user's own span categories reach the frames, the turns, the
charts' colour scales, the payload's palette and the widget's filter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_turns import small

from weave_widgets.charts import chart
from weave_widgets.palette import CATEGORY_COLORS, MAX_CATEGORIES


def test_mapping_by_operation_name() -> None:
    data = small().with_categories(
        {"execute_tool": "tools", "chat": "model"}, colors={"tools": "#123456"}
    )
    assert data.categories == ("tools", "model", "agent", "retrieval", "other")
    assert data.category_colors["tools"] == "#123456"
    assert data.category_colors["agent"] == CATEGORY_COLORS["agent"]  # kept ones keep theirs
    assert len(set(data.category_colors.values())) == len(data.categories)
    spans = data.spans
    assert list(spans["category"].cat.categories) == list(data.categories)
    by_op = dict(zip(spans["operation_name"], spans["category"].astype(str), strict=True))
    assert by_op == {
        "invoke_agent": "agent",
        "chat": "model",
        "execute_tool": "tools",
        "retrieval": "retrieval",
        "custom_step": "other",
    }
    assert data.turns["categories"].tolist() == ["other", "tools,model,agent", "agent,retrieval"]
    assert small().categories == tuple(CATEGORY_COLORS)  # the original is untouched


def test_callable_on_the_frame_and_per_value() -> None:
    whole = small().with_categories(
        lambda spans: np.where(spans["duration_ms"] >= 500, "slow", "fast")
    )
    assert set(whole.categories) == {"slow", "fast"}
    assert whole.spans.loc[whole.spans["duration_ms"] >= 500, "category"].eq("slow").all()
    by_status = small().with_categories(
        lambda s: "failed" if s == "ERROR" else None, column="status"
    )
    assert by_status.spans["category"].astype(str).tolist().count("failed") == 1
    assert "agent" in by_status.categories  # None keeps the span's category


def test_charts_use_them() -> None:
    data = small().with_categories({"execute_tool": "tools"}, colors={"tools": "#123456"})
    spec = chart(data, "durations").to_dict()
    scales = [
        layer["encoding"]["color"]["scale"]
        for layer in spec["layer"]
        if "color" in layer.get("encoding", {})
    ]
    assert scales == [
        {"domain": list(data.categories), "range": list(data.category_colors.values())}
    ]
    minimap = chart(data, "minimap").to_dict()
    assert list(data.categories) == _domain(minimap)


def _domain(spec: object) -> list[str]:
    """The first category colour domain anywhere in a chart spec."""
    if isinstance(spec, dict):
        color = spec.get("encoding", {}).get("color", {}) if "encoding" in spec else {}
        if color.get("field") == "category":
            return list(color["scale"]["domain"])
        for value in spec.values():
            found = _domain(value)
            if found:
                return found
    if isinstance(spec, list):
        for value in spec:
            found = _domain(value)
            if found:
                return found
    return []


def test_refusals() -> None:
    with pytest.raises(ValueError, match="not a column"):
        small().with_categories({"x": "y"}, column="nope")
    with pytest.raises(ValueError, match="non-empty strings"):
        small().with_categories({"chat": ""})
    with pytest.raises(ValueError, match="one per span"):
        small().with_categories(lambda spans: ["a"])
    too_many = {f"op{i}": f"c{i}" for i in range(MAX_CATEGORIES + 1)}
    with pytest.raises(ValueError, match="at most"):
        small().with_categories(too_many)
    with pytest.raises(ValueError, match="not among"):
        small().with_categories({"chat": "model"}, colors={"modle": "#000000"})


def test_select_keeps_them() -> None:
    data = small().with_categories({"chat": "model"})
    picked = data.select(["a"])
    assert picked.categories == data.categories
    assert isinstance(picked.spans["category"].dtype, pd.CategoricalDtype)
