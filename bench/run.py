"""The one benchmark command: every area side by side with its baseline, as one table.

    .venv/bin/python -m bench            # full sizes (seeds ~4 min of data on first use)
    .venv/bin/python -m bench --quick    # tiny sizes: a smoke test of every code path
    .venv/bin/python -m bench --only fetch,browser --markdown results.md

Seeded SQLite files are cached in ``$WEAVE_WIDGETS_BENCH_CACHE`` (default
``~/.cache/weave-widgets/bench``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import browser, charts, fetch, ingest, payload, scaling, server
from bench.common import Row, Sizes, machine, table

AREAS: dict[str, Callable[[Sizes, int], list[Row]]] = {
    "fetch": fetch.rows,
    "server": server.rows,
    "ingest": ingest.rows,
    "payload": payload.rows,
    "browser": browser.rows,
    "charts": charts.rows,
    "scaling": scaling.rows,
}


def run(sizes: Sizes, areas: Sequence[str], seed: int = 0, log: bool = True) -> list[Row]:
    """The rows of every area in ``areas``, in order."""
    out: list[Row] = []
    for name in areas:
        start = time.perf_counter()
        out.extend(AREAS[name](sizes, seed))
        if log:
            print(f"[bench] {name}: {time.perf_counter() - start:,.1f} s", file=sys.stderr)
    return out


def report(rows: Sequence[Row], command: str, info: Mapping[str, str]) -> str:
    """Markdown: the command, the machine and the table."""
    lines = "\n".join(f"- {key}: {value}" for key, value in info.items())
    return f"Command: `{command}`\n\nMachine:\n{lines}\n\n{table(rows, markdown=True)}\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument(
        "--only", default=",".join(AREAS), help=f"comma-separated areas of {', '.join(AREAS)}"
    )
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument("--markdown", type=Path, help="also write command, machine and table here")
    args = parser.parse_args(argv)
    areas = [a.strip() for a in args.only.split(",") if a.strip()]
    unknown = sorted(set(areas) - set(AREAS))
    if unknown:
        parser.error(f"--only: unknown area(s) {unknown}; choose from {', '.join(AREAS)}")
    info = machine()
    rows = run(Sizes.quick() if args.quick else Sizes(), areas, args.seed)
    print(table(rows))
    if args.markdown:
        command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
        args.markdown.write_text(report(rows, command, info), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
