"""Shared benchmark plumbing: timing, percentiles, memory high-water marks, result rows, the
table, and a description of the machine."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Sizes:
    """Every size the benchmarks use; ``quick()`` is the smoke-test set."""

    fetch: tuple[tuple[int, int], ...] = ((100, 20), (2_000, 50), (20_000, 50))
    server_ids: tuple[int, ...] = (1, 100, 10_000)
    server_requests: tuple[int, ...] = (200, 50, 5)
    """How many requests each ``server_ids`` case times."""
    server_data: tuple[int, int] = (20_000, 50)
    call_starts: int = 2_000
    payload: tuple[int, int] = (2_000, 50)
    browser: tuple[int, int] = (20_000, 50)
    chart_conversations: int = 200
    ingest_spans: int = 50_000
    scaling: tuple[tuple[int, int], ...] = ((2_000, 50), (20_000, 50), (100_000, 50))
    repeats: int = 3

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            fetch=((20, 5), (60, 10)),
            server_ids=(1, 10, 40),
            server_requests=(5, 5, 5),
            server_data=(60, 10),
            call_starts=50,
            payload=(60, 10),
            browser=(60, 10),
            chart_conversations=20,
            ingest_spans=600,
            scaling=((20, 5), (100, 5)),
            repeats=1,
        )


@dataclass(frozen=True)
class Row:
    """One line of the table: ours against a baseline measured in the same run.

    ``ratio`` is how many times better ours is (>1 is better); ``target`` is the ratio the
    issue asks for, when it asks for one, and ``note`` says what the two columns are."""

    area: str
    case: str
    ours: str
    baseline: str
    ratio: float
    target: str = ""
    met: bool | None = None
    note: str = ""


def faster(ours_s: float, baseline_s: float) -> float:
    """How many times faster ours is than the baseline (both in seconds)."""
    return baseline_s / ours_s if ours_s > 0 else float("inf")


def median_time(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall seconds of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def ms(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MiB"


def rate(count: float, seconds: float, unit: str) -> str:
    per_s = count / seconds if seconds > 0 else float("inf")
    if per_s >= 1e6:
        return f"{per_s / 1e6:,.2f} M {unit}/s"
    if per_s >= 1e3:
        return f"{per_s / 1e3:,.1f} k {unit}/s"
    return f"{per_s:,.0f} {unit}/s"


# --- memory ----------------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def reset_peak_rss() -> int:
    """Reset this process's RSS high-water mark (Linux ``clear_refs`` 5); current RSS bytes."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS") * 1024


def peak_rss() -> int:
    """This process's RSS high-water mark in bytes since the last ``reset_peak_rss``."""
    return _status_kib("VmHWM") * 1024


# --- worker subprocesses ---------------------------------------------------------------------


def run_worker(module: str, *args: str, timeout: float = 1800) -> str:
    """Run ``python -m <module> args`` from the repo root; its stdout (raises on failure)."""
    done = subprocess.run(
        [PYTHON, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done.stdout


# --- the table -------------------------------------------------------------------------------

HEADERS = ("area", "case", "ours", "baseline", "ratio", "target", "note")


def _cells(row: Row) -> list[str]:
    verdict = "" if row.met is None else (" ok" if row.met else " MISSED")
    return [
        row.area,
        row.case,
        row.ours,
        row.baseline,
        f"{row.ratio:,.2f}x",
        (row.target + verdict).strip(),
        row.note,
    ]


def table(rows: Sequence[Row], *, markdown: bool = False) -> str:
    """The rows as an aligned text table, or a Markdown table."""
    cells = [_cells(row) for row in rows]
    if markdown:
        lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in cells]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(HEADERS)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*HEADERS), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


# --- the machine -----------------------------------------------------------------------------

PACKAGES = (
    "weave", "pandas", "numpy", "pyarrow", "pydantic", "orjson", "httpx",
    "fastapi", "uvicorn", "altair", "vl-convert-python", "playwright", "anywidget",
)  # fmt: skip


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_kib(field: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _command(*args: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=20, check=False)
    except OSError:
        return "unavailable"
    return (done.stdout or done.stderr).strip()


def machine() -> dict[str, str]:
    """CPU, cores, memory, OS, Python, browser and package versions of this machine."""
    info = {
        "cpu": _cpu_model(),
        "nproc": str(os.cpu_count()),
        "memory": f"{_meminfo_kib('MemTotal') / 2**20:.1f} GiB",
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "chromium": _command("/usr/lib/chromium/chromium", "--version"),
    }
    from weave_widgets import __version__

    commit = _command("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    dirty = _command("git", "-C", str(ROOT), "status", "--porcelain") not in ("", "unavailable")
    state = ", uncommitted changes" if dirty else ""
    info["weave-widgets"] = f"{__version__} (git {commit}{state})"
    info.update({name: _version(name) for name in PACKAGES})
    info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info
