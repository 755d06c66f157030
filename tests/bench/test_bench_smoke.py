"""Smoke test of the benchmark harness: every area's code path at tiny sizes, no timings."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import run
from bench.common import Row, Sizes, percentile, table

TINY = Sizes(
    fetch=((4, 3),),
    server_ids=(1, 3),
    server_requests=(2, 2),
    server_data=(4, 3),
    call_starts=5,
    payload=(6, 3),
    browser=(4, 3),
    chart_conversations=3,
    ingest_spans=50,
    scaling=((4, 3), (8, 3)),
    repeats=1,
)


def test_percentile_interpolates() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0], 99) == 1.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_table_shows_verdicts_in_text_and_markdown() -> None:
    rows = [
        Row("a", "met", "1 s", "3 s", 3.0, ">= 3x", True, "n"),
        Row("a", "missed", "2 s", "3 s", 1.5, ">= 3x", False),
        Row("b", "info", "x", "y", 0.5),
    ]
    text = table(rows)
    assert ">= 3x ok" in text
    assert ">= 3x MISSED" in text
    assert "0.50x" in text
    markdown = table(rows, markdown=True).splitlines()
    assert markdown[0].startswith("| area | case |")
    assert len(markdown) == 2 + len(rows)


def test_unknown_area_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run.main(["--only", "fetch,nope"])
    assert "unknown area(s) ['nope']" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(600)
def test_every_area_yields_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEAVE_WIDGETS_BENCH_CACHE", str(tmp_path))
    rows = run.run(TINY, list(run.AREAS), log=False)
    cases = [(row.area, row.case) for row in rows]
    expected = (
        [("fetch+frame", "4x3 time"), ("fetch+frame", "4x3 peak RSS")]
        + [("parse", "ours: bytes -> frames"), ("parse", "weave SDK: bytes -> frames")]
        + [("parse", "whole fetch of that body: ours")]
        + [("server", f"spans {n} ids ({n * 3} spans), n=2") for n in (1, 3)]
        + [("server", "/call/start x5 (one keep-alive client)")]
        + [("payload", f"6x3 {what}") for what in ("bytes/span", "vs gzipped JSON", "encode time")]
        + [("browser", "4x3 data set -> first full paint"), ("browser", "4x3 scroll frame")]
        + [("charts", "widget save_png, 4 conversations")]
        + [("charts", "widget.save_png of 3 conversations (9 spans")]
        + [("charts", "PNG of 3 conversations (9 spans)")]
        + [("ingest", "OTLP protobuf, ")]
        + [
            ("scaling", f"{what} {n}x3")
            for n in (4, 8)
            for what in ("fetch+frame", "fetch+frame", "payload", "first paint")
        ]
    )
    for area, case in expected:
        assert any(a == area and c.startswith(case) for a, c in cases), (area, case, cases)
    assert len(rows) == len(expected)
    assert all(row.ratio >= 0 for row in rows)
    text = table(rows)
    assert all(row.case in text for row in rows)
