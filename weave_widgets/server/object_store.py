"""Objects, files and tables the weave SDK publishes: versioned, content-addressed, in SQLite.

Digests follow the weave SDK's ``weave/trace/serialization/digest.py`` (shared with the hosted
server): a file is ``urlsafe_b64(sha256(bytes))`` with ``-`` -> ``X``, ``_`` -> ``Y`` and no
padding; an object is that digest of ``json.dumps(val, sort_keys=True)``; a table row likewise;
a table is the *hex* sha256 of its row digests concatenated. The hosted server hashes objects
after rewriting ``weave:///`` refs to its internal project ids; this one hashes them as sent,
so a client-side ``expected_digest`` of a value holding refs is answered 409 (the SDK then
turns its client-side digests off and re-sends). Any other ``expected_digest`` must equal the
digest computed here, else 409.

An object's versions are numbered from 0 per ``(project_id, object_id)``; creating a value
already stored under that id answers its digest and adds no version. The tables are declared
in :mod:`weave_widgets.server.store`, which owns the connections; every write here is one
transaction.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
import sqlite3
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from weave_widgets.refs import check_project
from weave_widgets.server.query_expr import get_field, sort_key
from weave_widgets.server.routing import BadRequest
from weave_widgets.server.store import Store, StoreError, from_micros, to_micros

MAX_INDEX = 2**62
"""Largest version index, row index, limit or offset accepted (SQLite integers are 64-bit)."""

MAX_OBJECT_ID_LENGTH = 128
"""The weave SDK truncates object names to this length; longer ids are refused."""

EMPTY_TABLE_DIGEST = hashlib.sha256().hexdigest()
"""The digest of the table with no rows, which exists without being created."""

_VERSION = re.compile(r"v(\d{1,18})")


class NotFound(StoreError):
    """An object, file or table that is not stored (HTTP 404)."""

    status = 404


class DigestMismatch(StoreError):
    """An ``expected_digest`` other than the digest of what was sent (HTTP 409)."""

    status = 409


# --- digests ---------------------------------------------------------------------------------


def bytes_digest(data: bytes) -> str:
    """The weave digest of ``data``: url-safe base64 sha256, ``-``/``_`` as ``X``/``Y``, no pad."""
    encoded = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()
    return encoded.replace("-", "X").replace("_", "Y").rstrip("=")


def canonical_json(val: Any) -> str:
    """``val`` serialised as the weave SDK does before hashing (sorted keys, ``json`` defaults)."""
    try:
        return json.dumps(val, sort_keys=True)
    except (RecursionError, ValueError, TypeError) as exc:
        raise BadRequest(f"cannot serialise this value for its digest: {exc}") from None


def stored_json(val: Any) -> bytes:
    """``val`` as the JSON kept in the database (compact); :class:`BadRequest` for a value
    nested too deeply to store (orjson's limit of 254 levels)."""
    try:
        return orjson.dumps(val)
    except orjson.JSONEncodeError as exc:
        raise BadRequest(f"cannot store this value: {exc}") from None


def value_digest(val: Any) -> str:
    """The digest of a JSON value: an object's ``val`` or a table row."""
    return bytes_digest(canonical_json(val).encode())


def table_digest(row_digests: Iterable[str]) -> str:
    """The digest of a table: hex sha256 of its row digests concatenated, in order."""
    hasher = hashlib.sha256()
    for digest in row_digests:
        hasher.update(digest.encode())
    return hasher.hexdigest()


# --- object classes --------------------------------------------------------------------------


def object_classes(val: Any) -> tuple[str | None, str | None]:
    """``(base_object_class, leaf_object_class)`` of a serialised ``weave.Object`` /
    ``BaseObject`` (``_bases`` ending in ``[<Object|BaseObject>, "BaseModel"]``), else Nones."""
    if not isinstance(val, dict):
        return None, None
    bases, leaf = val.get("_bases"), val.get("_class_name")
    if not isinstance(bases, list) or len(bases) < 2 or not isinstance(leaf, str):
        return None, None
    if bases[-1] != "BaseModel" or bases[-2] not in ("Object", "BaseObject"):
        return None, None
    base = bases[-3] if len(bases) > 2 and isinstance(bases[-3], str) else leaf
    return base, leaf


def object_kind(val: Any) -> str:
    """``"op"`` for a serialised op (a ``CustomWeaveType`` of type ``Op``), else ``"object"``."""
    if isinstance(val, dict) and val.get("_type") == "CustomWeaveType":
        weave_type = val.get("weave_type")
        if isinstance(weave_type, dict) and weave_type.get("type") == "Op":
            return "op"
    return "object"


# --- refs ------------------------------------------------------------------------------------

_EDGES = frozenset({"key", "attr", "index", "id"})


@dataclass(frozen=True)
class ParsedRef:
    """A ``weave:///entity/project/<object|op|table>/...`` ref; ``digest`` may be ``latest`` or
    ``v<N>`` for objects and ops; ``extra`` holds ``(edge, value)`` pairs, unquoted."""

    project_id: str
    kind: str
    name: str
    digest: str
    extra: tuple[tuple[str, str], ...]


def parse_ref(uri: str) -> ParsedRef:
    """Parse an object, op or table ref; :class:`BadRequest` says what is wrong otherwise."""
    if not isinstance(uri, str) or not uri.startswith("weave:///"):
        raise BadRequest(f"not a weave ref (it must start with 'weave:///'): {uri!r:.200}")
    parts = uri.removeprefix("weave:///").split("/")
    if len(parts) < 4 or not parts[0] or not parts[1] or not parts[3]:
        raise BadRequest(f"a weave ref needs entity/project/kind/name: {uri!r:.200}")
    entity, project, kind, name_version, *rest = parts
    if kind not in ("object", "op", "table"):
        raise BadRequest(f"cannot read {kind!r} refs here, only object, op and table refs")
    if kind == "table":
        name, digest = "", name_version
    else:
        name, sep, digest = name_version.rpartition(":")
        if not sep:
            name, digest = name_version, "latest"
        if not name or not digest:
            raise BadRequest(f"a weave {kind} ref needs <name>:<digest>: {uri!r:.200}")
    if len(rest) % 2:
        raise BadRequest(f"the path of a weave ref is <edge>/<value> pairs: {uri!r:.200}")
    extra = tuple((rest[i], urllib.parse.unquote(rest[i + 1])) for i in range(0, len(rest), 2))
    for edge, value in extra:
        if edge not in _EDGES:
            raise BadRequest(f"unknown ref edge {edge!r}; use key, attr, index or id")
        if edge == "index" and not re.fullmatch(r"-?\d{1,18}", value):
            raise BadRequest(f"a ref index must be an integer, got {value!r:.50}")
    return ParsedRef(f"{entity}/{project}", kind, name, digest, extra)


@dataclass(frozen=True)
class _TableHandle:
    """A table met while walking a ref path: its rows are read only when the path goes on."""

    project_id: str
    digest: str


# --- the store -------------------------------------------------------------------------------


def iso(micros: int) -> str:
    """The ISO 8601 form of a stored time, as the SDK reads it: microseconds and ``Z``. A time
    that a datetime cannot hold (a call written with year 1 and a positive offset, say) is
    shown as the nearest one it can."""
    try:
        when = from_micros(micros)
    except OverflowError:
        edge = datetime.datetime.min if micros < 0 else datetime.datetime.max
        when = edge.replace(tzinfo=datetime.UTC)
    return when.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _check_project(project_id: str) -> str:
    try:
        return check_project(project_id)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def _check_object_id(object_id: str) -> None:
    if not object_id or "/" in object_id or ":" in object_id:
        raise BadRequest(f"object_id must be non-empty without '/' or ':', got {object_id!r:.200}")
    if len(object_id) > MAX_OBJECT_ID_LENGTH:
        raise BadRequest(f"object_id is longer than {MAX_OBJECT_ID_LENGTH} characters")


def _check_expected(expected: str | None, digest: str, what: str) -> None:
    if expected and expected != digest:
        raise DigestMismatch(
            f"expected_digest {expected!r:.100} does not match the {what}'s digest {digest!r}; "
            "send expected_digest null to have the server compute it"
        )


class ObjectStore:
    """Objects, files and tables in ``store``'s database; ``user`` is the ``wb_user_id`` that
    reads report (the local server has no accounts)."""

    def __init__(self, store: Store, user: str) -> None:
        self.store = store
        self.user = user

    # --- objects -----------------------------------------------------------------------------

    def create_object(
        self,
        project_id: str,
        object_id: str,
        val: Any,
        builtin_object_class: str | None = None,
        expected_digest: str | None = None,
    ) -> str:
        """Store ``val`` as the next version of ``object_id`` (or find it stored); its digest."""
        _check_project(project_id)
        _check_object_id(object_id)
        base, leaf = object_classes(val)
        if builtin_object_class is not None:
            if leaf is not None and leaf != builtin_object_class:
                raise BadRequest(
                    f"builtin_object_class {builtin_object_class!r} does not match the value's "
                    f"class {leaf!r}"
                )
            if leaf is None:
                base = leaf = builtin_object_class
        digest = value_digest(val)
        _check_expected(expected_digest, digest, "object")
        body = stored_json(val)
        now = to_micros(datetime.datetime.now(datetime.UTC))
        with self.store.transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM objects WHERE project_id = ? AND object_id = ? AND digest = ?",
                (project_id, object_id, digest),
            ).fetchone():
                return digest
            (latest,) = conn.execute(
                "SELECT MAX(version_index) FROM objects WHERE project_id = ? AND object_id = ?",
                (project_id, object_id),
            ).fetchone()
            conn.execute(
                "INSERT INTO objects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    project_id,
                    object_id,
                    0 if latest is None else latest + 1,
                    digest,
                    object_kind(val),
                    base,
                    leaf,
                    now,
                    body,
                ),
            )
        return digest

    def _find_object(
        self, conn: sqlite3.Connection, project_id: str, object_id: str, digest: str
    ) -> tuple[Any, ...] | None:
        columns = (
            "SELECT version_index, digest, kind, base_object_class, leaf_object_class, "
            "created_at, val, (SELECT MAX(version_index) FROM objects AS o2 "
            "WHERE o2.project_id = o.project_id AND o2.object_id = o.object_id) "
            "FROM objects AS o WHERE project_id = ? AND object_id = ? "
        )
        version = _VERSION.fullmatch(digest)
        params: tuple[Any, ...] = (project_id, object_id)
        if digest == "latest":
            query = columns + "ORDER BY version_index DESC LIMIT 1"
        elif version is not None:
            query, params = columns + "AND version_index = ?", (*params, int(version.group(1)))
        else:
            query, params = columns + "AND digest = ?", (*params, digest)
        row: tuple[Any, ...] | None = conn.execute(query, params).fetchone()
        return row

    def read_object(
        self,
        project_id: str,
        object_id: str,
        digest: str,
        metadata_only: bool = False,
        include_tags_and_aliases: bool = False,
    ) -> dict[str, Any]:
        """The stored version of ``object_id`` at ``digest`` (a digest, ``latest`` or ``v<N>``),
        as the SDK's ``ObjSchema``; :class:`NotFound` if there is none."""
        row = self._find_object(self.store.connection(), project_id, object_id, digest)
        if row is None:
            raise NotFound(f"object {object_id}:{digest} not found in project {project_id!r}")
        index, found, kind, base, leaf, created, val, latest = row
        obj: dict[str, Any] = {
            "project_id": project_id,
            "object_id": object_id,
            "created_at": iso(created),
            "deleted_at": None,
            "digest": found,
            "version_index": index,
            "is_latest": int(index == latest),
            "kind": kind,
            "base_object_class": base,
            "leaf_object_class": leaf,
            "val": {} if metadata_only else orjson.Fragment(val),
            "wb_user_id": self.user,
            "size_bytes": len(val),
        }
        if include_tags_and_aliases:
            obj["tags"] = []
            obj["aliases"] = ["latest"] if index == latest else []
        return obj

    def _object_val(self, conn: sqlite3.Connection, ref: ParsedRef) -> Any:
        row = self._find_object(conn, ref.project_id, ref.name, ref.digest)
        if row is None:
            raise NotFound(f"{ref.kind} {ref.name}:{ref.digest} not found in {ref.project_id!r}")
        return orjson.loads(row[6])

    # --- files -------------------------------------------------------------------------------

    def create_file(self, project_id: str, content: bytes, expected_digest: str | None) -> str:
        """Store ``content`` under its digest (which ``expected_digest`` must equal if given)."""
        _check_project(project_id)
        digest = bytes_digest(content)
        _check_expected(expected_digest, digest, "file")
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO files VALUES (?, ?, ?)", (project_id, digest, content)
            )
        return digest

    def file_content(self, project_id: str, digest: str) -> bytes:
        """The bytes stored under ``digest``; :class:`NotFound` if there are none."""
        row = (
            self.store.connection()
            .execute(
                "SELECT content FROM files WHERE project_id = ? AND digest = ?",
                (project_id, digest),
            )
            .fetchone()
        )
        if row is None:
            raise NotFound(f"file {digest!r} not found in project {project_id!r}")
        return bytes(row[0])

    # --- tables ------------------------------------------------------------------------------

    @staticmethod
    def _insert_table(conn: sqlite3.Connection, project_id: str, row_digests: list[str]) -> str:
        digest = table_digest(row_digests)
        cur = conn.execute(
            "INSERT OR IGNORE INTO tables VALUES (?, ?, ?)",
            (project_id, digest, len(row_digests)),
        )
        if cur.rowcount:
            conn.executemany(
                "INSERT INTO table_members VALUES (?, ?, ?, ?)",
                ((project_id, digest, i, rd) for i, rd in enumerate(row_digests)),
            )
        return digest

    @staticmethod
    def _insert_rows(conn: sqlite3.Connection, project_id: str, rows: Sequence[Any]) -> list[str]:
        digests = [value_digest(row) for row in rows]
        conn.executemany(
            "INSERT OR IGNORE INTO table_rows VALUES (?, ?, ?)",
            ((project_id, d, stored_json(row)) for d, row in zip(digests, rows, strict=True)),
        )
        return digests

    def create_table(
        self, project_id: str, rows: Sequence[Any], expected_digest: str | None = None
    ) -> tuple[str, list[str]]:
        """Store a table of ``rows``; its digest and the row digests, in order."""
        _check_project(project_id)
        row_digests = [value_digest(row) for row in rows]
        _check_expected(expected_digest, table_digest(row_digests), "table")
        with self.store.transaction() as conn:
            self._insert_rows(conn, project_id, rows)
            digest = self._insert_table(conn, project_id, row_digests)
        return digest, row_digests

    def create_table_from_digests(
        self, project_id: str, row_digests: list[str], expected_digest: str | None = None
    ) -> str:
        """Store a table of rows already stored (by ``/table/create``); its digest."""
        _check_project(project_id)
        _check_expected(expected_digest, table_digest(row_digests), "table")
        with self.store.transaction() as conn:
            known = {
                d
                for (d,) in conn.execute(
                    "SELECT digest FROM table_rows WHERE project_id = ? "
                    "AND digest IN (SELECT value FROM json_each(?))",
                    (project_id, orjson.dumps(sorted(set(row_digests))).decode()),
                )
            }
            missing = [d for d in dict.fromkeys(row_digests) if d not in known]
            if missing:
                raise BadRequest(
                    f"{len(missing)} row digest(s) are not stored in {project_id!r} "
                    f"(first: {missing[0]!r:.100}); send the rows with /table/create first"
                )
            return self._insert_table(conn, project_id, row_digests)

    def _member_digests(
        self, conn: sqlite3.Connection, project_id: str, digest: str
    ) -> list[str] | None:
        if digest == EMPTY_TABLE_DIGEST:
            return []
        if not conn.execute(
            "SELECT 1 FROM tables WHERE project_id = ? AND digest = ?", (project_id, digest)
        ).fetchone():
            return None
        return [
            d
            for (d,) in conn.execute(
                "SELECT row_digest FROM table_members WHERE project_id = ? AND table_digest = ? "
                "ORDER BY row_index",
                (project_id, digest),
            )
        ]

    def update_table(
        self, project_id: str, base_digest: str, updates: Sequence[tuple[str, int, Any]]
    ) -> tuple[str, list[str]]:
        """Apply ``updates`` (``("append", 0, row)``, ``("insert", index, row)``,
        ``("pop", index, None)``) to a stored table as a new table; its digest and the digests
        of the rows the updates added, in order."""
        _check_project(project_id)
        with self.store.transaction() as conn:
            digests = self._member_digests(conn, project_id, base_digest)
            if digests is None:
                raise NotFound(f"table {base_digest!r:.100} not found in project {project_id!r}")
            added: list[str] = []
            for op, index, row in updates:
                if op == "pop":
                    if not -len(digests) <= index < len(digests):
                        raise BadRequest(f"cannot pop row {index}: the table has {len(digests)}")
                    digests.pop(index)
                    continue
                (row_digest,) = self._insert_rows(conn, project_id, [row])
                added.append(row_digest)
                if op == "append":
                    digests.append(row_digest)
                else:
                    digests.insert(index, row_digest)
            return self._insert_table(conn, project_id, digests), added

    def table_count(self, project_id: str, digest: str) -> int:
        """How many rows the table ``digest`` holds (0 for a table that is not stored)."""
        row = (
            self.store.connection()
            .execute(
                "SELECT row_count FROM tables WHERE project_id = ? AND digest = ?",
                (project_id, digest),
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def query_table(
        self,
        project_id: str,
        digest: str,
        row_digests: Sequence[str] | None = None,
        sort_by: Sequence[tuple[str, str]] = (),
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Rows ``{digest, val, original_index}`` of a table in table order (or ``sort_by``
        ``(dotted field of the row, "asc"|"desc")`` pairs), optionally only ``row_digests``."""
        sql = (
            "SELECT m.row_index, m.row_digest, r.val FROM table_members AS m "
            "JOIN table_rows AS r ON r.project_id = m.project_id AND r.digest = m.row_digest "
            "WHERE m.project_id = ? AND m.table_digest = ? "
        )
        params: list[Any] = [project_id, digest]
        if row_digests:
            sql += "AND m.row_digest IN (SELECT value FROM json_each(?)) "
            params.append(orjson.dumps(list(row_digests)).decode())
        sql += "ORDER BY m.row_index "
        conn = self.store.connection()
        if not sort_by:
            sql += "LIMIT ? OFFSET ?"
            params += [-1 if limit is None else limit, offset]
            return [
                {"digest": d, "val": orjson.Fragment(val), "original_index": i}
                for i, d, val in conn.execute(sql, params)
            ]
        rows = [
            {"digest": d, "val": orjson.loads(val), "original_index": i}
            for i, d, val in conn.execute(sql, params)
        ]
        for field, direction in reversed(sort_by):
            rows.sort(
                key=lambda r: sort_key(get_field(r["val"], field)), reverse=direction == "desc"
            )
        end = None if limit is None else offset + limit
        return rows[offset:end]

    def _table_row(self, conn: sqlite3.Connection, table: _TableHandle, edge: str, key: str) -> Any:
        if edge == "id":
            row = conn.execute(
                "SELECT r.val FROM table_members AS m JOIN table_rows AS r "
                "ON r.project_id = m.project_id AND r.digest = m.row_digest "
                "WHERE m.project_id = ? AND m.table_digest = ? AND m.row_digest = ? LIMIT 1",
                (table.project_id, table.digest, key),
            ).fetchone()
        else:
            index = int(key)
            if index < 0:
                index += self.table_count(table.project_id, table.digest)
            row = conn.execute(
                "SELECT r.val FROM table_members AS m JOIN table_rows AS r "
                "ON r.project_id = m.project_id AND r.digest = m.row_digest "
                "WHERE m.project_id = ? AND m.table_digest = ? AND m.row_index = ?",
                (table.project_id, table.digest, index),
            ).fetchone()
        return None if row is None else orjson.loads(row[0])

    # --- refs --------------------------------------------------------------------------------

    def _target(self, conn: sqlite3.Connection, ref: ParsedRef) -> Any:
        if ref.kind == "table":
            return _TableHandle(ref.project_id, ref.digest)
        return self._object_val(conn, ref)

    def _read_ref(self, conn: sqlite3.Connection, uri: str) -> Any:
        ref = parse_ref(uri)
        node = self._target(conn, ref)
        for edge, key in ref.extra:
            if isinstance(node, str) and node.startswith("weave:///"):
                inner = parse_ref(node)
                node = self._target(conn, inner)
                for inner_edge, inner_key in inner.extra:
                    node = self._step(conn, node, inner_edge, inner_key)
            node = self._step(conn, node, edge, key)
        if isinstance(node, _TableHandle):
            return [r["val"] for r in self.query_table(node.project_id, node.digest)]
        return node

    def _step(self, conn: sqlite3.Connection, node: Any, edge: str, key: str) -> Any:
        if isinstance(node, _TableHandle):
            return self._table_row(conn, node, edge, key) if edge in ("id", "index") else None
        if edge in ("key", "attr") and isinstance(node, dict):
            return node.get(key)
        if edge == "index" and isinstance(node, list):
            index = int(key)
            return node[index] if -len(node) <= index < len(node) else None
        return None

    def read_refs(self, uris: Sequence[str]) -> list[Any]:
        """The value at each ref: objects and ops (by digest, ``latest`` or ``v<N>``) and
        tables, walking ``key``/``attr``/``index``/``id`` paths through nested refs and table
        rows. A missing object is :class:`NotFound`; a path that leads nowhere reads as None."""
        conn = self.store.connection()
        return [self._read_ref(conn, uri) for uri in uris]
