"""The notebooks run top to bottom in a real kernel (nbclient) and produce what they promise."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.slow


def execute(name: str, cwd: Path) -> nbformat.NotebookNode:
    """Run ``notebooks/<name>`` in a python3 kernel with ``cwd`` as working directory."""
    notebook = nbformat.read(REPO / "notebooks" / name, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells), "committed without outputs"
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=240, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    return notebook


def printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
    )


def mimetypes(notebook: nbformat.NotebookNode) -> list[str]:
    found: list[str] = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            found.extend(output.get("data", {}))
    return found


def assert_offline(notebook: nbformat.NotebookNode) -> None:
    """Every widget's saved state (its JavaScript included) loads nothing from the network."""
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    esm = [m["state"]["_esm"] for m in state.values() if "_esm" in m.get("state", {})]
    assert esm, "anywidget models were saved"
    for source in esm:
        assert not re.search(r"""(import|from)\s*\(?\s*["']https?://""", source)


@pytest.fixture
def kernel_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The kernel imports the package from the repository and writes a small demo."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("WEAVE_WIDGETS_DEMO_CONVERSATIONS", "12")
    monkeypatch.delenv("WF_TRACE_SERVER_URL", raising=False)
    monkeypatch.delenv("WEAVE_WIDGETS_PROJECT", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    return monkeypatch


def test_quickstart(tmp_path: Path, kernel_env: Any) -> None:
    notebook = execute("quickstart.ipynb", tmp_path)
    text = printed(notebook)
    assert (tmp_path / "quickstart.db").is_file(), "started its own local server"
    assert "wrote 12 demo conversations" in text
    assert "listed (12, " in text
    assert "conversations (12, 10)" in text  # CONVERSATION_COLUMNS, agent_name included
    assert "spans (" in text
    assert "observer saw 1 selection: " in text
    assert "ERROR True" in text
    # the selected turn read from Python: the user's message and the failing span's error
    assert "user asked: " in text
    assert "failed: [{'tool_name': " in text
    assert "'error_message': '" in text
    assert "conversations mention a refund" in text
    # minimap widget, selection output, transcript output, 3 offline Altair charts
    assert mimetypes(notebook).count(WIDGET_VIEW) == 6
    assert_offline(notebook)
    exports = tmp_path / "exports"
    assert (exports / "minimap.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert (exports / "durations.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert (exports / "errors.svg").read_text(encoding="utf-8").startswith("<svg")
    assert 'id="vega-spec"' in (exports / "ratings.html").read_text(encoding="utf-8")
    assert (
        (exports / "widget.html")
        .read_text(encoding="utf-8")
        .lstrip()
        .lower()
        .startswith("<!doctype html")
    )
    for name in ("minimap.png", "errors.svg", "durations.png", "ratings.html", "widget.html"):
        assert f"wrote exports/{name}" in text


def test_explore_uses_the_server_it_is_given(
    tmp_path: Path, kernel_env: Any, local_server: str, project_id: str
) -> None:
    kernel_env.setenv("WF_TRACE_SERVER_URL", local_server)
    kernel_env.setenv("WEAVE_WIDGETS_PROJECT", project_id)
    notebook = execute("explore.ipynb", tmp_path)
    text = printed(notebook)
    assert not (tmp_path / "explore.db").exists(), "used WF_TRACE_SERVER_URL"
    assert f"server {local_server} project {project_id}" in text
    assert "wrote 12 demo conversations" in text
    assert "conversations=12" in text
    assert re.search(r"turns \d+ error turns \d+", text)
    agents = re.search(r"share with errors by agent (\{.*\})", text)
    assert agents, text
    assert "agent" in agents.group(1)
    assert "nan" not in agents.group(1)
    assert re.search(r"worst cohort [\w, -]+ observer saw \[(\d+)\] selected \1 of 12", text), text
    assert "categories ['tools', 'model calls', 'context', 'agent']" in text
    assert "highlight {} rows kept None" in text
    # the grouped minimap, and five charts as JupyterChart widgets (turn profile twice,
    # durations by my categories, the two linked charts)
    assert mimetypes(notebook).count(WIDGET_VIEW) == 6
    frames = [
        o["data"]["text/plain"]
        for cell in notebook.cells
        for o in cell.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert any("conversation_id" in f and "n_errors" in f for f in frames)  # the selection
    assert_offline(notebook)
