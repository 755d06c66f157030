"""How big a notebook saved with widget state gets, re-runs included, as JupyterLab saves it.

A real kernel runs a notebook whose cells each make a minimap widget; the cells are run again
and again with the same ``cellId`` in the request metadata (as JupyterLab and Notebook 7 send
it). The script keeps what a front end keeps: every widget model opened and not closed, with
its state and binary buffers, and each cell's last outputs. It writes the ``.ipynb`` the way
JupyterLab's "save widget state" does (state under ``metadata.widgets``, buffers in base64)
and reports its size::

    .venv/bin/python -m bench.saved_notebooks                  # 2,000 and 20,000 conversations
    .venv/bin/python -m bench.saved_notebooks --sizes 2000 --runs 6 --widgets 3

``embed=True`` (the payload stored as state, as every widget did before) is the baseline.
"""

from __future__ import annotations

import argparse
import base64
import os
import queue
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import start_new_kernel

from bench.common import ROOT

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


@dataclass
class FrontEnd:
    """What a notebook front end holds: live widget models and each cell's outputs."""

    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, list[Any]] = field(default_factory=dict)

    def receive(self, cell: str, msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            data = content["data"]
            self.models[content["comm_id"]] = {
                "state": dict(data["state"]),
                "buffers": self._buffers(data, msg),
            }
        elif kind == "comm_msg" and content["comm_id"] in self.models:
            data = content["data"]
            if data.get("method") == "update":
                model = self.models[content["comm_id"]]
                model["state"].update(data["state"])
                model["buffers"].update(self._buffers(data, msg))
        elif kind == "comm_close":
            self.models.pop(content["comm_id"], None)
        elif kind in ("execute_result", "display_data"):
            self.outputs.setdefault(cell, []).append(nbformat.v4.output_from_msg(msg))
        elif kind == "error":
            raise RuntimeError("\n".join(content["traceback"]))

    @staticmethod
    def _buffers(data: dict[str, Any], msg: dict[str, Any]) -> dict[str, bytes]:
        paths = data.get("buffer_paths") or []
        return {"/".join(map(str, p)): bytes(b) for p, b in zip(paths, msg["buffers"], strict=True)}

    def widget_state(self) -> dict[str, Any]:
        """``metadata.widgets`` as JupyterLab saves it."""
        state = {}
        for model_id, model in self.models.items():
            values = dict(model["state"])
            buffers = []
            for path, raw in model["buffers"].items():
                values.pop(path, None)
                buffers.append(
                    {
                        "path": path.split("/"),
                        "data": base64.b64encode(raw).decode("ascii"),
                        "encoding": "base64",
                    }
                )
            entry = {
                "model_name": values.get("_model_name"),
                "model_module": values.get("_model_module"),
                "model_module_version": values.get("_model_module_version"),
                "state": values,
            }
            if buffers:
                entry["buffers"] = buffers
            state[model_id] = entry
        return {WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": state}}


def run_cell(kc: Any, front: FrontEnd, cell: str, code: str) -> None:
    """Execute ``code`` as cell ``cell`` (its id in the request metadata, as JupyterLab sends)."""
    front.outputs[cell] = []
    msg = kc.session.msg(
        "execute_request",
        {"code": code, "silent": False, "store_history": True, "allow_stdin": False},
        metadata={"cellId": cell},
    )
    kc.shell_channel.send(msg)
    msg_id = msg["header"]["msg_id"]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        try:
            reply = kc.get_iopub_msg(timeout=5)
        except queue.Empty:
            continue
        if reply["parent_header"].get("msg_id") != msg_id:
            continue
        if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return
        front.receive(cell, reply)
    raise TimeoutError(f"cell {cell} did not finish")


def saved_size(n_conversations: int, widgets: int, runs: int, embed: bool, out: Path) -> int:
    """Bytes of the notebook saved after running ``widgets`` widget cells ``runs`` times."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    front = FrontEnd()
    try:
        setup = f"from bench.seed import load\ndata = load({n_conversations}, 50, 0)"
        cells = [("setup", setup)]
        cells += [
            (f"widget-{i}", f"w{i} = data.widget(embed={embed})\nw{i}") for i in range(widgets)
        ]
        run_cell(kc, front, *cells[0])
        for _ in range(runs):
            for cell, code in cells[1:]:
                run_cell(kc, front, cell, code)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    nb = nbformat.v4.new_notebook()
    for cell, code in cells:
        node = nbformat.v4.new_code_cell(code, id=cell)
        node.outputs = front.outputs.get(cell, [])
        nb.cells.append(node)
    nb.metadata["widgets"] = front.widget_state()
    nbformat.write(nb, out)
    return out.stat().st_size


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.saved_notebooks")
    parser.add_argument("--sizes", default="2000,20000", help="conversations (50 spans each)")
    parser.add_argument("--widgets", type=int, default=3, help="widget cells in the notebook")
    parser.add_argument("--runs", type=int, default=6, help="times each widget cell runs")
    parser.add_argument("--keep", type=Path, help="directory to keep the saved notebooks in")
    args = parser.parse_args(argv)
    out_dir = args.keep or Path(tempfile.mkdtemp(prefix="saved-notebooks-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    print("| conversations | widgets x runs | embed | saved .ipynb |")
    print("|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        for widgets, runs in ((1, 1), (args.widgets, args.runs)):
            for embed in (False, True):
                mode = "embed" if embed else "default"
                name = f"c{n}-w{widgets}-r{runs}-{mode}-{uuid.uuid4().hex[:6]}.ipynb"
                size = saved_size(n, widgets, runs, embed, out_dir / name)
                row = f"| {n:,} | {widgets} x {runs} | {embed} | {size / 1e6:,.2f} MB |"
                print(row, flush=True)
    print(f"notebooks in {out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
