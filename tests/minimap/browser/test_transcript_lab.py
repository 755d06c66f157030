"""The issue's check in JupyterLab: a Conversation-SDK conversation (the real weave SDK, run by
the kernel in a subprocess against the embedded server) with a failing tool; clicking the
failing tool span opens the transcript panel, fetched through the kernel, with the user's
message, the tool, its arguments and the error; Python's ``selected_turn`` agrees; a selection
set from Python opens its turn too; hostile text stays text; the search box filters rows by
message content."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from browser_support import Lab
from minimap_dom import page_point, span_rect
from playwright.sync_api import expect
from test_minimap_lab import printed, run_cell

pytestmark = pytest.mark.browser

WORD = "Zanzibar7731"
"""A word only the SDK session's conversation holds (tests/server/weave_sdk_chat_session.py)."""
SERVER_TESTS = Path(__file__).resolve().parents[2] / "server"
SETUP = """\
import json, subprocess, sys
sys.path.insert(0, {server_tests!r})
from weave_sdk_run import sdk_environment
from weave_widgets import local, WeaveClient
from weave_widgets.demo import write_demo

url = local.serve({db!r})
env = sdk_environment(url, "lab/chat", __import__("pathlib").Path({home!r}))
env["SESSION_PROJECT"] = "lab/chat"
done = subprocess.run([sys.executable, {session!r}], env=env, capture_output=True, text=True,
                      timeout=240, check=True)  # the real weave SDK, in its own process
record = next(x for x in done.stdout.splitlines() if x.startswith('{{"conversation_id"'))
logged = json.loads(record)

client = WeaveClient("lab/chat", url=url)
write_demo(client, 8, seed=1)
data = client.conversation_spans(client.list_conversations().conversation_id)
w = data.widget(height=320)
spans = data.spans
mine = spans[spans["conversation_id"] == logged["conversation_id"]].reset_index(drop=True)
failed = mine[(mine["status"] == "ERROR") & (mine["operation_name"] == "execute_tool")]
first_tool = mine[(mine["turn_index"] == 0) & (mine["operation_name"] == "execute_tool")]
plan = {{"conversation_id": logged["conversation_id"], "failed": int(failed.index[0]),
         "first_tool": first_tool["span_id"].iloc[0], "n": len(data.conversations),
         "hostile": logged["hostile"]}}
print("PLAN " + json.dumps(plan))
w"""
CELLS = [
    "t = w.selected_turn\n"
    "row = t[t['span_id'] == w.selected['span_id']].iloc[0]\n"
    "print('TURN', json.dumps({'user': t['text'].iloc[0], 'tool': row['tool_name'],"
    " 'args': json.loads(row['tool_arguments']), 'error': row['error_message']}))",
    "w.selected = {'conversation_id': plan['conversation_id'], 'span_id': plan['first_tool']}",
    "w.theme = 'dark'",
]


def click_span(page: Any, output: Any, conversation_id: str, index: int) -> None:
    rect = span_rect(output, conversation_id, index)
    page.mouse.click(*page_point(output, rect["x"] + rect["w"] / 2, rect["y"] + rect["h"] / 2))


def test_failed_tool_transcript_and_search_in_jupyterlab(
    browser: Any, lab: Lab, artifacts: Path, tmp_path: Path
) -> None:
    name = "transcript.ipynb"
    home = tmp_path / "sdk-home"
    home.mkdir()
    setup = SETUP.format(
        server_tests=str(SERVER_TESTS),
        db=str(tmp_path / "chat.db"),
        home=str(home),
        session=str(SERVER_TESTS / "weave_sdk_chat_session.py"),
    )
    lab.write_notebook(name, [setup, *CELLS])
    page, log = lab.open_notebook(browser, name, "lab/tree", {"width": 1300, "height": 1100})
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    first = run_cell(page, notebook, 0)
    line = next(
        x
        for x in printed(first, re.compile(r"PLAN \{.*\}"), timeout=240_000).splitlines()
        if x.startswith("PLAN ")
    )
    plan = json.loads(line.removeprefix("PLAN "))
    output = first.locator(".jp-OutputArea")
    output.locator(".wwm-root[data-ready='1']").wait_for(timeout=60_000)
    root = output.locator(".wwm-root")
    panel = root.locator(".wwm-transcript")
    expect(panel).to_be_hidden()

    # Click the failing tool span: the panel fetches that turn through the kernel.
    click_span(page, output, plan["conversation_id"], plan["failed"])
    expect(panel).to_have_attribute("data-state", "ready", timeout=30_000)
    expect(panel.locator(".wwm-tr-user")).to_contain_text("Book it for 3 nights")
    tool = panel.locator(".wwm-tr-failed")
    expect(tool).to_have_count(1)
    expect(tool).to_contain_text("book_room")
    expect(tool).to_contain_text('"nights": 3')
    expect(tool.locator(".wwm-tr-error")).to_have_text(
        "TimeoutError: book_room timed out after 10s"
    )
    expect(tool.locator("details")).to_have_attribute("open", "")
    expect(tool).to_have_class(re.compile("wwm-tr-selected"))
    root.screenshot(path=artifacts / "transcript-lab-failed-tool-light.png")

    # The same turn from Python.
    text = printed(run_cell(page, notebook, 1), re.compile(r"TURN \{.*\}"))
    turn = json.loads(
        next(x for x in text.splitlines() if x.startswith("TURN ")).removeprefix("TURN ")
    )
    assert turn == {
        "user": "Book it for 3 nights",
        "tool": "book_room",
        "args": {"hotel": "Casa Lisboa", "nights": 3},
        "error": "book_room timed out after 10s",
    }

    # The first turn: hostile markup in the user's message and a tool result, inserted as text.
    run_cell(page, notebook, 2)
    expect(panel.locator(".wwm-tr-user")).to_contain_text(
        f"{WORD} {plan['hostile']}", timeout=30_000
    )
    expect(panel.locator(".wwm-tr-tool")).to_contain_text("Casa <img")
    assert output.locator("script:not([type])").count() == 0
    assert output.locator("img").count() == 0

    # The search box: only the conversation whose messages hold the word stays.
    search = root.locator(".wwm-search-input")
    search.fill(WORD)
    search.press("Enter")
    expect(root.locator(".wwm-search-status")).to_have_text("1 conversation match", timeout=30_000)
    expect(root.locator(".wwm-summary")).to_contain_text(f"1 of {plan['n']}")
    assert root.evaluate("(el, c) => el.weaveMinimap.rowOf(c)", plan["conversation_id"]) == 0
    root.screenshot(path=artifacts / "transcript-lab-search-light.png")
    search.fill("")
    search.press("Enter")
    expect(root.locator(".wwm-summary")).to_contain_text(f"{plan['n']} of {plan['n']}")

    run_cell(page, notebook, 3)
    expect(root).to_have_attribute("data-theme", "dark", timeout=30_000)
    click_span(page, output, plan["conversation_id"], plan["failed"])
    expect(panel).to_have_attribute("data-state", "ready")
    root.screenshot(path=artifacts / "transcript-lab-failed-tool-dark.png")
    page.set_viewport_size({"width": 760, "height": 1100})
    page.wait_for_timeout(300)
    root.screenshot(path=artifacts / "transcript-lab-failed-tool-dark-narrow.png")

    assert log.dialogs == []
    assert page.evaluate("window.__pwned === undefined")
    assert not any(u.rstrip("/").endswith("/x") for u in log.requests), log.requests
    assert [e for e in log.errors if "wwm" in e.lower() or "transcript" in e.lower()] == []
    page.context.close()
