"""One exception family for everything the client can raise.

Every message says what went wrong and what to do about it, and none ever contains the API
key: request headers are never part of an error, the URL loses its user info before a client
uses it, and server text is scrubbed of the key before it is cut and quoted (one helper,
``weave_widgets.client._redact.quote``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class WeaveWidgetsError(Exception):
    """Base class of every weave-widgets error."""


class InvalidArgumentError(WeaveWidgetsError, ValueError):
    """An argument was rejected before any request was sent; the message names the field."""


class ApiError(WeaveWidgetsError):
    """The server answered with an error status (after any retries)."""

    def __init__(self, status: int, method: str, url: str, detail: str) -> None:
        self.status = status
        self.method = method
        self.url = url
        self.detail = detail
        super().__init__(self._message())

    def _message(self) -> str:
        hint = self.hint()
        text = f"{self.method} {self.url} failed with HTTP {self.status}: {self.detail}"
        return f"{text}\n{hint}" if hint else text

    def hint(self) -> str:
        """What the user should do next."""
        return ""


class AuthError(ApiError):
    """401/403: the API key or the project is wrong."""

    def hint(self) -> str:
        return (
            "The API key was rejected or has no access to this project. Check that the project "
            "is 'entity/project' and that WANDB_API_KEY (or api_key=...) holds a valid key for "
            "it; get one at https://wandb.ai/authorize."
        )


class NotFoundError(ApiError):
    """404: the endpoint or object does not exist on this server."""

    def hint(self) -> str:
        return (
            "Check the server URL (url=... or WF_TRACE_SERVER_URL) and that this server version "
            "has the endpoint."
        )


class RedirectError(ApiError):
    """3xx: the server answered with a redirect, which is neither followed nor a success."""

    def __init__(self, status: int, method: str, url: str, location: str) -> None:
        self.location = location
        where = f"redirects to {location!r}" if location else "redirects (no Location header)"
        super().__init__(status, method, url, where)

    def hint(self) -> str:
        return (
            "Redirects are not followed, so that the API key is never sent to another "
            "address. Point url=... (or WF_TRACE_SERVER_URL) at the server's final address "
            "(for example https:// instead of http://, or without a trailing path)."
        )


class RequestValidationError(ApiError):
    """422: the server rejected the request body; ``errors`` lists each ``(loc, msg)``."""

    def __init__(
        self, status: int, method: str, url: str, errors: Sequence[tuple[str, str]]
    ) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  - {loc}: {msg}" for loc, msg in self.errors)
        super().__init__(status, method, url, f"the request was invalid:\n{lines}")

    def hint(self) -> str:
        return "Fix the fields listed above and send the request again."


class RateLimitError(ApiError):
    """429 after every retry."""

    def hint(self) -> str:
        return "The server is rate limiting; wait a while, or fetch fewer conversations at once."


class ServerError(ApiError):
    """5xx after every retry."""

    def hint(self) -> str:
        return "The server failed; retry later. If it keeps failing, report the error above."


class ResponseDecodeError(WeaveWidgetsError):
    """The body is not the JSON that was expected: not JSON at all, or cut off."""

    def __init__(self, url: str, status: int, content_type: str, head: bytes, problem: str):
        self.url = url
        self.status = status
        self.content_type = content_type
        self.head = head
        super().__init__(
            f"{url} answered HTTP {status} with {problem} (content-type {content_type!r}); "
            f"the body starts with {head!r}. Check that the URL points at a Weave trace server."
        )


class ResponseTooLargeError(WeaveWidgetsError):
    """The answer is larger than ``max_response_bytes`` (as sent, or once decompressed)."""

    def __init__(self, url: str, status: int, limit: int, what: str) -> None:
        self.url = url
        self.status = status
        self.limit = limit
        super().__init__(
            f"{url} answered HTTP {status} with {what}, more than max_response_bytes "
            f"({limit:,} bytes); it was not read further. Fetch fewer conversations per call, "
            "or raise max_response_bytes=... if such answers are expected."
        )


class ResponseValidationError(WeaveWidgetsError):
    """The JSON does not follow the API contract; ``problems`` lists ``(path, message)``."""

    def __init__(self, url: str, problems: Sequence[tuple[str, str]]) -> None:
        self.url = url
        self.problems = list(problems)
        shown = "\n".join(f"  - {path}: {msg}" for path, msg in self.problems[:20])
        more = len(self.problems) - 20
        extra = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"the response from {url} does not follow the API contract:\n{shown}{extra}\n"
            "The server may be a different version than this client expects."
        )


class TransportError(WeaveWidgetsError):
    """No usable answer: connection refused or reset, or a timeout, after every retry."""

    def __init__(self, url: str, attempts: int, cause: str) -> None:
        self.url = url
        self.attempts = attempts
        super().__init__(
            f"could not reach {url} after {attempts} attempt(s): {cause}. Check that the "
            "server is running and reachable, or raise timeout=... for slow answers."
        )


@dataclass(frozen=True)
class FailedBatch:
    """One batch of a multi-batch fetch that failed."""

    index: int
    first_id: str
    last_id: str
    size: int
    error: WeaveWidgetsError


class BatchFetchError(WeaveWidgetsError):
    """Some batches of a multi-batch fetch failed; nothing is returned for any batch."""

    def __init__(self, failed: Sequence[FailedBatch], n_batches: int) -> None:
        self.failed = list(failed)
        self.n_batches = n_batches
        lines = "\n".join(
            f"  - batch {f.index + 1}/{n_batches} ({f.size} ids, {f.first_id!r} .. "
            f"{f.last_id!r}): {type(f.error).__name__}: {_first_line(f.error)}"
            for f in self.failed
        )
        super().__init__(
            f"{len(self.failed)} of {n_batches} batches failed, so no data is returned:\n"
            f"{lines}\nRetry, or fetch the failed id ranges on their own."
        )


def _first_line(error: BaseException) -> str:
    return str(error).split("\n", 1)[0]
