"""The package layout: imports point one way, the public names stay importable, and nothing in
the repository names a path outside it."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import weave_widgets

PACKAGE = Path(weave_widgets.__file__).parent
ROOT = PACKAGE.parent

LAYERS = ("client", "data", "minimap", "charts", "server", "demo")
"""The subpackages; each opens with a docstring and a curated ``__all__``."""

FORBIDDEN = {
    "weave_widgets.client": (
        "weave_widgets.server",
        "weave_widgets.minimap",
        "weave_widgets.charts",
    ),
    "weave_widgets.data": (
        "weave_widgets.client",
        "weave_widgets.minimap",
        "weave_widgets.charts",
        "weave_widgets.server",
    ),
    "weave_widgets.minimap": ("weave_widgets.server", "weave_widgets.client"),
    "weave_widgets.charts": (
        "weave_widgets.minimap",
        "weave_widgets.server",
        "weave_widgets.client",
    ),
    "weave_widgets.server": (
        "weave_widgets.client",
        "weave_widgets.data",
        "weave_widgets.minimap",
        "weave_widgets.charts",
        "weave_widgets.demo",
    ),
}
"""Edges that would point the wrong way: data flows JSON -> models (client) -> columns ->
frames (data) -> payload -> canvas (minimap) or charts; the server shares only the models,
refs, ids and palette with the rest."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _imports(path: Path, modules: set[str]) -> Iterator[str]:
    """Every ``weave_widgets`` module ``path`` imports, at module level or inside functions
    (``from pkg import mod`` counts as importing ``mod``, not ``pkg``)."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path.name == "__init__.py", node)
            submodules = [
                f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules
            ]
            names = submodules if len(submodules) == len(node.names) else [target, *submodules]
        else:
            continue
        yield from (n for n in names if n.split(".")[0] == "weave_widgets")


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path, set(modules)):
            # ``from pkg import mod`` names a module; ``from mod import func`` names its module.
            while imported not in modules and "." in imported:
                imported = imported.rsplit(".", 1)[0]
            if imported in modules and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def _package_edges(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph with each module replaced by its subpackage (or top-level module); the
    package root ``weave_widgets`` wires the layers and is left out."""

    def part(name: str) -> str:
        return ".".join(name.split(".")[:2])

    edges: dict[str, set[str]] = {}
    for source, targets in graph.items():
        if source == "weave_widgets":
            continue
        edges.setdefault(part(source), set()).update(
            part(t) for t in targets if t != "weave_widgets" and part(t) != part(source)
        )
    return edges


def test_the_import_graph_has_no_cycle() -> None:
    assert _cycle(import_graph()) is None, (
        f"import cycle: {' -> '.join(_cycle(import_graph()) or [])}"
    )


def test_subpackages_import_one_way() -> None:
    edges = _package_edges(import_graph())
    assert _cycle(edges) is None, f"subpackage cycle: {' -> '.join(_cycle(edges) or [])}"
    wrong = {
        (source, target)
        for source, banned in FORBIDDEN.items()
        for target in edges.get(source, set())
        if target in banned
    }
    assert not wrong, f"imports pointing the wrong way: {sorted(wrong)}"


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("layer", LAYERS)
def test_each_subpackage_opens_with_a_docstring_and_curates_its_names(layer: str) -> None:
    module = importlib.import_module(f"weave_widgets.{layer}")
    assert (module.__doc__ or "").strip(), f"weave_widgets.{layer} has no docstring"
    exported = getattr(module, "__all__", None)
    assert exported, f"weave_widgets.{layer} has no __all__"
    for name in exported:
        assert not name.startswith("_")
        assert hasattr(module, name), f"weave_widgets.{layer}.__all__ names missing {name!r}"


def test_every_module_opens_with_a_docstring() -> None:
    missing = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if p.name != "__main__.py" and not ast.get_docstring(ast.parse(p.read_text("utf-8")))
    ]
    assert not missing, f"modules without a docstring: {missing}"


def test_top_level_names() -> None:
    assert set(weave_widgets.__all__) == {
        "AsyncWeaveClient",
        "ConversationData",
        "ConversationMinimap",
        "WeaveClient",
        "conversation_data",
        "errors",
        "Link",
        "link",
    }
    from weave_widgets import ConversationMinimap  # noqa: F401  (the README's import)


_README_IMPORT = re.compile(r"^\s*from (weave_widgets[\w.]*) import ([\w, ]+)$", re.MULTILINE)
_README_DOTTED = re.compile(r"`(weave_widgets(?:\.\w+)+)")
_README_ERROR = re.compile(r"`(\w+Error)`")
_README_CLASS = re.compile(r"`([A-Z]\w+)")


def test_every_name_the_readme_shows_imports() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = 0
    for module_name, names in _README_IMPORT.findall(readme):
        module = importlib.import_module(module_name)
        for name in (n.strip() for n in names.split(",")):
            assert hasattr(module, name), f"README: from {module_name} import {name}"
            shown += 1
    for dotted in _README_DOTTED.findall(readme):
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                target: object = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for attribute in parts[cut:]:
                assert hasattr(target, attribute), f"README names {dotted}, which does not exist"
                target = getattr(target, attribute)
            break
        shown += 1
    for error in set(_README_ERROR.findall(readme)):
        assert hasattr(weave_widgets.errors, error), f"README names {error}, not in errors"
        shown += 1
    for name in set(_README_CLASS.findall(readme)) & {"ConversationMinimap", "AsyncWeaveClient"}:
        assert name in weave_widgets.__all__
        shown += 1
    assert shown > 10, "the README checks found almost nothing: has the README changed form?"


def test_nothing_names_a_path_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "grep", "-lE", r"/work/|\.\./shared|weave-semantics|DESIGN\.md", "--", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if tracked.returncode == 128:
        pytest.skip("not a git checkout")
    offenders = [f for f in tracked.stdout.split() if f != "tests/test_layout.py"]
    assert not offenders, f"files naming paths outside the repository: {offenders}"
