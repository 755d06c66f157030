"""``POST /agents/conversations/spans``: entries, ordering, time window, cap, validation."""

from __future__ import annotations

from pathlib import Path

from server_api import T0, Api, at

from weave_widgets.models import MAX_CONVERSATION_IDS, MAX_CONVERSATION_SPANS
from weave_widgets.server.calls import SpanRow, to_micros
from weave_widgets.server.store import MAX_TIME, MIN_TIME, Store


def span_ids(entry: dict[str, object]) -> list[str]:
    return [s["span_id"] for s in entry["spans"]]  # type: ignore[attr-defined]


def test_the_documented_sequence(api: Api) -> None:
    """The real server's integration test: turn A agent+tools, turn B chat, 1 s apart."""
    api.span("a1", "A", "conv", 0, 0.5, op="invoke_agent")
    api.span("a2", "A", "conv", 1, 1.5, op="execute_tool")
    api.span("a3", "A", "conv", 2, 2.5, op="execute_tool", exception="tool failed")
    api.span("b1", "B", "conv", 3, 3.5, op="chat")
    spans = api.conversation("conv")["spans"]
    assert [(s["operation_name"], s["status"]) for s in spans] == [
        ("invoke_agent", "OK"),
        ("execute_tool", "OK"),
        ("execute_tool", "ERROR"),
        ("chat", "OK"),
    ]
    assert spans[0]["trace_id"] == "A"
    assert spans[-1]["trace_id"] == "B"
    assert set(spans[0]) == {"operation_name", "trace_id", "span_id", "status", "duration_ms"}


def test_ordered_by_started_at_then_span_id(api: Api) -> None:
    api.start("z", "t", "c", 5)
    api.start("b", "t", "c", 1)
    api.start("c", "t", "c", 1)
    api.start("a", "t", "c", 1)
    api.start("early", "t", "c", 0.000001)
    assert span_ids(api.conversation("c")) == ["early", "a", "b", "c", "z"]


def test_one_entry_per_requested_id_in_request_order(api: Api) -> None:
    api.start("s1", "t", "one", 0)
    api.start("s2", "t", "two", 0)
    res = api.spans(["two", "unknown", "one", "two"])["conversations"]
    assert [c["conversation_id"] for c in res] == ["two", "unknown", "one"]
    assert res[1] == {"conversation_id": "unknown", "spans": [], "spans_feedback": []}
    assert span_ids(res[0]) == ["s2"]
    assert span_ids(res[2]) == ["s1"]


def test_empty_or_missing_ids(api: Api) -> None:
    assert api.spans([]) == {"conversations": []}
    assert api.post("/agents/conversations/spans", {"project_id": api.project_id}) == {
        "conversations": []
    }


def test_window_is_inclusive_after_exclusive_before(api: Api) -> None:
    for n in range(5):
        api.start(f"s{n}", "t", "c", n)
    entry = api.conversation("c", started_after=at(1), started_before=at(3))
    assert span_ids(entry) == ["s1", "s2"]
    assert span_ids(api.conversation("c", started_after=at(3))) == ["s3", "s4"]
    assert span_ids(api.conversation("c", started_before=at(1))) == ["s0"]


def test_cap_keeps_the_most_recent_spans(api: Api) -> None:
    n = MAX_CONVERSATION_SPANS + 7
    batch = [
        {
            "mode": "start",
            "req": {
                "start": {
                    "project_id": api.project_id,
                    "id": f"s{i:04d}",
                    "trace_id": "t",
                    "thread_id": "long",
                    "op_name": "chat",
                    "started_at": at(i),
                    "attributes": {},
                    "inputs": {},
                }
            },
        }
        for i in range(n)
    ]
    api.post("/call/upsert_batch", {"batch": batch})
    ids = span_ids(api.conversation("long"))
    assert ids == [f"s{i:04d}" for i in range(7, n)]
    # the cap applies after the window
    assert span_ids(api.conversation("long", started_before=at(3))) == ["s0000", "s0001", "s0002"]


def test_too_many_ids_is_422(api: Api) -> None:
    res = api.spans([f"c{i}" for i in range(MAX_CONVERSATION_IDS + 1)], status=422)
    assert res["detail"][0]["loc"] == ["body", "conversation_ids"]
    assert len(api.spans([f"c{i}" for i in range(MAX_CONVERSATION_IDS)])["conversations"]) == (
        MAX_CONVERSATION_IDS
    )


def test_bad_and_naive_timestamps_are_422(api: Api) -> None:
    for bad in ("yesterday", "2026-03-01T12:00:00"):
        res = api.spans(["c"], status=422, started_after=bad)
        assert res["detail"][0]["loc"] == ["body", "started_after"]


def test_unknown_top_level_keys_are_ignored(api: Api) -> None:
    api.start("s", "t", "c", 0)
    assert span_ids(api.spans(["c"], newer_option=True)["conversations"][0]) == ["s"]


def test_missing_project_is_422(api: Api) -> None:
    res = api.http.post("/agents/conversations/spans", json={"conversation_ids": ["c"]})
    assert res.status_code == 422


def test_unknown_stored_status_reads_as_unset(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    row = SpanRow(
        "e/p", "s", "t", None, "c", "chat", "chat", None, to_micros(T0), None, "WEIRD", None,
        "otel", b"{}", None,
    )  # fmt: skip
    store.upsert_spans([row])
    (entry,) = store.conversation_spans("e/p", ["c"], MIN_TIME, MAX_TIME)
    assert entry["spans"][0]["status"] == "UNSET"
    store.close()
