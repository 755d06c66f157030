"""``weave-widgets serve``: run the local trace server in the foreground until interrupted."""

from __future__ import annotations

import argparse
import os

import uvicorn

from weave_widgets.server.app import create_app
from weave_widgets.server.embedded import DB_ENV, default_db_path

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


def run_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; returns the exit code."""
    path = args.db or default_db_path()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    api_key = args.api_key or os.environ.get(KEY_ENV) or None
    print(f"weave-widgets local trace server on http://{args.host}:{args.port} (db: {path})")
    if api_key:
        print("API key required (HTTP Basic api:<key> or Bearer <key>)")
    uvicorn.run(create_app(path, api_key=api_key), host=args.host, port=args.port, log_level="info")
    return 0
