"""Real-browser fixtures: Debian chromium driven by Playwright, a JupyterLab server, helpers.

Browser tests skip (with the reason) only when /usr/bin/chromium is missing. Screenshots go
to ``test-artifacts/browser/`` at the repository root.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Lab, PageLog, free_port, open_page

from bench.browser import ARGS, CHROMIUM

REPO = Path(__file__).resolve().parents[3]
WIDGET_TESTS = REPO / "tests" / "minimap"
ARTIFACTS = REPO / "test-artifacts" / "browser"

sys.path.insert(0, str(WIDGET_TESTS))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install Debian's chromium to run")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module: Playwright's sync API keeps an event loop running in the
    main thread while it is open, which would break every later ``asyncio.run`` in the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield instance
        instance.close()


def jupyter_server(
    tmp_path_factory: pytest.TempPathFactory, app: str, extra: list[str]
) -> Iterator[Lab]:
    """A Jupyter front end (``python -m <app>``) on loopback whose kernels import
    weave_widgets; JupyterLab and Notebook 7 share the server and the settings layout."""
    state = tmp_path_factory.mktemp(f"{app}-state")
    root = tmp_path_factory.mktemp(f"{app}-root")
    settings = state / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(REPO), str(WIDGET_TESTS), os.environ.get("PYTHONPATH", "")]
        ),
    }
    command = [
        sys.executable, "-m", app, "--no-browser",
        "--ServerApp.open_browser=False", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        *extra,
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")
    log = (state / "server.log").open("wb")
    proc = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    instance = Lab(f"http://127.0.0.1:{port}", token, root)
    deadline = time.monotonic() + 60
    while True:
        try:
            instance.api("/api/status")
            break
        except (urllib.error.URLError, ConnectionError):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError(
                    f"{app} did not start: {(state / 'server.log').read_text()[-2000:]}"
                ) from None
            time.sleep(0.1)
    yield instance
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server on loopback whose kernels can import weave_widgets."""
    yield from jupyter_server(
        tmp_path_factory,
        "jupyterlab",
        [
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ],
    )


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A Notebook 7 server on loopback whose kernels can import weave_widgets."""
    yield from jupyter_server(tmp_path_factory, "notebook", [])


@pytest.fixture
def open_minimap(browser: Any, page_url: str) -> Iterator[Callable[..., tuple[Any, PageLog]]]:
    """Opens the test module's ``page_url`` (a ``to_html`` page) in fresh contexts, waits for
    the minimap to be ready, and closes them after the test."""
    pages: list[Any] = []

    def opener(**context_options: Any) -> tuple[Any, PageLog]:
        page, log = open_page(browser, **context_options)
        pages.append(page)
        page.goto(page_url)
        page.wait_for_selector(".wwm-root[data-ready='1']", timeout=15_000)
        return page, log

    yield opener
    for page in pages:
        page.context.close()
