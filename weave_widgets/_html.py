"""Embed a value as JSON inside an HTML ``<script>`` element, inertly."""

from __future__ import annotations

import json
from typing import Any

_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"))


def script_json(value: Any) -> str:
    """``value`` as JSON text that cannot end or alter the ``<script>`` element holding it.

    ``<``, ``>`` and ``&`` become ``\\u`` escapes (no ``</script>``, no ``<!--``), and so do
    U+2028/U+2029; the text is still valid JSON and, as a literal, valid JavaScript, and
    decodes to exactly ``value``.
    """
    text = json.dumps(value, ensure_ascii=False)
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
