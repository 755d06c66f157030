"""``WeaveClient`` (sync) and ``AsyncWeaveClient``: fetch conversation spans as DataFrames,
list conversations, and write calls, OTLP spans and feedback through the Weave trace server
HTTP API.

Both clients share the request builders and readers (``_endpoints``), the configuration
(``_config``) and the retry and decoding logic (``_transport``); they differ only in how they
wait for I/O.
"""

from __future__ import annotations

import asyncio
import datetime
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import pandas as pd
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from weave_widgets.client import _endpoints as api
from weave_widgets.client._config import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Secret,
    auth_header,
    check_max_response_bytes,
    client_project,
    make_timeout,
    resolve_endpoint,
    resolve_key,
)
from weave_widgets.client._deadline import install_deadlines
from weave_widgets.client._transport import ACCEPT_ENCODING, RetryPolicy, asend, read_reply, send
from weave_widgets.data._columnar import ResponseColumns
from weave_widgets.data._frames import ConversationData, with_agent_names
from weave_widgets.data._transcripts import messages_frame, search_frame
from weave_widgets.errors import ApiError, InvalidArgumentError, WeaveWidgetsError
from weave_widgets.models import (
    MAX_CHAT_TURNS,
    CallCreateBatchRes,
    CallEndReq,
    CallStartReq,
    CallStartRes,
    ConversationChatRes,
    EndedCallSchemaForInsert,
    FeedbackCreateBatchRes,
    FeedbackCreateReq,
    FeedbackCreateRes,
    StartedCallSchemaForInsert,
)
from weave_widgets.progress import bar

__all__ = ["AsyncWeaveClient", "WeaveClient"]

T = TypeVar("T")
Window = tuple[datetime.datetime | None, datetime.datetime | None]
BatchOutcome = ResponseColumns | WeaveWidgetsError


