"""The issue's own check, in JupyterLab on demo data written to the embedded local server:
group conversations by agent, align by turn, pick the worst cohort's rows with the mouse and
read them back as a DataFrame in a later cell; then a real click on the ``execute_tool``
ERROR bar of a linked Vega chart lights those spans up (pixels, and Python sees the
highlight), and a real brush on the linked duration histogram filters the rows by the figure
the rows show. Screenshots in light and dark JupyterLab, 1400 and 600 px wide, go to
``test-artifacts/browser/lab-explore-*.png``.

The first cell prints a ``PLAN`` line (JSON): the cohorts, the worst one (largest share of
conversations with errors, then the larger, then by name) and its rows, and the spans an
``execute_tool`` ERROR pick should light.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Lab
from minimap_dom import dominant, hex_rgb, page_point, span_rect
from playwright.sync_api import expect
from test_minimap_lab import printed, run_cell

pytestmark = pytest.mark.browser

N_CONVERSATIONS = 30
SEED = 1
ACCENT = {"light": hex_rgb("#1f6feb"), "dark": hex_rgb("#58a6ff")}
TRACK_HEIGHT = 16
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
SETUP = """\
import json
import altair as alt
import weave_widgets
from weave_widgets import local, WeaveClient
from weave_widgets.demo import write_demo

alt.JupyterChart.enable_offline()  # Vega from vl-convert: no CDN
url = local.serve({db!r})
client = WeaveClient(project="lab-explore/agents", url=url)
write_demo(client, {n}, seed={seed})
listing = client.list_conversations(limit={n})
data = client.conversation_spans(listing["conversation_id"])
w = data.widget(group_by="agent_name", align="turn", sort_by="errors", height=640)

conv, spans = data.conversations, data.spans
by_agent = conv.groupby("agent_name")
share = by_agent["n_errors"].apply(lambda errors: float((errors > 0).mean()))
size = by_agent.size()
worst = max(share.index, key=lambda agent: (share[agent], size[agent], agent))
lit = spans[(spans["operation_name"] == "execute_tool") & (spans["status"] == "ERROR")]
plan = {{
    "cohorts": sorted(share.index),
    "worst": worst,
    "worst_ids": conv.loc[conv["agent_name"] == worst, "conversation_id"].tolist(),
    "lit": [[c, int(i)] for c, i in zip(lit["conversation_id"], lit["span_index"])],
}}
print("PLAN " + json.dumps(plan))
w"""
CELLS = [
    # 1: the rows picked by hand, back as a DataFrame
    "picked = w.selection.conversations\n"
    'print("PICKED", json.dumps(w.selected_conversations))\n'
    'print("AGENTS", json.dumps(sorted(set(picked["agent_name"]))))\n'
    'picked[["conversation_id", "agent_name", "n_turns", "n_errors", "wall_time_ms"]]',
    # 2: all rows again, and the errors chart linked (SVG, so its bars can be found)
    "w.selected_conversations = []\n"
    "seen = []\n"
    'w.observe(lambda change: seen.append(change["new"]), names="highlight")\n'
    'errors_chart = alt.JupyterChart(data.chart("errors"), embed_options={"renderer": "svg"})\n'
    "errors_link = weave_widgets.link(w, errors_chart)\n"
    "errors_chart",
    # 3: what Python saw of the click
    'print("HIGHLIGHT", json.dumps(w.highlight, sort_keys=True), "SEEN", len(seen))',
    # 4: the duration histogram linked
    "errors_link.unlink()\n"
    "w.highlight = {}\n"
    'durations = alt.JupyterChart(data.chart("conversation_durations"),'
    ' embed_options={"renderer": "svg"})\n'
    "durations_link = weave_widgets.link(w, durations)\n"
    "durations",
    # 5: the brush, and the rows it kept, by the figure each row shows
    "bounds = durations.selections.duration_brush.value['wall_time_ms']\n"
    "low, high = min(bounds), max(bounds)\n"
    'wall = conv["wall_time_ms"]\n'
    'inside = conv.loc[(wall >= low) & (wall <= high), "conversation_id"].tolist()\n'
    "kept = w.filter_conversations\n"
    'print("KEPT", len(kept), "OF", len(conv), "SAME", sorted(kept) == sorted(inside))',
    # 6: every row again
    "durations_link.unlink()\nw.filter_conversations = None",
]


def write_notebook(lab: Lab, name: str, db: Path) -> None:
    setup = SETUP.format(db=str(db), n=N_CONVERSATIONS, seed=SEED)
    lab.write_notebook(name, [setup, *CELLS])


def put_theme(lab: Lab, theme: str) -> None:
    """Store JupyterLab's theme setting (the shared server's next pages open with it)."""
    body = json.dumps({"raw": json.dumps({"theme": theme})}).encode()
    request = urllib.request.Request(
        f"{lab.url}/lab/api/settings/@jupyterlab/apputils-extension:themes",
        data=body,
        method="PUT",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture
def light_lab_after(lab: Lab) -> Iterator[Lab]:
    """Leaves the session's JupyterLab light, as the other tests expect it."""
    yield lab
    put_theme(lab, THEMES["light"])


