"""The minimap as a still image (PNG, or SVG/HTML wrapping it), drawn the way the widget draws it.

The same rows (filters, then the sort, as ``js/src/rows.ts``), the same encoding (turns as the
unit, the root span as a band under its turn, shared time axis or fit-to-row, ERROR hatched
with an outline and a notch, feedback at its turn, conversation feedback marked, the span-cap
mark), the same legend and width key, with Pillow: no browser, no Vega, so 200 conversations
draw in well under a second. More rows than ``max_rows`` are paged, and the image says which
page it shows.
"""

from __future__ import annotations

import base64
import io
import math
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw, ImageFont

from weave_widgets.data._frames import ConversationData
from weave_widgets.palette import (
    CATEGORIES,
    CATEGORY_COLORS,
    NO_RATING_COLOR,
    NO_RATING_COLOR_DARK,
    RATING_COLORS,
    RATING_COLORS_DARK,
    RATING_STOPS,
    RATING_TEXT_COLOR,
    RATING_TEXT_COLOR_DARK,
    SORT_DIRECTION_LABELS,
    STATUS_COLORS,
    STATUS_LEGEND,
)

ROW_HEIGHT = 40
LABEL_WIDTH = 240
TRACK_TOP = 19
TRACK_HEIGHT = 16
FRAME_BAND = 4
MARKER_TOP = 3
MARKER_HEIGHT = 13
MIN_MARK = 2
MIN_ERROR = 6
TURN_GAP = 4
PAD_RIGHT = 14
MAX_ROWS = 500
"""Rows per image; more are paged (``page=``) and the image says which rows it shows."""

THEMES: dict[str, dict[str, str]] = {
    "light": {
        "background": "#ffffff",
        "foreground": "#1f2328",
        "muted": "#656d76",
        "row_alt": "#f6f8fa",
        "divider": "#c9d1d9",
        "turn_divider": "#848d97",
        "error_outline": "#5c0a0a",
        "hatch": "#ff8a8a",
        "warning": "#9a6700",
        "tag": "#57606a",
    },
    "dark": {
        "background": "#16191f",
        "foreground": "#e6edf3",
        "muted": "#8d96a0",
        "row_alt": "#1c2028",
        "divider": "#3d444d",
        "turn_divider": "#6e7681",
        "error_outline": "#ffd1d1",
        "hatch": "#8c1010",
        "warning": "#d29922",
        "tag": "#b1bac4",
    },
}
"""The widget's themes (js/src/theme.ts), the parts an image needs."""

_FONT_DIR = Path("/usr/share/fonts/truetype")


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for path in (_FONT_DIR / "dejavu" / name, Path(name)):
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            continue
    return ImageFont.load_default(size)


@cache
def _emoji(text: str, size: int) -> Image.Image | None:
    """A colour emoji glyph at ``size`` px (Noto Color Emoji draws at 109 px only), or None."""
    try:
        font = ImageFont.truetype(str(_FONT_DIR / "noto" / "NotoColorEmoji.ttf"), 109)
    except OSError:
        return None
    glyph = Image.new("RGBA", (140, 128), (0, 0, 0, 0))
    ImageDraw.Draw(glyph).text((0, 0), text, font=font, embedded_color=True)
    box = glyph.getbbox()
    if box is None:
        return None
    return glyph.crop(box).resize((size, size), Image.Resampling.LANCZOS)


