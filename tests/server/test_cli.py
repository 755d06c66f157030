"""``weave-widgets serve`` runs the server in the foreground on the given file, host and port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

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
