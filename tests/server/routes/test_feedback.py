"""``/feedback/create`` and ``/feedback/batch/create``: validation and minimap markers."""

from __future__ import annotations

import datetime

import pytest
from server_api import Api

from weave_widgets.refs import conversation_ref, span_ref, turn_ref

MONITOR_REFS = {
    "runnable_ref": "weave:///e/p/op/judge:v1",
    "call_ref": "weave:///e/p/call/0191",
    "trigger_ref": "weave:///e/p/object/monitor:v1",
}


def user_tag(api: Api, trace: str, *tags: str, **extra: object) -> dict[str, object]:
    return {
        "weave_ref": turn_ref(api.project_id, trace),
        "feedback_type": "wandb.agent_user_feedback",
        "payload": {},
        "scorer_tags": list(tags),
        **extra,
    }


def markers(api: Api, cid: str) -> list[dict[str, object]]:
    return list(api.conversation(cid)["spans_feedback"])


def test_the_documented_markers(api: Api) -> None:
    """The real server's test: 👍 on turn A, a monitor rating with a reason on turn B."""
    api.span("a", "A", "conv", 0, 1, op="invoke_agent")
    api.span("b", "B", "conv", 2, 3)
    api.feedback(**user_tag(api, "A", "\U0001f44d", span_conversation_id="conv"))
    api.feedback(
        weave_ref=turn_ref(api.project_id, "B"),
        feedback_type="wandb.agent_monitor",
        payload={},
        scorer_tags=["helpful"],
        scorer_ratings={"quality": 0.8},
        scorer_rating_reasons={"quality": "clear answer"},
        span_conversation_id="conv",
        **MONITOR_REFS,
    )
    by_trace = {m["trace_id"]: m for m in markers(api, "conv")}
    assert by_trace["A"] == {
        "trace_id": "A",
        "feedback_type": "wandb.agent_user_feedback",
        "tags": ["👍"],
        "ratings": [],
    }
    assert by_trace["B"]["feedback_type"] == "wandb.agent_monitor"
    assert by_trace["B"]["tags"] == ["helpful"]
    assert by_trace["B"]["ratings"] == [
        {"name": "quality", "value": 0.8, "reason": "clear answer", "confidence": None}
    ]


def test_create_response_shape(api: Api) -> None:
    res = api.feedback(**{**user_tag(api, "t", "x"), "payload": {"note": "hi"}}, id="fb-1")
    assert set(res) == {"id", "created_at", "wb_user_id", "payload"}
    assert res["id"] == "fb-1"
    assert res["payload"] == {"note": "hi"}
    assert datetime.datetime.fromisoformat(res["created_at"]).tzinfo is not None
    api.feedback(409, **user_tag(api, "t", "x"), id="fb-1")


def test_skin_tones_are_stripped_text_kept(api: Api) -> None:
    api.span("s", "t", "c", 0, 1)
    tags = ["👍🏽", "👎🏿 not great", "needs-review", "", "👋🏻🙌🏾"]
    api.feedback(**user_tag(api, "t", *tags, span_conversation_id="c"))
    (marker,) = markers(api, "c")
    assert marker["tags"] == ["👍", "👎 not great", "needs-review", "👋🙌"]


def test_ratings_join_reasons_and_confidences(api: Api) -> None:
    api.feedback(
        weave_ref=conversation_ref(api.project_id, "c"),
        feedback_type="wandb.agent_monitor",
        payload={},
        scorer_ratings={"quality": 1, "safety": 0.25, "tone": 0.5},
        scorer_rating_reasons={"quality": "clear", "safety": ""},
        scorer_rating_confidences={"quality": 0.9, "tone": 1},
        **MONITOR_REFS,
    )
    (marker,) = markers(api, "c")
    assert marker["ratings"] == [
        {"name": "quality", "value": 1.0, "reason": "clear", "confidence": 0.9},
        {"name": "safety", "value": 0.25, "reason": None, "confidence": None},
        {"name": "tone", "value": 0.5, "reason": None, "confidence": 1.0},
    ]


def test_conversation_ref_is_percent_decoded_and_level_null(api: Api) -> None:
    cid = "user/42:session"
    api.span("s", "t", cid, 0, 1)
    ref = conversation_ref(api.project_id, cid)
    assert ref.endswith("/agent_conversation/user%2F42%3Asession")
    api.feedback(
        weave_ref=ref, feedback_type="wandb.agent_user_feedback", scorer_tags=["🎯"], payload={}
    )
    assert markers(api, cid) == [
        {
            "trace_id": None,
            "feedback_type": "wandb.agent_user_feedback",
            "tags": ["🎯"],
            "ratings": [],
        }
    ]


