"""The embedded server as a drop-in Weave backend, read side: the real weave SDK (configured by
environment variables alone, in a subprocess) publishes objects, a dataset and ops, traces
calls with feedback, and gets every one of them back through its own readers
(``weave.ref(...).get()``, ``client.get_calls()``, ``get_call()``, ``children()``,
``call.feedback``)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from weave_sdk_run import FAILURE_SIGNS, run_session

pytest.importorskip("weave")

SESSION = Path(__file__).with_name("weave_sdk_readback_session.py")
ROWS = [{"q": "What is Weave?", "a": 1}, {"q": "Why?", "a": 2}, {"q": "How?", "a": 3}]


@pytest.fixture(scope="module")
def session(local_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the SDK session once; what it published, traced and read back."""
    project = f"sdk-entity/readback-{uuid.uuid4().hex[:8]}"
    return run_session(SESSION, local_server, project, tmp_path_factory.mktemp("sdk-home"))


def test_no_request_failed(session: dict[str, Any]) -> None:
    for sign in FAILURE_SIGNS:
        assert sign not in session["stderr"], session["stderr"][-3000:]


def test_objects_come_back_by_digest_latest_and_version(session: dict[str, Any]) -> None:
    published, read = session["published"], session["read"]
    first, second, again = published["config_digests"]
    assert first != second
    assert again == first  # the same value publishes to the same version
    assert read["config_v0"] == {"temperature": 0.2, "tags": ["a"]}
    assert read["config_latest"] == {"temperature": 0.7, "tags": ["a", "b"]}
    assert read["config_by_digest"] == read["config_latest"]


def test_dataset_rows_and_row_refs(session: dict[str, Any]) -> None:
    read = session["read"]
    assert read["dataset_name"] == "qa"
    assert read["dataset_rows"] == ROWS
    assert read["dataset_len"] == 3
    assert "/attr/rows/id/" in read["row_ref"]
    assert read["row_ref_get"] == ROWS[1]


def test_op_comes_back_runnable(session: dict[str, Any]) -> None:
    read = session["read"]
    assert read["op_loaded_result"] == {
        "answer": "1 docs about 'How?'",  # one token, one doc
        "docs": [{"doc": "doc-how", "score": 1.0}],
    }
    assert read["op_ref_digest_matches"]


def test_calls_come_back_as_traced(session: dict[str, Any]) -> None:
    read, traced, project = session["read"], session["traced"], session["project"]
    ok, failed = read["get_call"], read["failed"]
    assert ok["id"] == traced["ok"]
    assert ok["op_name"].startswith(f"weave:///{project}/op/answer:")
    assert ok["inputs"] == {"question": "What is Weave?"}
    assert ok["output"]["answer"] == "2 docs about 'What is Weave?'"
    assert (ok["thread_id"], ok["turn_id"], ok["parent_id"]) == (session["thread"], ok["id"], None)
    assert (ok["exception"], ok["status"]) == (None, "success")
    assert "upstream timed out" in failed["exception"]
    assert failed["status"] == "error"
    assert failed["ended_at"] is not None

    children = read["children"]
    assert [c["op_name"].split("/op/")[1].split(":")[0] for c in children] == [
        "tokenize",
        "retrieve",
    ]
    assert {c["parent_id"] for c in children} == {ok["id"]}
    assert {c["trace_id"] for c in children} == {traced["trace_id"]}
    assert children[0]["output"] == ["what", "is", "weave"]
    assert read["grandchildren"] == [0, 0]

    assert read["roots_len"] == 2
    assert [c["id"] for c in read["roots"]] == [traced["ok"], traced["failed"]]
    assert len(read["thread_calls"]) == 5  # answer, tokenize, retrieve, flaky, tokenize
    assert read["thread_calls"][0] == traced["ok"]
    assert read["all_len"] == 5
    assert read["tokenize_calls"] == 2
    assert read["newest_two"] == read["thread_calls"][:-3:-1]


def test_feedback_comes_back(session: dict[str, Any]) -> None:
    read = session["read"]
    assert read["feedback"] == [
        ["wandb.reaction.1", {"emoji": "👍"}],
        ["wandb.note.1", {"note": "looks right"}],
        ["correctness", {"value": True, "score": 0.9}],
    ]
    assert read["get_feedback"] == 3


def test_the_server_holds_what_the_sdk_read(local_server: str, session: dict[str, Any]) -> None:
    """The reads were answered by this server (not a client cache): ask it directly."""
    project = session["project"]
    with httpx.Client(base_url=local_server) as http:
        latest = http.post(
            "/obj/read", json={"project_id": project, "object_id": "config", "digest": "latest"}
        ).json()["obj"]
        assert latest["version_index"] == 1
        assert latest["digest"] == session["published"]["config_digests"][1]
        lines = http.post(
            "/calls/stream_query",
            json={"project_id": project, "filter": {"call_ids": [session["traced"]["ok"]]}},
        ).text.splitlines()
        assert [json.loads(line)["id"] for line in lines] == [session["traced"]["ok"]]
