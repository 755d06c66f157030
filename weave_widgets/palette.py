"""The one definition of every value the Python package and the widget's front end share.

Span categories, statuses and their codes, feedback levels, the widget's option values (sort
keys, width modes, scales, colour modes, themes) and every colour drawn for them. Python
charts and the payload encoder import them from here; the TypeScript front end imports the
generated ``js/src/contract.ts`` (``python -m weave_widgets.minimap._contract`` rewrites it,
``tests/minimap/test_contract.py`` fails while it differs), so the two halves cannot drift.

The server returns the raw OTel ``gen_ai.operation.name``; the client maps it to a category.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

StatusCode = Literal["UNSET", "OK", "ERROR"]
"""A span's OTel status."""
STATUS_CODES: Final[tuple[StatusCode, ...]] = get_args(StatusCode)
"""Statuses in code order (as OTel numbers them): a span's status code is its index here."""
STATUS_LEGEND: Final[tuple[StatusCode, ...]] = ("OK", "ERROR", "UNSET")
"""The order statuses are listed in legends, filters and status charts."""

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

FEEDBACK_LEVELS: Final[tuple[str, ...]] = ("turn", "conversation")
"""Where a feedback marker is pinned; a marker's level code is its index here."""

SortKey = Literal["input", "errors", "duration", "rating", "turns", "spans"]
SORT_KEYS: Final[tuple[SortKey, ...]] = get_args(SortKey)
"""What the widget can sort conversations by, in toolbar order (``input``: as given)."""

SORT_DESCENDING: Final[dict[SortKey, bool]] = {
    "input": False,
    "errors": True,
    "duration": True,
    "rating": False,
    "turns": True,
    "spans": True,
}
"""The direction a sort key starts in, the one people ask for first: most errors, longest,
lowest rating (the worst conversations on top); choosing a key sets it, the arrow flips it."""

SORT_DIRECTION_LABELS: Final[dict[SortKey, tuple[str, str]]] = {
    "input": ("as given", "reversed"),
    "errors": ("fewest first", "most first"),
    "duration": ("shortest first", "longest first"),
    "rating": ("lowest first", "highest first"),
    "turns": ("fewest first", "most first"),
    "spans": ("fewest first", "most first"),
}
"""What ascending and descending mean for each key, in words, beside the arrow."""

TimeAxis = Literal["shared", "fit"]
TIME_AXES: Final[tuple[TimeAxis, ...]] = get_args(TimeAxis)
"""How long a row is: ``shared`` (one scale for every row, so a 1 s conversation is short
and a 3 min one long) or ``fit`` (every row fills the width, to see inside short ones)."""

WidthMode = Literal["duration", "uniform"]
WIDTH_MODES: Final[tuple[WidthMode, ...]] = get_args(WidthMode)
"""What a span mark's width follows: its duration, or nothing (all equal)."""

Scale = Literal["linear", "sqrt", "log"]
SCALES: Final[tuple[Scale, ...]] = get_args(Scale)
"""How a duration becomes a width."""

ColorBy = Literal["category", "status"]
COLOR_MODES: Final[tuple[ColorBy, ...]] = get_args(ColorBy)
"""What a span mark's fill shows (ERROR spans are drawn in the error colour either way)."""

Align = Literal["none", "turn"]
ALIGN_MODES: Final[tuple[Align, ...]] = get_args(Align)
"""How rows line up: ``none`` (each row's spans end to end) or ``turn`` (turn k of every row in
column k, to compare rows and cohorts turn by turn)."""

ThemeOption = Literal["auto", "light", "dark"]
THEME_OPTIONS: Final[tuple[ThemeOption, ...]] = get_args(ThemeOption)
"""The widget's theme: ``auto`` follows the host (JupyterLab, VS Code, the OS)."""

CUSTOM_MESSAGE_KINDS: Final = ("transcript", "search")
"""Kinds of the widget's custom messages (view -> kernel request, kernel -> view answer): a
turn's transcript, and a search of message content. Each message is a dict with ``kind``."""

MESSAGE_ROLES: Final = ("user", "assistant", "tool", "system")
"""Roles of transcript messages, as the panel tells them apart."""

CATEGORY_COLORS: Final[dict[str, str]] = {
    "agent": "#6f4fc6",
    "llm": "#2b7bd8",
    "tool": "#0f9d8a",
    "retrieval": "#d98a1c",
    "embeddings": "#b8569b",
    "other": "#8a8f98",
}
"""Fill colour per category, chosen to stay apart from the error red for colour-blind users."""

