"""Inserting rows on a second thread while the caller makes the next ones.

Decoding OTLP is Python work and holds the GIL; SQLite's inserting is C work, and the
``sqlite3`` module lets go of the GIL only inside each statement's ``sqlite3_step``. With
``executemany`` that is one step per row: the inserting thread has to win the GIL back after
every row, which a decoding thread gives up only every switch interval (5 ms), so the two
never overlap. Here a chunk of rows goes into one multi-row ``INSERT``: one step for the whole
chunk, during which the caller decodes the next chunk on the other core. The inserting thread
needs the GIL only to bind the chunk (the caller waits for that) and to return.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from itertools import islice
from types import TracebackType
from typing import Any

CHUNK_ROWS = 64
"""Rows per multi-row ``INSERT``. Small enough that decoding one chunk does not keep the
inserting thread waiting long for the GIL, large enough that binding and switching are a small
part of it (32, 64 and 128 measured; 64 was the fastest)."""


def chunked(rows: Iterable[Any], size: int = CHUNK_ROWS) -> Iterator[list[Any]]:
    """``rows`` in lists of ``size`` (the last may be shorter), made lazily."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


class InsertPipeline:
    """Runs ``statement`` (``INSERT ... VALUES`` and one row's placeholders) for each submitted
    chunk on ``executor``'s thread, one chunk at a time, on ``conn``.

    Use it inside the caller's transaction and leave it before committing or rolling back:
    leaving waits for the chunk in flight, so the connection is never used by two threads at
    once. An insert's error is raised by the next :meth:`submit` or on leaving."""

    def __init__(
        self, conn: sqlite3.Connection, statement: str, executor: ThreadPoolExecutor
    ) -> None:
        self._conn = conn
        head, _, row = statement.rpartition("VALUES")
        self._single = statement
        self._multi = f"{head}VALUES {', '.join([row.strip()] * CHUNK_ROWS)}"
        self._executor = executor
        self._pending: Future[None] | None = None

    def submit(self, rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` after the previous chunk; returns once they are bound, while SQLite
        inserts them."""
        self._finish_pending()
        bound = threading.Event()
        self._pending = self._executor.submit(self._insert, rows, bound)
        bound.wait()

    def _insert(self, rows: Sequence[Sequence[Any]], bound: threading.Event) -> None:
        if len(rows) != CHUNK_ROWS:  # the last, short chunk: nothing is left to overlap
            bound.set()
            self._conn.executemany(self._single, rows)
            return
        try:
            params = [value for row in rows for value in row]
        finally:
            bound.set()  # the caller takes the GIL back once binding is over
        self._conn.execute(self._multi, params)

    def _finish_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> InsertPipeline:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self._finish_pending()
            return
        with suppress(Exception):  # the first error is the one to report, but the chunk in
            self._finish_pending()  # flight must end before the transaction does
