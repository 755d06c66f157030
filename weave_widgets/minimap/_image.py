"""The two painters of the minimap's still image: PNG (Pillow) and SVG (text), one scene.

``_scene.build`` lays the picture out once; ``png`` paints it into a palette ("P") image, since
the minimap is flat colour: one byte a pixel, drawn and PNG-encoded several times faster than
RGB (text edges are blended towards the colour under them in three steps, emoji take a few
palette entries each). ``svg`` writes the same shapes as vector SVG: rectangles, paths, text as
escaped ``<text>``, the error hatch as a pattern, the rating key as a gradient. ``.html`` embeds
that SVG.
"""

from __future__ import annotations

import math
import zlib
from functools import cache
from html import escape
from itertools import pairwise
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from weave_widgets.minimap._scene import (
    FONT,
    Emoji,
    Gradient,
    Hatch,
    Outline,
    Polygon,
    Rect,
    Scene,
    Text,
    ascent,
    font,
    rgb,
    text_width,
)

_EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
_EMOJI_COLORS = 10
"""Palette entries an emoji glyph is drawn with."""


class _Palette:
    """Colours to palette indices, allocated as drawing asks; past 256 colours the nearest."""

    def __init__(self) -> None:
        self.index_of: dict[tuple[int, int, int], int] = {}
        self.colors: list[tuple[int, int, int]] = []

    def __call__(self, color: tuple[int, int, int]) -> int:
        found = self.index_of.get(color)
        if found is not None:
            return found
        if len(self.colors) < 256:
            found = len(self.colors)
            self.colors.append(color)
        else:
            table = np.asarray(self.colors, dtype=np.int32)
            found = int(((table - np.asarray(color, dtype=np.int32)) ** 2).sum(axis=1).argmin())
        self.index_of[color] = found
        return found

    def flat(self) -> list[int]:
        return [v for color in self.colors for v in color]


def _blend(a: tuple[int, int, int], b: tuple[int, int, int], u: float) -> tuple[int, int, int]:
    r, g, bl = (round(x + (y - x) * u) for x, y in zip(a, b, strict=True))
    return (r, g, bl)


