"""The minimap as a list of shapes in CSS pixels, built once and painted twice (PNG and SVG).

The same rows (filters, then the sort), the same encoding (turns as the unit, the root span as a
band under its turn, shared time axis or fit-to-row, ERROR hatched with an outline and a notch,
feedback at its turn with text tags labelled, conversation feedback bracketed, feedback on a
turn not drawn marked "?", the span-cap mark) and the same legend and width key as the widget.
Only the rows of the requested page are laid out; rows are ordered with numpy, not Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import ImageFont

from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap import _layout as lay
from weave_widgets.palette import (
    CATEGORY_COLORS,
    NO_RATING_COLOR,
    NO_RATING_COLOR_DARK,
    RATING_COLORS,
    RATING_COLORS_DARK,
    RATING_STOPS,
    SORT_DIRECTION_LABELS,
    STATUS_COLORS,
    STATUS_LEGEND,
    THEME_COLORS,
)

MAX_ROWS = 500
"""Rows per image; more are paged (``page=``) and the image says which rows it shows."""
RATING_STEP = 0.05
"""Badge colours are taken at the rating rounded to this step (the widget's scale, in at most 21
colours, so the PNG keeps a small palette); the badge text gives the exact value."""

THEMES = THEME_COLORS
"""The widget's themes (``palette.THEME_COLORS``, js/src/theme.ts draws with the same)."""

FONT = "DejaVu Sans"
_FONT_DIR = Path("/usr/share/fonts/truetype")


