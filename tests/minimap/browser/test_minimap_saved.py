"""A saved notebook opened without a kernel: the widget view, rendered from saved state that
holds no data, shows the static snapshot and says how to draw the minimap; where data does
arrive, the snapshot gives way to the canvas."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from browser_support import open_page
from minimap_sample import sample_data

from weave_widgets.minimap._page import page
from weave_widgets.minimap._widget import BUNDLE, ConversationMinimap

pytestmark = pytest.mark.browser

SHIM_PAYLOAD = "state.payload = new DataView(bytes.buffer);"


def saved_state_page(widget: ConversationMinimap, png: bytes, with_payload: bool) -> str:
    """The exported page, its model holding what a saved notebook's widget state holds: the
    options, the snapshot, and the payload only when embedded."""
    data = widget._payload_bytes() if with_payload else b""
    html = page(BUNDLE.read_text(encoding="utf-8"), data, widget.options())
    snapshot = (
        f'const shot = atob("{base64.b64encode(png).decode()}");\n'
        "const shotBytes = Uint8Array.from(shot, (ch) => ch.charCodeAt(0));\n"
        "state.snapshot = new DataView(shotBytes.buffer);"
    )
    assert SHIM_PAYLOAD in html
    return html.replace(SHIM_PAYLOAD, f"{SHIM_PAYLOAD}\n{snapshot}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_kernel_shows_the_snapshot(
    browser: Any, tmp_path: Path, artifacts: Path, scheme: str
) -> None:
    widget = ConversationMinimap(sample_data(30))
    png = widget.snapshot_png()
    path = tmp_path / "saved.html"
    path.write_text(saved_state_page(widget, png, with_payload=False), encoding="utf-8")
    page_, log = open_page(browser, color_scheme=scheme, viewport={"width": 900, "height": 900})
    try:
        page_.goto(path.as_uri())
        page_.wait_for_selector(".wwm-root[data-ready='no-data']", timeout=15_000)
        image = page_.locator(".wwm-snapshot")
        page_.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        size = image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]")
        assert size[0] > 300
        assert size[1] > 200
        assert page_.locator(".wwm-scroll").is_hidden()
        assert "run the cell" in page_.locator(".wwm-summary").inner_text()
        assert not log.errors
        page_.screenshot(path=artifacts / f"saved-no-kernel-{scheme}.png")
    finally:
        page_.context.close()


def test_embedded_data_draws_instead_of_the_snapshot(browser: Any, tmp_path: Path) -> None:
    widget = ConversationMinimap(sample_data(6), embed=True)
    path = tmp_path / "embedded.html"
    path.write_text(saved_state_page(widget, widget.snapshot_png(), with_payload=True))
    page_, _ = open_page(browser)
    try:
        page_.goto(path.as_uri())
        page_.wait_for_selector(".wwm-root[data-ready='1']", timeout=15_000)
        assert page_.locator(".wwm-snapshot").count() == 0
        assert page_.locator(".wwm-scroll").is_visible()
    finally:
        page_.context.close()
