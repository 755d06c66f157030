"""Quoting server text without the API key: scrub first, then truncate, in one helper.

Every error that quotes what a server sent (a body, a ``detail`` or ``reason``, a 422 ``loc``
and ``msg``, a redirect's ``Location``, a contract violation's path, a transport error's
text) goes through :func:`quote` or :func:`quote_bytes`. Scrubbing after cutting would leave
the first characters of a key that straddles the cut; so the text is masked first and cut
after. Masking covers the key in every form it is sent or commonly echoed (raw, URL-encoded,
HTTP Basic ``api:<key>`` and plain base64) and any run of :data:`FRAGMENT` or more characters
of those forms, so a server quoting a key's prefix or a piece of it shows ``***`` instead.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from urllib.parse import quote as url_quote

MASK = "***"
FRAGMENT = 8
"""Shortest run of a key's characters that is masked (shorter runs occur in any text)."""


@lru_cache(maxsize=8)
def secret_forms(secret: str) -> tuple[str, ...]:
    """The forms the key travels or is echoed in, longest first."""
    forms = {
        secret,
        url_quote(secret, safe=""),
        base64.b64encode(f"api:{secret}".encode()).decode("ascii"),
        base64.b64encode(secret.encode()).decode("ascii"),
    }
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


@lru_cache(maxsize=8)
def _spelled(secret: str, latin1: bool) -> tuple[tuple[str, ...], frozenset[str]]:
    """The forms (as latin-1 text of their UTF-8 when matching bytes) and their pieces of
    :data:`FRAGMENT` characters."""
    forms = secret_forms(secret)
    if latin1:
        forms = tuple(f.encode("utf-8").decode("latin-1") for f in forms)
    grams = {f[i : i + FRAGMENT] for f in forms for i in range(len(f) - FRAGMENT + 1)}
    return forms, frozenset(grams)


def _mask(text: str, secret: str, latin1: bool = False) -> str:
    forms, grams = _spelled(secret, latin1)
    for form in forms:  # whole forms first: a key shorter than FRAGMENT has no pieces
        text = text.replace(form, MASK)
    size = FRAGMENT
    covered = bytearray(len(text))
    found = False
    for start in range(len(text) - size + 1):
        if text[start : start + size] in grams:
            covered[start : start + size] = b"\x01" * size
            found = True
    if not found:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        if covered[index]:
            while index < len(text) and covered[index]:
                index += 1
            out.append(MASK)
        else:
            end = covered.find(b"\x01", index)
            end = len(text) if end < 0 else end
            out.append(text[index:end])
            index = end
    return "".join(out)


def scrub(text: str, secret: str | None) -> str:
    """``text`` with every form of the key, and every piece of one, replaced by ``***``.
    For short texts (messages, paths); quote long ones with :func:`quote`."""
    return _mask(text, secret) if secret else text


def quote(text: str, secret: str | None, limit: int) -> str:
    """At most ``limit`` characters of ``text``, scrubbed before it is cut.

    Only a prefix is scrubbed, but one long enough that a key cut off at its end lies past
    ``limit`` once the earlier matches have shrunk to ``***``."""
    if not secret:
        return text[:limit]
    margin = max(map(len, secret_forms(secret))) + 1
    window = limit + margin
    while True:
        clean = _mask(text[:window], secret)
        if window >= len(text) or len(clean) >= limit + margin:
            return clean[:limit]
        window *= 2


def quote_bytes(data: bytes, secret: str | None, limit: int) -> bytes:
    """At most ``limit`` bytes of ``data``, scrubbed before they are cut."""
    if not secret:
        return data[:limit]
    margin = max(len(f.encode()) for f in secret_forms(secret)) + 1
    window = limit + margin
    while True:
        clean = _mask(data[:window].decode("latin-1"), secret, latin1=True).encode("latin-1")
        if window >= len(data) or len(clean) >= limit + margin:
            return clean[:limit]
        window *= 2
