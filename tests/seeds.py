"""The API contract: the published OpenAPI pages in tests/fixtures/openapi, parsed, normalised.

``seed_schemas()`` merges ``components.schemas`` of every seed page (the two ``/call/start``
copies must agree). ``schema_shape(schema, all_schemas)`` reduces a JSON Schema to what the
contract fixes (property names, required, nullability, enums, maxItems, additionalProperties,
formats, item types and ``$ref`` targets) and drops prose (titles, descriptions, examples,
defaults), so the seed, ``Model.model_json_schema(ref_template=REF_TEMPLATE)`` and a FastAPI
``/openapi.json`` compare with ``==``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

SEEDS_DIR = Path(__file__).parent / "fixtures" / "openapi"
"""The published API pages (``POST /call/start`` in Korean and English,
``POST /agents/conversations/spans``), vendored verbatim as test data."""
REF_TEMPLATE = "#/components/schemas/{model}"
_YAML_BLOCK = re.compile(r"^`{3,}ya?ml[^\n]*\n(.*?)^`{3,}\s*$", re.MULTILINE | re.DOTALL)

Shape = Any


def seed_documents() -> dict[str, dict[str, Any]]:
    """Each seed page's OpenAPI document, keyed by file name."""
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        match = _YAML_BLOCK.search(path.read_text(encoding="utf-8"))
        if match is None:
            raise ValueError(f"{path}: no ```yaml OpenAPI block found")
        docs[path.name] = yaml.safe_load(match.group(1))
    if not docs:
        raise FileNotFoundError(f"no seed pages (*.txt) in {SEEDS_DIR}")
    return docs


@functools.cache
def _merged() -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    first: dict[str, tuple[str, Shape]] = {}
    for name, doc in seed_documents().items():
        schemas = doc["components"]["schemas"]
        for key, schema in schemas.items():
            shape = schema_shape(schema, schemas)
            if key in first and first[key][1] != shape:
                raise ValueError(f"seed schema {key!r} differs between {first[key][0]} and {name}")
            first.setdefault(key, (name, shape))
            merged.setdefault(key, schema)
    return merged


def seed_schemas() -> dict[str, dict[str, Any]]:
    """``components.schemas`` of every seed page, merged (a fresh copy each call)."""
    return {key: dict(value) for key, value in _merged().items()}


def seed_operations() -> dict[str, dict[str, Any]]:
    """``{path: {"request": schema name, "response": schema name}}`` for every seeded POST."""
    ops: dict[str, dict[str, Any]] = {}
    for doc in seed_documents().values():
        for path, item in doc["paths"].items():
            post = item["post"]
            body = post["requestBody"]["content"]["application/json"]["schema"]
            ok = post["responses"]["200"]["content"]["application/json"]["schema"]
            ops[path] = {"request": _ref_name(body["$ref"]), "response": _ref_name(ok["$ref"])}
    return ops


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def schema_shape(schema: dict[str, Any], all_schemas: dict[str, Any]) -> Shape:
    """The contract-relevant shape of ``schema``; ``$ref`` targets resolve in ``all_schemas``.

    A ``$ref`` is represented by its target's ``title`` (falling back to its name), so a
    pydantic class whose title differs from its Python name still compares equal.
    """
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        target = all_schemas.get(name)
        if target is None:
            raise KeyError(f"$ref {schema['$ref']!r} does not resolve")
        return ("ref", target.get("title", name))
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s != {"type": "null"}]
        nullable = len(options) < len(schema["anyOf"])
        inner = [schema_shape(s, all_schemas) for s in options]
        body = inner[0] if len(inner) == 1 else ("anyOf", frozenset(map(_freeze, inner)))
        return ("nullable", body) if nullable else body
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return schema_shape(schema["allOf"][0], all_schemas)
    shape: dict[str, Any] = {}
    for key in ("type", "format", "maxItems", "minItems", "const"):
        if key in schema:
            shape[key] = schema[key]
    if "enum" in schema:
        shape["enum"] = frozenset(schema["enum"])
    if "items" in schema:
        shape["items"] = schema_shape(schema["items"], all_schemas)
    if "properties" in schema:
        shape["properties"] = {
            name: schema_shape(prop, all_schemas) for name, prop in schema["properties"].items()
        }
        shape["required"] = frozenset(schema.get("required", ()))
    if "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        if isinstance(extra, dict):
            shape["additionalProperties"] = schema_shape(extra, all_schemas) if extra else True
        else:
            shape["additionalProperties"] = bool(extra)
    return shape


def _freeze(shape: Shape) -> Any:
    if isinstance(shape, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in shape.items()))
    if isinstance(shape, tuple):
        return tuple(_freeze(v) for v in shape)
    return shape


def model_shapes(model: type[Any]) -> tuple[Shape, dict[str, Any]]:
    """``(shape, all_schemas)`` of a pydantic model's validation JSON Schema."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    defs = schema.pop("$defs", {})
    return schema_shape(schema, {**defs, schema.get("title", model.__name__): schema}), defs
