"""New call, trace and feedback ids: UUIDv7 strings, as the hosted server generates them."""

from __future__ import annotations

import uuid_utils


def new_id() -> str:
    """A fresh UUIDv7 in canonical hyphenated form (time-ordered, so ids sort by creation)."""
    return str(uuid_utils.uuid7())
