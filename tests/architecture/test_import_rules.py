"""The dependency rules of README "Architecture", read from the code's own imports (local
and TYPE_CHECKING imports included): dependencies point down, web -> tracker ->
projections -> events, and only the composition root (tracker/cli/) assembles the parts."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"events", "tracker", "projections", "web"}

# What each part may import of ours (a part is a folder; tracker/cli/ is its own part).
ALLOWED = {
    "events": {"events"},
    "projections": {"events", "projections"},
    "tracker": {"events", "projections", "tracker"},
    "tracker.cli": {"events", "projections", "tracker", "tracker.cli", "web"},
    "web": {"events", "projections", "tracker", "web"},
}


def part_of(module: str) -> str:
    if module == "tracker.cli" or module.startswith("tracker.cli."):
        return "tracker.cli"
    return module.split(".")[0]


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # `from tracker import cli` names a module too
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] in OURS]


def modules() -> list[tuple[str, Path]]:
    found = []
    for top in sorted(OURS):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            found.append((".".join(relative.parts).removesuffix(".__init__"), path))
    return found


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_the_parts_below_it(part: str) -> None:
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in modules()
        if part_of(module) == part
        for line, name in imports(path)
        if part_of(name) not in ALLOWED[part]
    ]
    assert broken == []


def test_only_the_composition_root_opens_a_runtime() -> None:
    """open_runtime is defined in tracker/runtime.py and called only under tracker/cli/."""
    callers = sorted(
        str(path.relative_to(ROOT))
        for module, path in modules()
        if part_of(module) != "tracker.cli" and module != "tracker.runtime"
        and any(
            isinstance(node, ast.Call)
            and "open_runtime" in (getattr(node.func, "id", None), getattr(node.func, "attr", None))
            for node in ast.walk(ast.parse(path.read_text()))
        )
    )
    assert callers == []
