"""The ``weave-widgets`` command: ``serve`` runs the local trace server, ``demo`` the demo."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen sub-command."""
    from weave_widgets.demo._command import add_demo_arguments, run_demo
    from weave_widgets.server.cli import add_serve_arguments, run_serve

    parser = argparse.ArgumentParser(prog="weave-widgets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(commands.add_parser("serve", help="run the embedded local trace server"))
    add_demo_arguments(commands.add_parser("demo", help="write demo data and explore it"))
    args = parser.parse_args(argv)
    runner = run_serve if args.command == "serve" else run_demo
    return runner(args)


if __name__ == "__main__":
    raise SystemExit(main())
