"""ConversationMinimap: traitlets, validation, selection, data updates, exports."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import traitlets
from minimap_sample import XSS_OPERATION, XSS_TAG, sample_data
from payload_reader import decode

from weave_widgets.client import WeaveClient
from weave_widgets.data._frames import ConversationData
from weave_widgets.minimap import _payload as payload
from weave_widgets.minimap._widget import ConversationMinimap


def first_span(data: ConversationData, index: int = 1) -> dict[str, str]:
    row = data.spans.iloc[index]
    return {
        "conversation_id": row["conversation_id"],
        "trace_id": row["trace_id"],
        "span_id": row["span_id"],
    }


def capture_sends(widget: ConversationMinimap) -> list[tuple[Any, list[bytes]]]:
    """Record the custom messages ``widget`` sends to its views."""
    sent: list[tuple[Any, list[bytes]]] = []
    widget.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))  # type: ignore[method-assign]
    return sent


def from_view(widget: ConversationMinimap, content: Any) -> None:
    """Deliver a custom message as a view sends it (through the comm's message handler)."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


def test_views_get_the_data_by_message(widget: ConversationMinimap, data: ConversationData) -> None:
    sent = capture_sends(widget)
    from_view(widget, {"kind": "request_payload"})
    from_view(widget, {"kind": "unknown"})
    from_view(widget, ["not", "a", "dict"])
    assert sent == [({"kind": "payload"}, [payload.encode(data)])]
    assert decode(sent[0][1][0]).spans["span_id"].tolist() == data.spans["span_id"].tolist()


def test_embed_stores_the_payload_in_the_state(data: ConversationData) -> None:
    widget = ConversationMinimap(data, embed=True)
    encoded = payload.encode(data)
    assert widget.embed
    assert widget.payload == encoded
    assert widget.embedded_bytes == len(base64.b64encode(encoded))
    sent = capture_sends(widget)
    subset = data.select(list(data.conversations["conversation_id"][:2]))
    widget.data = subset
    assert widget.payload == payload.encode(subset)
    assert sent == []


def test_defaults_and_payload(widget: ConversationMinimap, data: ConversationData) -> None:
    assert widget.options() == {
        "sort_by": "input",
        "sort_descending": False,
        "filter_status": [],
        "filter_category": [],
        "filter_has_feedback": False,
        "width_mode": "duration",
        "time_axis": "shared",
        "scale": "sqrt",
        "color_by": "category",
        "align": "none",
        "theme": "auto",
        "height": 480,
        "selected": {},
        "selected_conversations": [],
        "filter_conversations": None,
        "highlight": {},
        "groups": {},
        "collapsed_groups": [],
    }
    assert widget.data is data
    assert widget.payload == b""  # not saved: views ask for the data
    assert not widget.embed
    assert widget.selected_span is None
    assert data.widget(sort_by="errors").sort_by == "errors"


@pytest.mark.parametrize(
    ("sort_by", "descending"),
    [("errors", True), ("duration", True), ("rating", False), ("turns", True), ("input", False)],
)
def test_sort_keys_start_worst_first(
    data: ConversationData, sort_by: str, descending: bool
) -> None:
    """Most errors, longest, lowest rating first, as the explore notebook promises."""
    assert data.widget(sort_by=sort_by).sort_descending is descending
    widget = data.widget()
    widget.sort_by = sort_by
    assert widget.sort_descending is descending
    assert data.widget(sort_by=sort_by, sort_descending=not descending).sort_descending is (
        not descending
    )


def test_options_are_synced_traits(widget: ConversationMinimap) -> None:
    state = widget.get_state()
    for name in [*widget.options(), "payload"]:
        assert name in state, name
    assert state["payload"] == b""


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("sort_by", "colour", "sort_by"),
        ("width_mode", "log", "width_mode"),
        ("scale", "cubic", "scale"),
        ("time_axis", "stretched", "time_axis"),
        ("color_by", "rating", "color_by"),
        ("theme", "sepia", "theme"),
        ("filter_status", ["FAILED"], "filter_status"),
        ("filter_category", ["llm", "chatbot"], "filter_category: unknown category"),
        ("height", 10, "height"),
    ],
)
def test_bad_option_values_raise_a_clear_trait_error(
    widget: ConversationMinimap, name: str, value: Any, message: str
) -> None:
    with pytest.raises(traitlets.TraitError, match=re.escape(message)):
        setattr(widget, name, value)
    with pytest.raises(traitlets.TraitError, match=re.escape(message)):
        ConversationMinimap(widget.data, **{name: value})


def test_constructor_rejects_unknown_options_and_wrong_data(data: ConversationData) -> None:
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['sortby'\].*sort_by"):
        ConversationMinimap(data, sortby="errors")
    with pytest.raises(TypeError, match="must be a ConversationData"):
        ConversationMinimap(data.spans)  # type: ignore[arg-type]


