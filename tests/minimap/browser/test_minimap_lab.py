"""End to end in JupyterLab on demo data written to the embedded local server: kernel render,
pixels, hover, a hostile tag kept as text, click -> Python, Python -> DOM.

The notebook's first cell prints a ``PLAN`` line (JSON) naming what to probe: the ERROR and
agent spans (with their positions) of the conversation with the most errors, a turn-level
rating, and every conversation's error count; the hostile tag goes on the first conversation.
The test reads the plan from the page and drives the widget from it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import Lab
from minimap_dom import dominant, hex_rgb, marker_rects, page_point, pixel, rating_rgb, span_rect
from minimap_sample import XSS_TAG
from playwright.sync_api import expect

from weave_widgets.palette import CATEGORY_COLORS, STATUS_COLORS

pytestmark = pytest.mark.browser

N_CONVERSATIONS = 24
SEED = 1
SETUP = """\
import json
from weave_widgets import local, WeaveClient
from weave_widgets.demo import write_demo

url = local.serve({db!r})
client = WeaveClient(project="lab-e2e/minimap", url=url)
ids = write_demo(client, {n}, seed={seed})
first_turn = client.conversation_spans(ids[:1]).spans.iloc[0]
client.add_feedback(ids[0], first_turn["trace_id"], tags=[{tag!r}])
data = client.conversation_spans(ids)
w = data.widget(height=420)

spans, ratings = data.spans, data.ratings
errors = dict(zip(data.conversations["conversation_id"], data.conversations["n_errors"].tolist()))
probe = max(ids, key=lambda c: errors[c])
rating = ratings[ratings["turn_index"].notna()].iloc[0]
columns = ["span_id", "trace_id", "status", "category", "operation_name"]
rows = spans[spans["conversation_id"] == probe].reset_index(drop=True)
wanted = rows[(rows["status"] == "ERROR") | (rows["category"] == "agent")]
plan = {{
    "ids": ids,
    "errors": errors,
    "probe": probe,
    "spans": wanted[columns].assign(index=wanted.index).to_dict("records"),
    "rating": {{"conversation_id": rating["conversation_id"], "value": float(rating["value"])}},
}}
print("PLAN " + json.dumps(plan))  # one write: arrives whole
w"""
CELLS = [
    "row = w.selected_span\n"
    "print('SELECTED', json.dumps(w.selected, sort_keys=True))\n"
    "print('ROW', 'none' if row is None else f\"{row.iloc[0]['span_id']} {len(row)}\")",
    "w.sort_by = 'errors'  # most errors first by default",
    "w.data = data.select(ids[:3])",
]
STDOUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"


def run_cell(page: Any, notebook: Any, index: int) -> Any:
    cell = notebook.locator(".jp-Cell").nth(index)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    return cell


def printed(cell: Any, last: re.Pattern[str], timeout: float = 60_000) -> str:
    """The cell's stdout once ``last`` (what the cell prints last) has appeared."""
    out = cell.locator(STDOUT)
    out.filter(has_text=last).first.wait_for(timeout=timeout)
    assert cell.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    return "\n".join(out.all_inner_texts())


def widest(scope: Any, conversation_id: str, indices: list[int]) -> tuple[int, dict[str, float]]:
    """The widest of the conversation's spans at ``indices`` and its rectangle."""
    rects = [(i, span_rect(scope, conversation_id, i)) for i in indices]
    return max(rects, key=lambda pair: pair[1]["w"])


def write_notebook(lab: Lab, name: str, db: Path) -> None:
    setup = SETUP.format(db=str(db), n=N_CONVERSATIONS, seed=SEED, tag=XSS_TAG)
    lab.write_notebook(name, [setup, *CELLS])


