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
    return [
        *widget_png_rows(sizes, data, naive_s, seed),
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


WIDGET_PNG_TARGETS = {"small": 1.0, "large": 5.0}
"""Seconds the widget's ``save_png`` may take for 200 and for 20,000 conversations (issue #16;
``save_png`` itself belongs to the widget issue #12: this row measures whatever it does)."""


def widget_png_rows(sizes: Sizes, small: Any, naive_s: float, seed: int) -> list[Row]:
    """The widget's own PNG export (``ConversationMinimap.save_png``) at two sizes."""
    from weave_widgets.minimap._widget import ConversationMinimap

    large = load(*sizes.browser, seed)
    out = []
    with tempfile.TemporaryDirectory(prefix="bench-widget-png-") as tmp:
        for key, data, baseline in (
            ("small", small, f"{ms(naive_s)} plain Altair (above)"),
            ("large", large, f"{WIDGET_PNG_TARGETS['large']:.0f} s budget"),
        ):
            widget = ConversationMinimap(data)
            path = Path(tmp) / f"{key}.png"
            target = WIDGET_PNG_TARGETS[key]
            case = (
                f"widget save_png, {len(data.conversations):,} conversations "
                f"({len(data.spans):,} spans)"
            )
            note = "ConversationMinimap(data).save_png(path) as it stands (issue #12 owns it)"
            try:
                seconds = median_time(lambda w=widget, p=path: w.save_png(p), 1)
            except ValueError as exc:  # refused as too big: a miss, with its reason
                out.append(
                    Row(
                        "charts",
                        case,
                        "refused",
                        baseline,
                        0.0,
                        f"< {target:.0f} s",
                        False,
                        f"{note}: {str(exc)[:80]}...",
                    )
                )
                continue
            out.append(
                Row(
                    "charts",
                    case,
                    f"{ms(seconds)}, {path.stat().st_size / 1024:,.0f} KiB",
                    baseline,
                    (naive_s if key == "small" else target) / seconds,
                    f"< {target:.0f} s",
                    seconds < target,
                    note,
                )
            )
    return out
