"""Save Altair charts to PNG, SVG, PDF, HTML or JSON, fully offline through vl-convert."""

from __future__ import annotations

import functools
import html
import io
import json
import os
import warnings
from pathlib import Path
from typing import Any, Final

import vl_convert as vlc

from weave_widgets._html import script_json

FORMATS: Final = (".png", ".svg", ".pdf", ".html", ".json")
"""File suffixes ``save`` writes."""

_EMBED_OPTIONS: Final = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}
_PAGE: Final = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>{title}</title>
<script>{bundle}</script>
</head>
<body>
<div id="vega-chart"></div>
<script type="application/json" id="vega-spec">{spec}</script>
<script>
vegaEmbed("#vega-chart", JSON.parse(document.getElementById("vega-spec").textContent),
          {options}).catch(console.error);
</script>
</body>
</html>
"""


def save(chart: Any, path: str | os.PathLike[str], *, scale_factor: float = 2) -> Path:
    """Write ``chart`` (any Altair chart) to ``path``; the suffix picks the format. PNG is
    rendered at ``scale_factor`` (PDF and SVG are vector); HTML is one self-contained page
    with Vega bundled inline (no CDN, works offline). Returns the path written."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"cannot save a chart as {target.name!r}: the suffix must be one of {list(FORMATS)}"
        )
    if not target.parent.is_dir():
        raise FileNotFoundError(f"cannot save {target}: folder {target.parent} does not exist")
    spec = chart.to_dict()
    if suffix == ".json":
        target.write_text(json.dumps(spec, indent=2, ensure_ascii=False), encoding="utf-8")
    elif suffix == ".html":
        target.write_text(html_page(spec, title=target.stem), encoding="utf-8")
    elif suffix == ".svg":
        target.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    elif suffix == ".png":
        target.write_bytes(vlc.vegalite_to_png(spec, scale=scale_factor))
    else:
        target.write_bytes(_pdf(spec, scale_factor))
    return target


def _pdf(spec: dict[str, Any], scale_factor: float) -> bytes:
    """A vector PDF; a raster one (PNG at ``scale_factor`` in a PDF page) when vl-convert cannot
    embed a font, as happens with colour emoji fonts such as Noto Color Emoji."""
    try:
        return bytes(vlc.vegalite_to_pdf(spec))
    except ValueError as error:
        if "font" not in str(error):
            raise
    warnings.warn(
        "a font in this chart (likely a colour emoji font) cannot be embedded in a vector "
        "PDF, so the PDF holds a raster image; save as .svg for a vector file",
        UserWarning,
        stacklevel=3,
    )
    from PIL import Image

    png = Image.open(io.BytesIO(vlc.vegalite_to_png(spec, scale=scale_factor)))
    out = io.BytesIO()
    png.convert("RGB").save(out, "PDF", resolution=72.0 * scale_factor)
    return out.getvalue()


def html_page(spec: dict[str, Any], *, title: str = "chart") -> str:
    """A self-contained HTML page drawing the Vega-Lite ``spec``. The spec travels as JSON
    with ``<``, ``>`` and ``&`` escaped, so text in the data can never close the script."""
    return _PAGE.format(
        title=html.escape(title),
        bundle=_bundle(),
        spec=script_json(spec),
        options=script_json(_EMBED_OPTIONS),
    )


@functools.cache
def _bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (built once per process by vl-convert)."""
    return vlc.javascript_bundle("window.vegaEmbed = vegaEmbed;")