def is_emoji(tag: str) -> bool:
    """Tags made only of emoji (drawn as the glyph), as ``isEmoji`` in js/src/layout.ts."""
    import emoji

    return bool(tag) and emoji.purely_emoji(tag)


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def rating_color(value: float, dark: bool = False) -> tuple[int, int, int]:
    """The badge colour of a rating, as ``ratingColor`` in js/src/theme.ts."""
    if not math.isfinite(value):
        return _rgb(NO_RATING_COLOR_DARK if dark else NO_RATING_COLOR)
    colors = [_rgb(c) for c in (RATING_COLORS_DARK if dark else RATING_COLORS)]
    t = min(RATING_STOPS[-1], max(RATING_STOPS[0], value))
    seg = 0
    while seg < len(RATING_STOPS) - 2 and t > RATING_STOPS[seg + 1]:
        seg += 1
    u = (t - RATING_STOPS[seg]) / (RATING_STOPS[seg + 1] - RATING_STOPS[seg])
    low, high = colors[seg], colors[seg + 1]
    r, g, b = (math.floor(a + (z - a) * u + 0.5) for a, z in zip(low, high, strict=True))
    return (r, g, b)


def weight(ms: float, mode: str, scale: str) -> float:
    """As ``weight`` in js/src/layout.ts."""
    if mode == "uniform":
        return 1.0
    d = max(0.0, float(ms))
    return math.sqrt(d) if scale == "sqrt" else math.log1p(d) if scale == "log" else d


def visible_rows(data: ConversationData, options: dict[str, Any]) -> list[int]:
    """Positions in ``data.conversations`` of the rows shown, in display order (filters, then
    a stable sort with unrated conversations last), as ``visibleRows`` in js/src/rows.ts."""
    conv = data.conversations
    spans = data.spans
    statuses = list(options.get("filter_status", []))
    categories = list(options.get("filter_category", []))
    match = pd.Series(True, index=spans.index)
    if statuses:
        match &= spans["status"].isin(statuses)
    if categories:
        match &= spans["category"].isin(categories)
    ids = conv["conversation_id"]
    keep = pd.Series(True, index=conv.index)
    if statuses or categories:
        keep &= ids.isin(spans.loc[match, "conversation_id"])
    if options.get("filter_has_feedback"):
        keep &= conv["n_feedback"] > 0
    rows = [int(i) for i in np.flatnonzero(keep.to_numpy())]
    sort_by = options.get("sort_by", "input")
    descending = bool(options.get("sort_descending", False))
    column = {
        "errors": "n_errors",
        "duration": "wall_time_ms",
        "rating": "mean_rating",
        "turns": "n_turns",
        "spans": "n_spans",
    }.get(sort_by)
    if column is None:
        return rows[::-1] if descending else rows
    key = conv[column].astype("float64").to_numpy()
    sign = -1.0 if descending else 1.0
    return sorted(
        rows, key=lambda c: (math.isnan(key[c]), 0.0 if math.isnan(key[c]) else sign * key[c], c)
    )


