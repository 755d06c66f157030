"""The weave query language (``{"$expr": ...}``) evaluated against one JSON document.

The weave SDK filters calls and feedback with a Mongo-like expression: ``$and``, ``$or``,
``$not``, ``$eq``, ``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$in`` and ``$contains`` over operands
``{"$getField": "dotted.path"}``, ``{"$literal": value}`` and ``{"$convertTo": {"input": ...,
"to": "int"|"double"|"string"|"bool"|"exists"}}``. A field that is missing reads as None.
Comparisons between values of different kinds (a number and a string, say) are false rather
than an error, and so are order comparisons involving None. A malformed expression raises
:class:`~weave_widgets.server.routing.BadRequest` (HTTP 400).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from weave_widgets.server.routing import BadRequest

Document = Mapping[str, Any]

_MISSING = object()


def get_field(doc: Any, path: str) -> Any:
    """``doc`` at the dotted ``path`` (dict keys, or list indexes given as digits); None if any
    step is missing. A key containing dots is found whole before it is split."""
    if isinstance(doc, Mapping) and path in doc:
        return doc[path]
    node = doc
    for part in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
        if node is _MISSING:
            return None
    return node


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that orders any JSON values without comparing across kinds: None first, then
    booleans and numbers, then strings, then anything else by its JSON text."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def _convert(value: Any, to: Any) -> Any:
    try:
        if to == "int":
            return int(float(value)) if value is not None else None
        if to == "double":
            return float(value) if value is not None else None
        if to == "string":
            if value is None or isinstance(value, str):
                return value
            return orjson.dumps(value).decode()
        if to == "bool":
            return bool(value)
        if to == "exists":
            return value is not None
    except (TypeError, ValueError, OverflowError):
        return None
    raise BadRequest(f"$convertTo cannot convert to {to!r}; use int, double, string, bool")


def _operand(node: Any, doc: Document) -> Any:
    if isinstance(node, Mapping) and len(node) == 1:
        ((key, arg),) = node.items()
        if key == "$getField":
            if not isinstance(arg, str):
                raise BadRequest("$getField takes a field name (a string)")
            return get_field(doc, arg)
        if key == "$literal":
            return arg
        if key == "$convertTo":
            if not isinstance(arg, Mapping) or "input" not in arg or "to" not in arg:
                raise BadRequest('$convertTo takes {"input": <operand>, "to": <type>}')
            return _convert(_operand(arg["input"], doc), arg["to"])
        if key in _OPERATIONS:
            return _evaluate(node, doc)
    raise BadRequest(
        f"not a query operand: {_short(node)}; use $getField, $literal, $convertTo or an operation"
    )


def _short(node: Any) -> str:
    text = orjson.dumps(node, default=str).decode()
    return text if len(text) <= 200 else text[:200] + "..."


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _pair(arg: Any, name: str, doc: Document) -> tuple[Any, Any]:
    if not isinstance(arg, list) or len(arg) != 2:
        raise BadRequest(f"{name} takes a list of two operands")
    return _operand(arg[0], doc), _operand(arg[1], doc)


def _equal(left: Any, right: Any) -> bool:
    return _kind(left) == _kind(right) and bool(left == right)


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Document, str], bool]:
    def compare(arg: Any, doc: Document, name: str) -> bool:
        left, right = _pair(arg, name, doc)
        if left is None or right is None or _kind(left) != _kind(right):
            return False
        try:
            return test(left, right)
        except TypeError:
            return False

    return compare


def _and(arg: Any, doc: Document, name: str) -> bool:
    if not isinstance(arg, list):
        raise BadRequest(f"{name} takes a list of expressions")
    return all(_evaluate(item, doc) for item in arg)


def _or(arg: Any, doc: Document, name: str) -> bool:
    if not isinstance(arg, list):
        raise BadRequest(f"{name} takes a list of expressions")
    return any(_evaluate(item, doc) for item in arg)


def _not(arg: Any, doc: Document, name: str) -> bool:
    if not isinstance(arg, list) or len(arg) != 1:
        raise BadRequest(f"{name} takes a list of one expression")
    return not _evaluate(arg[0], doc)


def _eq(arg: Any, doc: Document, name: str) -> bool:
    left, right = _pair(arg, name, doc)
    return _equal(left, right)


def _in(arg: Any, doc: Document, name: str) -> bool:
    if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[1], list):
        raise BadRequest(f"{name} takes [<operand>, [<operands>]]")
    value = _operand(arg[0], doc)
    return any(_equal(value, _operand(item, doc)) for item in arg[1])


def _contains(arg: Any, doc: Document, name: str) -> bool:
    if not isinstance(arg, Mapping) or "input" not in arg or "substr" not in arg:
        raise BadRequest(f'{name} takes {{"input": <operand>, "substr": <operand>}}')
    text, part = _operand(arg["input"], doc), _operand(arg["substr"], doc)
    if not isinstance(text, str) or not isinstance(part, str):
        return False
    if arg.get("case_insensitive"):
        return part.casefold() in text.casefold()
    return part in text


_OPERATIONS: dict[str, Callable[[Any, Document, str], bool]] = {
    "$and": _and,
    "$or": _or,
    "$not": _not,
    "$eq": _eq,
    "$gt": _ordered(lambda a, b: bool(a > b)),
    "$gte": _ordered(lambda a, b: bool(a >= b)),
    "$lt": _ordered(lambda a, b: bool(a < b)),
    "$lte": _ordered(lambda a, b: bool(a <= b)),
    "$in": _in,
    "$contains": _contains,
}


def _evaluate(expr: Any, doc: Document) -> bool:
    if isinstance(expr, Mapping) and len(expr) == 1:
        ((name, arg),) = expr.items()
        operation = _OPERATIONS.get(name)
        if operation is not None:
            return operation(arg, doc, name)
    raise BadRequest(f"not a query expression: {_short(expr)}; use one of {', '.join(_OPERATIONS)}")


def matches(expr: Any, doc: Document) -> bool:
    """Whether ``doc`` satisfies ``expr`` (the value under ``$expr``)."""
    try:
        return _evaluate(expr, doc)
    except RecursionError:
        raise BadRequest("the query expression nests too deeply") from None


def validate(expr: Any) -> None:
    """Raise :class:`BadRequest` now if ``expr`` is malformed (even with nothing to match)."""
    matches(expr, {})


def field_equalities(expr: Any) -> dict[str, list[Any]]:
    """The ``field -> allowed literals`` that ``expr`` requires at its top level (``$eq`` or
    ``$in`` of a ``$getField`` and literals, alone or inside a top-level ``$and``), so that a
    caller can narrow its SQL before evaluating the whole expression in Python."""
    found: dict[str, list[Any]] = {}
    items = expr.get("$and") if isinstance(expr, Mapping) and len(expr) == 1 else None
    for item in items if isinstance(items, list) else [expr]:
        if not isinstance(item, Mapping) or len(item) != 1:
            continue
        ((name, arg),) = item.items()
        if not isinstance(arg, list) or len(arg) != 2 or not isinstance(arg[0], Mapping):
            continue
        field = arg[0].get("$getField")
        if not isinstance(field, str) or len(arg[0]) != 1:
            continue
        if name == "$eq" and isinstance(arg[1], Mapping) and set(arg[1]) == {"$literal"}:
            literals = [arg[1]["$literal"]]
        elif name == "$in" and isinstance(arg[1], list):
            literals = [x["$literal"] for x in arg[1] if isinstance(x, Mapping) and "$literal" in x]
            if len(literals) != len(arg[1]):
                continue
        else:
            continue
        if field in found:
            found[field] = [x for x in found[field] if x in literals]
        else:
            found[field] = literals
    return found
