"""Where a client connects and how: URL, API key, project and timeout, resolved from arguments
and the environment before anything is sent."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from urllib.parse import unquote

import httpx

from weave_widgets.errors import InvalidArgumentError
from weave_widgets.refs import check_project

PUBLIC_URL = "https://trace.wandb.ai"
"""The hosted Weave trace server, used when ``WANDB_API_KEY`` is set and no URL is given."""

LocalServer = Callable[[], str]
"""Starts (or finds) the embedded local server and returns its base URL."""

_local_server: LocalServer | None = None


def use_local_server(start: LocalServer) -> None:
    """Name the fallback server for clients given no URL, key or environment.

    ``weave_widgets/__init__.py`` wires the embedded server here, so that the client never
    imports the server package (imports point one way: server code depends on the models,
    never the reverse)."""
    global _local_server
    _local_server = start


def split_credentials(url: str) -> tuple[str, str | None]:
    """``url`` without its user info, and the key that user info carried (the password of
    ``https://api:<key>@host``, or the user of ``https://<key>@host``), else None.

    The key then travels only in the ``Authorization`` header, and the URL a client shows in
    its repr, its logs and its errors holds no secret. Parsed by hand, so that even a URL
    that is malformed otherwise loses its user info before any message quotes it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    ends = [i for i in (rest.find(c) for c in "/?#") if i >= 0]
    authority, tail = rest[: min(ends, default=len(rest))], rest[min(ends, default=len(rest)) :]
    if "@" not in authority:
        return url, None
    userinfo, _, hostport = authority.rpartition("@")
    user, colon, password = userinfo.partition(":")
    key = unquote(password) if colon else (unquote(user) if user != "api" else "")
    return f"{scheme}{sep}{hostport}{tail}", key or None


def resolve_url(url: str | None) -> str:
    """``url``, else ``WF_TRACE_SERVER_URL``, else the public server when ``WANDB_API_KEY``
    is set, else the embedded local server (started on first use); without user info (see
    :func:`resolve_endpoint`)."""
    return resolve_endpoint(url)[0]


def resolve_endpoint(url: str | None) -> tuple[str, str | None]:
    """The URL :func:`resolve_url` picks, without user info, and the key its user info held."""
    chosen = url or os.environ.get("WF_TRACE_SERVER_URL")
    if not chosen:
        if os.environ.get("WANDB_API_KEY"):
            chosen = PUBLIC_URL
        elif _local_server is not None:
            chosen = _local_server()
        else:
            raise ValueError(
                "no server configured: pass url=, or set WF_TRACE_SERVER_URL or WANDB_API_KEY"
            )
    chosen, key = split_credentials(chosen)
    if not chosen.startswith(("http://", "https://")):
        raise ValueError(f"url must start with http:// or https://, got {chosen!r}")
    return chosen.rstrip("/"), key


def resolve_key(api_key: str | None) -> str | None:
    """``api_key``, else ``WANDB_API_KEY``, else None (no auth header)."""
    return api_key or os.environ.get("WANDB_API_KEY") or None


def auth_header(api_key: str) -> str:
    """HTTP Basic with user ``api`` and the key as password, as the Weave SDK sends it."""
    return "Basic " + base64.b64encode(f"api:{api_key}".encode()).decode("ascii")


def make_timeout(seconds: float) -> httpx.Timeout:
    """``seconds`` for each read/write/pool wait; connect at most 5 s. The whole attempt
    (connect, headers and body) is held to ``seconds`` as well, by ``client._deadline``."""
    if not isinstance(seconds, int | float) or not 0 < seconds < float("inf"):
        raise ValueError(f"timeout must be a positive number of seconds, got {seconds!r}")
    return httpx.Timeout(seconds, connect=min(5.0, seconds))


DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
"""The largest answer a client reads (as sent, and once decompressed): 10,000 conversations
of 200 spans each come to about 300 MB, far beyond what a batch holds in practice."""


def check_max_response_bytes(limit: int) -> int:
    """``limit`` if it is a positive integer number of bytes, else ValueError."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise ValueError(f"max_response_bytes must be a positive integer, got {limit!r}")
    return limit


def client_project(project: str) -> str:
    """``project`` checked as ``entity/project``, as an ``InvalidArgumentError`` otherwise."""
    try:
        return check_project(project, "project")
    except ValueError as exc:
        raise InvalidArgumentError(str(exc)) from None


class Secret:
    """Holds the API key; its repr never shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<api key set>" if self.value else "<no api key>"
