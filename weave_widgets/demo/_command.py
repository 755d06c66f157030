"""``weave-widgets demo``: the local trace server with demo data, explored in JupyterLab.

The command starts the embedded server, writes demo conversations when the project is empty
(as the weave SDK does: OTel GenAI spans exported to ``/agents/otel/v1/traces``, then agent
feedback), then opens JupyterLab on a copy of ``quickstart.ipynb`` (the kernel finds the server
through ``WF_TRACE_SERVER_URL`` and the project through ``WEAVE_WIDGETS_PROJECT``) and blocks
until Ctrl-C. ``--headless OUTDIR`` instead writes the standalone widget page and PNG/SVG charts.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import weave_widgets
from weave_widgets.client._clients import WeaveClient
from weave_widgets.data._frames import ConversationData
from weave_widgets.demo._generator import write_demo
from weave_widgets.server import embedded as local

PROJECT_ENV = "WEAVE_WIDGETS_PROJECT"
URL_ENV = "WF_TRACE_SERVER_URL"
DEFAULT_PROJECT = "local/demo"
NOTEBOOKS = ("quickstart.ipynb", "explore.ipynb")
MINIMAP_CONVERSATIONS = 20
"""How many conversations the headless minimap chart (PNG/SVG) draws."""
IMAGE_FORMATS = (".png", ".svg")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``demo`` sub-command's options."""
    parser.add_argument(
        "--conversations",
        type=_positive,
        default=200,
        metavar="N",
        help="demo conversations to write when the project is empty (default 200)",
    )
    parser.add_argument("--seed", type=int, default=0, help="demo data seed (default 0)")
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"SQLite file of the local server (default ${local.DB_ENV} or "
        "~/.cache/weave-widgets/local.db)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        metavar="P",
        help="local trace server port (default: any free port)",
    )
    parser.add_argument(
        "--project", default=DEFAULT_PROJECT, help=f"entity/project (default {DEFAULT_PROJECT})"
    )
    parser.add_argument(
        "--headless",
        type=Path,
        default=None,
        metavar="OUTDIR",
        help="write the standalone widget page and PNG/SVG charts into OUTDIR and exit",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path("weave-widgets-demo"),
        help="folder JupyterLab opens; the notebooks are copied there if missing "
        "(default ./weave-widgets-demo)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="start JupyterLab without opening a browser"
    )


def run_demo(args: argparse.Namespace) -> int:
    """Run the demo; returns the exit code."""
    url = local.serve(args.db, port=args.port)
    try:
        with WeaveClient(args.project, url=url) as client:
            ids = demo_conversations(client, args.conversations, args.seed)
            print(f"Local trace server: {url}  project {args.project}, {len(ids)} conversations")
            if args.headless is not None:
                data = client.conversation_spans(ids)
                for path in write_headless(data, args.headless):
                    print(path)
                return 0
        return run_lab(url, args.project, args.workdir, open_browser=not args.no_browser)
    finally:
        local.stop(url)


def demo_conversations(client: WeaveClient, n: int, seed: int) -> list[str]:
    """Ids of up to ``n`` conversations of the project, writing demo data first if it's empty."""
    listing = client.list_conversations(limit=n)
    if listing.empty:
        print(f"Writing {n} demo conversations (seed {seed}) as OTel GenAI spans ...", flush=True)
        return write_demo(client, n, seed=seed, via="otel")
    return list(listing["conversation_id"])


def write_headless(data: ConversationData, outdir: Path) -> list[Path]:
    """The standalone widget page plus PNG and SVG of every chart kind (the minimap of the
    first conversations); returns the files written."""
    from weave_widgets.charts import KINDS, chart, minimap_chart  # heavy: only when asked
    from weave_widgets.charts._export import save
    from weave_widgets.minimap._widget import ConversationMinimap

    outdir.mkdir(parents=True, exist_ok=True)
    page = outdir / "minimap.html"
    ConversationMinimap(data).to_html(page, title="weave-widgets demo")
    written = [page]
    first = data.select(list(data.conversations["conversation_id"][:MINIMAP_CONVERSATIONS]))
    for kind in KINDS:
        figure = minimap_chart(first) if kind == "minimap" else chart(data, kind)
        written.extend(save(figure, outdir / f"{kind}{suffix}") for suffix in IMAGE_FORMATS)
    return written


def notebooks_dir() -> Path:
    """Where the notebooks ship: inside the installed package, else the repository."""
    package = Path(weave_widgets.__file__).resolve().parent
    for candidate in (package / "notebooks", package.parent / "notebooks"):
        if (candidate / NOTEBOOKS[0]).is_file():
            return candidate
    raise FileNotFoundError(
        f"the demo notebooks are missing (looked in {package / 'notebooks'} and "
        f"{package.parent / 'notebooks'}); reinstall weave-widgets"
    )


def prepare_workdir(workdir: Path) -> Path:
    """Copy the notebooks into ``workdir`` (keeping any the user already edited there)."""
    workdir.mkdir(parents=True, exist_ok=True)
    source = notebooks_dir()
    for name in NOTEBOOKS:
        if not (workdir / name).exists():
            shutil.copyfile(source / name, workdir / name)
    return workdir.resolve()


def lab_command(root: Path, port: int, token: str, *, open_browser: bool) -> list[str]:
    """The JupyterLab command line: loopback only, no news or update checks, read-only
    extension manager, opening ``quickstart.ipynb``."""
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        NOTEBOOKS[0],
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.open_browser={open_browser}",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")
    return command


def kernel_env(url: str, project: str) -> dict[str, str]:
    """The environment JupyterLab (and so the kernel) runs with: this server and project, and
    the package importable even when it runs from a source checkout."""
    env = dict(os.environ)
    env[URL_ENV] = url
    env[PROJECT_ENV] = project
    source_root = str(Path(weave_widgets.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH")) if p)
    return env


def run_lab(url: str, project: str, workdir: Path, *, open_browser: bool) -> int:
    """Start JupyterLab on the quickstart notebook and wait; Ctrl-C (or SIGTERM) stops it."""
    root = prepare_workdir(workdir)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    token = secrets.token_hex(16)
    lab = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
        lab_command(root, port, token, open_browser=open_browser),
        env=kernel_env(url, project),
        cwd=root,
        start_new_session=True,
    )
    print(f"JupyterLab: http://127.0.0.1:{port}/lab/tree/{NOTEBOOKS[0]}?token={token}")
    print("Press Ctrl-C to stop JupyterLab and the local trace server.", flush=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return lab.wait()
    except KeyboardInterrupt:
        lab.send_signal(signal.SIGTERM)
        try:
            lab.wait(timeout=15)
        except subprocess.TimeoutExpired:
            lab.kill()
            lab.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM handler: stop like Ctrl-C does, so JupyterLab is not left running."""
    raise KeyboardInterrupt
