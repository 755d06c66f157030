"""Copying the WAL into the database on a thread of its own, so the writer does not.

In WAL mode every commit appends its pages to the ``-wal`` file, and a checkpoint copies them
into the database (and syncs it). Left to SQLite, the committing connection does that itself
once the WAL passes ``wal_autocheckpoint`` pages, inside the commit of whichever request
crossed the line: about a fifth of the time of inserting spans (``bench/ingest.py``). Here a
thread with its own connection runs a ``PASSIVE`` checkpoint (one that never waits for, nor
blocks, readers and the writer) at most every :data:`INTERVAL` seconds while writes arrive.
SQLite copies pages with the GIL released, so on another core it costs the writer nothing.
The writer keeps its own ``wal_autocheckpoint`` as a backstop should this thread fall behind.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

logger = logging.getLogger("weave_widgets.server")

INTERVAL = 0.25
"""Seconds between checkpoints while writes arrive: an index page that several requests in a
row change is copied (and synced) once, and the WAL stays a few megabytes long."""


class WalCheckpointer:
    """Checkpoints the database behind connections made by ``connect`` after each
    :meth:`nudge`, at most every :data:`INTERVAL` seconds, until :meth:`close`."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._wanted = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def nudge(self) -> None:
        """Say that a write was committed (the thread starts with the first one)."""
        if self._thread is None:
            with self._start_lock:
                if self._thread is None and not self._closing.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="weave-widgets-checkpoint", daemon=True
                    )
                    self._thread.start()
        self._wanted.set()

    def close(self) -> None:
        """Stop the thread, after the checkpoint it may be running."""
        with self._start_lock:
            self._closing.set()
            self._wanted.set()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        self._closing.clear()

    def _run(self) -> None:
        conn = self._connect()
        while True:
            self._wanted.wait()
            if self._closing.is_set():
                return
            self._wanted.clear()
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # the writer's own checkpoints remain
                logger.debug("background WAL checkpoint failed: %s", exc)
            if self._closing.wait(INTERVAL):
                return
