"""Screenshots of the minimap on demo data and on a conversation logged with the real weave
Conversation SDK, light and dark, wide and narrow: the README's before/after pictures.

    .venv/bin/python scripts/minimap_screenshots.py OUT_DIR [--bundle widget.js] [--prefix after]
        [--save-png]

``--bundle`` draws with another build of the widget (e.g. the one before a change) on the same
data. ``--save-png`` also writes ``widget.save_png`` of the demo set sorted by errors, paged at
12 rows, light and dark, 1100 and 600 px (``minimap-save-png-light-1100.png`` ...). Needs
Debian chromium (``bench/browser.py``) and the weave SDK; loopback only.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "server")]

from weave_sdk_run import run_session  # noqa: E402

from bench.browser import ARGS, CHROMIUM  # noqa: E402
from weave_widgets import local  # noqa: E402
from weave_widgets.client import WeaveClient  # noqa: E402
from weave_widgets.data import ConversationData  # noqa: E402
from weave_widgets.demo import write_demo  # noqa: E402
from weave_widgets.minimap._page import page  # noqa: E402
from weave_widgets.minimap._payload import encode  # noqa: E402
from weave_widgets.minimap._widget import BUNDLE, ConversationMinimap  # noqa: E402

NOW = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
SESSION = REPO / "tests" / "server" / "weave_sdk_session.py"


def sdk_conversation(url: str, home: Path) -> ConversationData:
    """The SDK session of the end-to-end tests: 3 turns, a tool, a subagent, a failed tool."""
    project = f"sdk/shots-{uuid.uuid4().hex[:8]}"
    record = run_session(SESSION, url, project, home)
    with WeaveClient(project, url=url) as client:
        return client.conversation_spans([record["conversation_id"], record["thread"]])


def demo(url: str, n: int) -> ConversationData:
    with WeaveClient("demo/shots", url=url) as client:
        ids = write_demo(client, n, now=NOW, seed=1, progress=False)
        return client.conversation_spans(ids)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--bundle", type=Path, default=BUNDLE)
    parser.add_argument("--prefix", default="after")
    parser.add_argument("--demo", type=int, default=24)
    parser.add_argument("--save-png", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    bundle = args.bundle.read_text(encoding="utf-8")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = local.serve(Path(tmp) / "shots.db")
        try:
            sets = {"sdk": sdk_conversation(url, Path(tmp)), "demo": demo(url, args.demo)}
        finally:
            local.stop(url)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
            for name, data in sets.items():
                options = ConversationMinimap(data).options()
                html = page(bundle, encode(data), options, f"minimap: {name}")
                path = Path(tmp) / f"{name}.html"
                path.write_text(html, encoding="utf-8")
                for scheme in ("light", "dark"):
                    for width in (1100, 600):
                        context = browser.new_context(
                            viewport={"width": width, "height": 700}, color_scheme=scheme
                        )
                        tab = context.new_page()
                        tab.goto(path.as_uri())
                        tab.wait_for_selector(".wwm-root[data-ready='1']")
                        shot = args.out / f"{args.prefix}-{name}-{scheme}-{width}.png"
                        tab.locator(".wwm-root").screenshot(path=shot)
                        print(shot)
                        context.close()
            browser.close()
    if args.save_png:
        widget = ConversationMinimap(sets["demo"], sort_by="errors")
        for scheme in ("light", "dark"):
            for width in (1100, 600):
                shot = args.out / f"minimap-save-png-{scheme}-{width}.png"
                widget.save_png(shot, width=width, theme=scheme, max_rows=12)
                print(shot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
