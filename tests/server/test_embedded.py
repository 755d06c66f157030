"""``weave_widgets.server.embedded``: in-process servers start, answer, and stop cleanly."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from weave_widgets.server import embedded


def test_serve_and_stop(tmp_path: Path) -> None:
    url = embedded.serve(tmp_path / "nested" / "dir" / "a.db")
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{url}/health").json() == {"status": "ok"}
    embedded.stop(url)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/health", timeout=2)
    embedded.stop(url)  # stopping twice is harmless


def test_default_url_starts_once_on_the_env_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "default.db"
    monkeypatch.setenv(embedded.DB_ENV, str(db))
    url = embedded.default_url()
    try:
        assert embedded.default_url() == url
        assert httpx.get(f"{url}/health").status_code == 200
        assert db.exists()
    finally:
        embedded.stop(url)
    again = embedded.default_url()
    assert again != url  # a stopped default is started again
    embedded.stop(again)


def test_port_in_use_is_an_error(local_server: str, tmp_path: Path) -> None:
    port = int(local_server.rsplit(":", 1)[1])
    with pytest.raises(OSError, match="in use"):
        embedded.serve(tmp_path / "x.db", port=port)
