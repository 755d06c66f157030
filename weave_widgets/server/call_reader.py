"""Stored calls as the weave SDK reads them back (``client.get_calls``, ``get_call``,
``call.children``): each span row of source ``call`` rebuilt into a ``CallSchema``.

The start of a call is kept as ``start_json`` and its end as ``end_json`` (see
:mod:`weave_widgets.server.call_spans`), whichever route wrote them. ``summary`` is the end's
summary plus ``summary.weave``, derived as the hosted server derives it: ``status`` is
``error`` when the call raised, ``running`` before it ends, ``descendant_error`` when its
``status_counts`` count an error, else ``success``; ``latency_ms`` once it has ended;
``trace_name`` the display name, else the op's name. OTLP spans are not calls and never show.

Filters on ids, threads, turns, users, runs, roots and op names run in SQL. An ``op_names`` item
is an op ref (``weave:///e/p/op/<name>:<digest>``, or ``:*`` for any version) or a bare name,
which matches calls of any version of that op in the project. ``input_refs`` / ``output_refs``
(refs anywhere in the inputs or output), a ``query`` expression and sorting on anything but
``started_at``, ``ended_at``, ``id``, ``op_name``, ``trace_id`` and ``parent_id`` are applied in
Python to the rebuilt calls. The default order is ``started_at`` ascending, ties by id.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import orjson

from weave_widgets.server.feedback_reader import FeedbackReader
from weave_widgets.server.object_store import iso
from weave_widgets.server.query_expr import get_field, matches, sort_key
from weave_widgets.server.sdk_models import CallsFilter
from weave_widgets.server.store import Store

_SQL_SORT = {
    "started_at": "started_at",
    "ended_at": "ended_at",
    "id": "span_id",
    "op_name": "op_name",
    "trace_id": "trace_id",
    "parent_id": "parent_id",
}
_START_FIELD = "json_extract(CAST(start_json AS TEXT), '$.{}')"
_IN = " IN (SELECT value FROM json_each(?))"
_SELECT = (
    "SELECT span_id, project_id, trace_id, parent_id, op_name, started_at, ended_at, "
    "exception, start_json, end_json FROM spans WHERE "
)


class _Row(NamedTuple):
    span_id: str
    project_id: str
    trace_id: str
    parent_id: str | None
    op_name: str
    started_at: int
    ended_at: int | None
    exception: str | None
    start_json: bytes
    end_json: bytes | None


def _op_name(op_name: str) -> str:
    """``<name>`` of an op ref ``weave:///entity/project/op/<name>:<digest>``, else as given."""
    parts = op_name.removeprefix("weave:///").split("/")
    if op_name.startswith("weave:///") and len(parts) == 4 and parts[2] == "op":
        return parts[3].rpartition(":")[0] or parts[3]
    return op_name


def _status(exception: str | None, ended: bool, summary: dict[str, Any]) -> str:
    if exception is not None:
        return "error"
    if not ended:
        return "running"
    counts = summary.get("status_counts")
    errors = counts.get("error") if isinstance(counts, dict) else None
    if isinstance(errors, int | float) and errors > 0:
        return "descendant_error"
    return "success"


def _refs_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith("weave:///"):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs_in(item)


def _ref_matches(ref: str, wanted: Sequence[str]) -> bool:
    return any(ref == w or (w.endswith(":*") and ref.startswith(w[:-1])) for w in wanted)


