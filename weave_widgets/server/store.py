"""SQLite storage for spans and feedback: the rows the server keeps and the queries it answers.

The tables of objects, files and tables (what the weave SDK publishes) live in the same file;
their queries are in :mod:`weave_widgets.server.object_store`.

One connection writes, under a lock, and each request is one transaction (so concurrent
writers lose nothing and a restart on the same file keeps every committed row); each thread
reads on a connection of its own. Times are integer microseconds since the epoch (UTC) so
they sort correctly; every query is parameterised and the database runs in WAL mode.

Every row is checked before it is written (:func:`check_rows`: times within years 1-9999 UTC,
so whatever is stored can be read back), and a write that fails (a full disk included) is
rolled back whole, leaving the connection usable.
"""

from __future__ import annotations

import datetime
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import NamedTuple

import orjson

from weave_widgets.models import EARLIEST_TIME, LATEST_TIME, MAX_CONVERSATION_SPANS
from weave_widgets.server.insert_pipeline import InsertPipeline, chunked
from weave_widgets.server.wal_checkpointer import WalCheckpointer

logger = logging.getLogger("weave_widgets.server")

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


def to_micros(value: datetime.datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken as UTC. Defined for any
    datetime, also one whose UTC value lies outside years 1-9999 (a query window may)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return (value - _EPOCH) // _MICROSECOND


MIN_MICROS = to_micros(EARLIEST_TIME)
"""The earliest storable time (0001-01-01 UTC) in microseconds since the epoch."""
MAX_MICROS = to_micros(LATEST_TIME)
"""The latest storable time (9999-12-31 23:59:59.999999 UTC) in microseconds."""


def from_micros(value: int) -> datetime.datetime:
    """The UTC datetime of ``value`` microseconds since the epoch, held to years 1-9999 (rows
    written before times were checked may lie outside; they read as the nearest bound)."""
    return _EPOCH + datetime.timedelta(microseconds=min(max(value, MIN_MICROS), MAX_MICROS))


class SpanRow(NamedTuple):
    """One stored span, from a call or an OTLP export; times are microseconds (UTC)."""

    project_id: str
    span_id: str
    trace_id: str
    parent_id: str | None
    conversation_id: str | None
    operation_name: str
    op_name: str
    agent_name: str | None
    started_at: int
    ended_at: int | None
    status: str
    exception: str | None
    source: str
    start_json: bytes
    end_json: bytes | None


class CallEnd(NamedTuple):
    """The fields ending a call sets on its stored span."""

    project_id: str
    span_id: str
    ended_at: int
    status: str
    exception: str | None
    end_json: bytes


def apply_end(row: SpanRow, end: CallEnd) -> SpanRow:
    """``row`` as it is after ``end``."""
    return row._replace(
        ended_at=end.ended_at, status=end.status, exception=end.exception, end_json=end.end_json
    )


class FeedbackRow(NamedTuple):
    """One stored feedback row; ``marker`` is its minimap marker as JSON, or None."""

    id: str
    project_id: str
    weave_ref: str
    feedback_type: str
    created_at: int
    wb_user_id: str
    conversation_id: str | None
    trace_id: str | None
    marker: bytes | None
    body: bytes


_SPAN_ANSWER = """json_object(
        'operation_name', operation_name, 'trace_id', trace_id, 'span_id', span_id,
        'status', CASE WHEN status IN ('UNSET', 'OK', 'ERROR') THEN status ELSE 'UNSET' END,
        'duration_ms', CASE WHEN ended_at > started_at
                            THEN ended_at / 1000 - started_at / 1000 ELSE 0 END)"""
_ANSWER_COLUMN = f"answer TEXT GENERATED ALWAYS AS ({_SPAN_ANSWER}) VIRTUAL"
"""A span as ``/agents/conversations/spans`` answers it, as JSON text made by SQLite. VIRTUAL,
so ``ALTER TABLE ADD COLUMN`` adds it to an existing file and no write path computes it: the
index ``spans_answers`` stores its value when a row is written or its end arrives, and the
spans query reads it from there without a Python object per span."""
_ANSWER_INDEX = """
CREATE INDEX IF NOT EXISTS spans_answers
    ON spans (project_id, conversation_id, started_at, span_id, answer)
"""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS spans (
    project_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    parent_id TEXT,
    conversation_id TEXT,
    operation_name TEXT NOT NULL,
    op_name TEXT NOT NULL,
    agent_name TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    status TEXT NOT NULL,
    exception TEXT,
    source TEXT NOT NULL,
    start_json BLOB NOT NULL,
    end_json BLOB,
    {_ANSWER_COLUMN},
    PRIMARY KEY (project_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_by_trace ON spans (project_id, trace_id);
{_ANSWER_INDEX.strip()};
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    weave_ref TEXT NOT NULL,
    feedback_type TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    wb_user_id TEXT NOT NULL,
    conversation_id TEXT,
    trace_id TEXT,
    marker BLOB,
    body BLOB NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX IF NOT EXISTS feedback_by_conversation
    ON feedback (project_id, conversation_id, created_at) WHERE marker IS NOT NULL;
CREATE INDEX IF NOT EXISTS feedback_by_ref ON feedback (project_id, weave_ref);
CREATE INDEX IF NOT EXISTS spans_by_parent ON spans (project_id, parent_id);
CREATE TABLE IF NOT EXISTS objects (
    project_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    version_index INTEGER NOT NULL,
    digest TEXT NOT NULL,
    kind TEXT NOT NULL,
    base_object_class TEXT,
    leaf_object_class TEXT,
    created_at INTEGER NOT NULL,
    val BLOB NOT NULL,
    PRIMARY KEY (project_id, object_id, version_index)
);
CREATE UNIQUE INDEX IF NOT EXISTS objects_by_digest ON objects (project_id, object_id, digest);
CREATE TABLE IF NOT EXISTS files (
    project_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (project_id, digest)
);
CREATE TABLE IF NOT EXISTS table_rows (
    project_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    val BLOB NOT NULL,
    PRIMARY KEY (project_id, digest)
);
CREATE TABLE IF NOT EXISTS tables (
    project_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    PRIMARY KEY (project_id, digest)
);
CREATE TABLE IF NOT EXISTS table_members (
    project_id TEXT NOT NULL,
    table_digest TEXT NOT NULL,
    row_index INTEGER NOT NULL,
    row_digest TEXT NOT NULL,
    PRIMARY KEY (project_id, table_digest, row_index)
);
"""

_UNLIMITED_PAGES = 1073741823
"""SQLite's default ``max_page_count``."""


def _is_full(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` says the database cannot grow (SQLITE_FULL)."""
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


_SPAN_VALUES = "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_SPAN = "INSERT INTO spans " + _SPAN_VALUES
_UPSERT_SPAN = "INSERT OR REPLACE INTO spans " + _SPAN_VALUES
_INSERT_SPAN_OR_IGNORE = "INSERT OR IGNORE INTO spans " + _SPAN_VALUES
_INSERT_FEEDBACK = "INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_FEEDBACK_OR_IGNORE = _INSERT_FEEDBACK.replace("INSERT", "INSERT OR IGNORE", 1)
_END_SPAN = (
    "UPDATE spans SET ended_at = ?, status = ?, exception = ?, end_json = ? "
    "WHERE project_id = ? AND span_id = ?"
)
_SPANS_QUERY = """
SELECT conversation_id, count(*), CAST(group_concat(answer, ',') AS BLOB)
FROM spans INDEXED BY spans_answers
WHERE project_id = ? AND conversation_id IN (SELECT id FROM temp.wanted)
  AND started_at >= ? AND started_at < ?
GROUP BY conversation_id
"""
# The index walk above meets each conversation's spans in index order, (started_at, span_id),
# and group_concat joins them in the order met (tests/server/test_span_answers.py holds both).
# A conversation over the cap is read again, newest first, to keep its most recent spans.
_NEWEST_SPANS_QUERY = """
SELECT CAST(answer AS BLOB) FROM spans INDEXED BY spans_answers
WHERE project_id = ? AND conversation_id = ? AND started_at >= ? AND started_at < ?
ORDER BY started_at DESC, span_id DESC
LIMIT ?
"""
# Markers of feedback anchored to a requested conversation, plus turn feedback that names no
# conversation but whose trace has a span in one. The join starts from those few feedback rows
# and finds their spans by trace (CROSS JOIN fixes the order): left to itself SQLite walked
# every requested span and probed feedback for each, 0.13-0.2 s for 10,000 ids.
_MARKERS_QUERY = """
SELECT conversation_id, CAST(marker AS BLOB) FROM feedback
WHERE project_id = ? AND marker IS NOT NULL
  AND conversation_id IN (SELECT id FROM temp.wanted)
UNION ALL
SELECT DISTINCT s.conversation_id, CAST(f.marker AS BLOB) FROM feedback f
CROSS JOIN spans s INDEXED BY spans_by_trace
  ON s.project_id = f.project_id AND s.trace_id = f.trace_id
WHERE f.project_id = ? AND f.marker IS NOT NULL AND f.conversation_id IS NULL
  AND s.conversation_id IN (SELECT id FROM temp.wanted)
"""
_GROUPS_QUERY = """
SELECT COALESCE(conversation_id, '') AS conversation_id,
       {agent} AS agent_key,
       COUNT(*) AS span_count,
       SUM(operation_name = 'invoke_agent') AS invocation_count,
       COUNT(DISTINCT conversation_id) AS conversation_count,
       CAST(MIN(TOTAL(CASE WHEN ended_at > started_at
                           THEN ended_at / 1000 - started_at / 1000 ELSE 0 END),
                9.2e18) AS INTEGER) AS total_duration_ms,
       SUM(status = 'ERROR') AS error_count,
       json_group_array(DISTINCT agent_name) AS agent_names,
       MIN(started_at) AS first_seen,
       MAX(started_at) AS last_seen,
       COUNT(*) OVER () AS total_count
FROM spans
WHERE project_id = ? AND started_at >= ? AND started_at < ?
GROUP BY 1, 2
ORDER BY {order}
LIMIT ? OFFSET ?
"""
_GROUP_COUNT_QUERY = """
SELECT COUNT(*) FROM (
    SELECT 1 FROM spans WHERE project_id = ? AND started_at >= ? AND started_at < ?
    GROUP BY COALESCE(conversation_id, ''), {agent}
)
"""
_AGENT_KEY = {False: "''", True: "COALESCE(agent_name, '')"}
"""The second grouping key: none (one group per conversation), or the span's agent."""
GROUP_SORT_FIELDS = (
    "last_seen",
    "first_seen",
    "span_count",
    "invocation_count",
    "total_duration_ms",
    "error_count",
    "conversation_id",
)
"""Fields ``/agents/spans/query`` can sort conversation groups by."""

MIN_TIME = -(2**62)
"""Lower bound of the time window when a request gives no ``started_after``."""
MAX_TIME = 2**62
"""Upper bound of the time window when a request gives no ``started_before``."""


class StoreError(Exception):
    """A write the store refuses; ``status`` is the HTTP status to answer with."""

    status = 400


class OutOfRange(StoreError):
    """A row holding a value the store cannot keep and read back (HTTP 422)."""

    status = 422


class StorageFull(StoreError):
    """The database cannot grow (disk full, or its size limit): HTTP 507. Nothing of the
    request was stored."""

    status = 507

    def __init__(self) -> None:
        super().__init__(
            "the server's storage is full (SQLite: database or disk is full); nothing of this "
            "request was stored. Free disk space on the server, then send it again"
        )


def _check_time(value: int | None, field: str, span_id: str) -> None:
    if value is not None and not MIN_MICROS <= value <= MAX_MICROS:
        raise OutOfRange(
            f"span {span_id!r}: {field} ({value} microseconds since 1970) is outside years "
            "1-9999 UTC; send a time between 0001-01-01 and 9999-12-31 UTC"
        )


def check_rows(rows: Sequence[SpanRow | CallEnd]) -> None:
    """Raise :class:`OutOfRange` for a row whose times could not be read back."""
    for row in rows:
        if isinstance(row, SpanRow):
            _check_time(row.started_at, "started_at", row.span_id)
        _check_time(row.ended_at, "ended_at", row.span_id)


class DuplicateId(StoreError):
    """A call or feedback id that is already stored with other content (HTTP 409)."""

    status = 409


class UnknownCall(StoreError):
    """An end for a call that was never started (HTTP 404)."""

    status = 404


class Group(NamedTuple):
    """One conversation group of the listing (times in microseconds); ``agent_name`` is the
    agent of a ``(conversation, agent)`` group, ``""`` when grouped by conversation only."""

    conversation_id: str
    agent_name: str
    span_count: int
    invocation_count: int
    conversation_count: int
    total_duration_ms: int
    error_count: int
    agent_names: list[str]
    first_seen: int
    last_seen: int


WRITER_PRAGMAS = ("PRAGMA cache_size = -65536", "PRAGMA wal_autocheckpoint = 8192")
"""Settings of the one writing connection. Span ids are random, so every insert lands on
random pages of the indexes (about 330 bytes of index per span, 110 more with the span
answers' index); with SQLite's default 2 MiB page cache most of them were read back for each
request, 64 MiB keeps those of about 200,000 spans (150,000 with the span answers). The WAL
is checkpointed every 32 MiB instead of every 4 MiB, so an index page that many requests in
a row change is copied into the database (and synced) once. Together: a sixth less CPU and
40% less wall time per inserted span (``bench/ingest.py``'s baseline). The store's own
checkpoints run on another thread (:mod:`weave_widgets.server.wal_checkpointer`); this one is
the backstop should that thread fall behind."""


def connect(path: str) -> sqlite3.Connection:
    """A connection as the store opens it: autocommit (transactions are explicit), WAL,
    ``synchronous=NORMAL`` (a commit survives a crash of the process, not of the machine)."""
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _add_span_answers(conn: sqlite3.Connection) -> None:
    """Bring a file written before span answers up to this schema: add the ``answer`` column
    and replace the conversation index of the six answer columns by ``spans_answers``. Building
    it reads every stored span once (about 4 s per million spans), so it is logged."""
    columns = {row[1] for row in conn.execute("PRAGMA table_xinfo(spans)")}
    if not columns or "answer" in columns:
        return  # a new file (the schema makes it whole) or one already migrated
    conn.execute(f"ALTER TABLE spans ADD COLUMN {_ANSWER_COLUMN}")
    conn.execute("DROP INDEX IF EXISTS spans_by_conversation")
    count = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
    logger.warning(
        "indexing the answers of %d stored spans, once for this version (about 4 s per "
        "million spans)",
        count,
    )
    started = time.monotonic()
    conn.execute(_ANSWER_INDEX)
    logger.warning("indexed %d spans in %.1f s", count, time.monotonic() - started)


class Store:
    """The local server's database at ``path`` (created if missing).

    One connection writes, under the write lock, whichever thread asks (SQLite allows one
    writer at a time anyway, and its page cache then stays warm from one write to the next);
    each thread reads on a connection of its own, as datasette does. Two threads of the store
    help the writer: one inserts OTLP spans while the next are decoded, one checkpoints."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._conns_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._writer: sqlite3.Connection | None = None
        self._inserter: ThreadPoolExecutor | None = None
        self._checkpointer = WalCheckpointer(self._open)
        self._max_pages: int | None = None
        with self._write() as conn:
            _add_span_answers(conn)
        with self._write_lock:
            self._writing().executescript(_SCHEMA)

    def _open(self) -> sqlite3.Connection:
        conn = connect(self.path)
        if self._max_pages is not None:
            self._apply_max_pages(conn)
        with self._conns_lock:
            self._connections.append(conn)
        return conn

    def _conn(self) -> sqlite3.Connection:
        """This thread's reading connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        return conn

    def _writing(self) -> sqlite3.Connection:
        """The writing connection; call with the write lock held."""
        if self._writer is None:
            self._writer = self._open()
            for pragma in WRITER_PRAGMAS:
                self._writer.execute(pragma)
        return self._writer

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed whole, or rolled back whole (also when the commit
        itself fails). A full database raises :class:`StorageFull`. A commit that changed rows
        wakes the checkpointing thread (opening a store, which writes none, starts no thread)."""
        with self._write_lock:
            conn = self._writing()
            try:
                conn.execute("BEGIN IMMEDIATE")
                changes = conn.total_changes
                yield conn
                conn.execute("COMMIT")
                if conn.total_changes != changes:
                    self._checkpointer.nudge()
            except BaseException as exc:
                if conn.in_transaction:  # SQLite may have rolled back already
                    with suppress(sqlite3.Error):  # the first error is the one to report
                        conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and _is_full(exc):
                    raise StorageFull() from exc
                raise

    def limit_pages(self, max_pages: int | None) -> None:
        """Test hook: cap the database at ``max_pages`` pages (``PRAGMA max_page_count``) on
        every connection, to play a full disk; None lifts the cap."""
        self._max_pages = max_pages
        with self._conns_lock:
            for conn in self._connections:
                self._apply_max_pages(conn)

    def _apply_max_pages(self, conn: sqlite3.Connection) -> None:
        pages = _UNLIMITED_PAGES if self._max_pages is None else self._max_pages
        conn.execute(f"PRAGMA max_page_count = {int(pages)}")

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, for the reads of the storage modules beside this one."""
        return self._conn()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` under the write lock, all or nothing),
        for the storage modules beside this one."""
        return self._write()

    def close(self) -> None:
        """Close every connection this store opened, and stop its threads."""
        self._checkpointer.close()
        with self._write_lock:
            if self._inserter is not None:
                self._inserter.shutdown()
                self._inserter = None
        with self._conns_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            self._local = threading.local()
            self._writer = None

    # --- writes ------------------------------------------------------------------------------

    def write_calls(self, starts: Sequence[SpanRow], ends: Sequence[CallEnd]) -> None:
        """Insert ``starts`` and apply ``ends`` in one transaction (all or nothing).

        An end whose start is in the same batch is merged before inserting. Raises
        :class:`DuplicateId` for a call id that already exists, unless the start is an
        identical replay (a retry whose answer was lost): the stored start is kept and the
        replay's ends are applied again, so a replayed batch loses no part of what it held.
        Raises :class:`UnknownCall` for an end whose call was never started.
        """
        check_rows([*starts, *ends])
        pending: dict[tuple[str, str], SpanRow] = {}
        for row in starts:
            key = (row.project_id, row.span_id)
            if key in pending:
                raise DuplicateId(f"call id {row.span_id!r} appears twice in this request")
            pending[key] = row
        merged: dict[tuple[str, str], list[CallEnd]] = {}
        later: list[CallEnd] = []
        for end in ends:
            key = (end.project_id, end.span_id)
            if key in pending:
                pending[key] = apply_end(pending[key], end)
                merged.setdefault(key, []).append(end)
            else:
                later.append(end)
        with self._write() as conn:
            try:
                conn.executemany(_INSERT_SPAN, pending.values())
            except sqlite3.IntegrityError:
                replayed = self._check_replays(conn, pending)
                conn.executemany(_INSERT_SPAN_OR_IGNORE, pending.values())
                later = [end for key in replayed for end in merged.get(key, ())] + later
            for end in later:
                cur = conn.execute(
                    _END_SPAN,
                    (end.ended_at, end.status, end.exception, end.end_json, *end[:2]),
                )
                if cur.rowcount == 0:
                    raise UnknownCall(
                        f"no call {end.span_id!r} in project {end.project_id!r}; "
                        "start the call (POST /call/start) before ending it"
                    )

    @staticmethod
    def _check_replays(
        conn: sqlite3.Connection, pending: dict[tuple[str, str], SpanRow]
    ) -> list[tuple[str, str]]:
        """The keys of ``pending`` already stored, each an identical replay (same trace and
        start: a retry whose first answer was lost); else raise :class:`DuplicateId`."""
        replayed = []
        for (project_id, span_id), row in pending.items():
            found = conn.execute(
                "SELECT trace_id, start_json FROM spans WHERE project_id = ? AND span_id = ?",
                (project_id, span_id),
            ).fetchone()
            if found is not None and tuple(found) != (row.trace_id, row.start_json):
                raise DuplicateId(
                    f"call id {span_id!r} already exists in project {project_id!r}; "
                    "use a new id (or omit it to have one generated)"
                )
            if found is not None:
                replayed.append((project_id, span_id))
        return replayed

    def upsert_spans(self, rows: Iterable[SpanRow]) -> None:
        """Insert OTLP spans in one transaction; a re-sent span replaces the stored one.

        ``rows`` may be made lazily (``otlp_spans.spans`` decodes them as they are taken):
        each chunk is inserted on the store's inserting thread while the next is made. An
        error from making them rolls back the whole transaction, as one from inserting does."""
        with self._write() as conn, InsertPipeline(conn, _UPSERT_SPAN, self._inserting()) as ins:
            for chunk in chunked(rows):
                check_rows(chunk)
                ins.submit(chunk)

    def _inserting(self) -> ThreadPoolExecutor:
        """The thread that runs the inserts of :meth:`upsert_spans`; call with the write lock
        held."""
        if self._inserter is None:
            self._inserter = ThreadPoolExecutor(1, thread_name_prefix="weave-widgets-insert")
        return self._inserter

    def insert_feedback(self, rows: Sequence[FeedbackRow]) -> None:
        """Insert feedback rows in one transaction; an identical replay of a stored row is
        ignored, another row with a known id raises :class:`DuplicateId`."""
        with self._write() as conn:
            try:
                conn.executemany(_INSERT_FEEDBACK, rows)
            except sqlite3.IntegrityError:
                for row in rows:
                    found = conn.execute(
                        "SELECT body FROM feedback WHERE project_id = ? AND id = ?",
                        (row.project_id, row.id),
                    ).fetchone()
                    if found is not None and found[0] != row.body:
                        raise DuplicateId(
                            f"feedback id {row.id!r} already exists with other content; "
                            "use a new id or omit it"
                        ) from None
                conn.executemany(_INSERT_FEEDBACK_OR_IGNORE, rows)

    # --- reads -------------------------------------------------------------------------------

    def conversation_entries_json(
        self, project_id: str, conversation_ids: Sequence[str], after: int, before: int
    ) -> list[bytes]:
        """The entries of the ``/agents/conversations/spans`` answer as JSON, in parts: joined
        in order they are the entries separated by commas (the ``conversations`` array without
        its brackets), made of the span answers SQLite stored: no Python object per span.

        One entry per distinct requested id, in request order (first occurrence wins). Spans
        are ordered by ``(started_at, span_id)``; only the most recent
        ``MAX_CONVERSATION_SPANS`` of a conversation are kept. Markers follow in feedback
        creation order. All is read in one snapshot.
        """
        ids = list(dict.fromkeys(conversation_ids))
        spans: dict[str, bytes] = {}
        markers: dict[str, list[bytes]] = {}
        conn = self._conn()
        with self._wanted(conn, ids):
            for cid, count, joined in conn.execute(_SPANS_QUERY, (project_id, after, before)):
                if count > MAX_CONVERSATION_SPANS:
                    joined = self._newest_spans(conn, project_id, cid, after, before)
                spans[cid] = joined
            for cid, marker in conn.execute(_MARKERS_QUERY, (project_id, project_id)):
                markers.setdefault(cid, []).append(marker)
        parts: list[bytes] = []
        for index, cid in enumerate(ids):
            parts += (
                b'{"conversation_id":' if index == 0 else b',{"conversation_id":',
                orjson.dumps(cid),
                b',"spans":[',
                spans.get(cid, b""),
                b'],"spans_feedback":[',
                b",".join(markers.get(cid, ())),
                b"]}",
            )
        return parts

    @staticmethod
    def _newest_spans(
        conn: sqlite3.Connection, project_id: str, cid: str, after: int, before: int
    ) -> bytes:
        """The answers of the conversation's ``MAX_CONVERSATION_SPANS`` most recent spans,
        oldest first, joined by commas."""
        newest = conn.execute(
            _NEWEST_SPANS_QUERY, (project_id, cid, after, before, MAX_CONVERSATION_SPANS)
        ).fetchall()
        return b",".join(answer for (answer,) in reversed(newest))

    @staticmethod
    @contextmanager
    def _wanted(conn: sqlite3.Connection, ids: Sequence[str]) -> Iterator[None]:
        """Reads in one snapshot with ``ids`` in the temp table ``wanted`` (json_each would cut
        an id at a NUL character); the rows are rolled back afterwards."""
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (id TEXT PRIMARY KEY)")
        conn.execute("BEGIN")
        try:
            conn.executemany("INSERT INTO temp.wanted VALUES (?)", ((cid,) for cid in ids))
            yield
        finally:
            conn.execute("ROLLBACK")

    def conversation_groups(
        self,
        project_id: str,
        after: int,
        before: int,
        sort: Sequence[tuple[str, str]],
        limit: int,
        offset: int,
        by_agent: bool = False,
    ) -> tuple[list[Group], int]:
        """Spans grouped by conversation (``""`` for spans without one), or by conversation
        and agent with ``by_agent`` (``""`` for spans naming no agent), and the group count.

        ``sort`` holds ``(field, "asc"|"desc")`` pairs with fields from ``GROUP_SORT_FIELDS``.
        """
        for field, direction in sort:
            if field not in GROUP_SORT_FIELDS or direction not in ("asc", "desc"):
                raise ValueError(f"cannot sort conversation groups by {field!r} {direction!r}")
        order = ", ".join(f"{field} {direction}" for field, direction in sort)
        if not any(field == "conversation_id" for field, _ in sort):
            order += ", conversation_id asc"
        order += ", agent_key asc"
        sql = _GROUPS_QUERY.format(order=order, agent=_AGENT_KEY[by_agent])
        rows = self._conn().execute(sql, (project_id, after, before, limit, offset)).fetchall()
        if not rows:  # past the last group, or limit 0: no row carries the count
            total = self._group_count(project_id, after, before, by_agent)
        else:
            total = rows[0][-1] if rows else 0
        groups = [
            Group._make((*row[:7], sorted(n for n in orjson.loads(row[7]) if n), *row[8:10]))
            for row in rows
        ]
        return groups, total

    def _group_count(self, project_id: str, after: int, before: int, by_agent: bool) -> int:
        row = (
            self._conn()
            .execute(
                _GROUP_COUNT_QUERY.format(agent=_AGENT_KEY[by_agent]), (project_id, after, before)
            )
            .fetchone()
        )
        return int(row[0])
