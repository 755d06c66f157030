"""Chart export: a PNG of the minimap of N conversations.

Ours is ``weave_widgets.charts.minimap_chart`` + ``save`` (bars placed in pandas, end to end by
duration, turn ticks and feedback layers, rendered by vl-convert). The baseline is the chart a
user would write with plain Altair for the same spans, one ``mark_bar`` per span
(``x=span_index``, ``y=conversation_id``, colour by category) saved with Altair's own
``chart.save(..., format="png")``. Both render through the same vl-convert engine, warmed up
first; the ratio compares export time, and the notes give the PNG and spec sizes.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.common import Row, Sizes, faster, median_time, ms
from bench.seed import load


def naive_chart(spans: Any) -> Any:
    import altair as alt

    return (
        alt.Chart(spans[["conversation_id", "span_index", "category", "duration_ms"]])
        .mark_bar()
        .encode(x="span_index:O", y="conversation_id:N", color="category:N")
    )


def rows(sizes: Sizes, seed: int = 0) -> list[Row]:
    import altair as alt
    import vl_convert as vlc

    from weave_widgets import charts

    full = load(*sizes.payload, seed)
    ids = list(full.conversations["conversation_id"][: sizes.chart_conversations])
    data = full.select(ids)
    vlc.vegalite_to_png(alt.Chart(data.spans.head(1)).mark_point().to_dict())  # engine warm-up
    with tempfile.TemporaryDirectory(prefix="bench-charts-") as tmp:
        ours_png = Path(tmp) / "ours.png"

        def chart() -> Any:
            # every span drawn, as the baseline does (the default caps bars at 5,000)
            return charts.minimap_chart(data, max_spans=max(len(data.spans), 1))

        naive_png = Path(tmp) / "naive.png"

        def ours() -> None:
            charts.save(chart(), ours_png)

        def naive() -> None:
            # Altair refuses more than 5,000 rows unless told otherwise, as users learn
            with alt.data_transformers.disable_max_rows():
                naive_chart(data.spans).save(str(naive_png), format="png", scale_factor=2)

        ours_s = median_time(ours, sizes.repeats)
        naive_s = median_time(naive, sizes.repeats)
        with alt.data_transformers.disable_max_rows():
            naive_spec_kib = len(json.dumps(naive_chart(data.spans).to_dict())) / 1024
        png_kib = [path.stat().st_size / 1024 for path in (ours_png, naive_png)]
        sizes_note = (
            f"PNG {png_kib[0]:,.0f} KiB vs {png_kib[1]:,.0f} KiB; "
            f"spec {len(json.dumps(chart().to_dict())) / 1024:,.0f} KiB vs "
            f"{naive_spec_kib:,.0f} KiB"
        )
        # the widget's own export: the rows as the widget shows them (sorted), key and legend
        from weave_widgets.minimap._widget import ConversationMinimap

        widget = ConversationMinimap(data, sort_by="errors")
        widget_png = Path(tmp) / "widget.png"
        widget_s = median_time(lambda: widget.save_png(widget_png), sizes.repeats)
        widget_kib = widget_png.stat().st_size / 1024
    return [
        *widget_png_rows(sizes, seed),
        Row(
            "charts",
            f"widget.save_png of {len(ids)} conversations ({len(data.spans):,} spans, 2x)",
            ms(widget_s),
            f"{ms(ours_s)} Altair minimap chart",
            faster(widget_s, ours_s),
            "< 1 s",
            widget_s < 1.0,
            f"Pillow palette PNG, no browser; PNG {widget_kib:,.0f} KiB",
        ),
        Row(
            "charts",
            f"PNG of {len(ids)} conversations ({len(data.spans):,} spans)",
            ms(ours_s),
            f"{ms(naive_s)} plain Altair",
            faster(ours_s, naive_s),
            "",
            None,
            sizes_note,
        ),
    ]


LARGE_PNG_TARGET_S = 5.0
"""Seconds the widget's ``save_png`` may take for 20,000 conversations (issue #16)."""


def widget_png_rows(sizes: Sizes, seed: int) -> list[Row]:
    """The widget's own PNG export (``ConversationMinimap.save_png``) of the browser-sized set
    (20,000 conversations at full size)."""
    from weave_widgets.minimap._widget import ConversationMinimap

    data = load(*sizes.browser, seed)
    case = f"widget save_png, {len(data.conversations):,} conversations ({len(data.spans):,} spans)"
    budget = f"{LARGE_PNG_TARGET_S:.0f} s budget"
    target = f"< {LARGE_PNG_TARGET_S:.0f} s"
    note = "ConversationMinimap(data).save_png(path): page 1 of 40 (500 rows), said on the image"
    with tempfile.TemporaryDirectory(prefix="bench-widget-png-") as tmp:
        widget = ConversationMinimap(data)
        path = Path(tmp) / "large.png"
        try:
            seconds = median_time(lambda: widget.save_png(path), 1)
        except ValueError as exc:  # refused as too big: a miss, with its reason
            return [Row("charts", case, "refused", budget, 0.0, target, False, f"{note}: {exc}")]
        size_kib = path.stat().st_size / 1024
    return [
        Row(
            "charts",
            case,
            f"{ms(seconds)}, {size_kib:,.0f} KiB",
            budget,
            LARGE_PNG_TARGET_S / seconds,
            target,
            seconds < LARGE_PNG_TARGET_S,
            note,
        )
    ]
