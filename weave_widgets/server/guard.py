"""ASGI middleware in front of the local server: the optional API key and a body size limit.

With a key set, every request except ``GET /health`` needs ``Authorization: Basic
base64(api:<key>)`` (the Weave SDK's form) or ``Bearer <key>``; otherwise 401 ``{"reason"}``.
The key is never echoed. Bodies over ``max_body_bytes`` get 413, whether announced by
``Content-Length`` or streamed.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 32 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})


class BodyTooLarge(Exception):
    """A body (as sent or once decompressed) over the limit; answered with 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit // (1024 * 1024)} MiB; send smaller batches")


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


async def _reply(send: Send, status: int, reason: str, extra: list[Any] | None = None) -> None:
    body = orjson.dumps({"reason": reason})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Checks auth and body size before the app sees a request."""

    def __init__(
        self, app: ASGIApp, api_key: str | None = None, max_body_bytes: int = MAX_BODY_BYTES
    ) -> None:
        self.app = app
        self.api_key = api_key
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        needs_key = self.api_key and scope["path"] not in OPEN_PATHS
        if needs_key and not authorized(headers.get("authorization"), self.api_key or ""):
            await _reply(
                send,
                401,
                "missing or wrong API key: send 'Authorization: Basic base64(api:<key>)' "
                "or 'Authorization: Bearer <key>'",
                [(b"www-authenticate", b'Basic realm="weave-widgets"')],
            )
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            await _reply(send, 413, str(BodyTooLarge(self.max_body_bytes)))
            return
        await self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; once a streamed body passes the limit, end it and answer 413."""
        seen = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                too_large = True
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not too_large:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)
        if too_large:
            await _reply(send, 413, str(BodyTooLarge(self.max_body_bytes)))