def layout_spans(
    durations: list[float],
    turns: list[int],
    errors: list[bool],
    frames: list[bool],
    track_x: float,
    track_width: float,
    mode: str,
    scale: str,
    max_width: float,
) -> tuple[list[float], list[float], list[float]]:
    """Left edges, widths and turn dividers, as ``layoutSpans`` in js/src/layout.ts."""
    n = len(durations)
    x = [0.0] * n
    w = [0.0] * n
    if n == 0:
        return x, w, []
    starts = [i for i in range(n) if i == 0 or turns[i] != turns[i - 1]] + [n]
    runs = len(starts) - 1
    framed = [False] * n
    run_weight = [0.0] * runs
    run_inner = [0.0] * runs
    marks = 0
    min_total = 0.0
    for k in range(runs):
        summed = inner = 0.0
        framed_ms: float | None = None
        for i in range(starts[k], starts[k + 1]):
            if i == starts[k] and frames[i] and starts[k + 1] - i > 1:
                framed[i] = True
                framed_ms = durations[i]
                continue
            marks += 1
            summed += max(0.0, durations[i])
            inner += weight(durations[i], mode, scale)
            min_total += MIN_ERROR if errors[i] else MIN_MARK
        run_inner[k] = inner
        wall = summed if framed_ms is None else framed_ms
        run_weight[k] = inner if mode == "uniform" else weight(wall, mode, scale)
    total = sum(run_weight)
    boundaries = runs - 1
    track_width = max(track_width, min(max_width, min_total + boundaries * TURN_GAP + marks - runs))
    turn_gap: float = TURN_GAP
    span_gap = 1 if track_width / marks >= 5 else 0
    avail = track_width - boundaries * turn_gap - (marks - runs) * span_gap
    if avail < marks:
        turn_gap, span_gap = 1, 0
        avail = track_width - boundaries
    avail = max(avail, 0.0)
    shrink = min(1.0, avail / min_total) if min_total else 1.0
    spare = max(0.0, avail - min_total * shrink)
    dividers: list[float] = []
    cursor = track_x
    for k in range(runs):
        if k:
            dividers.append(cursor + turn_gap / 2)
            cursor += turn_gap
        run_spare = spare * run_weight[k] / total if total > 0 else spare / runs
        left = cursor
        drawn = sum(1 for i in range(starts[k], starts[k + 1]) if not framed[i])
        first = True
        for i in range(starts[k], starts[k + 1]):
            if framed[i]:
                continue
            if not first:
                cursor += span_gap
            first = False
            share = (
                weight(durations[i], mode, scale) / run_inner[k] if run_inner[k] > 0 else 1 / drawn
            )
            x[i] = cursor
            w[i] = (MIN_ERROR if errors[i] else MIN_MARK) * shrink + run_spare * share
            cursor += w[i]
        if framed[starts[k]]:
            x[starts[k]] = left
            w[starts[k]] = cursor - left
    return x, w, dividers


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