def test_missing_bundle_says_how_to_build_it(
    data: ConversationData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(ConversationMinimap, "_esm")
    with pytest.raises(FileNotFoundError, match=r"npm --prefix js run build"):
        ConversationMinimap(data)


def test_select_from_python_fills_the_trace_and_returns_the_row(
    widget: ConversationMinimap, data: ConversationData
) -> None:
    target = first_span(data)
    seen: list[Any] = []
    widget.observe(lambda change: seen.append(change["new"]), names=["selected"])
    widget.selected = {"conversation_id": target["conversation_id"], "span_id": target["span_id"]}
    assert widget.selected == target
    assert seen == [target]
    row = widget.selected_span
    assert row is not None
    assert len(row) == 1
    assert row.iloc[0]["span_id"] == target["span_id"]
    assert list(row.columns) == list(data.spans.columns)
    widget.selected = {}
    assert widget.selected_span is None


def test_selection_from_the_front_end_reaches_python(
    widget: ConversationMinimap, data: ConversationData
) -> None:
    target = first_span(data, 5)
    seen: list[Any] = []
    widget.observe(lambda change: seen.append(change["new"]), names=["selected"])
    widget.set_state({"selected": target})  # what a comm message from the browser does
    assert seen == [target]
    assert widget.selected_span is not None
    assert widget.selected_span.iloc[0]["trace_id"] == target["trace_id"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"span_id": "x"}, "conversation_id and span_id"),
        ({"conversation_id": "conv-000", "span_id": "nope"}, "is not in this widget's data"),
        ({"conversation_id": "conv-000", "span_id": "s", "row": 1}, "unexpected keys"),
    ],
)
def test_bad_selection_is_refused(
    widget: ConversationMinimap, value: dict[str, Any], message: str
) -> None:
    with pytest.raises(traitlets.TraitError, match=message):
        widget.selected = value


def test_selection_with_the_wrong_trace_is_refused(
    widget: ConversationMinimap, data: ConversationData
) -> None:
    target = {**first_span(data), "trace_id": "another-trace"}
    with pytest.raises(traitlets.TraitError, match="belongs to trace"):
        widget.selected = target


def test_updating_data_resends_the_payload_and_keeps_a_valid_selection(
    widget: ConversationMinimap, data: ConversationData
) -> None:
    target = first_span(data)
    widget.selected = target
    sent = capture_sends(widget)
    payloads: list[bytes] = []
    widget.observe(lambda change: payloads.append(change["new"]), names=["payload"])

    subset = data.select([target["conversation_id"], "conv-002"])
    widget.data = subset
    assert widget.data is subset
    assert sent == [({"kind": "payload"}, [payload.encode(subset)])]
    assert payloads == []  # sent to the views, not stored as state
    assert widget.selected == target

    other = sample_data(3, seed=99)
    widget.data = other
    assert widget.selected == {}
    assert len(sent) == 2
    with pytest.raises(TypeError, match="must be a ConversationData"):
        widget.data = "conv-000"  # type: ignore[assignment]


def test_to_html_is_self_contained(widget: ConversationMinimap, tmp_path: Path) -> None:
    widget.sort_by = "errors"
    path = tmp_path / "minimap.html"
    html = widget.to_html(path, title="<b>Demo</b>")
    assert path.read_text(encoding="utf-8") == html
    assert "<title>&lt;b&gt;Demo&lt;/b&gt;</title>" in html
    assert "Content-Security-Policy" in html
    assert re.search(r"""(src|href)=["']?https?:""", html) is None
    state = re.search(r'id="weave-minimap-state">(.*?)</script>', html, re.S)
    assert state is not None
    assert json.loads(state.group(1))["sort_by"] == "errors"
    encoded = re.search(r'id="weave-minimap-payload">(.*?)</script>', html, re.S)
    assert encoded is not None
    assert base64.b64decode(encoded.group(1)) == payload.encode(widget.data)
    assert XSS_TAG not in html  # only inside the binary payload
    assert XSS_OPERATION not in html
    assert html.count("</script>") == 3


def test_save_png_writes_a_png(widget: ConversationMinimap, tmp_path: Path) -> None:
    small = ConversationMinimap(widget.data.select(["conv-000", "conv-001"]), color_by="status")
    out = small.save_png(tmp_path / "minimap.png", scale=1)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_api_key_in_widget_state(local_server: str, project_id: str) -> None:
    key = "wk-" + "7f3a9c" * 7
    started = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with WeaveClient(project_id, url=local_server, api_key=key) as client:
        res = client.call_start(
            {
                "project_id": project_id,
                "op_name": "chat",
                "thread_id": "conv-key",
                "started_at": started,
                "attributes": {"gen_ai.operation.name": "chat"},
                "inputs": {},
            }
        )
        client.call_end(
            {
                "project_id": project_id,
                "id": res.id,
                "ended_at": started + dt.timedelta(seconds=1),
                "summary": {},
            }
        )
        data = client.conversation_spans(["conv-key"])
    assert len(data.spans) == 1
    widget = ConversationMinimap(data)
    state = widget.get_state()
    blob = json.dumps({k: v for k, v in state.items() if not isinstance(v, bytes)}, default=str)
    assert key not in blob
    sent = payload.encode(widget.data)
    assert key.encode() not in sent
    assert key not in decode(sent).spans.to_json()
    assert key not in widget.to_html()


