"""Helpers of the browser tests: page logging, the JupyterLab handle, free ports."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat


@dataclass
class PageLog:
    """What a page did: every request URL, dialogs opened, console errors, page errors."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_page(browser: Any, **context_options: Any) -> tuple[Any, PageLog]:
    """A fresh page in its own context, logging requests, dialogs and errors."""
    options = {"viewport": {"width": 1280, "height": 900}, **context_options}
    context = browser.new_context(**options)
    page = context.new_page()
    log = PageLog()
    page.on("request", lambda r: log.requests.append(r.url))
    page.on("dialog", lambda d: (log.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: log.errors.append(str(e)))
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    return page, log


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Lab:
    """A running JupyterLab: base URL, token and its root directory (for notebooks)."""

    url: str
    token: str
    root: Path

    def api(self, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def wait_kernel(self, notebook: str, page: Any, timeout: float = 60) -> None:
        """Wait until the notebook's kernel is idle and the page's websocket is attached."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for session in self.api("/api/sessions"):
                kernel = session.get("kernel") or {}
                if (
                    session.get("path", "").endswith(notebook)
                    and kernel.get("execution_state") == "idle"
                    and kernel.get("connections", 0) >= 1
                ):
                    return
            page.wait_for_timeout(100)
        raise TimeoutError(f"the kernel of {notebook} did not become idle in {timeout} s")

    def write_notebook(self, name: str, sources: list[str]) -> None:
        """Write notebook ``name`` (a Python 3 kernel) of code cells holding ``sources``."""
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, self.root / name)

    def open_notebook(
        self, browser: Any, name: str, path: str, viewport: dict[str, int]
    ) -> tuple[Any, PageLog]:
        """A fresh page showing notebook ``name`` at ``path`` (``lab/tree`` for JupyterLab,
        ``notebooks`` for Notebook 7), once its first cell shows and its kernel is idle."""
        page, log = open_page(browser, viewport=viewport)
        page.goto(f"{self.url}/{path}/{name}?token={self.token}")
        page.locator(".jp-Cell:visible").first.wait_for(timeout=60_000)  # not a hidden tab's
        self.wait_kernel(name, page)
        return page, log
