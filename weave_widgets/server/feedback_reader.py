"""Stored feedback as the weave SDK reads it back (``/feedback/query``, ``call.feedback``).

A row is the feedback as it was created (the stored ``body``) with the fields the server sets:
``id``, ``created_at`` (ISO, ``Z``) and ``wb_user_id``. Rows come in creation order (rows of
one batch in the order sent) unless sorted otherwise. A query's top-level ``$eq`` / ``$in`` on
``id``, ``weave_ref``, ``feedback_type`` or ``wb_user_id`` narrows the SQL; the whole
expression is then evaluated by :mod:`weave_widgets.server.query_expr`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from weave_widgets.server.object_store import iso
from weave_widgets.server.query_expr import field_equalities, get_field, matches, sort_key
from weave_widgets.server.store import Store

_COLUMNS = frozenset({"id", "weave_ref", "feedback_type", "wb_user_id"})


class FeedbackReader:
    """Reads the ``feedback`` table of ``store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _rows(self, project_id: str, narrow: dict[str, list[Any]]) -> list[dict[str, Any]]:
        sql = (
            "SELECT id, project_id, weave_ref, feedback_type, created_at, wb_user_id, body "
            "FROM feedback WHERE project_id = ?"
        )
        params: list[Any] = [project_id]
        for column, values in sorted(narrow.items()):
            # column is one of _COLUMNS; the values are a parameter
            sql += f" AND {column} IN (SELECT value FROM json_each(?))"  # noqa: S608
            params.append(orjson.dumps([v for v in values if isinstance(v, str)]).decode())
        sql += " ORDER BY created_at, rowid"
        rows = []
        for fid, project, ref, ftype, created, user, body in self.store.connection().execute(
            sql, params
        ):
            row = orjson.loads(body)
            row.update(
                id=fid,
                project_id=project,
                weave_ref=ref,
                feedback_type=ftype,
                created_at=iso(created),
                wb_user_id=user,
            )
            rows.append(row)
        return rows

    def query(
        self,
        project_id: str,
        expr: Any = None,
        fields: Sequence[str] | None = None,
        sort_by: Sequence[tuple[str, str]] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """The rows matching ``expr`` (all when None), sorted, paged and cut to ``fields``;
        and how many matched before paging."""
        narrow: dict[str, list[Any]] = {}
        if expr is not None:
            equal = field_equalities(expr)
            narrow = {f: v for f, v in equal.items() if f in _COLUMNS}
        rows = self._rows(project_id, narrow)
        if expr is not None:
            rows = [row for row in rows if matches(expr, row)]
        for field, direction in reversed(sort_by):
            rows.sort(key=lambda r: sort_key(get_field(r, field)), reverse=direction == "desc")
        total = len(rows)
        rows = rows[offset : None if limit is None else offset + limit]
        if fields:
            rows = [{f: row[f] for f in fields if f in row} for row in rows]
        return rows, total

    def by_ref(self, project_id: str, refs: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """The rows anchored to each of ``refs`` (every ref is a key, maybe of an empty list)."""
        found: dict[str, list[dict[str, Any]]] = {ref: [] for ref in refs}
        if refs:
            for row in self._rows(project_id, {"weave_ref": list(refs)}):
                found[row["weave_ref"]].append(row)
        return found
