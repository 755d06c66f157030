"""The embedded local trace server (FastAPI + SQLite), speaking the published Weave API.

Its endpoints are listed in one place, :mod:`weave_widgets.server.routes`. Where the hosted
server's behaviour is unknown, or this server deliberately differs, it does the following:

- ``/agents/conversations/spans`` answers one entry per *distinct* requested id, in request
  order; a repeated id is answered once, at its first occurrence. Unknown ids get empty lists.
- Only the most recent ``MAX_CONVERSATION_SPANS`` (200) spans of a conversation are returned
  (after the time filter), ordered by ``(started_at, span_id)``; nothing flags the truncation.
- The spans request ignores unknown top-level keys, as the hosted server's model does; the write
  envelopes (``CallStartReq``, ``CallEndReq``, ``CallCreateBatchReq``, ``FeedbackCreateReq``)
  reject them with 422.
- Feedback markers are not filtered by the time window and come in creation order. A turn
  marker belongs to the conversation named by ``span_conversation_id``, or else to every
  requested conversation that has a span in that turn. agent_span feedback is dropped.
- Calls become spans as described in :mod:`weave_widgets.server.call_spans`; OTLP spans as in
  :mod:`weave_widgets.server.otlp_spans`. A duplicate call id is 409, ending an unknown call
  404, a body over 32 MiB 413; ``/call/upsert_batch`` and ``/feedback/batch/create`` are all
  or nothing. An identical replay of a stored start or feedback row (a retry whose answer was
  lost) is accepted and changes nothing, so client retries of writes are safe.
- A replayed batch keeps every part it holds: when its start is an identical replay of a
  stored one, the start is kept and the batch's ends of that call are applied again.
- Every write is checked before it is acknowledged: times must lie in years 1-9999 once in
  UTC (422), integers within 64 bits (422), JSON nesting within 128 levels (422), floats
  finite (422). A full database is 507 with a reason, and nothing of the request is stored.
- Every failure is JSON with a ``reason`` (or a 422 ``detail``) and the connection stays
  open (:mod:`weave_widgets.server.failures`). A ``Host`` that does not name the server is
  421 (:mod:`weave_widgets.server.guard`).
- ``POST /otel/v1/traces`` takes the target project from a ``project_id: entity/project``
  header (as Weave's OTel endpoint does); a re-sent span (same project and span id) replaces
  the stored one. Values are checked by kind and range (an ``intValue`` must be a 64-bit
  integer, times unsigned 64-bit nanoseconds); a bad one is 400 naming where it is.
- ``/agents/spans/query`` only supports ``group_by=[{"source":"column","key":"conversation_id"}]``;
  spans without a conversation form the group ``""``, as on the hosted server.
- What the weave SDK publishes and reads back (objects, files, tables, refs, the call and
  feedback readers) follows :mod:`weave_widgets.server.object_store`,
  :mod:`weave_widgets.server.call_reader` and :mod:`weave_widgets.server.feedback_reader`:
  object digests hash refs as sent (the hosted server hashes its internal refs), so a
  client-side digest of a value holding refs is answered 409 and the SDK re-sends without it;
  nothing is ever deleted; the query language is evaluated in Python after SQL narrowing.
"""

from weave_widgets.server.app import create_app

__all__ = ["create_app"]