def switch_theme(page: Any, scheme: str) -> None:
    """Settings > Theme > JupyterLab Light|Dark, as a user does; waits for the body to say so."""
    name = THEMES[scheme]
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-item:visible", has_text="Theme").first.hover()
    page.locator(".lm-Menu-item:visible", has_text=name).first.click()
    page.wait_for_function("(n) => document.body.dataset.jpThemeName === n", arg=name)
    page.wait_for_timeout(500)  # the theme's CSS, then the widget's repaint


def label_point(output: Any, conversation_id: str) -> tuple[float, float]:
    """A point on a conversation's row label, in page coordinates: the widget scrolled into the
    notebook's view, then the row into the widget's."""
    output.locator(".wwm-canvas").evaluate("(c) => c.scrollIntoView({block: 'center'})")
    r = span_rect(output, conversation_id, 0)
    return page_point(output, 30, r["y"] + r["h"] / 2)


def pick_rows(page: Any, output: Any, rows: list[str]) -> None:
    """Pick ``rows`` (in row order) with the mouse: click the first, shift-click the last."""
    page.mouse.click(*label_point(output, rows[0]))
    if len(rows) > 1:
        page.keyboard.down("Shift")
        page.mouse.click(*label_point(output, rows[-1]))
        page.keyboard.up("Shift")


def bars(chart: Any) -> Any:
    """The bar marks of a Vega chart drawn as SVG (Vega labels each for screen readers)."""
    return chart.locator("svg path[aria-roledescription='bar']")