def render(
    data: ConversationData,
    options: dict[str, Any],
    *,
    width: int = 1100,
    theme: str = "light",
    page: int = 1,
    max_rows: int = MAX_ROWS,
    scale_factor: float = 2,
) -> Image.Image:
    """The minimap of ``data`` under the widget ``options`` as an RGB image."""
    t = THEMES[theme]
    dark = theme == "dark"
    rows = visible_rows(data, options)
    pages = max(1, math.ceil(len(rows) / max_rows))
    if not 1 <= page <= pages:
        raise ValueError(
            f"page must be between 1 and {pages} ({len(rows):,} rows, {max_rows:,} per page)"
        )
    shown = rows[(page - 1) * max_rows : page * max_rows]
    conv = data.conversations
    spans_by = _grouped(
        data.spans, ["duration_ms", "turn_index", "frames_turn", "category", "status"]
    )
    feedback_by = _grouped(data.feedback, ["feedback_index", "turn_index", "level", "tags"])
    ratings_by = _grouped(data.ratings, ["feedback_index", "value"])
    no_spans: dict[str, list[Any]] = {
        "duration_ms": [],
        "turn_index": [],
        "frames_turn": [],
        "category": [],
        "status": [],
    }
    no_feedback: dict[str, list[Any]] = {
        "feedback_index": [],
        "turn_index": [],
        "level": [],
        "tags": [],
    }
    no_ratings: dict[str, list[Any]] = {"feedback_index": [], "value": []}
    mode = options.get("width_mode", "duration")
    scale = options.get("scale", "sqrt")
    shared = options.get("time_axis", "shared") == "shared"
    color_by = options.get("color_by", "category")
    statuses = set(options.get("filter_status", []))
    categories = set(options.get("filter_category", []))

    def row_weight(c: int) -> float:
        if mode == "uniform":
            cid = conv["conversation_id"].iloc[c]
            frames = spans_by.get(cid, no_spans)["frames_turn"]
            return float(max(len(frames) - sum(frames), 1 if frames else 0))
        return weight(float(conv["wall_time_ms"].iloc[c]), mode, scale)

    axis_max = max((row_weight(c) for c in rows), default=0.0)
    full_ms = max((float(conv["wall_time_ms"].iloc[c]) for c in rows), default=0.0)

    # header: title line, legend, key
    header_lines = 4 + (1 if pages > 1 else 0)  # title, [page], two legend lines, key
    header = 8 + header_lines * 18 + 6
    height = header + max(1, len(shown)) * ROW_HEIGHT + 4
    k = scale_factor
    image = Image.new("RGB", (round(width * k), round(height * k)), _rgb(t["background"]))
    draw = ImageDraw.Draw(image)

    def box(
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        fill: Any = None,
        outline: Any = None,
        w: float = 1,
    ) -> None:
        draw.rectangle(
            [
                round(x0 * k),
                round(y0 * k),
                max(round(x0 * k), round(x1 * k) - 1),
                max(round(y0 * k), round(y1 * k) - 1),
            ],
            fill=fill,
            outline=outline,
            width=max(1, round(w * k)) if outline else 0,
        )

    def text(
        x: float,
        y: float,
        s: str,
        color: str | tuple[int, int, int],
        size: int = 12,
        bold: bool = False,
    ) -> float:
        font = _font(round(size * k), bold)
        draw.text((round(x * k), round(y * k)), s, fill=color, font=font)
        return float(draw.textlength(s, font=font)) / k

    n_total = len(conv)
    filtered = bool(statuses or categories)
    sort_by = options.get("sort_by", "input")
    title = (
        f"{len(rows):,} of {n_total:,} conversations · sorted by {sort_by} "
        f"({_direction_words(options)})"
    )
    if filtered or options.get("filter_has_feedback"):
        parts = [*sorted(statuses), *sorted(categories)]
        if options.get("filter_has_feedback"):
            parts.append("with feedback")
        title += " · filters: " + ", ".join(parts)
    y = 8.0
    text(12, y, title, t["foreground"], 12, True)
    y += 18
    if pages > 1:
        first = (page - 1) * max_rows + 1
        text(
            12,
            y,
            f"Page {page} of {pages}: rows {first:,}-{first + len(shown) - 1:,} "
            f"of {len(rows):,} (pass page= for the others)",
            t["warning"],
            11,
            True,
        )
        y += 18
    # legend
    x = 12.0
    for name in CATEGORIES:
        box(x, y + 3, x + 14, y + 14, fill=_rgb(CATEGORY_COLORS[name]))
        x += 18 + text(x + 18, y + 1, name, t["foreground"], 11) + 12
    for name in STATUS_LEGEND:
        color = _rgb(STATUS_COLORS[name])
        box(x, y + 3, x + 14, y + 14, fill=color)
        if name == "ERROR":
            box(x, y + 3, x + 14, y + 14, outline=_rgb(t["error_outline"]), w=2)
        x += 18 + text(x + 18, y + 1, name, t["foreground"], 11) + 12
    box(x, y + 10, x + 14, y + 14, fill=_rgb(CATEGORY_COLORS["agent"]))
    x += 18 + text(x + 18, y + 1, "turn root span", t["foreground"], 11) + 12
    y += 18
    x = 12.0
    badge = rating_color(0.5, dark)
    box(x, y + 2, x + 24, y + 15, fill=badge)
    x += 28 + text(x + 28, y + 1, "rating 0→1", t["foreground"], 11) + 12
    _tag_shape(draw, x, y + 2, k, _rgb(t["tag"]), _rgb(t["background"]))
    x += 14 + text(x + 14, y + 1, "text tag", t["foreground"], 11) + 12
    _conversation_mark(draw, x, y + 2, k, _rgb(t["muted"]))
    x += 10 + text(x + 10, y + 1, "conversation feedback", t["foreground"], 11) + 12
    if any(bool(conv["at_span_cap"].iloc[c]) for c in shown):
        _cap(draw, x, y + 1, k, _rgb(t["warning"]), 14)
        x += 8 + text(x + 8, y + 1, "older spans dropped", t["foreground"], 11) + 12
    y += 18
    text(12, y, key_text(options, full_ms), t["muted"], 11)
    y = float(header)
    box(0, y - 3, width, y - 2, fill=_rgb(t["divider"]))

    track_x = LABEL_WIDTH + 8
    track_width = width - track_x - PAD_RIGHT
    for r, c in enumerate(shown):
        top = y + r * ROW_HEIGHT
        if r % 2:
            box(0, top, width, top + ROW_HEIGHT, fill=_rgb(t["row_alt"]))
        row = conv.iloc[c]
        cid = str(row["conversation_id"])
        s = spans_by.get(cid, no_spans)
        n_spans = len(s["status"])
        text(12, top + 4, _middle(cid, 30), t["foreground"], 12, True)
        meta = f"{n_spans}{'+' if row['at_span_cap'] else ''} spans · {int(row['n_turns'])} turns"
        mx = 12 + text(12, top + 21, meta, t["muted"], 11)
        if int(row["n_errors"]):
            mx += text(mx, top + 21, f" · {int(row['n_errors'])} err", STATUS_COLORS["ERROR"], 11)
        if n_spans:
            text(mx, top + 21, f" · {format_duration(float(row['wall_time_ms']))}", t["muted"], 11)
        if bool(row["at_span_cap"]):
            _cap(draw, track_x - 6, top + TRACK_TOP, k, _rgb(t["warning"]), TRACK_HEIGHT)
        if not n_spans:
            continue
        avail = float(track_width)
        if shared and axis_max > 0:
            avail = min(track_width, track_width * row_weight(c) / axis_max)
        errors = [status == "ERROR" for status in s["status"]]
        xs, ws, dividers = layout_spans(
            [float(d) for d in s["duration_ms"]],
            s["turn_index"],
            errors,
            s["frames_turn"],
            track_x,
            avail,
            mode,
            scale,
            track_width,
        )
        mark_h = TRACK_HEIGHT - FRAME_BAND - 1
        t0 = top + TRACK_TOP
        for dx in dividers:
            box(
                dx,
                top + MARKER_TOP + MARKER_HEIGHT + 1,
                dx + 1,
                t0 + TRACK_HEIGHT + 2,
                fill=_rgb(t["turn_divider"]),
            )
        cats = s["category"]
        stats = s["status"]
        frames = s["frames_turn"]
        turns = s["turn_index"]
        turn_x: dict[int, float] = {}
        for i, turn in enumerate(turns):
            turn_x.setdefault(turn, xs[i])
        for i in range(n_spans):
            dim = (statuses and stats[i] not in statuses) or (
                categories and cats[i] not in categories
            )
            color = _rgb(
                STATUS_COLORS[stats[i]]
                if stats[i] == "ERROR" or color_by == "status"
                else CATEGORY_COLORS[cats[i]]
            )
            if dim:
                color = _mix(color, _rgb(t["background"]), 0.82)
            x0, x1 = xs[i], max(xs[i] + ws[i], xs[i] + 1)
            if frames[i] and i + 1 < n_spans and turns[i + 1] == turns[i]:
                box(x0, t0 + mark_h + 1, x1, t0 + mark_h + 1 + FRAME_BAND, fill=color)
                continue
            box(x0, t0, x1, t0 + mark_h, fill=color)
            if errors[i]:
                if x1 - x0 > 6:
                    _hatch(draw, x0 + 2, t0 + 2, x1 - 2, t0 + mark_h - 2, k, _rgb(t["hatch"]))
                box(x0, t0, x1, t0 + mark_h, outline=_rgb(t["error_outline"]), w=2)
                box(x0, t0 - 3, max(x1, x0 + 2), t0 - 1, fill=_rgb(STATUS_COLORS["ERROR"]))
        _markers(
            draw,
            image,
            k,
            feedback_by.get(cid, no_feedback),
            ratings_by.get(cid, no_ratings),
            turn_x,
            track_x,
            track_x + track_width,
            top,
            t,
            dark,
        )
    if not shown:
        text(
            16,
            y + 12,
            "No conversation matches the filters." if n_total else "No conversations.",
            t["muted"],
            13,
        )
    return image


