"""ASGI middleware in front of the local server: the Host check, the API key and the body limit.

- **Host.** A page on a DNS-rebinding domain (``evil.example`` resolving to 127.0.0.1) is
  same-origin with the server and could read and write everything. So the ``Host`` header must
  name this server: ``localhost``, ``127.0.0.1``, ``[::1]`` or the bound address, with any
  port, plus any names given as ``allowed_hosts``; anything else gets 421 ``{"reason"}``. A
  server bound to every interface (``0.0.0.0``, ``::``) is reached under names it cannot know
  and skips the check; such a server needs the key (see :mod:`weave_widgets.server.cli`).
- **Key.** With a key set, every request except ``GET /health`` needs ``Authorization: Basic
  base64(api:<key>)`` (the Weave SDK's form) or ``Bearer <key>``; otherwise 401 ``{"reason"}``.
  The key is never echoed. An empty key is refused when the app is built, not read as "no key".
- **Size.** Bodies over ``max_body_bytes`` get 413, whether announced by ``Content-Length`` or
  streamed (chunked): the bytes are counted as they arrive, on every route, and the 413 is sent
  whatever the route did with the cut-off body.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 32 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
"""Host names every server answers to (the bound address is added to them)."""


class BodyTooLarge(Exception):
    """A body (as sent or once decompressed) over the limit; answered with 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit // (1024 * 1024)} MiB; send smaller batches")


def check_api_key(api_key: str | None) -> str | None:
    """``api_key`` if it can protect the server (None: no key); ValueError for a key that is
    empty or only whitespace, which would otherwise silently mean "no auth"."""
    if api_key is not None and not api_key.strip():
        raise ValueError(
            "the API key is empty; pass a real key (e.g. --api-key $(openssl rand -hex 20)), "
            "or leave it out to run without auth on loopback"
        )
    return api_key


def is_wildcard(host: str) -> bool:
    """Whether binding ``host`` listens on every interface."""
    return host.strip("[]") in ("", "0.0.0.0", "::")  # noqa: S104 - recognising it, not binding


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address to bind) is reachable only from this machine."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_problem(host: str, api_key: str | None) -> str | None:
    """Why binding ``host`` with ``api_key`` exposes the data (None when it does not): a
    non-loopback address without a key lets anyone who can reach it read and write."""
    if api_key or is_loopback(host):
        return None
    return (
        f"{host!r} is not a loopback address and no API key is set, so anyone who can reach "
        "it can read and write every project; set an API key (--api-key or "
        "$WEAVE_WIDGETS_API_KEY, or serve(api_key=...)), or bind 127.0.0.1"
    )


def _host_form(host: str) -> str:
    """``host`` as a Host header spells it: lowercase, IPv6 in brackets."""
    name = host.strip().lower().rstrip(".")
    if ":" in name and not name.startswith("["):
        return f"[{name}]"
    return name


def allowed_host_names(bound_host: str, extra: Iterable[str] = ()) -> frozenset[str] | None:
    """The Host names a server bound to ``bound_host`` answers to; None (any) for a wildcard
    bind."""
    if is_wildcard(bound_host):
        return None
    return LOOPBACK_NAMES | {_host_form(bound_host)} | {_host_form(h) for h in extra}


def host_name(header: str) -> str | None:
    """The name in a ``Host`` header without its port (``[::1]:8080`` -> ``[::1]``), or None
    when the header is malformed."""
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if rest and not (rest[0] == ":" and rest[1:].isdigit()):
        return None
    if not name or any(c in name for c in "@/\\?# "):
        return None
    return name.removesuffix(".")


def authorized(header: str | None, api_key: str) -> bool:
    """Whether an ``Authorization`` header carries ``api_key`` (Basic api:<key> or Bearer)."""
    if not header:
        return False
    scheme, _, credentials = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return hmac.compare_digest(credentials.strip().encode(), api_key.encode())
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(decoded, b"api:" + api_key.encode())
    return False


async def reply(send: Send, status: int, reason: str, extra: list[Any] | None = None) -> None:
    """Send a whole ``{"reason": ...}`` JSON answer."""
    body = orjson.dumps({"reason": reason})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Checks Host, auth and body size before the app sees a request."""

    def __init__(
        self,
        app: ASGIApp,
        api_key: str | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        allowed_hosts: frozenset[str] | None = LOOPBACK_NAMES,
    ) -> None:
        self.app = app
        self.api_key = check_api_key(api_key)
        self.max_body_bytes = max_body_bytes
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host")
        if self.allowed_hosts is not None and host is not None:
            name = host_name(host)
            if name not in self.allowed_hosts:
                shown = sorted(self.allowed_hosts)
                await reply(
                    send,
                    421,
                    f"Host {host[:100]!r} is not a name of this server (it answers to "
                    f"{', '.join(shown)}); a page on another domain may not reach it. Use one "
                    "of those names, or start the server with --allowed-host NAME",
                )
                return
        needs_key = self.api_key and scope["path"] not in OPEN_PATHS
        if needs_key and not authorized(headers.get("authorization"), self.api_key or ""):
            await reply(
                send,
                401,
                "missing or wrong API key: send 'Authorization: Basic base64(api:<key>)' "
                "or 'Authorization: Bearer <key>'",
                [(b"www-authenticate", b'Basic realm="weave-widgets"')],
            )
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            await reply(send, 413, str(BodyTooLarge(self.max_body_bytes)))
            return
        await self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app counting the body's bytes as they arrive. Past the limit, reading
        raises :class:`BodyTooLarge` inside the app, so no route can act on a cut-off body;
        whatever the app answers then is discarded and the answer is 413."""
        seen = 0
        too_large = False
        started = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            if too_large:
                raise BodyTooLarge(self.max_body_bytes)
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                too_large = True
                raise BodyTooLarge(self.max_body_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not too_large or started:
                raise
        if too_large and not started:
            await reply(send, 413, str(BodyTooLarge(self.max_body_bytes)))