def test_group_by_agent_pick_worst_cohort_and_linked_charts(
    browser: Any, light_lab_after: Lab, artifacts: Path, tmp_path: Path
) -> None:
    lab = light_lab_after
    name = "explore-agents.ipynb"
    write_notebook(lab, name, tmp_path / "demo.db")
    page, log = lab.open_notebook(browser, name, "lab/tree", {"width": 1400, "height": 1000})
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    first = run_cell(page, notebook, 0)
    lines = printed(first, re.compile(r"PLAN \{.*\}"), timeout=120_000).splitlines()
    plan = json.loads(next(x for x in lines if x.startswith("PLAN ")).removeprefix("PLAN "))
    output = first.locator(".jp-OutputArea")
    output.locator(".wwm-root[data-ready='1']").wait_for(timeout=60_000)
    root = output.locator(".wwm-root")

    # Grouped by agent: a header per agent cohort, its count in the header's summary.
    assert len(plan["cohorts"]) >= 2
    assert all("agent" in c or "planner" in c for c in plan["cohorts"]), plan["cohorts"]
    # Aligned by turn: the key says so.
    expect(root.locator(".wwm-key")).to_contain_text("Aligned by turn")

    # Pick the worst cohort's rows with the mouse: click the first, shift-click the last.
    worst = plan["worst_ids"]
    rows = sorted(worst, key=lambda c: root.evaluate("(r, c) => r.weaveMinimap.rowOf(c)", c))
    pick_rows(page, output, rows)
    expect(root).to_have_attribute("data-picked", str(len(rows)))
    r = span_rect(output, rows[0], 0)
    assert dominant(output, 0, r["y"], 3, r["h"]) == ACCENT["light"]  # the picked rows' bar
    root.screenshot(path=artifacts / "lab-explore-picked-light-wide.png")

    back = run_cell(page, notebook, 1)
    text = printed(back, re.compile(r"AGENTS \[.*\]"))
    assert f"PICKED {json.dumps(rows)}" in text
    assert f"AGENTS {json.dumps([plan['worst']])}" in text
    frame = back.locator(".jp-RenderedHTMLCommon table.dataframe")
    frame.wait_for(timeout=30_000)
    table = frame.inner_text()
    assert all(c in table for c in rows)
    assert frame.locator("tbody tr").count() == len(rows)
    back.screenshot(path=artifacts / "lab-explore-readback-light-wide.png")

    # The errors chart, linked: click its execute_tool ERROR bar in the rendered Vega view.
    linked = run_cell(page, notebook, 2)
    expect(root).to_have_attribute("data-picked", "0")
    chart = linked.locator(".jp-OutputArea .vega-embed")
    chart.wait_for(timeout=60_000)
    expect(bars(chart).first).to_be_visible(timeout=30_000)
    (artifacts / "lab-explore-errors-chart.svg").write_text(
        chart.locator("svg").first.evaluate("(s) => s.outerHTML")
    )
    bar = bars(chart).and_(chart.locator("[aria-label*='execute_tool'][aria-label*='ERROR']"))
    expect(bar.first).to_be_visible(timeout=30_000)
    bar.first.click()
    expect(root).to_have_attribute("data-lit", str(len(plan["lit"])), timeout=30_000)
    cid, index = plan["lit"][0]
    lit = span_rect(output, cid, index)
    under = dominant(output, lit["x"], lit["y"] + TRACK_HEIGHT + 2, max(2, lit["w"]), 3)
    assert under == ACCENT["light"]  # the bar under a lit span
    root.screenshot(path=artifacts / "lab-explore-lit-light-wide.png")
    chart.screenshot(path=artifacts / "lab-explore-errors-chart-clicked.png")
    said = printed(run_cell(page, notebook, 3), re.compile(r"HIGHLIGHT .* SEEN \d+"))
    expected = json.dumps({"operation_name": ["execute_tool"], "status": ["ERROR"]})
    assert f"HIGHLIGHT {expected} SEEN" in said
    assert int(said.rsplit("SEEN", 1)[1].split()[0]) >= 1  # the observer ran

    # The duration histogram, linked: brush across its lower half; the rows filter.
    hist_cell = run_cell(page, notebook, 4)
    expect(root).to_have_attribute("data-lit", "0")
    hist = hist_cell.locator(".jp-OutputArea .vega-embed")
    hist.wait_for(timeout=60_000)
    expect(bars(hist).first).to_be_visible(timeout=30_000)
    hist.scroll_into_view_if_needed()
    boxes = [b for b in (bars(hist).nth(i).bounding_box() for i in range(bars(hist).count())) if b]
    left = min(b["x"] for b in boxes)
    right = max(b["x"] + b["width"] for b in boxes)
    y = max(b["y"] + b["height"] for b in boxes) - 2
    page.mouse.move(left + 1, y)
    page.mouse.down()
    page.mouse.move((left + right) / 2, y, steps=8)
    page.mouse.up()
    summary = root.locator(".wwm-summary")
    expect(summary).not_to_have_text(re.compile(rf"^{N_CONVERSATIONS} of "), timeout=30_000)
    hist.screenshot(path=artifacts / "lab-explore-durations-brushed.png")
    kept = printed(run_cell(page, notebook, 5), re.compile(r"KEPT \d+ OF \d+ SAME \w+"))
    match = re.search(r"KEPT (\d+) OF (\d+) SAME (\w+)", kept)
    assert match is not None
    assert 0 < int(match.group(1)) < int(match.group(2)) == N_CONVERSATIONS
    assert match.group(3) == "True"
    assert summary.inner_text().startswith(f"{match.group(1)} of {N_CONVERSATIONS}")
    root.screenshot(path=artifacts / "lab-explore-brushed-light-wide.png")

    # What a user sees: light and dark, wide and narrow, all rows, the worst cohort picked.
    run_cell(page, notebook, 6)
    expect(summary).to_have_text(re.compile(rf"^{N_CONVERSATIONS} of "), timeout=30_000)
    pick_rows(page, output, rows)
    expect(root).to_have_attribute("data-picked", str(len(rows)))
    page.mouse.move(2, 2)  # no tooltip over the rows
    sidebar_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='filebrowser']")
    for scheme in ("light", "dark"):
        if scheme == "dark":
            switch_theme(page, "dark")
            expect(root).to_have_attribute("data-theme", "dark")
        for width in (1400, 600):
            page.set_viewport_size({"width": width, "height": 1000})
            if width == 600:  # as a user on a narrow screen: the file browser folded away
                sidebar_tab.click()
            page.wait_for_timeout(400)
            first.scroll_into_view_if_needed()
            size = "wide" if width == 1400 else "narrow"
            root.screenshot(path=artifacts / f"lab-explore-widget-{scheme}-{size}.png")
            page.screenshot(path=artifacts / f"lab-explore-page-{scheme}-{size}.png")
            if width == 600:
                sidebar_tab.click()
    assert [e for e in log.errors if "minimap" in e.lower() or "wwm" in e.lower()] == []
    outside = [u for u in log.requests if not u.startswith((lab.url, "blob:", "data:"))]
    assert outside == []
    page.context.close()
