"""``weave-widgets serve``: run the local trace server in the foreground until interrupted.

It refuses to start in the setups that would expose data without saying so: an empty key
(``--api-key ""`` or an empty ``$WEAVE_WIDGETS_API_KEY``, which would mean "no auth"), and a
non-loopback address without a key (anyone on the network could read and write), unless
``--allow-unauthenticated`` says that is meant (then it warns on every start).
"""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from weave_widgets.server.app import create_app
from weave_widgets.server.embedded import DB_ENV, default_db_path, weave_sdk_env
from weave_widgets.server.guard import check_api_key, exposure_problem

KEY_ENV = "WEAVE_WIDGETS_API_KEY"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--db``, ``--host``, ``--port``, ``--api-key`` and the exposure options."""
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
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another Host name clients use to reach the server (repeatable); loopback "
        "names and the bound address are always allowed",
    )
    parser.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="serve a non-loopback address without an API key (anyone who can reach it can "
        "read and write everything)",
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


def _api_key(args: argparse.Namespace) -> str | None:
    """The key from ``--api-key`` or the environment; ValueError when one is given but empty."""
    if args.api_key is not None:
        try:
            return check_api_key(args.api_key)
        except ValueError as exc:
            raise ValueError(f"--api-key: {exc}") from None
    env = os.environ.get(KEY_ENV)
    if env is not None:
        try:
            return check_api_key(env)
        except ValueError as exc:
            raise ValueError(f"${KEY_ENV} is set but {exc}; unset it to run without auth") from None
    return None


def run_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; returns the exit code (2 for a refused setup)."""
    try:
        api_key = _api_key(args)
    except ValueError as exc:
        print(f"weave-widgets serve: {exc}", file=sys.stderr)
        return 2
    problem = exposure_problem(args.host, api_key)
    if problem and not args.allow_unauthenticated:
        print(f"weave-widgets serve: refusing to start: {problem}", file=sys.stderr)
        return 2
    if problem:
        print(f"WARNING: {problem} (--allow-unauthenticated given)", file=sys.stderr)
    path = args.db or default_db_path()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}"
    print(f"weave-widgets local trace server on {url} (db: {path})")
    if api_key:
        print("API key required (HTTP Basic api:<key> or Bearer <key>)")
    print(environment_block(url, args.project, has_key=bool(api_key)), flush=True)
    app = create_app(path, api_key=api_key, host=args.host, allowed_hosts=args.allowed_host)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
