"""Display categories for spans: the one source of truth for names, order and colours.

The server returns the raw OTel ``gen_ai.operation.name``; the client maps it to a category.
The same table is sent to the front end with every widget payload, so Python charts and the
browser minimap always agree.
"""

from __future__ import annotations

from typing import Final

CATEGORIES: Final[tuple[str, ...]] = ("agent", "llm", "tool", "retrieval", "embeddings", "other")
"""Category names in legend order; a span's category code is its index here."""

OPERATION_CATEGORIES: Final[dict[str, str]] = {
    "invoke_agent": "agent",
    "create_agent": "agent",
    "chat": "llm",
    "generate_content": "llm",
    "text_completion": "llm",
    "execute_tool": "tool",
    "retrieval": "retrieval",
    "embeddings": "embeddings",
}
"""Known ``operation_name`` values; anything else is ``other`` (and keeps its raw name)."""

CATEGORY_COLORS: Final[dict[str, str]] = {
    "agent": "#6f4fc6",
    "llm": "#2b7bd8",
    "tool": "#0f9d8a",
    "retrieval": "#d98a1c",
    "embeddings": "#b8569b",
    "other": "#8a8f98",
}
"""Fill colour per category, chosen to stay apart from the error red for colour-blind users."""

STATUS_COLORS: Final[dict[str, str]] = {
    "OK": "#2e9e5b",
    "ERROR": "#d62728",
    "UNSET": "#9aa0a6",
}
"""Colour per span status, used when colouring by status and for ERROR outlines."""


def category_of(operation_name: str) -> str:
    """The display category of a raw operation name."""
    return OPERATION_CATEGORIES.get(operation_name, "other")


def palette() -> dict[str, object]:
    """The category and status palette as plain JSON, for the front end and charts."""
    return {
        "categories": list(CATEGORIES),
        "category_colors": [CATEGORY_COLORS[c] for c in CATEGORIES],
        "statuses": ["UNSET", "OK", "ERROR"],
        "status_colors": [STATUS_COLORS[s] for s in ("UNSET", "OK", "ERROR")],
    }
