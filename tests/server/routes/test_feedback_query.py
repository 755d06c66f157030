"""``/feedback/query``: stored feedback read back as the weave SDK's ``call.feedback`` and
``client.get_feedback()`` ask for it."""

from __future__ import annotations

from typing import Any

import pytest
from server_api import Api

from weave_widgets.refs import turn_ref

feedback_module = pytest.importorskip("weave.trace.feedback")

ASC = [{"field": "created_at", "direction": "asc"}]


def ref_of(api: Api, call_id: str) -> str:
    return f"weave:///{api.project_id}/call/{call_id}"


def by_ref(ref: str) -> dict[str, Any]:
    """The query ``call.feedback`` sends."""
    return {"$expr": {"$eq": [{"$getField": "weave_ref"}, {"$literal": ref}]}}


def feedback_query(api: Api, status: int = 200, **body: Any) -> Any:
    return api.post("/feedback/query", {"project_id": api.project_id, **body}, status)


@pytest.fixture
def stored(api: Api) -> list[str]:
    """Four feedback rows on two calls (one sent as a batch, as the SDK does) and one agent
    turn feedback; their ids in creation order."""
    one, two = ref_of(api, "c1"), ref_of(api, "c2")
    batch = [
        {"weave_ref": one, "feedback_type": "wandb.reaction.1", "payload": {"emoji": "👍"}},
        {"weave_ref": one, "feedback_type": "wandb.note.1", "payload": {"note": "looks right"}},
        {"weave_ref": one, "feedback_type": "correctness", "payload": {"value": True}},
    ]
    res = api.post(
        "/feedback/batch/create",
        {"batch": [{"project_id": api.project_id, **item} for item in batch]},
    )
    ids = [r["id"] for r in res["res"]]
    ids.append(
        api.feedback(weave_ref=two, feedback_type="wandb.note.1", payload={"note": "2"})["id"]
    )
    agent = api.feedback(
        weave_ref=turn_ref(api.project_id, "T1"),
        feedback_type="wandb.agent_user_feedback",
        payload={},
        scorer_tags=["👍"],
    )
    return [*ids, agent["id"]]


def test_call_feedback_as_the_sdk_reads_it(api: Api, stored: list[str]) -> None:
    ref = ref_of(api, "c1")
    res = feedback_query(api, query=by_ref(ref), sort_by=ASC, fields=None, limit=None, offset=None)
    assert res["total_count"] == 3
    rows = res["result"]
    assert [r["id"] for r in rows] == stored[:3]
    assert [(r["feedback_type"], r["payload"]) for r in rows] == [
        ("wandb.reaction.1", {"emoji": "👍"}),
        ("wandb.note.1", {"note": "looks right"}),
        ("correctness", {"value": True}),
    ]
    for row in rows:
        assert (row["project_id"], row["weave_ref"], row["wb_user_id"]) == (
            api.project_id,
            ref,
            "local",
        )
        assert row["created_at"].endswith("Z")
        # the SDK builds its Feedback model from each row, without unknown fields
        parsed = feedback_module.Feedback(**row)
        assert parsed.model_dump(exclude_unset=True).keys() == row.keys()


def test_all_feedback_paging_and_sorting(api: Api, stored: list[str]) -> None:
    everything = {"$expr": {"$eq": [{"$literal": "1"}, {"$literal": "1"}]}}
    res = feedback_query(api, query=everything, sort_by=ASC, limit=100, offset=0)
    assert ([r["id"] for r in res["result"]], res["total_count"]) == (stored, 5)
    assert [r["id"] for r in feedback_query(api)["result"]] == stored  # no query: all
    page = feedback_query(api, limit=2, offset=1)
    assert ([r["id"] for r in page["result"]], page["total_count"]) == (stored[1:3], 5)
    assert feedback_query(api, offset=9)["result"] == []
    desc = feedback_query(api, sort_by=[{"field": "created_at", "direction": "desc"}])
    assert {r["id"] for r in desc["result"][:2]} == set(stored[3:])  # created after the batch
    by_type = feedback_query(api, sort_by=[{"field": "feedback_type", "direction": "asc"}])
    assert [r["feedback_type"] for r in by_type["result"]] == [
        "correctness",
        "wandb.agent_user_feedback",
        "wandb.note.1",
        "wandb.note.1",
        "wandb.reaction.1",
    ]


def test_eq_and_in_on_type_and_ref(api: Api, stored: list[str]) -> None:
    notes = {"$expr": {"$eq": [{"$getField": "feedback_type"}, {"$literal": "wandb.note.1"}]}}
    assert [r["id"] for r in feedback_query(api, query=notes)["result"]] == [stored[1], stored[3]]
    refs = {
        "$expr": {
            "$in": [
                {"$getField": "weave_ref"},
                [{"$literal": ref_of(api, "c2")}, {"$literal": turn_ref(api.project_id, "T1")}],
            ]
        }
    }
    assert [r["id"] for r in feedback_query(api, query=refs)["result"]] == stored[3:]
    both = {"$expr": {"$and": [notes["$expr"], by_ref(ref_of(api, "c1"))["$expr"]]}}
    assert [r["id"] for r in feedback_query(api, query=both)["result"]] == [stored[1]]
    payload = {"$expr": {"$eq": [{"$getField": "payload.note"}, {"$literal": "2"}]}}
    assert [r["id"] for r in feedback_query(api, query=payload)["result"]] == [stored[3]]
    tagged = feedback_query(api, query=by_ref(turn_ref(api.project_id, "T1")))["result"]
    assert tagged[0]["scorer_tags"] == ["👍"]
    assert feedback_query(api, query=by_ref(ref_of(api, "nobody"))) == {
        "result": [],
        "total_count": 0,
    }


def test_fields_and_projects(api: Api, stored: list[str]) -> None:
    res = feedback_query(api, fields=["id", "payload"], limit=1)
    assert res["result"] == [{"id": stored[0], "payload": {"emoji": "👍"}}]
    other = Api(api.http, api.project_id + "-other")
    assert feedback_query(other) == {"result": [], "total_count": 0}


def test_bad_queries(api: Api) -> None:
    feedback_query(api, 400, query={"$expr": {"$regex": []}})
    feedback_query(api, 400, query={"$expr": {"$eq": [{"$getField": "id"}]}})
    feedback_query(api, 422, query={"expr": {}})
    feedback_query(api, 422, limit=-1)