def _grouped(frame: pd.DataFrame, columns: list[str]) -> dict[str, dict[str, list[Any]]]:
    """Each conversation's rows of ``frame`` as plain lists (the frames keep a conversation's
    rows together, in order), so drawing reads no pandas per row."""
    ids = frame["conversation_id"].tolist()
    values = {
        c: frame[c].astype(str).tolist()
        if isinstance(frame[c].dtype, pd.CategoricalDtype)
        else frame[c].tolist()
        for c in columns
    }
    out: dict[str, dict[str, list[Any]]] = {}
    start = 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[start]:
            out[ids[start]] = {c: v[start:i] for c, v in values.items()}
            start = i
    return out


def _middle(text: str, keep: int) -> str:
    """``text`` cut in the middle, so ids keep the unique ending."""
    return text if len(text) <= keep else f"{text[: keep - 9]}…{text[-8:]}"


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], u: float) -> tuple[int, int, int]:
    r, g, bl = (round(x + (y - x) * u) for x, y in zip(a, b, strict=True))
    return (r, g, bl)


def _hatch(
    draw: ImageDraw.ImageDraw,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    k: float,
    color: tuple[int, int, int],
) -> None:
    h = y1 - y0
    xx = x0 - h
    while xx < x1:
        ax, ay, bx, by = xx, y1, xx + h, y0
        if ax < x0:
            ay -= x0 - ax
            ax = x0
        if bx > x1:
            by += bx - x1
            bx = x1
        if bx > ax:
            draw.line(
                [(ax * k, ay * k), (bx * k, by * k)], fill=color, width=max(1, round(1.2 * k))
            )
        xx += 5


