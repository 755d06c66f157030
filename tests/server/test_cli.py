"""``weave-widgets serve`` runs the server in the foreground on the given file, host and port,
and refuses an empty key and an exposed address without one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from weave_widgets.cli import main
from weave_widgets.server import cli as server_cli

KEY = "cli-s3cret-77"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_command(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "cli.db"
    cmd = [sys.executable, "-m", "weave_widgets", "serve", "--db", str(db), "--port", str(port)]
    proc = subprocess.Popen([*cmd, "--api-key", KEY], stdout=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        body = {"project_id": "e/p", "conversation_ids": ["c"]}
        assert httpx.post(f"{url}/agents/conversations/spans", json=body).status_code == 401
        res = httpx.post(
            f"{url}/agents/conversations/spans",
            json=body,
            headers={"authorization": f"Bearer {KEY}"},
        )
        assert res.json() == {
            "conversations": [{"conversation_id": "c", "spans": [], "spans_feedback": []}]
        }
        assert db.exists()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
    assert str(db) in out
    assert KEY not in out


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``weave-widgets serve`` with ``args``, expected to refuse before binding anything."""
    cmd = [sys.executable, "-m", "weave_widgets", "serve", "--port", str(free_port()), *args]
    base = {k: v for k, v in os.environ.items() if k != server_cli.KEY_ENV}
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=60, env={**base, **(env or {})}
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--api-key", ""], {}, "--api-key: the API key is empty"),
        (["--api-key", "   "], {}, "--api-key: the API key is empty"),
        ([], {"WEAVE_WIDGETS_API_KEY": ""}, "$WEAVE_WIDGETS_API_KEY is set but the API key is"),
        (["--host", "0.0.0.0"], {}, "refusing to start: '0.0.0.0' is not a loopback address"),
        (["--host", "::"], {}, "refusing to start: '::' is not a loopback address"),
    ],
)
def test_serve_refuses_setups_that_would_expose_data(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    done = run_cli("--db", str(tmp_path / "x.db"), *args, env=env)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert not (tmp_path / "x.db").exists()


def test_allow_unauthenticated_warns_on_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run in-process with uvicorn replaced, so that nothing binds a public address."""
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(server_cli.uvicorn, "run", lambda app, **kw: started.append(kw))
    monkeypatch.delenv(server_cli.KEY_ENV, raising=False)
    code = main(["serve", "--db", str(tmp_path / "y.db"), "--host", "0.0.0.0"])
    assert (code, started) == (2, [])
    code = main(
        ["serve", "--db", str(tmp_path / "y.db"), "--host", "0.0.0.0", "--allow-unauthenticated"]
    )
    assert code == 0
    assert started == [{"host": "0.0.0.0", "port": 6345, "log_level": "info"}]
    assert "WARNING: '0.0.0.0' is not a loopback address" in capsys.readouterr().err
