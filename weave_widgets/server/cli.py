"""``weave-widgets serve``: run the local trace server in the foreground until interrupted."""

from __future__ import annotations

import argparse
import os

import uvicorn

from weave_widgets.server.app import create_app
from weave_widgets.server.embedded import DB_ENV, default_db_path, weave_sdk_env

KEY_ENV = "WEAVE_WIDGETS_API_KEY"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--db``, ``--host``, ``--port`` and ``--api-key`` to ``parser``."""
    parser.add_argument(
        "--db", help=f"SQLite file (default: ${DB_ENV} or ~/.cache/weave-widgets/local.db)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=6345, help="port to bind (default 6345)")
    parser.add_argument(
        "--api-key",
        help=f"require this key (HTTP Basic api:<key> or Bearer); default ${KEY_ENV}",
    )
    parser.add_argument(
        "--project",
        default="local/agents",
        help="the entity/project shown in the environment block to paste (default local/agents)",
    )


def environment_block(url: str, project: str, *, has_key: bool) -> str:
    """The lines to paste into a shell so that the weave SDK and OTel exporters write here."""
    env = weave_sdk_env(url, project)
    if has_key:  # the key itself is never printed
        env["WANDB_API_KEY"] = "<the server's key (40+ characters for the weave SDK)>"
        env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] += ",Authorization=Basic%20<base64 of api:KEY>"
    lines = [f"export {name}={value}" for name, value in env.items()]
    note = "" if has_key else " (no key needed: any WANDB_API_KEY works)"
    return "\n".join(
        [
            "Point the weave SDK (weave.init, @weave.op, the Conversation SDK) and OpenTelemetry",
            f"OTLP/HTTP exporters at this server{note}:",
            "",
            *lines,
            "",
            f'then: weave.init("{project}"), and read back with WeaveClient(project="{project}")',
        ]
    )


def run_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; returns the exit code."""
    path = args.db or default_db_path()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    api_key = args.api_key or os.environ.get(KEY_ENV) or None
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}"
    print(f"weave-widgets local trace server on {url} (db: {path})")
    if api_key:
        print("API key required (HTTP Basic api:<key> or Bearer <key>)")
    print(environment_block(url, args.project, has_key=bool(api_key)), flush=True)
    uvicorn.run(create_app(path, api_key=api_key), host=args.host, port=args.port, log_level="info")
    return 0
