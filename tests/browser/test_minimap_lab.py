"""End to end in JupyterLab: kernel render, pixels, hover, click -> Python, Python -> DOM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser_support import Lab, open_page
from minimap_dom import dominant, hex_rgb, marker_rects, page_point, pixel, span_rect
from minimap_sample import sample_data

from weave_widgets.categories import CATEGORY_COLORS, STATUS_COLORS

pytestmark = pytest.mark.browser

CELLS = [
    # Demo-like data built from the API models (tests/widget/minimap_sample.py).
    "from minimap_sample import sample_data\n"
    "from weave_widgets.widget import ConversationMinimap\n"
    "data = sample_data(12)\n"
    "w = ConversationMinimap(data, height=420)\n"
    "w",
    "import json\n"
    "row = w.selected_span\n"
    "print('SELECTED', json.dumps(w.selected, sort_keys=True))\n"
    "print('ROW', 'none' if row is None else f\"{row.iloc[0]['span_id']} {len(row)}\")",
    "w.sort_by = 'errors'\nw.sort_descending = True",
    "w.data = data.select(['conv-003', 'conv-001', 'conv-000'])",
]


def run_cell(page: Any, notebook: Any, index: int) -> Any:
    cell = notebook.locator(".jp-Cell").nth(index)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    return cell


def test_widget_round_trip_in_jupyterlab(browser: Any, lab: Lab, artifacts: Path) -> None:
    data = sample_data(12)
    name = "minimap.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, lab.root / name)

    page, log = open_page(browser, viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    notebook.locator(".jp-Cell").first.wait_for(timeout=60_000)
    lab.wait_kernel(name, page)

    output = run_cell(page, notebook, 0).locator(".jp-OutputArea")
    output.locator(".wwm-root[data-ready='1']").wait_for(timeout=60_000)
    assert output.locator(".wwm-root").get_attribute("data-theme") == "light"

    ok = span_rect(output, "conv-000", 0)
    assert pixel(output, ok["x"] + ok["w"] / 2, ok["y"] + ok["h"] / 2) == hex_rgb(
        CATEGORY_COLORS["agent"]
    )
    err = span_rect(output, "conv-000", 1)
    assert dominant(output, err["x"] + 3, err["y"] + 3, err["w"] - 6, err["h"] - 6) == hex_rgb(
        STATUS_COLORS["ERROR"]
    )
    badge = next(m for m in marker_rects(output, "conv-000") if m["kind"] == "rating")
    assert pixel(output, badge["x"] + 3.5, badge["y"] + badge["h"] / 2) == (67, 154, 68)
    output.locator(".wwm-root").screenshot(path=artifacts / "lab-widget.png")

    spans = data.spans[data.spans["conversation_id"] == "conv-000"]
    target = spans.iloc[4]
    r = span_rect(output, "conv-000", 4)
    page.mouse.move(*page_point(output, r["x"] + r["w"] / 2, r["y"] + r["h"] / 2))
    tooltip = output.locator(".wwm-tooltip")
    assert f"span {target['span_id']}" in tooltip.inner_text()
    page.screenshot(path=artifacts / "lab-page-tooltip.png")
    page.mouse.click(*page_point(output, r["x"] + r["w"] / 2, r["y"] + r["h"] / 2))

    selected = {
        "conversation_id": "conv-000",
        "span_id": target["span_id"],
        "trace_id": target["trace_id"],
    }
    cell = run_cell(page, notebook, 1)
    printed = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']")
    printed.filter(has_text="SELECTED").wait_for(timeout=30_000)
    text = printed.inner_text()
    assert cell.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert f"SELECTED {json.dumps(selected, sort_keys=True)}" in text
    assert f"ROW {target['span_id']} 1" in text

    run_cell(page, notebook, 2)
    root = output.locator(".wwm-root")
    sort_select = root.locator("select[name=sort_by]")
    page.wait_for_function(
        "(el) => el.value === 'errors'", arg=sort_select.element_handle(), timeout=30_000
    )
    top = data.conversations.sort_values("n_errors", ascending=False, kind="stable")
    top_id = str(top.iloc[0]["conversation_id"])
    assert root.evaluate("(el, c) => el.weaveMinimap.rowOf(c)", top_id) == 0

    run_cell(page, notebook, 3)
    summary = root.locator(".wwm-summary")
    page.wait_for_function(
        "(el) => el.textContent.startsWith('3 of 3 conversations')",
        arg=summary.element_handle(),
        timeout=30_000,
    )
    root.locator(".wwm-canvas").screenshot(path=artifacts / "lab-canvas-after-update.png")
    page.screenshot(path=artifacts / "lab-page.png", full_page=True)

    outside = [u for u in log.requests if not u.startswith((lab.url, "blob:", "data:"))]
    assert outside == []
    assert [e for e in log.errors if "minimap" in e.lower() or "wwm" in e.lower()] == []
    page.context.close()