class _ClientBase(ABC):
    """Configuration shared by both clients: project, URL, key, timeout, retries, progress."""

    def __init__(
        self,
        project: str,
        *,
        url: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        progress: bool | None = None,
        backoff_base: float = 0.5,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.project = client_project(project)
        self.progress = progress
        self._settings: dict[str, Any] = {  # never the URL as given: it may hold the key
            "timeout": timeout,
            "max_retries": max_retries,
            "backoff_base": backoff_base,
            "max_response_bytes": max_response_bytes,
        }
        try:
            self.url, url_key = resolve_endpoint(url)
            self._timeout = make_timeout(timeout)
            self._policy = RetryPolicy(max_retries=max_retries, backoff_base=backoff_base)
            self.max_response_bytes = check_max_response_bytes(max_response_bytes)
        except ValueError as exc:
            raise InvalidArgumentError(str(exc)) from None
        self._secret = Secret(resolve_key(api_key or url_key))
        self._listed_agents: dict[str, str | None] = {}
        """The agent of each conversation this client has listed (``agent_label``), which
        ``conversation_spans`` writes into ``data.conversations["agent_name"]``: the spans
        answer names no agents, the listing does."""
        self._connect(self._client_options())

    @abstractmethod
    def _connect(self, options: dict[str, Any]) -> None:
        """Open the HTTP connection pool with ``options`` (base URL, headers, timeout)."""

    def __repr__(self) -> str:
        auth = "api key set" if self._secret.value else "no api key"
        return f"{type(self).__name__}(project={self.project!r}, url={self.url!r}, auth={auth!r})"

    def _client_options(self) -> dict[str, Any]:
        headers = {
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
            "Content-Type": "application/json",
        }
        if self._secret.value:
            headers["Authorization"] = auth_header(self._secret.value)
        return {"base_url": self.url, "headers": headers, "timeout": self._timeout}

    def _spans_plan(
        self,
        conversation_ids: Iterable[str],
        started_after: datetime.datetime | None,
        started_before: datetime.datetime | None,
    ) -> tuple[list[str], list[list[str]], list[api.Call[ResponseColumns]]]:
        api.check_window(started_after, started_before)
        ids = api.conversation_ids_arg(conversation_ids)
        chunks = api.batches(ids)
        calls = [
            api.conversation_spans_call(self.project, chunk, started_after, started_before)
            for chunk in chunks
        ]
        return ids, chunks, calls

    def _chat_limit(self, offset: int, max_turns: int | None, page_size: int) -> int:
        return page_size if max_turns is None else min(page_size, max_turns - offset)

    def _chat_call(
        self,
        conversation_id: str,
        offset: int,
        max_turns: int | None,
        page_size: int,
        include_feedback: bool,
    ) -> api.Call[ConversationChatRes] | None:
        """The next page's call, or None when ``max_turns`` are in."""
        limit = self._chat_limit(offset, max_turns, page_size)
        if limit <= 0:
            return None
        return api.conversation_chat_call(
            self.project, conversation_id, limit, offset, include_feedback
        )

    def _remember_agents(self, listing: pd.DataFrame) -> pd.DataFrame:
        """Keep the listed conversations' ``agent_name`` for ``conversation_spans``; return
        ``listing``."""
        for cid, name in zip(listing["conversation_id"], listing["agent_name"], strict=True):
            self._listed_agents[str(cid)] = None if pd.isna(name) else str(name)
        return listing

    def _feedback(
        self, conversation_id: str, trace_id: str | None, **options: Any
    ) -> api.Call[FeedbackCreateRes]:
        req = api.agent_feedback(self.project, conversation_id, trace_id, **options)
        return api.feedback_create_call(req)


class WeaveClient(_ClientBase):
    """Synchronous client for a Weave trace server.

    ``url`` defaults to ``WF_TRACE_SERVER_URL``, else ``https://trace.wandb.ai`` when
    ``WANDB_API_KEY`` is set, else the embedded local server. ``api_key`` defaults to
    ``WANDB_API_KEY``; it is sent as HTTP Basic ``api:<key>`` and never shown. ``timeout`` is
    in seconds per attempt, one deadline for connecting, sending and receiving the headers and
    the whole body; failures on 408/409/429/5xx, connection errors and timeouts are
    retried up to ``max_retries`` times with exponential backoff (from ``backoff_base``
    seconds) that honours a finite ``Retry-After``. Redirects are errors, never followed.
    Answers larger than ``max_response_bytes`` (as sent or decompressed) are refused. A key in
    the URL's user info (``https://api:<key>@host``) is moved to the header and dropped from
    the URL. ``progress=None`` shows a bar for multi-batch fetches only in a notebook or a
    terminal.
    """

    def _connect(self, options: dict[str, Any]) -> None:
        self._http = httpx.Client(**options)
        install_deadlines(self._http)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    pipeline = 2
    """Batches of one fetch in flight at once: two overlap the server's work on one with the
    reading of the other; more would only hold more response bodies in memory."""

    def _run(self, call: api.Call[T]) -> T:
        secret, limit = self._secret.value, self.max_response_bytes
        reply = send(self._http, self._policy, call.path, call.payload, secret, limit, call.headers)
        return read_reply(call.read, reply, self.url + call.path, secret)

    def _attempt(self, call: api.Call[T]) -> T | WeaveWidgetsError:
        try:
            return self._run(call)
        except WeaveWidgetsError as exc:
            return exc

    def conversation_spans(
        self,
        conversation_ids: Iterable[str],
        *,
        started_after: datetime.datetime | None = None,
        started_before: datetime.datetime | None = None,
    ) -> ConversationData:
        """Spans and feedback of ``conversation_ids`` as DataFrames (see ``ConversationData``).

        Spans started in ``[started_after, started_before)`` (aware datetimes) are kept.
        More than 10,000 ids are fetched in batches, two in flight at a time (the server
        answers one while this process reads the other: reading is Arrow's C++, off the GIL),
        and merged by ``conversation_id``; if any batch fails, ``BatchFetchError`` names it
        and nothing is returned. Conversations this client has listed get their agent in
        ``conversations["agent_name"]`` (see ``list_conversations``).
        """
        ids, chunks, calls = self._spans_plan(conversation_ids, started_after, started_before)
        with bar(len(calls), self.progress, "conversation spans") as progress:

            def attempt(call: api.Call[ResponseColumns]) -> BatchOutcome:
                outcome: BatchOutcome = self._attempt(call)
                progress.update()
                return outcome

            if len(calls) == 1:
                outcomes = [attempt(calls[0])]
            else:
                with ThreadPoolExecutor(self.pipeline, thread_name_prefix="weave-spans") as pool:
                    outcomes = list(pool.map(attempt, calls))
        window: Window = (started_after, started_before)
        data = api.merge_batches(
            chunks, outcomes, ids, project_id=self.project, window=window, reader=self
        )
        return with_agent_names(data, self._listed_agents)

    def list_conversations(
        self,
        *,
        started_after: datetime.datetime | None = None,
        started_before: datetime.datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> pd.DataFrame:
        """Conversations active in the window, most recent first, one row each (columns in
        ``weave_widgets.client._endpoints.LISTING_COLUMNS``). Pass the same window to
        ``conversation_spans`` so the spans match the listing. This client remembers each
        listed conversation's agents, and ``conversation_spans`` fills
        ``data.conversations["agent_name"]`` with them (so ``group_by="agent_name"`` works)."""
        listing = self._run(
            api.list_conversations_call(self.project, started_after, started_before, limit, offset)
        )
        roots = api.RootAgents(self.project, listing)
        while (call := roots.next_call()) is not None:
            try:
                roots.add(self._run(call))
            except ApiError as exc:
                roots.refused(exc)
        return self._remember_agents(roots.named(listing))

    def turn_chat(
        self,
        trace_id: str,
        *,
        include_feedback: bool = False,
        conversation_id: str | None = None,
        turn_index: int | None = None,
    ) -> pd.DataFrame:
        """One turn's messages (``/agents/traces/chat``) as a frame with the columns of
        ``weave_widgets.data.MESSAGE_COLUMNS``; ``conversation_id`` and ``turn_index`` only
        label the rows (the answer does not carry them)."""
        res = self._run(api.turn_chat_call(self.project, trace_id, include_feedback))
        return messages_frame([res], conversation_id, turn_index)

    def conversation_chat(
        self,
        conversation_id: str,
        *,
        max_turns: int | None = None,
        include_feedback: bool = False,
        page_size: int = MAX_CHAT_TURNS,
    ) -> pd.DataFrame:
        """The messages of a conversation's turns, oldest first: every turn, or the
        ``max_turns`` most recent. Pages of ``page_size`` (at most 50) turns are fetched
        newest first while the server says ``has_more``."""
        api.check_chat_paging(max_turns, page_size)
        pages: list[ConversationChatRes] = []
        offset = 0
        while (
            call := self._chat_call(conversation_id, offset, max_turns, page_size, include_feedback)
        ) is not None:
            page = self._run(call)
            pages.append(page)
            offset += len(page.turns)
            if not page.has_more or not page.turns:
                break
        return api.conversation_messages(conversation_id, pages)

    def search(
        self,
        query: str,
        *,
        conversation_id: str | None = None,
        agent_name: str | None = None,
        roles: Sequence[str] | None = None,
        truncate_content: bool = True,
        started_after: datetime.datetime | None = None,
        started_before: datetime.datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> pd.DataFrame:
        """Conversations whose messages contain ``query`` (``/agents/search``), most recently
        active first: one row per matched message (``weave_widgets.data.SEARCH_COLUMNS``)."""
        call = api.search_call(
            self.project,
            query,
            conversation_id=conversation_id,
            agent_name=agent_name,
            roles=roles,
            truncate_content=truncate_content,
            started_after=started_after,
            started_before=started_before,
            limit=limit,
            offset=offset,
        )
        return search_frame(self._run(call))

    def call_start(self, start: StartedCallSchemaForInsert | Mapping[str, Any]) -> CallStartRes:
        """Start a call (a span when it has ``thread_id``); returns its ``id`` and ``trace_id``."""
        return self._run(api.call_start_call(start))

    def call_end(self, end: EndedCallSchemaForInsert | Mapping[str, Any]) -> None:
        """End a call; an ``exception`` marks it ERROR."""
        self._run(api.call_end_call(end))

    def call_upsert_batch(
        self, items: Sequence[CallStartReq | CallEndReq | Mapping[str, Any]]
    ) -> CallCreateBatchRes:
        """Send many starts and ends in one request, in order."""
        return self._run(api.upsert_batch_call(items))

    def otel_export(self, request: ExportTraceServiceRequest | bytes) -> ExportTraceServiceResponse:
        """Send OpenTelemetry spans (an OTLP ``ExportTraceServiceRequest``, or its serialized
        bytes) to ``/agents/otel/v1/traces`` as protobuf, with this client's project in the
        ``project_id`` header, as the weave SDK's Conversation SDK and agent integrations do.
        Retried like every request; returns the server's answer (spans it rejected, if any, are
        in ``partial_success`` and logged)."""
        return self._run(api.otel_export_call(self.project, request))

    def feedback_create(self, req: FeedbackCreateReq | Mapping[str, Any]) -> FeedbackCreateRes:
        """Create one feedback row."""
        return self._run(api.feedback_create_call(req))

    def feedback_create_batch(
        self, reqs: Sequence[FeedbackCreateReq | Mapping[str, Any]]
    ) -> FeedbackCreateBatchRes:
        """Create many feedback rows in one request."""
        return self._run(api.feedback_batch_call(reqs))

    def add_feedback(
        self, conversation_id: str, trace_id: str | None = None, **options: Any
    ) -> FeedbackCreateRes:
        """Tag or rate a turn (``trace_id``) or a whole conversation; options as in
        ``_endpoints.agent_feedback`` (``tags``, ``ratings``, ``reasons``, ...)."""
        return self._run(self._feedback(conversation_id, trace_id, **options))


class AsyncWeaveClient(_ClientBase):
    """Asynchronous twin of ``WeaveClient``; batches of a large fetch run concurrently (at
    most ``concurrency`` at a time)."""

    concurrency = 4
    """How many batches of one fetch may be in flight at once."""

    def _connect(self, options: dict[str, Any]) -> None:
        self._http = httpx.AsyncClient(**options)
        install_deadlines(self._http)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _run(self, call: api.Call[T]) -> T:
        secret, limit = self._secret.value, self.max_response_bytes
        reply = await asend(
            self._http, self._policy, call.path, call.payload, secret, limit, call.headers
        )
        return read_reply(call.read, reply, self.url + call.path, secret)

    async def conversation_spans(
        self,
        conversation_ids: Iterable[str],
        *,
        started_after: datetime.datetime | None = None,
        started_before: datetime.datetime | None = None,
    ) -> ConversationData:
        """As ``WeaveClient.conversation_spans``, with batches fetched concurrently."""
        ids, chunks, calls = self._spans_plan(conversation_ids, started_after, started_before)
        limit = asyncio.Semaphore(self.concurrency)
        with bar(len(calls), self.progress, "conversation spans") as progress:

            async def attempt(call: api.Call[ResponseColumns]) -> BatchOutcome:
                async with limit:
                    try:
                        return await self._run(call)
                    except WeaveWidgetsError as exc:
                        return exc
                    finally:
                        progress.update()

            outcomes = await asyncio.gather(*(attempt(call) for call in calls))
        window: Window = (started_after, started_before)
        data = api.merge_batches(
            chunks, outcomes, ids, project_id=self.project, window=window, reader=self.blocking()
        )
        return with_agent_names(data, self._listed_agents)

    def blocking(self) -> WeaveClient:
        """A synchronous client with this one's settings: what a widget's kernel handler
        uses to fetch transcripts (it cannot await)."""
        return WeaveClient(self.project, url=self.url, api_key=self._secret.value, **self._settings)

    async def list_conversations(
        self,
        *,
        started_after: datetime.datetime | None = None,
        started_before: datetime.datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> pd.DataFrame:
        """As ``WeaveClient.list_conversations`` (this client remembers the agents too)."""
        listing = await self._run(
            api.list_conversations_call(self.project, started_after, started_before, limit, offset)
        )
        roots = api.RootAgents(self.project, listing)
        while (call := roots.next_call()) is not None:
            try:
                roots.add(await self._run(call))
            except ApiError as exc:
                roots.refused(exc)
        return self._remember_agents(roots.named(listing))

    async def turn_chat(
        self,
        trace_id: str,
        *,
        include_feedback: bool = False,
        conversation_id: str | None = None,
        turn_index: int | None = None,
    ) -> pd.DataFrame:
        """As ``WeaveClient.turn_chat``."""
        res = await self._run(api.turn_chat_call(self.project, trace_id, include_feedback))
        return messages_frame([res], conversation_id, turn_index)

    async def conversation_chat(
        self,
        conversation_id: str,
        *,
        max_turns: int | None = None,
        include_feedback: bool = False,
        page_size: int = MAX_CHAT_TURNS,
    ) -> pd.DataFrame:
        """As ``WeaveClient.conversation_chat``."""
        api.check_chat_paging(max_turns, page_size)
        pages: list[ConversationChatRes] = []
        offset = 0
        while (
            call := self._chat_call(conversation_id, offset, max_turns, page_size, include_feedback)
        ) is not None:
            page = await self._run(call)
            pages.append(page)
            offset += len(page.turns)
            if not page.has_more or not page.turns:
                break
        return api.conversation_messages(conversation_id, pages)

    async def search(
        self,
        query: str,
        *,
        conversation_id: str | None = None,
        agent_name: str | None = None,
        roles: Sequence[str] | None = None,
        truncate_content: bool = True,
        started_after: datetime.datetime | None = None,
        started_before: datetime.datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> pd.DataFrame:
        """As ``WeaveClient.search``."""
        call = api.search_call(
            self.project,
            query,
            conversation_id=conversation_id,
            agent_name=agent_name,
            roles=roles,
            truncate_content=truncate_content,
            started_after=started_after,
            started_before=started_before,
            limit=limit,
            offset=offset,
        )
        return search_frame(await self._run(call))

    async def call_start(
        self, start: StartedCallSchemaForInsert | Mapping[str, Any]
    ) -> CallStartRes:
        """As ``WeaveClient.call_start``."""
        return await self._run(api.call_start_call(start))

    async def call_end(self, end: EndedCallSchemaForInsert | Mapping[str, Any]) -> None:
        """As ``WeaveClient.call_end``."""
        await self._run(api.call_end_call(end))

    async def call_upsert_batch(
        self, items: Sequence[CallStartReq | CallEndReq | Mapping[str, Any]]
    ) -> CallCreateBatchRes:
        """As ``WeaveClient.call_upsert_batch``."""
        return await self._run(api.upsert_batch_call(items))

    async def otel_export(
        self, request: ExportTraceServiceRequest | bytes
    ) -> ExportTraceServiceResponse:
        """As ``WeaveClient.otel_export``."""
        return await self._run(api.otel_export_call(self.project, request))

    async def feedback_create(
        self, req: FeedbackCreateReq | Mapping[str, Any]
    ) -> FeedbackCreateRes:
        """As ``WeaveClient.feedback_create``."""
        return await self._run(api.feedback_create_call(req))

    async def feedback_create_batch(
        self, reqs: Sequence[FeedbackCreateReq | Mapping[str, Any]]
    ) -> FeedbackCreateBatchRes:
        """As ``WeaveClient.feedback_create_batch``."""
        return await self._run(api.feedback_batch_call(reqs))

    async def add_feedback(
        self, conversation_id: str, trace_id: str | None = None, **options: Any
    ) -> FeedbackCreateRes:
        """As ``WeaveClient.add_feedback``."""
        return await self._run(self._feedback(conversation_id, trace_id, **options))
