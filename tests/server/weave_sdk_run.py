"""Running the real weave SDK in a subprocess against a local server, configured as a user
would: by the environment ``weave-widgets serve`` prints, and nothing else.

Shared by the end-to-end tests; the sessions themselves are scripts next to this file."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from weave_widgets import local

FAILURE_SIGNS = ("Error code:", "Not Found", "NotFound", "Task failed", "Error sending", "dropped")
"""The SDK's own words for a request that failed (a bare "404" could be part of an id)."""


def closed_port() -> int:
    """A loopback port nobody listens on: the SDK's PyPI version check is sent there (as its
    HTTPS proxy) and refused at once, so nothing leaves the machine."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sdk_environment(url: str, project: str, home: Path) -> dict[str, str]:
    """This process's environment without any W&B, weave, OTel or proxy settings, plus what
    ``weave-widgets serve`` tells a user to paste, plus isolation from the outside world."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WANDB_", "WF_", "WEAVE_", "OTEL_"))
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    }
    proxy = f"http://127.0.0.1:{closed_port()}"
    env.update(local.weave_sdk_env(url, project))
    env.update(
        {
            "WANDB_ERROR_REPORTING": "false",  # the SDK's Sentry client stays off
            "WEAVE_PRINT_CALL_LINK": "false",
            "WEAVE_USE_SERVER_CACHE": "false",  # every read goes to the server
            "WANDB_CONFIG_DIR": str(home / "wandb"),
            "HOME": str(home),
            "HTTP_PROXY": proxy,
            "HTTPS_PROXY": proxy,
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    return env


def run_session(script: Path, url: str, project: str, home: Path) -> dict[str, Any]:
    """Run ``script`` with the SDK environment (``SESSION_PROJECT`` and a fresh
    ``SESSION_THREAD`` added); the JSON record it prints last, plus ``thread`` and ``stderr``."""
    env = sdk_environment(url, project, home)
    env["SESSION_PROJECT"] = project
    env["SESSION_THREAD"] = f"thread-{uuid.uuid4().hex[:8]}"
    done = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    record: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    record.update(project=project, thread=env["SESSION_THREAD"], stderr=done.stderr)
    return record