MAX_CATEGORIES: Final = 32
"""The most categories one ``ConversationData`` may carry (``data.with_categories``): the widget
keeps one bit per category for each row's filter mask."""
EXTRA_CATEGORY_COLORS: Final[tuple[str, ...]] = (
    "#1f77b4",
    "#ff7f0e",
    "#9467bd",
    "#17becf",
    "#bcbd22",
    "#8c564b",
    "#e377c2",
    "#2ca02c",
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
)
"""Colours given, in turn, to a user's own categories that name none (after the unused ones of
``CATEGORY_COLORS``); none is the error red."""

STATUS_COLORS: Final[dict[StatusCode, str]] = {
    "OK": "#2e9e5b",
    "ERROR": "#d62728",
    "UNSET": "#9aa0a6",
}
"""Colour per span status, used when colouring by status and for ERROR outlines and text."""

RATING_STOPS: Final[tuple[float, ...]] = (0.0, 0.5, 1.0)
RATING_COLORS: Final[tuple[str, ...]] = ("#a52a1f", "#7a5200", "#17683a")
"""Rating colours at ``RATING_STOPS`` (red -> amber -> green, interpolated in between) in the
light theme and the charts: at least 6.5:1 against ``RATING_TEXT_COLOR`` (the badge text) and
a white background, so small anti-aliased badge text still measures above 4.5:1 on screen."""
RATING_TEXT_COLOR: Final = "#ffffff"
"""Text colour on a rating badge (light theme)."""
NO_RATING_COLOR: Final = "#6b7079"
"""Badge colour of a rating that is not a finite number (light theme)."""
RATING_COLORS_DARK: Final[tuple[str, ...]] = ("#ff9e94", "#f2c14e", "#6fd69a")
"""The same scale for the dark theme: light badges with dark text, at least 7:1 against
``RATING_TEXT_COLOR_DARK`` and against the dark background."""
RATING_TEXT_COLOR_DARK: Final = "#16191f"
"""Text colour on a rating badge (dark theme)."""
NO_RATING_COLOR_DARK: Final = "#b7bdc6"
"""Badge colour of a rating that is not a finite number (dark theme)."""

THEME_COLORS: Final[dict[str, dict[str, str]]] = {
    "light": {
        "background": "#ffffff",
        "foreground": "#1f2328",
        "muted": "#656d76",
        "rowAlt": "#f6f8fa",
        "rowHover": "#eef3fc",
        "rowSelected": "#e2ebfb",
        "groupHeader": "#eaeef2",
        "divider": "#c9d1d9",
        "accent": "#1f6feb",
        "errorOutline": "#5c0a0a",
        "hatch": "#ff8a8a",
        "warning": "#9a6700",
        "tagFill": "#57606a",
        "turnDivider": "#848d97",
        "badgeText": RATING_TEXT_COLOR,
        "tooltipBackground": "#ffffff",
    },
    "dark": {
        "background": "#16191f",
        "foreground": "#e6edf3",
        "muted": "#8d96a0",
        "rowAlt": "#1c2028",
        "rowHover": "#222b3a",
        "rowSelected": "#263553",
        "groupHeader": "#262c36",
        "divider": "#3d444d",
        "accent": "#58a6ff",
        "errorOutline": "#ffd1d1",
        "hatch": "#8c1010",
        "warning": "#d29922",
        "tagFill": "#b1bac4",
        "turnDivider": "#6e7681",
        "badgeText": RATING_TEXT_COLOR_DARK,
        "tooltipBackground": "#22272e",
    },
}
"""The widget's colours per theme (keys as the fields of ``Theme`` in js/src/theme.ts), which
``save_png`` draws with too: ``turnDivider`` is at least 3:1 against the row backgrounds
(WCAG non-text contrast), ``groupHeader`` is neutral so a cohort header never reads as a
picked row (``rowSelected``)."""


def palette(category_colors: dict[str, str] | None = None) -> dict[str, object]:
    """The category and status palette as plain JSON, for the payload (code order).
    ``category_colors`` (name to colour, in code order) replaces the built-in categories when
    the data carries its own (``ConversationData.with_categories``)."""
    colors = CATEGORY_COLORS if category_colors is None else category_colors
    return {
        "categories": list(colors),
        "category_colors": list(colors.values()),
        "statuses": list(STATUS_CODES),
        "status_colors": [STATUS_COLORS[s] for s in STATUS_CODES],
    }
