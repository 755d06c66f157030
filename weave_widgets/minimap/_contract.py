"""Render ``js/src/contract.ts``, the TypeScript copy of everything the widget's two halves share.

The sources are Python: ``weave_widgets.palette`` (statuses and their codes, categories,
feedback levels, option values, colours, custom message kinds and roles), the transcript
record fields (``weave_widgets.data.MESSAGE_COLUMNS``), the payload format
(``_payload.MAGIC``/``VERSION``), the feedback types of ``weave_widgets.models`` and the synced
traits of ``ConversationMinimap`` (their TypeScript types and defaults). Regenerate the file after
changing any of them::

    .venv/bin/python -m weave_widgets.minimap._contract          # rewrite js/src/contract.ts
    .venv/bin/python -m weave_widgets.minimap._contract --check  # exit 1 when it is stale

``tests/minimap/test_contract.py`` fails while the file differs from ``render()``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import traitlets

from weave_widgets import palette
from weave_widgets.data._transcripts import MESSAGE_COLUMNS
from weave_widgets.minimap import _payload
from weave_widgets.minimap._widget import HIGHLIGHT_KEYS, SELECTED_KEYS, ConversationMinimap
from weave_widgets.models import AGENT_SPAN_FEEDBACK_TYPES

CONTRACT_TS = Path(__file__).resolve().parents[2] / "js" / "src" / "contract.ts"
"""Where the generated module lives in a source checkout."""
COMMAND = "python -m weave_widgets.minimap._contract"

_WIDTH = 80
"""Objects longer than this go one entry per line."""
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@dataclass(frozen=True)
class Enumeration:
    """A set of names both halves use: a constant array, its union type, maybe its codes."""

    const: str
    type_name: str
    values: Sequence[str]
    doc: str
    code_map: str | None = None
    """Name of a ``{value: code}`` constant to emit too (the code of a value is its index)."""


ENUMERATIONS: tuple[Enumeration, ...] = (
    Enumeration(
        "STATUSES",
        "Status",
        palette.STATUS_CODES,
        "Span statuses in code order: a span's status code is its index.",
        code_map="STATUS_CODE",
    ),
    Enumeration(
        "STATUS_LEGEND",
        "Status",
        palette.STATUS_LEGEND,
        "The order statuses are listed in legends and filters.",
    ),
    Enumeration(
        "CATEGORIES",
        "Category",
        palette.CATEGORIES,
        "Span categories in legend order: a span's category code is its index.",
    ),
    Enumeration(
        "FEEDBACK_LEVELS",
        "FeedbackLevel",
        palette.FEEDBACK_LEVELS,
        "Where a feedback marker is pinned: a marker's level code is its index.",
        code_map="FEEDBACK_LEVEL",
    ),
    Enumeration(
        "FEEDBACK_TYPES",
        "FeedbackType",
        AGENT_SPAN_FEEDBACK_TYPES,
        "The feedback types the server returns with conversation spans.",
    ),
    Enumeration("SORT_KEYS", "SortKey", palette.SORT_KEYS, "Sort keys, in toolbar order."),
    Enumeration("WIDTH_MODES", "WidthMode", palette.WIDTH_MODES, "What a mark's width follows."),
    Enumeration(
        "TIME_AXES", "TimeAxis", palette.TIME_AXES, "Shared time scale across rows, or fit-to-row."
    ),
    Enumeration("SCALES", "Scale", palette.SCALES, "How a duration becomes a width."),
    Enumeration("COLOR_MODES", "ColorBy", palette.COLOR_MODES, "What a mark's fill shows."),
    Enumeration(
        "THEME_OPTIONS", "ThemeOption", palette.THEME_OPTIONS, "Theme choices (auto: the host's)."
    ),
    Enumeration(
        "CUSTOM_MESSAGE_KINDS",
        "CustomMessageKind",
        palette.CUSTOM_MESSAGE_KINDS,
        "Kinds of the custom messages between the view and the kernel (a dict with `kind`).",
    ),
    Enumeration(
        "MESSAGE_ROLES", "MessageRole", palette.MESSAGE_ROLES, "Roles of transcript messages."
    ),
    Enumeration(
        "TRANSCRIPT_FIELDS",
        "TranscriptField",
        tuple(MESSAGE_COLUMNS),
        "Fields of a transcript message record (weave_widgets.data.MESSAGE_COLUMNS).",
    ),
    Enumeration("ALIGN_MODES", "Align", palette.ALIGN_MODES, "How rows line up (turn: by turn)."),
)

TRAIT_TYPES: Mapping[str, str] = {
    "selected": "Partial<Selected>",
    "filter_conversations": "string[] | null",
    "highlight": "Partial<Record<HighlightKey, string[]>>",
    "groups": "{ labels?: string[]; codes?: number[] }",
}
"""TypeScript types of traits whose traitlets type says too little (a ``Dict``)."""


def _ts(value: Any) -> str:
    """A JSON-compatible value as a TypeScript literal (identifier keys unquoted)."""
    if isinstance(value, Mapping):
        items = [
            f"{k if _IDENTIFIER.match(k) else json.dumps(k, ensure_ascii=False)}: {_ts(v)}"
            for k, v in value.items()
        ]
        if not items:
            return "{}"
        line = "{ " + ", ".join(items) + " }"
        return line if len(line) <= _WIDTH else "{\n" + "".join(f"  {i},\n" for i in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_ts(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _enum_type(values: Sequence[str]) -> str:
    """The named union type of a traitlets ``Enum``: it must hold one of ``ENUMERATIONS``."""
    for enumeration in ENUMERATIONS:
        if set(values) == set(enumeration.values):
            return enumeration.type_name
    raise ValueError(
        f"trait Enum {list(values)} is not one of the palette's enumerations; define it in "
        "weave_widgets/palette.py and list it in _contract.ENUMERATIONS"
    )


def _trait_type(name: str, trait: traitlets.TraitType[Any, Any]) -> str:
    if name in TRAIT_TYPES:
        return TRAIT_TYPES[name]
    if isinstance(trait, traitlets.Bytes):
        return "DataView"  # how anywidget (and the HTML page's model) hands binary traits over
    if isinstance(trait, traitlets.Bool):
        return "boolean"
    if isinstance(trait, traitlets.Int | traitlets.Float):
        return "number"
    if isinstance(trait, traitlets.Enum):
        return _enum_type([str(v) for v in trait.values or ()])
    if isinstance(trait, traitlets.Unicode):
        return "string"
    if isinstance(trait, traitlets.List):
        return f"{_trait_type('', trait._trait)}[]"
    raise ValueError(f"trait {name!r} ({type(trait).__name__}) has no TypeScript type here")


def synced_traits() -> dict[str, traitlets.TraitType[Any, Any]]:
    """The widget's own synced traits, in declaration order."""
    return {
        name: value
        for name, value in vars(ConversationMinimap).items()
        if isinstance(value, traitlets.TraitType) and value.metadata.get("sync")
    }


