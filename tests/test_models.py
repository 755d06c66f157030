"""The pydantic models against the seed OpenAPI contract, field for field, both directions."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import jsonschema
import pydantic
import pytest
from seeds import REF_TEMPLATE, model_shapes, schema_shape, seed_documents, seed_operations
from seeds import seed_schemas as load_seed_schemas

from weave_widgets import models
from weave_widgets.client import _endpoints as api

SEEDS = load_seed_schemas()
NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def contract_models() -> dict[str, type[pydantic.BaseModel]]:
    """Every model in ``weave_widgets.models`` by its schema title (its contract name)."""
    found: dict[str, type[pydantic.BaseModel]] = {}
    for value in vars(models).values():
        is_model = isinstance(value, type) and issubclass(value, pydantic.BaseModel)
        if is_model and value.__module__ == models.__name__:
            found[value.model_config.get("title") or value.__name__] = value
    return found


MODELS = contract_models()


def example(schema: dict[str, Any], full: bool) -> Any:
    """A valid instance of a seed schema: only required fields, or every field (``full``)."""
    if "$ref" in schema:
        return example(SEEDS[schema["$ref"].rsplit("/", 1)[-1]], full)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s != {"type": "null"}]
        return example(options[0], full) if full or len(options) == len(schema["anyOf"]) else None
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        required = set(schema.get("required", ()))
        return {
            name: example(prop, full)
            for name, prop in schema["properties"].items()
            if full or name in required
        }
    if kind == "object":
        return {"key": "value"} if full else {}
    if kind == "array":
        return [example(schema["items"], full)] if full else []
    simple = {"string": "s", "integer": 7, "number": 0.5, "boolean": True}
    if kind == "string" and schema.get("format") == "date-time":
        return "2026-01-02T03:04:05Z"
    return simple[str(kind)]


def validator(name: str) -> jsonschema.Draft202012Validator:
    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": SEEDS}}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


# --- the seeds themselves ----------------------------------------------------------------------


def test_both_call_start_copies_agree() -> None:
    copies = [
        doc["components"]["schemas"]
        for doc in seed_documents().values()
        if "/call/start" in doc["paths"]
    ]
    assert len(copies) == 2
    for name in ("CallStartReq", "CallStartRes", "StartedCallSchemaForInsert"):
        assert schema_shape(copies[0][name], copies[0]) == schema_shape(copies[1][name], copies[1])


def test_seeds_cover_both_endpoints() -> None:
    assert seed_operations() == {
        "/call/start": {"request": "CallStartReq", "response": "CallStartRes"},
        "/agents/conversations/spans": {
            "request": "AgentConversationSpansReq",
            "response": "AgentConversationSpansRes",
        },
    }


@pytest.mark.parametrize(
    ("mutate", "what"),
    [
        (lambda s: s["AgentConversationSpan"]["required"].remove("status"), "required"),
        (lambda s: s["AgentConversationSpan"]["properties"].pop("span_id"), "property"),
        (lambda s: s["AgentConversationSpan"]["properties"]["status"]["enum"].pop(), "enum"),
        (
            lambda s: s["AgentConversationSpansReq"]["properties"]["conversation_ids"].update(
                maxItems=100
            ),
            "maxItems",
        ),
        (lambda s: s["CallStartReq"].pop("additionalProperties"), "additionalProperties"),
        (
            lambda s: s["AgentConversationSpanRating"]["properties"].update(
                reason={"type": "string"}
            ),
            "nullability",
        ),
    ],
)
def test_shape_comparison_sees_each_kind_of_difference(mutate: Any, what: str) -> None:
    changed = copy.deepcopy(SEEDS)
    mutate(changed)
    differing = [
        n for n in SEEDS if schema_shape(SEEDS[n], SEEDS) != schema_shape(changed[n], changed)
    ]
    assert len(differing) == 1, what


# --- models == seed ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_model_schema_matches_seed(name: str) -> None:
    assert name in MODELS, f"no model for seed schema {name}"
    shape, defs = model_shapes(MODELS[name])
    assert shape == schema_shape(SEEDS[name], SEEDS)
    for ref_name, schema in defs.items():
        title = schema.get("title", ref_name)
        if title in SEEDS:
            assert schema_shape(schema, defs) == schema_shape(SEEDS[title], SEEDS), title


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_serialization_schema_matches_seed(name: str) -> None:
    schema = MODELS[name].model_json_schema(ref_template=REF_TEMPLATE, mode="serialization")
    defs = schema.pop("$defs", {})
    assert schema_shape(schema, {**defs, name: schema}) == schema_shape(SEEDS[name], SEEDS)


@pytest.mark.parametrize("full", [False, True], ids=["minimal", "full"])
@pytest.mark.parametrize("name", sorted(SEEDS))
def test_model_accepts_and_reproduces_seed_instances(name: str, full: bool) -> None:
    instance = example(SEEDS[name], full)
    validator(name).validate(instance)
    model = MODELS[name].model_validate(instance)
    dumped = model.model_dump(mode="json", exclude_unset=not full)
    validator(name).validate(dumped)
    assert dumped == instance


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_model_rejects_each_missing_required_field(name: str) -> None:
    instance = example(SEEDS[name], full=True)
    for field in SEEDS[name].get("required", ()):
        broken = {k: v for k, v in instance.items() if k != field}
        with pytest.raises(pydantic.ValidationError) as info:
            MODELS[name].model_validate(broken)
        assert info.value.errors()[0]["loc"] == (field,)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_model_rejects_null_where_the_seed_does(name: str) -> None:
    instance = example(SEEDS[name], full=True)
    for field, prop in SEEDS[name].get("properties", {}).items():
        nullable = {"type": "null"} in prop.get("anyOf", [])
        candidate = {**instance, field: None}
        if nullable:
            MODELS[name].model_validate(candidate)
        else:
            with pytest.raises(pydantic.ValidationError):
                MODELS[name].model_validate(candidate)


def test_seed_tag_example_is_accepted() -> None:
    tags = SEEDS["AgentConversationSpanFeedback"]["properties"]["tags"]["examples"][0]
    marker = models.AgentConversationSpanFeedback.model_validate(
        {"trace_id": None, "feedback_type": "wandb.agent_user_feedback", "tags": tags}
    )
    assert marker.tags == ["👍", "needs-review"]


# --- what the seed forbids -------------------------------------------------------------------


def test_call_start_req_rejects_an_extra_key() -> None:
    body = example(SEEDS["CallStartReq"], full=False)
    with pytest.raises(jsonschema.ValidationError):
        validator("CallStartReq").validate({**body, "extra": 1})
    with pytest.raises(pydantic.ValidationError, match="extra"):
        models.CallStartReq.model_validate({**body, "extra": 1})


def test_conversation_ids_are_capped_at_10000() -> None:
    ok = {"project_id": "e/p", "conversation_ids": [f"c{i}" for i in range(10_000)]}
    models.AgentConversationSpansReq.model_validate(ok)
    too_many = {**ok, "conversation_ids": [*ok["conversation_ids"], "one-more"]}
    with pytest.raises(jsonschema.ValidationError):
        validator("AgentConversationSpansReq").validate(too_many)
    with pytest.raises(pydantic.ValidationError, match="at most 10000"):
        models.AgentConversationSpansReq.model_validate(too_many)


@pytest.mark.parametrize(
    ("name", "field", "bad"),
    [
        ("AgentConversationSpan", "status", "RUNNING"),
        ("AgentConversationSpan", "status", "ok"),
        ("AgentConversationSpanFeedback", "feedback_type", "wandb.reaction.1"),
        ("AgentConversationSpan", "duration_ms", "12ms"),
        ("AgentConversationSpanRating", "value", "high"),
        ("AgentConversationSpansReq", "started_after", "yesterday"),
    ],
)
def test_model_rejects_values_outside_the_seed(name: str, field: str, bad: Any) -> None:
    instance = {**example(SEEDS[name], full=True), field: bad}
    with pytest.raises(jsonschema.ValidationError):
        validator(name).validate(instance)
    with pytest.raises(pydantic.ValidationError) as info:
        MODELS[name].model_validate(instance)
    assert info.value.errors()[0]["loc"][0] == field


def test_naive_datetimes_are_rejected_in_the_spans_request() -> None:
    with pytest.raises(pydantic.ValidationError, match="timezone"):
        models.AgentConversationSpansReq(
            project_id="e/p", started_after=datetime.datetime(2026, 1, 1)
        )


# --- what the client sends -------------------------------------------------------------------


def test_client_requests_follow_the_seed_operations() -> None:
    ops = seed_operations()
    spans = api.conversation_spans_call("e/p", ["a", "b"], NOW, NOW + datetime.timedelta(days=1))
    start = api.call_start_call(
        {"project_id": "e/p", "op_name": "chat", "started_at": NOW, "attributes": {}, "inputs": {}}
    )
    for call in (spans, start):
        validator(ops[call.path]["request"]).validate(call.payload)
    assert spans.payload["started_after"] == "2026-01-02T03:04:05Z"