def test_one_marker_per_row(api: Api) -> None:
    api.span("s", "t", "c", 0, 1)
    for tag in ("👍", "needs-review"):
        api.feedback(**user_tag(api, "t", tag, span_conversation_id="c"))
    assert [m["tags"] for m in markers(api, "c")] == [["👍"], ["needs-review"]]


def test_turn_feedback_found_through_its_spans(api: Api) -> None:
    api.span("s", "turn-x", "c", 0, 1)
    api.feedback(**user_tag(api, "turn-x", "👍"))  # no span_conversation_id
    assert [m["trace_id"] for m in markers(api, "c")] == ["turn-x"]
    assert markers(api, "elsewhere") == []


def test_anchor_by_span_ids_on_other_refs(api: Api) -> None:
    call = f"weave:///{api.project_id}/call/abc"
    base = {"weave_ref": call, "feedback_type": "wandb.agent_user_feedback", "payload": {}}
    api.feedback(**base, scorer_tags=["turn"], span_conversation_id="c", span_trace_id="t")
    api.feedback(**base, scorer_tags=["conv"], span_conversation_id="c")
    assert [(m["trace_id"], m["tags"]) for m in markers(api, "c")] == [
        ("t", ["turn"]),
        (None, ["conv"]),
    ]


def test_only_agent_feedback_types_surface(api: Api) -> None:
    api.span("s", "t", "c", 0, 1)
    ref = turn_ref(api.project_id, "t")
    api.feedback(weave_ref=ref, feedback_type="wandb.reaction.1", payload={"emoji": "👍"})
    api.feedback(weave_ref=ref, feedback_type="wandb.note.1", payload={"note": "x"})
    api.feedback(
        weave_ref=span_ref(api.project_id, "s"),
        feedback_type="wandb.agent_user_feedback",
        scorer_tags=["on a span"],
        payload={},
        span_conversation_id="c",
    )
    assert markers(api, "c") == []


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"feedback_type": "wandb.agent_user_feedback", "scorer_tags": []}, "scorer_tags"),
        ({"feedback_type": "wandb.agent_monitor"}, "runnable_ref"),
        (
            {
                "feedback_type": "wandb.agent_monitor",
                **MONITOR_REFS,
                "call_ref": "weave:///e/p/op/x",
            },
            "call_ref",
        ),
        ({"feedback_type": "wandb.note.1", "runnable_ref": "weave:///e/p/op/x:v1"}, "runnable_ref"),
        ({"feedback_type": "wandb.note.1", "scorer_ratings": {"q": 1}}, "scorer_ratings"),
        ({"feedback_type": "wandb.reaction.1", "payload": {"emoji": "👍👍"}}, "emoji"),
        ({"scorer_tags": ["x"], "span_trace_id": "other"}, "span_trace_id"),
        ({"scorer_tags": ["x"], "weave_ref": "weave:///someone/else/agent_turn/t"}, "project"),
    ],
)
def test_invalid_feedback_is_400(api: Api, fields: dict[str, object], needle: str) -> None:
    body = {
        "weave_ref": turn_ref(api.project_id, "t"),
        "feedback_type": "wandb.agent_user_feedback",
        "payload": {},
        **fields,
    }
    assert needle in api.feedback(400, **body)["reason"]


def test_conversation_ref_conflicts_are_400(api: Api) -> None:
    ref = conversation_ref(api.project_id, "c")
    base = {"weave_ref": ref, "feedback_type": "wandb.agent_user_feedback", "scorer_tags": ["x"]}
    assert "span_trace_id" in api.feedback(400, **base, span_trace_id="t")["reason"]
    assert "span_conversation_id" in api.feedback(400, **base, span_conversation_id="d")["reason"]


def test_extra_field_is_422(api: Api) -> None:
    api.feedback(422, **user_tag(api, "t", "x"), surprise=1)


def test_batch_create(api: Api) -> None:
    api.span("s", "t", "c", 0, 1)
    batch = [
        {"project_id": api.project_id, **user_tag(api, "t", tag, span_conversation_id="c")}
        for tag in ("a", "b")
    ]
    res = api.post("/feedback/batch/create", {"batch": batch})["res"]
    assert len({r["id"] for r in res}) == 2
    assert [m["tags"] for m in markers(api, "c")] == [["a"], ["b"]]
    bad = [*batch[:1], {**batch[1], "scorer_tags": []}]
    api.post("/feedback/batch/create", {"batch": bad}, 400)
    assert len(markers(api, "c")) == 2  # all or nothing
