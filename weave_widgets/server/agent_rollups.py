"""Per-agent and per-agent-version totals over stored spans, as the weave SDK's ``get_agents``
and ``get_agent_versions`` read them.

OTel GenAI instrumentations name the agent (``gen_ai.agent.name``, and optionally
``gen_ai.agent.version``) on its ``invoke_agent`` span only; the chat, tool and retrieval spans
beneath it carry no agent. So every span belongs to the nearest span up its parent chain that
names an agent (a subagent's spans to the subagent). An agent's ``span_count`` and
``error_count`` count its spans, ``invocation_count`` its ``invoke_agent`` spans,
``total_duration_ms`` their durations (the wall time of its invocations), and the token totals
the ``gen_ai.usage.*`` attributes of its spans. Costs are not known here: ``None``.
"""

from __future__ import annotations

from typing import Any

from weave_widgets.server.store import Store, from_micros

SORT_FIELDS = frozenset(
    {
        "agent_name",
        "agent_version",
        "span_count",
        "invocation_count",
        "error_count",
        "total_duration_ms",
        "total_input_tokens",
        "total_output_tokens",
        "first_seen",
        "last_seen",
    }
)
"""Fields an agents query may sort by."""

_ROLLUP = """
WITH RECURSIVE owner(span_id, agent, version) AS (
    SELECT s.span_id, s.agent_name,
           json_extract(CAST(s.start_json AS TEXT), '$.attributes."gen_ai.agent.version"')
    FROM spans s WHERE s.project_id = :project AND s.agent_name IS NOT NULL
      AND (:agent IS NULL OR s.agent_name = :agent)
    UNION ALL
    SELECT s.span_id, o.agent, o.version
    FROM owner o JOIN spans s ON s.project_id = :project AND s.parent_id = o.span_id
    WHERE s.agent_name IS NULL
),
owned AS (
    SELECT o.agent, CASE WHEN :by_version THEN COALESCE(o.version, '') END AS version,
           s.operation_name, s.status, s.started_at, s.ended_at,
           json_extract(CAST(s.start_json AS TEXT), '$.attributes."gen_ai.usage.input_tokens"')
               AS input_tokens,
           json_extract(CAST(s.start_json AS TEXT), '$.attributes."gen_ai.usage.output_tokens"')
               AS output_tokens
    FROM owner o JOIN spans s ON s.project_id = :project AND s.span_id = o.span_id
)
SELECT agent, version,
       COUNT(*) AS span_count,
       SUM(operation_name = 'invoke_agent') AS invocation_count,
       SUM(status = 'ERROR') AS error_count,
       SUM(CASE WHEN operation_name = 'invoke_agent' AND ended_at > started_at
                THEN ended_at / 1000 - started_at / 1000 ELSE 0 END) AS total_duration_ms,
       SUM(CASE WHEN typeof(input_tokens) = 'integer' THEN input_tokens ELSE 0 END)
           AS total_input_tokens,
       SUM(CASE WHEN typeof(output_tokens) = 'integer' THEN output_tokens ELSE 0 END)
           AS total_output_tokens,
       MIN(started_at) AS first_seen,
       MAX(started_at) AS last_seen
FROM owned
GROUP BY agent, version
"""

_TOTALS = (
    "span_count",
    "invocation_count",
    "error_count",
    "total_duration_ms",
    "total_input_tokens",
    "total_output_tokens",
)


def _rows(
    store: Store, project_id: str, *, agent: str | None, by_version: bool
) -> list[dict[str, Any]]:
    """The rollup rows as the SDK's models spell them, unsorted."""
    cursor = store.connection().execute(
        _ROLLUP, {"project": project_id, "agent": agent, "by_version": by_version}
    )
    names = [column[0] for column in cursor.description]
    rows = []
    for values in cursor.fetchall():
        found = dict(zip(names, values, strict=True))
        row: dict[str, Any] = {"project_id": project_id, "agent_name": found["agent"]}
        if by_version:
            row["agent_version"] = found["version"]
        row.update({name: found[name] for name in _TOTALS})
        row["first_seen"] = from_micros(found["first_seen"])
        row["last_seen"] = from_micros(found["last_seen"])
        row["total_cost_usd"] = None
        rows.append(row)
    return rows


def _page(
    rows: list[dict[str, Any]], sort_by: list[tuple[str, str]], limit: int, offset: int
) -> list[dict[str, Any]]:
    """``rows`` sorted (stable, last key first; newest activity first by default) and paged."""
    for field, direction in reversed(sort_by or [("last_seen", "desc")]):
        rows.sort(key=lambda row: row[field], reverse=direction == "desc")
    return rows[offset : offset + limit]


def agents(
    store: Store,
    project_id: str,
    *,
    agent_name: str | None,
    sort_by: list[tuple[str, str]],
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """The ``/agents/query`` answer: one row per agent."""
    rows = _rows(store, project_id, agent=agent_name, by_version=False)
    return {"agents": _page(rows, sort_by, limit, offset), "total_count": len(rows)}


def agent_versions(
    store: Store,
    project_id: str,
    *,
    agent_name: str,
    sort_by: list[tuple[str, str]],
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """The ``/agents/agent-versions/query`` answer: one row per version of ``agent_name`` (an
    agent that never names its version has one row, version ``""``)."""
    rows = _rows(store, project_id, agent=agent_name, by_version=True)
    return {"versions": _page(rows, sort_by, limit, offset), "total_count": len(rows)}
