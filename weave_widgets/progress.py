"""Progress bars for multi-batch fetches, shown only where someone can see them."""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm


def interactive() -> bool:
    """True in a Jupyter kernel or when stderr is a terminal."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is not None and getattr(get_ipython(), "kernel", None) is not None:
        return True  # a Jupyter kernel: JupyterLab, Notebook, VS Code, Colab
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def bar(total: int, enabled: bool | None, desc: str) -> tqdm[Any]:
    """A tqdm bar over ``total`` steps; ``enabled=None`` means ``interactive()``, and a single
    step never shows a bar."""
    show = total > 1 and (interactive() if enabled is None else enabled)
    return tqdm(total=total, desc=desc, unit="batch", disable=not show, leave=False)