def _tag_shape(
    draw: ImageDraw.ImageDraw,
    x: float,
    y: float,
    k: float,
    fill: tuple[int, int, int],
    hole: tuple[int, int, int],
) -> None:
    pts = [(x, y + 6.5), (x + 3, y + 2), (x + 10, y + 2), (x + 10, y + 11), (x + 3, y + 11)]
    draw.polygon([(px * k, py * k) for px, py in pts], fill=fill)
    draw.ellipse([(x + 3) * k, (y + 5.3) * k, (x + 5.4) * k, (y + 7.7) * k], fill=hole)


def _conversation_mark(
    draw: ImageDraw.ImageDraw, x: float, y: float, k: float, color: tuple[int, int, int]
) -> None:
    """The bracket that sets conversation feedback apart from turn-1 feedback at the row start."""
    draw.line([(x * k, y * k), (x * k, (y + 13) * k)], fill=color, width=max(1, round(2 * k)))
    draw.line([(x * k, y * k), ((x + 4) * k, y * k)], fill=color, width=max(1, round(2 * k)))
    draw.line(
        [(x * k, (y + 13) * k), ((x + 4) * k, (y + 13) * k)], fill=color, width=max(1, round(2 * k))
    )


def _cap(
    draw: ImageDraw.ImageDraw, x: float, y: float, k: float, color: tuple[int, int, int], h: float
) -> None:
    pts = [((x + (3 if j % 2 else 0)) * k, (y + j * h / 4) * k) for j in range(5)]
    draw.line(pts, fill=color, width=max(1, round(1.5 * k)))