def test_demo_data_round_trip_in_jupyterlab(
    browser: Any, lab: Lab, artifacts: Path, tmp_path: Path
) -> None:
    name = "minimap-demo.ipynb"
    write_notebook(lab, name, tmp_path / "demo.db")
    page, log = lab.open_notebook(browser, name, "lab/tree", {"width": 1400, "height": 1000})
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    first = run_cell(page, notebook, 0)
    output = first.locator(".jp-OutputArea")
    lines = printed(first, re.compile(r"PLAN \{.*\}")).splitlines()
    plan_line = next(line for line in lines if line.startswith("PLAN "))
    plan = json.loads(plan_line.removeprefix("PLAN "))
    output.locator(".wwm-root[data-ready='1']").wait_for(timeout=60_000)
    root = output.locator(".wwm-root")
    assert root.get_attribute("data-theme") == "light"
    assert len(plan["ids"]) == N_CONVERSATIONS

    # Exact colours: a successful (UNSET, as OTel data has it) span's category fill, an ERROR
    # span's fill, a rating badge.
    probe = plan["probe"]
    spans = {s["index"]: s for s in plan["spans"]}
    assert {s["status"] for s in spans.values()} == {"UNSET", "ERROR"}
    ok_index, ok = widest(output, probe, [i for i, s in spans.items() if s["status"] == "UNSET"])
    assert pixel(output, ok["x"] + ok["w"] / 2, ok["y"] + ok["h"] / 2) == hex_rgb(
        CATEGORY_COLORS[spans[ok_index]["category"]]
    )
    _, err = widest(output, probe, [i for i, s in spans.items() if s["status"] == "ERROR"])
    assert dominant(output, err["x"] + 3, err["y"] + 3, err["w"] - 6, err["h"] - 6) == hex_rgb(
        STATUS_COLORS["ERROR"]
    )
    rated = plan["rating"]
    badge = next(
        m
        for m in marker_rects(output, rated["conversation_id"])
        if m["kind"] == "rating" and m["value"] == pytest.approx(rated["value"], abs=1e-6)
    )
    assert pixel(output, badge["x"] + 3.5, badge["y"] + badge["h"] / 2) == rating_rgb(
        rated["value"]
    )
    output.locator(".wwm-canvas").screenshot(path=artifacts / "lab-demo-canvas.png")
    root.screenshot(path=artifacts / "lab-demo-widget.png")

    # The hostile tag: drawn as a tag mark, shown as literal text, never parsed as HTML.
    tag = next(m for m in marker_rects(output, plan["ids"][0]) if m["text"] == XSS_TAG)
    assert tag["kind"] == "tag"
    page.mouse.move(*page_point(output, tag["x"] + tag["w"] / 2, tag["y"] + tag["h"] / 2))
    tooltip = root.locator(".wwm-tooltip")
    expect(tooltip).to_contain_text(XSS_TAG)
    page.screenshot(path=artifacts / "lab-demo-page-xss-tag.png")

    # Hover a span: its tooltip; click it: the selection reaches Python.
    target = spans[ok_index]
    centre = page_point(output, ok["x"] + ok["w"] / 2, ok["y"] + ok["h"] / 2)
    page.mouse.move(*centre)
    expect(tooltip).to_contain_text(f"span {target['span_id']}")
    expect(tooltip).to_contain_text(target["operation_name"])
    page.screenshot(path=artifacts / "lab-demo-page-tooltip.png")
    page.mouse.click(*centre)
    selected = {
        "conversation_id": probe,
        "span_id": target["span_id"],
        "trace_id": target["trace_id"],
    }
    text = printed(run_cell(page, notebook, 1), re.compile(r"ROW \S+"))
    assert f"SELECTED {json.dumps(selected, sort_keys=True)}" in text
    assert f"ROW {target['span_id']} 1" in text

    # Python -> DOM: sorting by errors, then new data.
    run_cell(page, notebook, 2)
    page.wait_for_function(
        "(el) => el.querySelector('select[name=sort_by]').value === 'errors'"
        " && el.querySelector('.wwm-direction').getAttribute('aria-label')"
        " === 'sort direction: most first'",
        arg=root.element_handle(),
        timeout=30_000,
    )
    rows = root.evaluate("(el, ids) => ids.map((c) => el.weaveMinimap.rowOf(c))", plan["ids"])
    by_row = [c for _, c in sorted(zip(rows, plan["ids"], strict=True))]
    counts = [plan["errors"][c] for c in by_row]
    assert counts == sorted(counts, reverse=True)
    assert by_row[0] == probe

    run_cell(page, notebook, 3)
    page.wait_for_function(
        "(el) => el.textContent.startsWith('3 of 3 conversations')",
        arg=root.locator(".wwm-summary").element_handle(),
        timeout=30_000,
    )
    rows = root.evaluate("(el, ids) => ids.map((c) => el.weaveMinimap.rowOf(c))", plan["ids"])
    assert sorted(rows[:3]) == [0, 1, 2]
    assert set(rows[3:]) == {-1}
    output.locator(".wwm-canvas").screenshot(path=artifacts / "lab-demo-canvas-after-update.png")
    page.screenshot(path=artifacts / "lab-demo-page.png", full_page=True)

    assert output.locator("img").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert log.dialogs == []
    assert not any(u.rstrip("/").endswith("/x") for u in log.requests), log.requests
    outside = [u for u in log.requests if not u.startswith((lab.url, "blob:", "data:"))]
    assert outside == []
    assert [e for e in log.errors if "minimap" in e.lower() or "wwm" in e.lower()] == []
    page.context.close()