def test_html_page_keeps_script_text_inert() -> None:
    from weave_widgets.minimap._page import page

    html = page('const s = "</script><!--<img src=x onerror=alert(1)>";', b"\x00\x01", {}, "t")
    assert html.count("</script>") == 3
    assert "<!--" not in html
    assert "\\u003c/script\\u003e\\u003c!--\\u003cimg" in html


def test_mime_bundle_carries_a_static_fallback(data: ConversationData) -> None:
    widget = ConversationMinimap(data, sort_by="errors", sort_descending=True)
    bundle, _ = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    c = data.conversations
    assert bundle["text/plain"] == (
        f"Conversation minimap: {len(c)} conversations, {int(c['n_spans'].sum()):,} spans, "
        f"{int(c['n_errors'].sum()):,} errors, {int(c['n_feedback'].sum()):,} feedback"
    )
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) < 400_000
    shown = widget.snapshot_data(3).conversations["n_errors"].tolist()
    assert shown == sorted(c["n_errors"].tolist(), reverse=True)[:3]
    before = widget.snapshot
    widget.data = data.select(list(c["conversation_id"][:2]))
    assert widget.snapshot.startswith(b"\x89PNG")
    assert widget.snapshot != before  # the saved picture follows the data
    widget.close()
    assert widget._repr_mimebundle_ is None  # ipywidgets: a closed widget shows nothing


def test_snapshot_rows_follow_the_widgets_filters_and_sort(data: ConversationData) -> None:
    def shown(**options: Any) -> list[str]:
        widget = ConversationMinimap(data, **options)
        return list(
            widget.snapshot_data(rows=len(data.conversations)).conversations.conversation_id
        )

    c = data.conversations
    ids = list(c["conversation_id"])
    assert shown(sort_by="input", sort_descending=True) == ids[::-1]
    spans = data.spans
    with_errors = set(spans.loc[spans["status"] == "ERROR", "conversation_id"])
    assert shown(filter_status=["ERROR"]) == [i for i in ids if i in with_errors]
    rated = shown(sort_by="rating", sort_descending=False)
    ratings = c.set_index("conversation_id")["mean_rating"].reindex(rated).tolist()
    known = [r for r in ratings if r == r]
    assert known == sorted(known)
    assert all(r != r for r in ratings[len(known) :])
    errors = c.set_index("conversation_id")["n_errors"]
    assert errors[shown(sort_by="errors")[0]] == errors.max()  # most errors first by default


def test_too_many_spans_refused_before_anything_is_encoded(
    data: ConversationData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weave_widgets.minimap import _widget

    encoded: list[Any] = []
    monkeypatch.setattr(_widget, "MAX_SPANS", len(data.spans) - 1)
    monkeypatch.setattr(payload, "encode", lambda *a, **k: encoded.append(a) or b"")
    with pytest.raises(ValueError, match=r"Narrow the set first: data\.select\(ids\)") as err:
        ConversationMinimap(data)
    assert f"{len(data.spans):,} spans" in str(err.value)
    assert encoded == []


def test_up_to_the_limit_paints(data: ConversationData, monkeypatch: pytest.MonkeyPatch) -> None:
    from weave_widgets.minimap import _widget

    monkeypatch.setattr(_widget, "MAX_SPANS", len(data.spans))
    assert ConversationMinimap(data)._encoded  # sent to the view when it renders
    assert ConversationMinimap(data, embed=True).payload


def test_rerunning_a_cell_closes_the_widget_it_made(
    data: ConversationData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weave_widgets.minimap import _widget

    run = {"cell": ("cell-a", "run-1")}
    monkeypatch.setattr(_widget, "_cell_execution", lambda: run["cell"])
    first, second = ConversationMinimap(data), ConversationMinimap(data)  # one run, two widgets
    run["cell"] = ("cell-b", "run-2")
    elsewhere = ConversationMinimap(data)
    run["cell"] = ("cell-a", "run-3")
    again = ConversationMinimap(data)
    assert first.comm is None
    assert second.comm is None
    assert first._encoded is None
    assert elsewhere.comm is not None
    assert again.comm is not None
    assert first.data is data  # still usable from Python


def test_saved_notebook_shows_the_picture_without_widgets(
    data: ConversationData, tmp_path: Path
) -> None:
    """nbconvert (as viewers do) renders a saved output with no widget state as its PNG."""
    import nbformat
    from nbconvert import HTMLExporter

    widget = ConversationMinimap(data)
    bundle, metadata = widget._repr_mimebundle_()
    assert widget.snapshot == base64.b64decode(bundle["image/png"])
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("data.widget()")
    cell.outputs = [
        nbformat.v4.new_output("execute_result", data=bundle, metadata=metadata, execution_count=1)
    ]
    nb.cells = [cell]
    html, _ = HTMLExporter().from_notebook_node(nbformat.from_dict(nb))
    assert f'src="data:image/png;base64,{bundle["image/png"]}"' in html
    assert "object at 0x" not in html
