"""``weave-widgets demo``: headless files end to end, and JupyterLab on the quickstart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from weave_widgets import cli
from weave_widgets.demo import _command as launch

REPO = Path(__file__).resolve().parents[2]
KINDS = ("minimap", "errors", "durations", "ratings", "turns")

pytestmark = pytest.mark.slow


def test_headless_writes_page_and_charts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, out = tmp_path / "demo.db", tmp_path / "out"
    argv = ["demo", "--conversations", "8", "--seed", "3", "--db", str(db)]
    assert cli.main([*argv, "--headless", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Writing 8 demo conversations (seed 3)" in printed
    assert "project local/demo, 8 conversations" in printed
    expected = [out / "minimap.html"] + [out / f"{k}{s}" for k in KINDS for s in (".png", ".svg")]
    for path in expected:
        assert str(path) in printed.splitlines()
    assert "<!doctype html" in (out / "minimap.html").read_text(encoding="utf-8").lower()
    for kind in KINDS:
        assert (out / f"{kind}.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert (out / f"{kind}.svg").read_text(encoding="utf-8").startswith("<svg")

    # A second run finds the data and does not write it again.
    assert cli.main([*argv, "--conversations", "50", "--headless", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Writing" not in printed
    assert "project local/demo, 8 conversations" in printed


def test_bad_count_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["demo", "--conversations", "0", "--headless", "x"])
    assert exit_info.value.code == 2
    assert "--conversations: must be at least 1" in capsys.readouterr().err


def test_lab_command_is_loopback_and_quiet(tmp_path: Path) -> None:
    command = launch.lab_command(tmp_path, 8899, "tok", open_browser=False)
    assert command[:4] == [sys.executable, "-m", "jupyterlab", "quickstart.ipynb"]
    for flag in (
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=8899",
        "--ServerApp.open_browser=False",
        "--LabApp.extension_manager=readonly",
        "--LabApp.news_url=None",
        f"--ServerApp.root_dir={tmp_path}",
    ):
        assert flag in command
    assert ("--ServerApp.allow_root=True" in command) == (os.geteuid() == 0)


def test_kernel_env_points_at_the_server() -> None:
    env = launch.kernel_env("http://127.0.0.1:1234", "e/p")
    assert env["WF_TRACE_SERVER_URL"] == "http://127.0.0.1:1234"
    assert env["WEAVE_WIDGETS_PROJECT"] == "e/p"
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(REPO)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_lab_serves_the_quickstart_until_ctrl_c(tmp_path: Path) -> None:
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "JUPYTER_PLATFORM_DIRS": "1"}
    env.update(
        {k: str(tmp_path / k.lower()) for k in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR")}
    )
    demo = subprocess.Popen(
        [sys.executable, "-m", "weave_widgets", "demo", "--conversations", "3",
         "--db", str(tmp_path / "demo.db"), "--workdir", str(tmp_path / "work"), "--no-browser"],
        stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        assert demo.stdout.readline().startswith("Writing 3 demo conversations")
        lines = [demo.stdout.readline(), demo.stdout.readline()]
        assert "project local/demo, 3 conversations" in lines[0]
        match = re.search(
            r"JupyterLab: (http://127\.0\.0\.1:\d+)/lab/tree/quickstart\.ipynb\?token=(\w+)",
            lines[1],
        )
        assert match, lines
        base, token = match.groups()
        contents = f"{base}/api/contents/quickstart.ipynb?token={token}"
        deadline = time.monotonic() + 60
        status = 0
        while time.monotonic() < deadline and status != 200 and demo.poll() is None:
            try:
                status = get(contents)
            except OSError:
                time.sleep(0.2)
        assert status == 200, "JupyterLab serves the copied quickstart notebook"
        assert (tmp_path / "work" / "explore.ipynb").is_file()
        assert get(f"{base}/api/contents/quickstart.ipynb") == 403, "a token is required"
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
        with pytest.raises(urllib.error.URLError, match="refused"):
            get(contents)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