def _markers(
    draw: ImageDraw.ImageDraw,
    image: Image.Image,
    k: float,
    feedback: dict[str, list[Any]],
    ratings: dict[str, list[Any]],
    turn_x: dict[int, float],
    track_x: float,
    row_end: float,
    top: float,
    t: dict[str, str],
    dark: bool,
) -> None:
    cursors: dict[float, float] = {}
    drawn_end = -math.inf  # pieces never overlap: nudged right a little, else left out
    y = top + MARKER_TOP
    by_marker: dict[int, list[float]] = {}
    for index, value in zip(ratings["feedback_index"], ratings["value"], strict=True):
        by_marker.setdefault(int(index), []).append(float(value))
    for m, index in enumerate(feedback["feedback_index"]):
        pieces: list[tuple[str, str, float]] = []
        for tag in feedback["tags"][m]:
            pieces.append(("emoji" if is_emoji(tag) else "tag", tag, math.nan))
        for value in by_marker.get(int(index), []):
            pieces.append(("rating", _rating_text(value), value))
        conversation = feedback["level"][m] == "conversation"
        turn = feedback["turn_index"][m]
        if conversation:
            anchor = track_x
        elif pd.notna(turn) and int(turn) in turn_x:
            anchor = turn_x[int(turn)]
        else:
            anchor = row_end - 40
        widths = {"emoji": 14.0, "tag": 10.0, "rating": 28.0}
        need = sum(widths[p[0]] + 2 for p in pieces) + (6 if conversation else 0)
        cursor = cursors.get(anchor, max(track_x, min(anchor, row_end - need)))
        if conversation:
            _conversation_mark(draw, cursor, y, k, _rgb(t["muted"]))
            cursor += 6
        for kind, label, value in pieces:
            nudged = max(cursor, drawn_end + 1)
            if nudged - cursor > 6 or nudged + widths[kind] > row_end:
                cursor += widths[kind] + 2
                continue
            cursor = nudged
            drawn_end = cursor + widths[kind]
            if kind == "emoji":
                glyph = _emoji(label, round(12 * k))
                if glyph is not None:
                    image.paste(glyph, (round(cursor * k), round((y + 0.5) * k)), glyph)
            elif kind == "tag":
                _tag_shape(draw, cursor, y, k, _rgb(t["tag"]), _rgb(t["background"]))
            else:
                fill = rating_color(value, dark)
                draw.rounded_rectangle(
                    [cursor * k, y * k, (cursor + 28) * k, (y + MARKER_HEIGHT) * k],
                    radius=3 * k,
                    fill=fill,
                )
                font = _font(round(11 * k), True)
                tw = draw.textlength(label, font=font)
                color = RATING_TEXT_COLOR_DARK if dark else RATING_TEXT_COLOR
                draw.text(((cursor + 14) * k - tw / 2, (y + 0.5) * k), label, fill=color, font=font)
            cursor += widths[kind] + 2
        cursors[anchor] = cursor


def _rating_text(value: float) -> str:
    """As ``formatRating`` in js/src/format.ts."""
    if not math.isfinite(value):
        return "–"
    if abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.2f}".replace("0.", ".", 1) if abs(value) < 1 else f"{value:.2f}"


def save(image: Image.Image, path: str | Path, scale_factor: float) -> Path:
    """Write ``image`` as PNG, or as SVG / HTML embedding the PNG, by the path's suffix."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".png":
        # run-length deflate: the picture is mostly flat colour, so this is faster and smaller
        image.save(out, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
        return out
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1, compress_type=zlib.Z_RLE)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    w, h = round(image.width / scale_factor), round(image.height / scale_factor)
    if suffix == ".svg":
        out.write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}">'
            f'<image width="{w}" height="{h}" href="data:image/png;base64,{encoded}"/></svg>\n',
            encoding="utf-8",
        )
        return out
    if suffix in (".html", ".htm"):
        out.write_text(
            '<!doctype html><meta charset="utf-8"><title>Conversation minimap</title>'
            f'<img alt="Conversation minimap" width="{w}" height="{h}" '
            f'src="data:image/png;base64,{encoded}">\n',
            encoding="utf-8",
        )
        return out
    raise ValueError(f"save_png: {out.name}: use a .png, .svg or .html path")


__all__ = ["MAX_ROWS", "key_text", "layout_spans", "render", "save", "visible_rows"]