@dataclass(slots=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float
    fill: str
    role: str = ""
    """What the rectangle is (``span``, ``frame``, ``notch``...), kept as the SVG class."""
    radius: float = 0.0


@dataclass(slots=True)
class Outline:
    x0: float
    y0: float
    x1: float
    y1: float
    color: str
    width: float


@dataclass(slots=True)
class Hatch:
    x0: float
    y0: float
    x1: float
    y1: float
    color: str


@dataclass(slots=True)
class Gradient:
    x0: float
    y0: float
    x1: float
    y1: float
    stops: list[tuple[float, str]]


@dataclass(slots=True)
class Polygon:
    """A filled polygon (``width`` 0), or an open line of that width through the points."""

    points: list[tuple[float, float]]
    color: str
    width: float = 0.0


@dataclass(slots=True)
class Text:
    x: float
    y: float
    """Top of the text line (Pillow's ascender anchor); the SVG adds the font's ascent."""
    text: str
    color: str
    size: float
    bg: str
    """The colour under the text (the PNG blends edges towards it)."""
    bold: bool = False
    middle: bool = False
    """Centred on x instead of starting at x."""
    role: str = ""


@dataclass(slots=True)
class Emoji:
    x: float
    y: float
    size: float
    text: str
    bg: str


Shape = Rect | Outline | Hatch | Gradient | Polygon | Text | Emoji


@dataclass
class Scene:
    width: float
    height: float
    background: str
    shapes: list[Shape] = field(default_factory=list)
    spans: list[tuple[str, int, float, float]] = field(default_factory=list)
    """Per drawn span: conversation id, span position in the row, x and width (what the
    layout parity fixture compares with js/src/layout.ts)."""
    markers: list[tuple[str, lay.MarkerItem]] = field(default_factory=list)
    """Per drawn marker item: conversation id and the item (likewise)."""


@cache
def font(size: float, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (the widget's fallback font, and the SVG's) at ``size`` px."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for path in (_FONT_DIR / "dejavu" / name, Path(name)):
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            continue
    return ImageFont.load_default(size)


@cache
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` in CSS px (measured at 4x for sub-pixel precision)."""
    return float(font(size * 4, bold).getlength(text)) / 4


def ascent(size: float, bold: bool = False) -> float:
    """Distance from a text line's top to its baseline, in CSS px."""
    face = font(size * 4, bold)
    if isinstance(face, ImageFont.FreeTypeFont):
        return float(face.getmetrics()[0]) / 4
    return size * 0.8


def fit_text(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """``text``, or its start and an ellipsis, within ``max_width``."""
    if text_width(text, size, bold) <= max_width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid] + "…", size, bold) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + "…"


def fit_middle(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """``text`` cut in the middle to fit, so ids keep their unique ending, as ``fitMiddle``
    in js/src/render.ts."""
    if text_width(text, size, bold) <= max_width:
        return text
    chars = list(text)
    keep = len(chars) - 1
    while keep > 2:
        tail = min(8, keep // 2)
        candidate = "".join(chars[: keep - tail]) + "…" + "".join(chars[len(chars) - tail :])
        if text_width(candidate, size, bold) <= max_width:
            return candidate
        keep -= 1
    return (chars[0] if chars else "") + "…"


def rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def hex_color(c: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*c)


def mix(a: str, b: str, u: float) -> str:
    """``a`` moved a fraction ``u`` towards ``b``."""
    return hex_color(tuple(round(x + (y - x) * u) for x, y in zip(rgb(a), rgb(b), strict=True)))  # type: ignore[arg-type]


def rating_color(value: float, dark: bool = False) -> str:
    """The badge colour of a rating, as ``ratingColor`` in js/src/theme.ts."""
    if not math.isfinite(value):
        return NO_RATING_COLOR_DARK if dark else NO_RATING_COLOR
    colors = [rgb(c) for c in (RATING_COLORS_DARK if dark else RATING_COLORS)]
    t = min(RATING_STOPS[-1], max(RATING_STOPS[0], value))
    seg = 0
    while seg < len(RATING_STOPS) - 2 and t > RATING_STOPS[seg + 1]:
        seg += 1
    u = (t - RATING_STOPS[seg]) / (RATING_STOPS[seg + 1] - RATING_STOPS[seg])
    low, high = colors[seg], colors[seg + 1]
    r, g, b = (math.floor(a + (z - a) * u + 0.5) for a, z in zip(low, high, strict=True))
    return hex_color((r, g, b))


def badge_color(value: float, dark: bool) -> str:
    """The rating colour at ``value`` rounded to ``RATING_STEP``."""
    if not math.isfinite(value):
        return rating_color(value, dark)
    return rating_color(round(value / RATING_STEP) * RATING_STEP, dark)


def format_duration(ms: float) -> str:
    """As ``formatDuration`` in js/src/format.ts."""
    if not math.isfinite(ms):
        return "–"
    if ms < 1000:
        return f"{round(ms)} ms"
    if ms < 60000:
        return f"{ms / 1000:.{2 if ms < 10000 else 1}f} s"
    minutes = math.floor(ms / 60000)
    if minutes < 60:
        return f"{minutes} m {round(ms % 60000 / 1000)} s"
    return f"{minutes // 60} h {minutes % 60} m"


def rating_text(value: float) -> str:
    """As ``formatRating`` in js/src/format.ts."""
    if not math.isfinite(value):
        return "–"
    if abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.2f}".replace("0.", ".", 1) if abs(value) < 1 else f"{value:.2f}"


def _plural(n: int, word: str) -> str:
    """As ``plural`` in js/src/format.ts."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _direction_words(options: dict[str, Any]) -> str:
    up, down = SORT_DIRECTION_LABELS[options.get("sort_by", "input")]
    return down if options.get("sort_descending") else up


def key_text(options: dict[str, Any], full_ms: float) -> str:
    """What width means, as ``keyText`` in js/src/controls.ts."""
    roots = "a turn's root span is the band under it"
    shared = options.get("time_axis", "shared") == "shared"
    if options.get("width_mode") == "uniform":
        axis = "shared by all rows" if shared else "every row fit to the width"
        return f"Width: one slot per span, {axis} ({roots})."
    scale = options.get("scale", "sqrt")
    scaled = "" if scale == "linear" else f" ({scale} scale: short spans enlarged)"
    axis = (
        f"one scale for every row, full width = {format_duration(full_ms)}"
        if shared
        else "every row fit to the width"
    )
    return f"Width: wall time per turn{scaled}, {axis}; {roots}."


def _wrap(text: str, max_width: float, size: float) -> list[str]:
    """``text`` in lines no wider than ``max_width``, broken at spaces."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if line and text_width(candidate, size) > max_width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line]


class _Legend:
    """Legend entries laid out left to right, wrapping at the image width."""

    def __init__(self, scene: Scene, t: dict[str, str], y: float, right: float) -> None:
        self.scene, self.t, self.y, self.right = scene, t, y, right
        self.x = 12.0

    def entry(self, swatch_width: float, label: str, draw: Any) -> None:
        need = swatch_width + 4 + text_width(label, 11)
        if self.x > 12 and self.x + need > self.right:
            self.x, self.y = 12.0, self.y + 18
        draw(self.x, self.y)
        self.scene.shapes.append(
            Text(
                self.x + swatch_width + 4,
                self.y + 1,
                label,
                self.t["foreground"],
                11,
                self.t["background"],
            )
        )
        self.x += need + 12


def build(
    data: ConversationData,
    options: dict[str, Any],
    *,
    width: int = 1100,
    theme: str = "light",
    page: int = 1,
    max_rows: int = MAX_ROWS,
) -> Scene:
    """The minimap of ``data`` under the widget ``options``, as shapes."""
    t = THEMES[theme]
    dark = theme == "dark"
    rows = lay.visible_rows(data, options)
    pages = max(1, math.ceil(len(rows) / max_rows))
    if not 1 <= page <= pages:
        raise ValueError(
            f"page must be between 1 and {pages} ({len(rows):,} rows, {max_rows:,} per page)"
        )
    shown = rows[(page - 1) * max_rows : page * max_rows]
    conv = data.conversations
    mode = options.get("width_mode", "duration")
    scale = options.get("scale", "sqrt")
    shared = options.get("time_axis", "shared") == "shared"
    statuses = set(options.get("filter_status", []))
    categories = set(options.get("filter_category", []))
    cols = lay.columns(width)
    span_start, span_end = lay.span_offsets(data)
    fb_start, fb_end = lay.feedback_offsets(data)
    weights = _row_weights(data, rows, span_start, span_end, mode, scale)
    axis_max = float(weights.max()) if len(weights) else 0.0
    wall = conv["wall_time_ms"].to_numpy(dtype="float64")
    full_ms = float(wall[rows].max()) if len(rows) else 0.0
    row_weight = dict(zip(rows.tolist(), weights.tolist(), strict=True))

    # every shown row laid out first (the legend lists only what the rows draw); the
    # columns are read once for the shown rows, not per row
    spans = _Gathered(data.spans, span_start[shown], span_end[shown])
    durations = spans.column("duration_ms", "float64")
    turns = spans.column("turn_index", "int64")
    frames = spans.column("frames_turn", "bool")
    stats = spans.codes("status")
    cats = spans.codes("category")
    errors = [s == "ERROR" for s in stats]
    feedback = _RowsFeedback(data, shown, fb_start, fb_end)
    laid: list[tuple[int, lay.RowLayout | None, list[lay.MarkerItem]]] = []
    for r, c in enumerate(shown.tolist()):
        a, b = spans.bounds[r]
        markers = feedback.row(r)
        if a == b:
            laid.append((c, None, lay.layout_markers(markers, _empty_row(cols), cols, rating_text)))
            continue
        avail = float(cols.track_width)
        if shared and axis_max > 0:
            avail = min(cols.track_width, cols.track_width * row_weight[c] / axis_max)
        row = lay.layout_spans(
            durations[a:b],
            turns[a:b],
            errors[a:b],
            frames[a:b],
            cols.track_x,
            avail,
            mode,
            scale,
            cols.track_width,
        )
        laid.append((c, row, lay.layout_markers(markers, row, cols, rating_text)))
    capped = conv["at_span_cap"].to_numpy()
    any_capped = bool(capped[shown].any()) if len(shown) else False
    any_unplaced = any(item.kind == "unplaced" for _, _, items in laid for item in items)

    scene = Scene(float(width), 0.0, t["background"])
    shapes = scene.shapes
    bg = t["background"]
    sort_by = options.get("sort_by", "input")
    title = (
        f"{len(rows):,} of {len(conv):,} conversations · sorted by {sort_by} "
        f"({_direction_words(options)})"
    )
    if statuses or categories or options.get("filter_has_feedback"):
        parts = [*sorted(statuses), *sorted(categories)]
        if options.get("filter_has_feedback"):
            parts.append("with feedback")
        title += " · filters: " + ", ".join(parts)
    y = 8.0
    shapes.append(Text(12, y, fit_text(title, width - 24, 12, True), t["foreground"], 12, bg, True))
    y += 18
    if pages > 1:
        first = (page - 1) * max_rows + 1
        note = (
            f"Page {page} of {pages}: rows {first:,}-{first + len(shown) - 1:,} "
            f"of {len(rows):,} (pass page= for the others)"
        )
        shapes.append(Text(12, y, fit_text(note, width - 24, 11, True), t["warning"], 11, bg, True))
        y += 18
    y = _legend(scene, data, t, dark, y, width, any_unplaced, any_capped)
    for line in _wrap(key_text(options, full_ms), width - 24, 11):
        shapes.append(Text(12, y, line, t["muted"], 11, bg))
        y += 16
    header = y + 8
    shapes.append(Rect(0, header - 3, width, header - 2, t["divider"]))
    scene.height = header + max(1, len(shown)) * lay.ROW_HEIGHT + 4

    ids = conv["conversation_id"].tolist() if len(shown) else []
    n_turns = conv["n_turns"].to_numpy(dtype=np.int64).tolist()
    n_errors = conv["n_errors"].to_numpy(dtype=np.int64).tolist()
    for r, (c, drawn, items) in enumerate(laid):
        top = header + r * lay.ROW_HEIGHT
        row_bg = t["rowAlt"] if r % 2 else bg
        if r % 2:
            shapes.append(Rect(0, top, width, top + lay.ROW_HEIGHT, row_bg))
        cid = str(ids[c])
        label = _RowLabel(
            cid, int(span_end[c] - span_start[c]), n_turns[c], n_errors[c], wall[c], bool(capped[c])
        )
        _label(shapes, label, top, cols, t, row_bg)
        if capped[c]:
            _cap(shapes, cols.track_x - 6, top + lay.TRACK_TOP, t["warning"], lay.TRACK_HEIGHT)
        if drawn is not None:
            a, b = spans.bounds[r]
            _spans(
                scene,
                data,
                cats[a:b],
                stats[a:b],
                cid,
                drawn,
                top,
                t,
                options,
                statuses,
                categories,
            )
        _markers(scene, cid, items, top, t, dark, row_bg)
    if not len(shown):
        shapes.append(
            Text(
                16,
                header + 12,
                "No conversation matches the filters." if len(conv) else "No conversations.",
                t["muted"],
                13,
                bg,
            )
        )
    return scene


def _legend(
    scene: Scene,
    data: ConversationData,
    t: dict[str, str],
    dark: bool,
    y: float,
    width: float,
    any_unplaced: bool,
    any_capped: bool,
) -> float:
    """The widget's legend, wrapped at the image width, from ``y``; returns the y below it.
    The "?" and span-cap entries show only when the page draws them."""
    shapes = scene.shapes
    bg = t["background"]
    legend = _Legend(scene, t, y, width - 12)
    for name, color in data.category_colors.items():
        legend.entry(
            14, name, lambda x, y, c=color: shapes.append(Rect(x, y + 3, x + 14, y + 14, c))
        )
    for name in STATUS_LEGEND:
        color = STATUS_COLORS[name]

        def status_swatch(
            x: float, y: float, c: str = color, error: bool = name == "ERROR"
        ) -> None:
            shapes.append(Rect(x, y + 3, x + 14, y + 14, c))
            if error:
                shapes.append(Hatch(x + 2, y + 5, x + 12, y + 12, t["hatch"]))
                shapes.append(Outline(x, y + 3, x + 14, y + 14, t["errorOutline"], 2))

        legend.entry(14, name, status_swatch)
    legend.entry(
        14,
        "turn root span",
        lambda x, y: shapes.append(Rect(x, y + 10, x + 14, y + 14, CATEGORY_COLORS["agent"])),
    )
    legend.entry(14, "emoji tag", lambda x, y: shapes.append(Emoji(x, y + 1, 12, "👍", bg)))
    sample = lay.tag_label("tag")
    legend.entry(
        lay.tag_width(sample),
        "text tag (first letters)",
        lambda x, y: _tag(shapes, x, y + 1, lay.tag_width(sample), sample, t, bg),
    )
    legend.entry(5, "conversation feedback", lambda x, y: _bracket(shapes, x, y + 1, t))
    stops = [
        (s, c)
        for s, c in zip(RATING_STOPS, RATING_COLORS_DARK if dark else RATING_COLORS, strict=True)
    ]
    legend.entry(
        24, "rating 0→1", lambda x, y: shapes.append(Gradient(x, y + 2, x + 24, y + 14, stops))
    )
    if any_unplaced:
        legend.entry(
            12, "feedback on a turn not drawn", lambda x, y: _unplaced(shapes, x, y + 1, t, bg)
        )
    if any_capped:
        legend.entry(
            6, "older spans dropped", lambda x, y: _cap(shapes, x, y + 1, t["warning"], 14)
        )
    return legend.y + 18


def _empty_row(cols: lay.Columns) -> lay.RowLayout:
    return lay.RowLayout([], [], [], {}, [], cols.track_x)


def _row_weights(
    data: ConversationData,
    rows: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    mode: str,
    scale: str,
) -> np.ndarray:
    """Each row's weight on a shared axis (``rowWeight`` in js/src/layout.ts), vectorised."""
    if mode == "uniform":
        frames = data.spans["frames_turn"].to_numpy(dtype=np.int64)
        framed = np.concatenate(([0], np.cumsum(frames)))
        n = (end - start)[rows]
        marks = n - (framed[end[rows]] - framed[start[rows]])
        counted: np.ndarray = np.maximum(marks, (n > 0).astype(np.int64)).astype("float64")
        return counted
    wall = np.maximum(data.conversations["wall_time_ms"].to_numpy(dtype="float64")[rows], 0.0)
    scaled: np.ndarray = (
        np.sqrt(wall) if scale == "sqrt" else np.log1p(wall) if scale == "log" else wall
    )
    return scaled


class _Gathered:
    """The rows ``starts[r]:ends[r]`` of ``frame`` for each shown row ``r``, read once."""

    def __init__(self, frame: pd.DataFrame, starts: np.ndarray, ends: np.ndarray) -> None:
        lengths = (ends - starts).astype(np.int64)
        cut = np.concatenate(([0], np.cumsum(lengths)))
        self.bounds = [(int(cut[r]), int(cut[r + 1])) for r in range(len(lengths))]
        total = int(cut[-1])
        self.positions = (
            np.repeat(starts - cut[:-1], lengths) + np.arange(total, dtype=np.int64)
            if total
            else np.zeros(0, dtype=np.int64)
        )
        self.frame = frame

    def column(self, name: str, dtype: str) -> list[Any]:
        values = self.frame[name].to_numpy(dtype=dtype)
        return values[self.positions].tolist()  # type: ignore[no-any-return]

    def codes(self, name: str) -> list[str]:
        """A categorical column as its names."""
        column = self.frame[name]
        names = np.asarray(column.cat.categories.astype(str), dtype=object)
        return names[column.cat.codes.to_numpy()[self.positions]].tolist()  # type: ignore[no-any-return]


class _RowsFeedback:
    """The shown rows' feedback markers and their ratings, read once."""

    def __init__(
        self, data: ConversationData, shown: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> None:
        fb = _Gathered(data.feedback, start[shown], end[shown])
        self.bounds = fb.bounds
        feedback = data.feedback
        self.index = feedback["feedback_index"].to_numpy(dtype="int64")[fb.positions].tolist()
        turn = feedback["turn_index"].to_numpy(dtype="float64", na_value=np.nan)[fb.positions]
        self.turn = [None if math.isnan(v) else int(v) for v in turn.tolist()]
        self.level = fb.codes("level") if len(feedback) else []
        self.tags = feedback["tags"].to_numpy()[fb.positions].tolist()
        r_start, r_end = lay.rating_offsets(data)
        ratings = _Gathered(data.ratings, r_start[shown], r_end[shown])
        self.rating_bounds = ratings.bounds
        self.rating_index = (
            data.ratings["feedback_index"].to_numpy(dtype="int64")[ratings.positions].tolist()
        )
        self.rating_value = (
            data.ratings["value"].to_numpy(dtype="float64")[ratings.positions].tolist()
        )

    def row(self, r: int) -> lay.RowFeedback:
        """Row ``r``'s markers, in the payload's order, each with its ratings."""
        out = lay.RowFeedback()
        a, b = self.bounds[r]
        if a == b:
            return out
        by_marker: dict[int, list[float]] = {}
        ra, rb = self.rating_bounds[r]
        for index, value in zip(self.rating_index[ra:rb], self.rating_value[ra:rb], strict=True):
            by_marker.setdefault(index, []).append(value)
        for m in range(a, b):
            out.level.append(self.level[m])
            out.turn.append(self.turn[m])
            out.tags.append([str(tag) for tag in self.tags[m]])
            out.ratings.append(by_marker.get(self.index[m], []))
        return out


@dataclass(frozen=True)
class _RowLabel:
    conversation_id: str
    n_spans: int
    n_turns: int
    n_errors: int
    wall_ms: float
    capped: bool


def _label(
    shapes: list[Shape],
    row: _RowLabel,
    top: float,
    cols: lay.Columns,
    t: dict[str, str],
    bg: str,
) -> None:
    """The row label: id (cut in the middle), then spans, turns, errors and wall time, as
    ``labelTexts`` in js/src/render.ts: when the details do not fit, the span and then the
    turn counts go first, so errors and wall time stay."""
    max_width = cols.label_width - 16
    cid = fit_middle(row.conversation_id, max_width, 12, True)
    shapes.append(Text(12, top + 4, cid, t["foreground"], 12, bg, True))
    tail: list[tuple[str, str]] = []
    if row.n_errors:
        tail.append((f"{row.n_errors:,} err", STATUS_COLORS["ERROR"]))
    if row.n_spans:
        tail.append((format_duration(row.wall_ms), t["muted"]))
    spans = f"{row.n_spans:,}+ spans" if row.capped else _plural(row.n_spans, "span")
    turns = _plural(row.n_turns, "turn")

    def join(lead: list[str]) -> list[tuple[str, str]]:
        pieces = [(text, t["muted"]) for text in lead] + tail
        return [(f" · {text}" if i else text, color) for i, (text, color) in enumerate(pieces)]

    choices = [p for p in (join([spans, turns]), join([turns]), join([])) if p]
    fits = [p for p in choices if text_width("".join(x for x, _ in p), 11) <= max_width]
    x = 12.0
    for text, color in fits[0] if fits else choices[-1]:
        fitted = fit_text(text, 12 + max_width - x, 11)
        shapes.append(Text(x, top + 21, fitted, color, 11, bg))
        x += text_width(fitted, 11)
        if fitted != text:
            break


def _spans(
    scene: Scene,
    data: ConversationData,
    cats: list[str],
    stats: list[str],
    cid: str,
    row: lay.RowLayout,
    top: float,
    t: dict[str, str],
    options: dict[str, Any],
    statuses: set[str],
    categories: set[str],
) -> None:
    shapes = scene.shapes
    n = len(row.x)
    by_status = options.get("color_by", "category") == "status"
    colors = data.category_colors
    mark_h = lay.TRACK_HEIGHT - lay.FRAME_BAND - 1
    t0 = top + lay.TRACK_TOP
    for dx in row.dividers:
        x = math.floor(dx)
        shapes.append(
            Rect(
                x,
                top + lay.MARKER_TOP + lay.MARKER_HEIGHT + 1,
                x + 1,
                t0 + mark_h + 2,
                t["turnDivider"],
            )
        )
    bg = t["background"]
    for i in range(n):
        status = stats[i]
        error = status == "ERROR"
        color = _STATUS_COLORS[status] if error or by_status else colors.get(cats[i], "#8a8f98")
        if (statuses and status not in statuses) or (categories and cats[i] not in categories):
            color = mix(color, bg, 0.82)
        x0 = row.x[i]
        x1 = max(x0 + row.w[i], x0 + 0.5)
        if row.frame[i]:
            shapes.append(
                Rect(x0, t0 + mark_h + 1, x1, t0 + mark_h + 1 + lay.FRAME_BAND, color, "frame")
            )
            if error:
                k = x0
                while k < x1:
                    shapes.append(
                        Rect(
                            k,
                            t0 + mark_h + 1,
                            min(k + 3, x1),
                            t0 + mark_h + 1 + lay.FRAME_BAND,
                            t["errorOutline"],
                        )
                    )
                    k += 6
            continue
        scene.spans.append((cid, i, x0, x1 - x0))
        shapes.append(Rect(x0, t0, x1, t0 + mark_h, color, "span"))
        if error:
            if x1 - x0 > 6:
                shapes.append(Hatch(x0 + 2, t0 + 2, x1 - 2, t0 + mark_h - 2, t["hatch"]))
            shapes.append(Outline(x0, t0, x1, t0 + mark_h, t["errorOutline"], 2))
            shapes.append(
                Rect(x0, t0 - 3, max(x1, x0 + 2), t0 - 1, STATUS_COLORS["ERROR"], "notch")
            )


_STATUS_COLORS: dict[str, str] = {str(k): v for k, v in STATUS_COLORS.items()}


def _markers(
    scene: Scene,
    cid: str,
    items: list[lay.MarkerItem],
    top: float,
    t: dict[str, str],
    dark: bool,
    bg: str,
) -> None:
    shapes = scene.shapes
    y = top + lay.MARKER_TOP
    h = lay.MARKER_HEIGHT
    for item in items:
        scene.markers.append((cid, item))
        if item.kind == "conversation":
            _bracket(shapes, item.x, y, t)
        elif item.kind == "emoji":
            shapes.append(Emoji(item.x, y + 0.5, 12, item.text, bg))
        elif item.kind == "tag":
            _tag(shapes, item.x, y, item.w, lay.tag_label_for(item.text, item.w), t, bg)
        elif item.kind == "unplaced":
            _unplaced(shapes, item.x, y, t, bg)
        else:
            fill = badge_color(item.value, dark)
            shapes.append(Rect(item.x, y, item.x + item.w, y + h, fill, "rating", 3))
            shapes.append(
                Text(item.x + item.w / 2, y + 0.5, item.text, t["badgeText"], 11, fill, True, True)
            )


def _tag(
    shapes: list[Shape], x: float, y: float, w: float, label: str, t: dict[str, str], bg: str
) -> None:
    """A price-tag shape (pointed left end) holding the tag's first letters."""
    h = lay.MARKER_HEIGHT
    points = [
        (x, y + h / 2),
        (x + 4, y + 0.5),
        (x + w, y + 0.5),
        (x + w, y + h - 0.5),
        (x + 4, y + h - 0.5),
    ]
    shapes.append(Polygon(points, t["tagFill"]))
    # wide letters may not fit the 6 px a character the layout gives them: cut further
    fitted = fit_text(label, w - 6, 9.5)
    shapes.append(Text(x + 5, y + 1.5, fitted, t["background"], 9.5, t["tagFill"], role="tag"))


def _bracket(shapes: list[Shape], x: float, y: float, t: dict[str, str]) -> None:
    """The bracket that sets conversation feedback apart from turn-1 feedback at the row start."""
    h = lay.MARKER_HEIGHT
    points = [(x + 4, y + 0.75), (x + 1, y + 0.75), (x + 1, y + h - 0.75), (x + 4, y + h - 0.75)]
    shapes.append(Polygon(points, t["muted"], 1.5))


def _unplaced(shapes: list[Shape], x: float, y: float, t: dict[str, str], bg: str) -> None:
    """ "?": the feedback after it is on a turn whose spans are not in the data."""
    w = lay.ITEM_WIDTH["unplaced"]
    shapes.append(Outline(x, y, x + w, y + lay.MARKER_HEIGHT, t["muted"], 1))
    shapes.append(Text(x + w / 2, y + 0.5, "?", t["foreground"], 11, bg, True, True))


def _cap(shapes: list[Shape], x: float, y: float, color: str, h: float) -> None:
    """A torn edge: older spans exist but the server's span cap dropped them."""
    shapes.append(Polygon([(x + (3 if j % 2 else 0), y + j * h / 4) for j in range(5)], color, 1.5))


__all__ = ["MAX_ROWS", "THEMES", "Scene", "build", "key_text", "rating_color"]