class CallReader:
    """Reads the calls stored in ``store``; ``user`` is the ``wb_user_id`` of calls that were
    stored without one (the local server has no accounts)."""

    def __init__(self, store: Store, user: str) -> None:
        self.store = store
        self.user = user

    # --- SQL ---------------------------------------------------------------------------------

    def _where(self, project_id: str, flt: CallsFilter | None) -> tuple[str, list[Any]]:
        """The WHERE clause of ``flt``: fixed SQL text, every value a parameter."""
        clauses = ["project_id = ?", "source = 'call'"]
        params: list[Any] = [project_id]

        def within(column: str, values: list[str] | None) -> None:
            if values:
                clauses.append(column + _IN)
                params.append(orjson.dumps(values).decode())

        if flt is None:
            return " AND ".join(clauses), params
        within("span_id", flt.call_ids)
        within("trace_id", flt.trace_ids)
        within("parent_id", flt.parent_ids)
        if flt.thread_ids:
            # a thread id is the span's conversation id (indexed); the start names it exactly
            within("conversation_id", flt.thread_ids)
            within(_START_FIELD.format("thread_id"), flt.thread_ids)
        within(_START_FIELD.format("turn_id"), flt.turn_ids)
        within(_START_FIELD.format("wb_run_id"), flt.wb_run_ids)
        if flt.wb_user_ids:
            clauses.append(f"COALESCE({_START_FIELD.format('wb_user_id')}, ?)" + _IN)
            params += [self.user, orjson.dumps(flt.wb_user_ids).decode()]
        if flt.trace_roots_only:
            clauses.append("parent_id IS NULL")
        if flt.op_names:
            alternatives = []
            for name in flt.op_names:
                if name.startswith("weave:///") and name.endswith(":*"):
                    prefix = name[:-1]
                elif name.startswith("weave:///"):
                    alternatives.append("op_name = ?")
                    params.append(name)
                    continue
                else:
                    alternatives.append("op_name = ?")
                    params.append(name)
                    prefix = f"weave:///{project_id}/op/{name}:"
                alternatives.append("substr(op_name, 1, ?) = ?")
                params += [len(prefix), prefix]
            clauses.append("(" + " OR ".join(alternatives) + ")")
        return " AND ".join(clauses), params

    def _select(
        self, where: str, params: list[Any], order: str = "", page: tuple[int, int] | None = None
    ) -> list[_Row]:
        sql = _SELECT + where
        if order:
            sql += f" ORDER BY {order}"
        if page is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, *page]
        return [_Row._make(r) for r in self.store.connection().execute(sql, params)]

    # --- rebuilding --------------------------------------------------------------------------

    def call_schema(self, row: _Row) -> dict[str, Any]:
        """The ``CallSchema`` of a stored call row."""
        start: dict[str, Any] = orjson.loads(row.start_json)
        end: dict[str, Any] = orjson.loads(row.end_json) if row.end_json else {}
        exception = end.get("exception", row.exception)
        summary = dict(end.get("summary") or {})
        display_name = start.get("display_name")
        weave: dict[str, Any] = {
            "status": _status(exception, row.ended_at is not None, summary),
            "trace_name": display_name or _op_name(row.op_name),
        }
        if row.ended_at is not None:
            weave["latency_ms"] = max(0, (row.ended_at - row.started_at) // 1000)
        summary["weave"] = {**(summary.get("weave") or {}), **weave}
        return {
            "id": row.span_id,
            "project_id": row.project_id,
            "op_name": row.op_name,
            "display_name": display_name,
            "trace_id": row.trace_id,
            "parent_id": row.parent_id,
            "thread_id": start.get("thread_id"),
            "turn_id": start.get("turn_id"),
            "started_at": iso(row.started_at),
            "ended_at": None if row.ended_at is None else iso(row.ended_at),
            "exception": exception,
            "attributes": start.get("attributes") or {},
            "inputs": start.get("inputs") or {},
            "output": end.get("output"),
            "summary": summary,
            "wb_user_id": start.get("wb_user_id") or self.user,
            "wb_run_id": start.get("wb_run_id"),
            "wb_run_step": start.get("wb_run_step"),
            "wb_run_step_end": end.get("wb_run_step_end"),
            "deleted_at": None,
        }

    # --- queries -----------------------------------------------------------------------------

    @staticmethod
    def _in_python(flt: CallsFilter | None, expr: Any, sort_by: Sequence[tuple[str, str]]) -> bool:
        return bool(
            expr is not None
            or (flt is not None and (flt.input_refs or flt.output_refs))
            or any(field not in _SQL_SORT for field, _ in sort_by)
        )

    @staticmethod
    def _keep(call: dict[str, Any], flt: CallsFilter | None, expr: Any) -> bool:
        if flt is not None:
            for wanted, value in (
                (flt.input_refs, call["inputs"]),
                (flt.output_refs, call["output"]),
            ):
                if wanted and not any(_ref_matches(r, wanted) for r in _refs_in(value)):
                    return False
        return expr is None or matches(expr, call)

    def query(
        self,
        project_id: str,
        flt: CallsFilter | None = None,
        expr: Any = None,
        sort_by: Sequence[tuple[str, str]] = (),
        limit: int | None = None,
        offset: int = 0,
        include_feedback: bool = False,
    ) -> list[dict[str, Any]]:
        """The calls of ``project_id`` that pass ``flt`` and ``expr``, sorted and paged; with
        ``include_feedback``, each call's feedback rows in ``summary.weave.feedback``."""
        where, params = self._where(project_id, flt)
        if not self._in_python(flt, expr, sort_by):
            order = ", ".join(f"{_SQL_SORT[f]} {d}" for f, d in sort_by)
            order = (order + ", " if order else "") + "started_at asc, span_id asc"
            page = (-1 if limit is None else limit, offset)
            calls = [self.call_schema(r) for r in self._select(where, params, order, page)]
        else:
            rows = self._select(where, params, "started_at, span_id")
            pairs = [(r, self.call_schema(r)) for r in rows]
            pairs = [(r, c) for r, c in pairs if self._keep(c, flt, expr)]
            for field, direction in reversed(sort_by):
                pairs.sort(key=lambda p: _python_key(p, field), reverse=direction == "desc")
            end = None if limit is None else offset + limit
            calls = [c for _, c in pairs[offset:end]]
        if include_feedback and calls:
            refs = {f"weave:///{project_id}/call/{c['id']}": c for c in calls}
            found = FeedbackReader(self.store).by_ref(project_id, list(refs))
            for ref, feedback in found.items():
                refs[ref]["summary"]["weave"]["feedback"] = feedback
        return calls

    def count(self, project_id: str, flt: CallsFilter | None = None, expr: Any = None) -> int:
        """How many calls of ``project_id`` pass ``flt`` and ``expr``."""
        if not self._in_python(flt, expr, ()):
            where, params = self._where(project_id, flt)
            (n,) = (
                self.store.connection()
                .execute(f"SELECT COUNT(*) FROM spans WHERE {where}", params)  # noqa: S608
                .fetchone()
            )
            return int(n)
        return len(self.query(project_id, flt, expr))


def _python_key(pair: tuple[_Row, dict[str, Any]], field: str) -> tuple[int, Any]:
    row, call = pair
    if field == "started_at":
        return sort_key(row.started_at)
    if field == "ended_at":
        return sort_key(row.ended_at)
    return sort_key(get_field(call, field))
