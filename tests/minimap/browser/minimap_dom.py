"""Reading the minimap in a page: geometry through the widget's automation hooks, pixels."""

from __future__ import annotations

from collections import Counter
from typing import Any

from weave_widgets.minimap._scene import rating_color

NEXT_FRAME = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def hex_rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def span_rect(scope: Any, conversation_id: str, span_index: int) -> dict[str, float]:
    """The span's rectangle in CSS px relative to the canvas (scrolled into view, painted)."""
    rect = scope.locator(".wwm-root").evaluate(
        "(root, [c, i]) => root.weaveMinimap.spanRect(c, i)", [conversation_id, span_index]
    )
    scope.locator(".wwm-root").evaluate(NEXT_FRAME)
    assert rect is not None, f"{conversation_id} is not shown"
    return dict(rect)


def marker_rects(scope: Any, conversation_id: str) -> list[dict[str, Any]]:
    rects = scope.locator(".wwm-root").evaluate(
        "(root, c) => root.weaveMinimap.markerRects(c)", conversation_id
    )
    scope.locator(".wwm-root").evaluate(NEXT_FRAME)
    return list(rects)


def pixels(scope: Any, x: float, y: float, w: float = 1, h: float = 1) -> list[tuple[int, ...]]:
    """RGBA pixels of a CSS-px rectangle of the canvas (device pixels, row by row)."""
    data = scope.locator(".wwm-canvas").evaluate(
        """(c, [x, y, w, h]) => {
            const d = devicePixelRatio;
            const img = c.getContext("2d").getImageData(
                Math.floor(x * d), Math.floor(y * d), Math.max(1, Math.round(w * d)),
                Math.max(1, Math.round(h * d)));
            return Array.from(img.data);
        }""",
        [x, y, w, h],
    )
    return [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]


def pixel(scope: Any, x: float, y: float) -> tuple[int, int, int]:
    r, g, b, _ = pixels(scope, x, y)[0]
    return (r, g, b)


def dominant(scope: Any, x: float, y: float, w: float, h: float) -> tuple[int, int, int]:
    counts = Counter(p[:3] for p in pixels(scope, x, y, w, h))
    return counts.most_common(1)[0][0]


def page_point(scope: Any, x: float, y: float) -> tuple[float, float]:
    """A canvas point in page coordinates (for mouse events)."""
    box = scope.locator(".wwm-canvas").bounding_box()
    assert box is not None
    return box["x"] + x, box["y"] + y


def rating_rgb(value: float) -> tuple[int, int, int]:
    """The badge colour of a rating as the image export draws it (``_scene.rating_color``,
    the twin of ``ratingColor`` in js/src/theme.ts), which the widget's pixels must match."""
    return hex_rgb(rating_color(value))