@cache
def _emoji_glyph(
    text: str, px: int, bg: str
) -> tuple[list[tuple[int, int, int]], bytes, bytes, int] | None:
    """``text`` drawn in colour at ``px`` over ``bg`` in a few colours: (colours, indices,
    mask, side), or None without the emoji font."""
    try:
        face = ImageFont.truetype(str(_EMOJI_FONT), 109)  # Noto Color Emoji draws at 109 px only
    except OSError:
        return None
    glyph = Image.new("RGBA", (160, 128), (0, 0, 0, 0))
    ImageDraw.Draw(glyph).text((0, 0), text, font=face, embedded_color=True)
    box = glyph.getbbox()
    if box is None:
        return None
    glyph = glyph.crop(box).resize((px, px), Image.Resampling.LANCZOS)
    flat = Image.new("RGB", (px, px), rgb(bg))
    flat.paste(glyph, (0, 0), glyph)
    quantized = flat.quantize(
        _EMOJI_COLORS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    palette = quantized.getpalette() or []
    colors = [
        (palette[3 * i], palette[3 * i + 1], palette[3 * i + 2]) for i in range(len(palette) // 3)
    ]
    mask = glyph.getchannel("A").point(lambda a: 255 if a > 16 else 0)
    return colors, quantized.tobytes(), mask.tobytes(), px


def png(scene: Scene, scale: float = 2) -> Image.Image:
    """The scene painted at ``scale`` device pixels per CSS pixel, as a palette image."""
    k = scale
    palette = _Palette()
    image = Image.new(
        "P", (round(scene.width * k), round(scene.height * k)), palette(rgb(scene.background))
    )
    draw = ImageDraw.Draw(image)
    ink: dict[str, int] = {}

    def index(color: str) -> int:
        found = ink.get(color)
        if found is None:
            found = ink[color] = palette(rgb(color))
        return found

    def box(x0: float, y0: float, x1: float, y1: float) -> list[int]:
        a, b = round(x0 * k), round(y0 * k)
        return [a, b, max(a, round(x1 * k) - 1), max(b, round(y1 * k) - 1)]

    for s in scene.shapes:
        kind = type(s)
        if kind is Rect:
            assert isinstance(s, Rect)
            if s.radius:
                draw.rounded_rectangle(
                    box(s.x0, s.y0, s.x1, s.y1), radius=s.radius * k, fill=index(s.fill)
                )
            else:
                draw.rectangle(box(s.x0, s.y0, s.x1, s.y1), fill=index(s.fill))
        elif kind is Text:
            assert isinstance(s, Text)
            _text(image, palette, s, k)
        elif kind is Outline:
            assert isinstance(s, Outline)
            draw.rectangle(
                box(s.x0, s.y0, s.x1, s.y1),
                outline=index(s.color),
                width=max(1, round(s.width * k)),
            )
        elif kind is Hatch:
            assert isinstance(s, Hatch)
            _hatch(draw, s, k, index(s.color))
        elif kind is Polygon:
            assert isinstance(s, Polygon)
            points = [(px * k, py * k) for px, py in s.points]
            if s.width:
                draw.line(points, fill=index(s.color), width=max(1, round(s.width * k)))
            else:
                draw.polygon(points, fill=index(s.color))
        elif kind is Gradient:
            assert isinstance(s, Gradient)
            a, top, b, bottom = box(s.x0, s.y0, s.x1, s.y1)
            for px in range(a, b + 1):
                u = round(20 * (px - a) / max(1, b - a)) / 20  # the badges' 21 colours
                draw.rectangle([px, top, px, bottom], fill=palette(_stop_color(s.stops, u)))
        elif kind is Emoji:
            assert isinstance(s, Emoji)
            glyph = _emoji_glyph(s.text, round(s.size * k), s.bg)
            if glyph is not None:
                colors, indices, mask, side = glyph
                lut = bytes(palette(c) for c in colors) + bytes(256 - len(colors))
                patch = Image.frombytes("P", (side, side), indices.translate(lut))
                image.paste(
                    patch,
                    (round(s.x * k), round(s.y * k)),
                    Image.frombytes("L", (side, side), mask),
                )
    image.putpalette(palette.flat())
    return image


def _stop_color(stops: list[tuple[float, str]], u: float) -> tuple[int, int, int]:
    """The colour at ``u`` of a gradient, as ``ratingColor`` interpolates (rounded halves up)."""
    for (s0, c0), (s1, c1) in pairwise(stops):
        if u <= s1 or (s1, c1) == stops[-1]:
            t = 0.0 if s1 == s0 else (min(max(u, s0), s1) - s0) / (s1 - s0)
            a, b = rgb(c0), rgb(c1)
            r, g, bl = (math.floor(x + (y - x) * t + 0.5) for x, y in zip(a, b, strict=True))
            return (r, g, bl)
    return rgb(stops[-1][1])


def _text(image: Image.Image, palette: _Palette, s: Text, k: float) -> None:
    """Text with its edges blended towards ``s.bg`` in two steps (a palette image cannot
    blend, so the shades are colours of their own)."""
    face = font(s.size * k, s.bold)
    left, top, right, bottom = (int(v) for v in face.getbbox(s.text))
    if right <= left or bottom <= top:
        return
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), s.text, fill=255, font=face)
    fg, bg = rgb(s.color), rgb(s.bg)
    shades = (
        palette(bg),
        palette(_blend(bg, fg, 1 / 3)),
        palette(_blend(bg, fg, 2 / 3)),
        palette(fg),
    )
    x = s.x * k - (face.getlength(s.text) / 2 if s.middle else 0)
    raw = mask.tobytes()
    image.paste(
        Image.frombytes("P", mask.size, raw.translate(_shade_table(shades))),
        (round(x) + left, round(s.y * k) + top),
        Image.frombytes("L", mask.size, raw.translate(_INKED)),
    )


