"""A self-contained HTML page of a minimap: bundle, payload and a tiny model shim inlined.

The page needs no kernel, CDN or network: the widget's ESM bundle is imported from a
``blob:`` URL, the binary payload is inlined as base64, and a strict Content-Security-Policy
forbids any other request.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

from weave_widgets._html import script_json

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' blob:; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)

_SHIM = """
const read = (id) => document.getElementById(id).textContent;
const state = JSON.parse(read("weave-minimap-state"));
const raw = atob(read("weave-minimap-payload").trim());
const bytes = new Uint8Array(raw.length);
for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
state.payload = new DataView(bytes.buffer);
const listeners = new Map();
const model = {
  get: (name) => state[name],
  set: (name, value) => {
    state[name] = value;
    for (const fn of [...(listeners.get("change:" + name) || [])]) fn();
  },
  on: (event, fn) => {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(fn);
  },
  off: (event, fn) => {
    if (!event) listeners.clear();
    else if (!fn) listeners.delete(event);
    else listeners.get(event)?.delete(fn);
  },
  save_changes: () => {},
};
window.weaveMinimapModel = model;
const url = URL.createObjectURL(new Blob([BUNDLE], { type: "text/javascript" }));
const widget = (await import(url)).default;
URL.revokeObjectURL(url);
widget.render({ model, el: document.getElementById("weave-minimap") });
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{title}</title>
<style>
:root {{ color-scheme: light dark; }}
body {{ margin: 24px; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       background: Canvas; color: CanvasText; }}
h1 {{ font-size: 18px; font-weight: 600; margin: 0 0 12px; }}
</style>
</head>
<body>
<h1>{title}</h1>
<div id="weave-minimap"></div>
<script type="application/json" id="weave-minimap-state">{state}</script>
<script type="text/plain" id="weave-minimap-payload">{payload}</script>
<script type="module">
const BUNDLE = {bundle};
{shim}
</script>
</body>
</html>
"""


def page(bundle: str, payload: bytes, options: Mapping[str, Any], title: str | None = None) -> str:
    """The HTML page: ``bundle`` is the widget's ESM, ``payload`` its binary data and
    ``options`` the synced trait values (sort, filters, theme, ...)."""
    return _PAGE.format(
        csp=CSP,
        title=html.escape(title or "Conversation minimap"),
        state=script_json(dict(options)),
        payload=base64.b64encode(payload).decode("ascii"),
        bundle=script_json(bundle),
        shim=_SHIM,
    )