def _doc(text: str, indent: str = "") -> str:
    return f"{indent}/** {text} */\n"


def _enumerations() -> list[str]:
    out: list[str] = []
    declared: set[str] = set()
    for e in ENUMERATIONS:
        block = _doc(e.doc) + f"export const {e.const} = {_ts(list(e.values))} as const;\n"
        if e.type_name not in declared:
            block += f"export type {e.type_name} = (typeof {e.const})[number];\n"
            declared.add(e.type_name)
        if e.code_map:
            codes = {v: i for i, v in enumerate(e.values)}
            block += (
                f"export const {e.code_map} = {_ts(codes)} as const"
                f" satisfies Record<{e.type_name}, number>;\n"
            )
        out.append(block)
    return out


def _sorting() -> list[str]:
    return [
        _doc("The direction each sort key starts in (true: descending).")
        + "export const SORT_DESCENDING: Readonly<Record<SortKey, boolean>> = "
        + f"{_ts(palette.SORT_DESCENDING)};\n"
        + _doc("What [ascending, descending] mean for each sort key, in words.")
        + "export const SORT_DIRECTION_LABELS: Readonly<Record<SortKey, readonly [string, string]>>"
        + f" = {_ts(palette.SORT_DIRECTION_LABELS)};\n"
    ]