@cache
def _shade_table(shades: tuple[int, int, int, int]) -> bytes:
    """Coverage (0-255) to one of four palette indices: background, two blends, ink."""
    return bytes(shades[(v * 3 + 127) // 255] for v in range(256))


_INKED = bytes([0] + [255] * 255)
"""Coverage to the mask of the pixels a text shade is pasted on (any ink at all)."""


def _hatch(draw: ImageDraw.ImageDraw, s: Hatch, k: float, color: int) -> None:
    """Diagonal lines every 5 px inside the box, as ``hatch`` in js/src/render.ts."""
    x0, y0, x1, y1 = s.x0, s.y0, s.x1, s.y1
    h = y1 - y0
    xx = x0 - h
    width = max(1, round(1.2 * k))
    while xx < x1:
        ax, ay, bx, by = xx, y1, xx + h, y0
        if ax < x0:
            ay -= x0 - ax
            ax = x0
        if bx > x1:
            by += bx - x1
            bx = x1
        if bx > ax:
            draw.line([(ax * k, ay * k), (bx * k, by * k)], fill=color, width=width)
        xx += 5


def _n(v: float) -> str:
    """A coordinate in SVG: two decimals at most."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    return f'x="{_n(x0)}" y="{_n(y0)}" width="{_n(x1 - x0)}" height="{_n(y1 - y0)}"'


_EMOJI_FAMILIES = "Noto Color Emoji, Apple Color Emoji, Segoe UI Emoji"


def svg(scene: Scene) -> str:
    """The scene as a standalone SVG document (text as text, escaped)."""
    w, h = _n(scene.width), _n(scene.height)
    defs: dict[str, str] = {}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'font-family="{FONT}, Verdana, sans-serif" role="img" aria-label="Conversation minimap">',
        f'<rect width="{w}" height="{h}" fill="{scene.background}"/>',
    ]
    for s in scene.shapes:
        kind = type(s)
        if kind is Rect:
            assert isinstance(s, Rect)
            role = f' class="{s.role}"' if s.role else ""
            radius = f' rx="{_n(s.radius)}"' if s.radius else ""
            out.append(f'<rect{role} {_box(s.x0, s.y0, s.x1, s.y1)}{radius} fill="{s.fill}"/>')
        elif kind is Text:
            assert isinstance(s, Text)
            anchor = ' text-anchor="middle"' if s.middle else ""
            weight = ' font-weight="bold"' if s.bold else ""
            role = f' class="{s.role}"' if s.role else ""
            y = _n(s.y + ascent(s.size, s.bold))
            # SVG drops leading spaces: start the text after them instead
            words = s.text.lstrip(" ")
            x = s.x + text_width(s.text[: len(s.text) - len(words)], s.size, s.bold)
            out.append(
                f'<text{role} x="{_n(x)}" y="{y}" font-size="{_n(s.size)}"{weight}{anchor} '
                f'fill="{s.color}">{escape(words, quote=False)}</text>'
            )
        elif kind is Outline:
            assert isinstance(s, Outline)
            half = s.width / 2
            box = _box(s.x0 + half, s.y0 + half, s.x1 - half, s.y1 - half)
            out.append(f'<rect {box} fill="none" stroke="{s.color}" stroke-width="{_n(s.width)}"/>')
        elif kind is Hatch:
            assert isinstance(s, Hatch)
            pattern = f"hatch-{s.color.lstrip('#')}"
            defs.setdefault(
                pattern,
                f'<pattern id="{pattern}" patternUnits="userSpaceOnUse" width="5" height="5">'
                f'<path d="M-1,1 l2,-2 M0,5 l5,-5 M4,6 l2,-2" stroke="{s.color}" '
                'stroke-width="1.2"/></pattern>',
            )
            out.append(f'<rect {_box(s.x0, s.y0, s.x1, s.y1)} fill="url(#{pattern})"/>')
        elif kind is Polygon:
            assert isinstance(s, Polygon)
            d = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in s.points)
            if s.width:
                out.append(
                    f'<path d="{d}" fill="none" stroke="{s.color}" stroke-width="{_n(s.width)}"/>'
                )
            else:
                out.append(f'<path d="{d} Z" fill="{s.color}"/>')
        elif kind is Gradient:
            assert isinstance(s, Gradient)
            gradient = "gradient-" + "-".join(c.lstrip("#") for _, c in s.stops)
            stops = "".join(f'<stop offset="{_n(o)}" stop-color="{c}"/>' for o, c in s.stops)
            defs.setdefault(gradient, f'<linearGradient id="{gradient}">{stops}</linearGradient>')
            out.append(f'<rect {_box(s.x0, s.y0, s.x1, s.y1)} rx="3" fill="url(#{gradient})"/>')
        elif kind is Emoji:
            assert isinstance(s, Emoji)
            out.append(
                f'<text x="{_n(s.x)}" y="{_n(s.y + s.size * 0.9)}" font-size="{_n(s.size)}" '
                f'font-family="{_EMOJI_FAMILIES}">{escape(s.text, quote=False)}</text>'
            )
    if defs:
        out.insert(2, "<defs>" + "".join(defs.values()) + "</defs>")
    out.append("</svg>\n")
    return "\n".join(out)


def save(scene: Scene, path: str | Path, scale_factor: float) -> Path:
    """Write ``scene`` as PNG, SVG, or HTML embedding the SVG, by the path's suffix."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix == ".png":
        # a palette image of flat colour: deflate level 1 is fast and still small
        png(scene, scale_factor).save(
            out, format="PNG", compress_level=1, compress_type=zlib.Z_DEFAULT_STRATEGY
        )
    elif suffix == ".svg":
        out.write_text(svg(scene), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        out.write_text(
            '<!doctype html><meta charset="utf-8"><title>Conversation minimap</title>\n'
            + svg(scene),
            encoding="utf-8",
        )
    else:
        raise ValueError(f"save_png: {out.name}: use a .png, .svg or .html path")
    return out


__all__ = ["png", "save", "svg"]
