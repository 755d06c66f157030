"""End to end in Notebook 7 on demo data written to the embedded local server: the kernel's
data reaches the view by message, the widget draws, hovers, and a click reaches Python; the
widget follows Notebook 7's dark theme; re-running the cell closes the widget it made."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import Lab
from minimap_dom import hex_rgb, page_point, pixel, span_rect
from playwright.sync_api import expect

from weave_widgets.palette import CATEGORY_COLORS

pytestmark = pytest.mark.browser

SETUP = """\
import json
from weave_widgets import local, WeaveClient
from weave_widgets.demo import write_demo

url = local.serve({db!r})
client = WeaveClient(project="nb7-e2e/minimap", url=url)
ids = write_demo(client, 8, seed=3)
data = client.conversation_spans(ids)
w = data.widget(height=360)
first = data.spans[data.spans["conversation_id"] == ids[0]].iloc[0]
plan = {{"conversation_id": ids[0], "span_id": first["span_id"], "trace_id": first["trace_id"],
        "category": first["category"], "operation_name": first["operation_name"]}}
print("PLAN " + json.dumps(plan))
w"""
CELLS = [
    "print('SELECTED', json.dumps(w.selected, sort_keys=True))",
    "import ipywidgets\n"
    "models = ipywidgets.Widget.widgets.values()\n"
    "live = [m for m in models if type(m).__name__ == 'ConversationMinimap']\n"
    "print('LIVE', len(live), 'PAYLOAD', len(w.payload))",
]
STDOUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"


def run_cell(page: Any, index: int) -> Any:
    cell = page.locator(".jp-Cell").nth(index)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    return cell


def printed(cell: Any, last: re.Pattern[str]) -> str:
    out = cell.locator(STDOUT)
    out.filter(has_text=last).first.wait_for(timeout=60_000)
    return "\n".join(out.all_inner_texts())


def test_render_hover_click_in_notebook7(
    browser: Any, notebook7: Lab, artifacts: Path, tmp_path: Path
) -> None:
    name = "minimap-nb7.ipynb"
    notebook7.write_notebook(name, [SETUP.format(db=str(tmp_path / "nb7.db")), *CELLS])
    page, log = notebook7.open_notebook(browser, name, "notebooks", {"width": 1200, "height": 1000})

    first = run_cell(page, 0)
    plan_line = next(
        line
        for line in printed(first, re.compile(r"PLAN \{.*\}")).splitlines()
        if line.startswith("PLAN ")
    )
    plan = json.loads(plan_line.removeprefix("PLAN "))
    output = first.locator(".jp-OutputArea")
    output.locator(".wwm-root[data-ready='1']").wait_for(timeout=60_000)
    root = output.locator(".wwm-root")
    assert root.get_attribute("data-theme") == "light"
    assert output.locator(".wwm-snapshot").count() == 0  # the live widget, not the picture

    rect = span_rect(output, plan["conversation_id"], 0)
    centre = (rect["x"] + rect["w"] / 2, rect["y"] + rect["h"] / 2)
    assert pixel(output, *centre) == hex_rgb(CATEGORY_COLORS[plan["category"]])
    page.mouse.move(*page_point(output, *centre))
    expect(root.locator(".wwm-tooltip")).to_contain_text(f"span {plan['span_id']}")
    page.screenshot(path=artifacts / "notebook7-light-tooltip.png")
    page.mouse.click(*page_point(output, *centre))
    selected = {k: plan[k] for k in ("conversation_id", "span_id", "trace_id")}
    text = printed(run_cell(page, 1), re.compile(r"SELECTED \{"))
    assert f"SELECTED {json.dumps(selected, sort_keys=True)}" in text

    # Re-running the widget's cell closes the widget it made before; nothing is embedded.
    run_cell(page, 0)
    output.locator(".wwm-root[data-ready='1']").wait_for(timeout=60_000)
    assert "LIVE 1 PAYLOAD 0" in printed(run_cell(page, 2), re.compile(r"LIVE \d+"))

    # Notebook 7's own theme switch: Settings > Theme > JupyterLab Dark.
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).first.hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^JupyterLab Dark$")).first.click()
    page.wait_for_function(
        "(el) => el.dataset.theme === 'dark'", arg=root.element_handle(), timeout=30_000
    )
    page.wait_for_timeout(300)
    page.screenshot(path=artifacts / "notebook7-dark.png")
    assert not [e for e in log.errors if "wwm" in e or "minimap" in e.lower()]