def _colours() -> list[str]:
    return [
        _doc("Fill colour per category.")
        + f"export const CATEGORY_COLORS: Readonly<Record<Category, string>> = "
        f"{_ts(palette.CATEGORY_COLORS)};\n",
        _doc("Colour per span status (status colouring, ERROR outlines and error text).")
        + f"export const STATUS_COLORS: Readonly<Record<Status, string>> = "
        f"{_ts(palette.STATUS_COLORS)};\n",
        _doc("Rating colours at RATING_STOPS (interpolated in between), readable under white.")
        + f"export const RATING_STOPS = {_ts(palette.RATING_STOPS)} as const;\n"
        + f"export const RATING_COLORS = {_ts(palette.RATING_COLORS)} as const;\n"
        + _doc("Text colour on a rating badge.")
        + f"export const RATING_TEXT_COLOR = {_ts(palette.RATING_TEXT_COLOR)};\n"
        + _doc("Badge colour of a rating that is not a finite number.")
        + f"export const NO_RATING_COLOR = {_ts(palette.NO_RATING_COLOR)};\n"
        + _doc("The dark theme's rating colours, badge text and no-rating badge.")
        + f"export const RATING_COLORS_DARK = {_ts(palette.RATING_COLORS_DARK)} as const;\n"
        + f"export const RATING_TEXT_COLOR_DARK = {_ts(palette.RATING_TEXT_COLOR_DARK)};\n"
        + f"export const NO_RATING_COLOR_DARK = {_ts(palette.NO_RATING_COLOR_DARK)};\n",
        _doc("The widget's colours per theme (the colour fields of Theme in theme.ts).")
        + f"export const THEME_COLORS = {_ts(palette.THEME_COLORS)} as const;\n",
    ]


def _traits() -> list[str]:
    traits = synced_traits()
    selected = "".join(f"  {key}: string;\n" for key in sorted(SELECTED_KEYS))
    fields = ""
    for name, trait in traits.items():
        help_text = trait.help or ""
        fields += _doc(help_text, "  ") if help_text else ""
        fields += f"  {name}: {_trait_type(name, trait)};\n"
    binary = [name for name, trait in traits.items() if isinstance(trait, traitlets.Bytes)]
    defaults = {name: trait.default() for name, trait in traits.items() if name not in binary}
    omitted = " | ".join(json.dumps(name) for name in binary)
    defaults_type = f"Omit<Traits, {omitted}>" if binary else "Traits"
    return [
        _doc("The clicked span, as the `selected` trait holds it (or `{}`).")
        + f"export interface Selected {{\n{selected}}}\n",
        _doc("Span columns the `highlight` trait can match on.")
        + f"export const HIGHLIGHT_KEYS = {_ts(HIGHLIGHT_KEYS)} as const;\n"
        + "export type HighlightKey = (typeof HIGHLIGHT_KEYS)[number];\n",
        _doc("The synced traits of ConversationMinimap (the anywidget model's state).")
        + f"export interface Traits {{\n{fields}}}\n",
        _doc("The Python defaults of the traits, for a model that lacks one.")
        + f"export const TRAIT_DEFAULTS: Readonly<{defaults_type}> = {_ts(defaults)};\n",
    ]


def render() -> str:
    """The text of ``js/src/contract.ts``."""
    header = (
        f"// Generated by `{COMMAND}`; do not edit: what Python and the front end share.\n"
        "// Sources: weave_widgets/palette.py, the payload format (weave_widgets/minimap/"
        "_payload.py),\n"
        "// the feedback types (weave_widgets/models.py) and the ConversationMinimap traits.\n"
        "// tests/minimap/test_contract.py fails while this file differs from what they render.\n"
    )
    payload = (
        _doc("The payload's magic bytes and format version.")
        + f"export const PAYLOAD_MAGIC = {_ts(_payload.MAGIC.decode('ascii'))};\n"
        + f"export const PAYLOAD_VERSION = {_payload.VERSION};\n"
        + _doc("The most categories a payload may carry (one bit each in a row's filter mask).")
        + f"export const MAX_CATEGORIES = {palette.MAX_CATEGORIES};\n"
    )
    sections = [payload, *_enumerations(), *_sorting(), *_colours(), *_traits()]
    return header + "\n" + "\n".join(sections)


def write(path: Path = CONTRACT_TS) -> bool:
    """Write ``render()`` to ``path``; True when the file changed."""
    text = render()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: Sequence[str] = ()) -> int:
    if "--check" in argv:
        current = CONTRACT_TS.read_text(encoding="utf-8") if CONTRACT_TS.is_file() else ""
        if current != render():
            print(f"{CONTRACT_TS} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    print(f"{'wrote' if write() else 'unchanged:'} {CONTRACT_TS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
