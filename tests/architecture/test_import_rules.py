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


# Inside tracker/ and web/, the folders and loose modules by concern ("rooms") stand on each
# other: a room imports only rooms on lower floors (README "Architecture").
FLOORS = {
    "tracker": [
        {"", "config", "history_import"},  # "": tracker/__init__.py, a docstring
        {"storage"},
        {"people"},
        {"admin"},
        {"application", "committee_report_draft"},
        {"casework", "retention"},
        {"runtime"},
        {"notifications", "bench", "demo", "operations"},
        {"scheduler"},
        {"cli"},
    ],
    "web": [
        {"i18n", "runtime", "policy", "navigation", "settings_view"},
        {"access_log", "schemas"},
        {"display", "forms"},
        {"cases", "documents", "sign_in"},
        {"casework"},
        {"pages"},
        {"api"},
        {"errors"},
        {""},  # web/__init__.py: create_app
    ],
}


def room_of(module: str) -> tuple[str, str] | None:
    """("tracker", "people") for tracker.people.accounts; ("web", "") for web itself."""
    parts = module.split(".")
    if parts[0] not in FLOORS:
        return None
    return parts[0], parts[1] if len(parts) > 1 else ""


def loads(path: Path) -> list[tuple[int, str]]:
    """The modules of ours an import loads: `from web import policy` loads web.policy, `from
    web.api import endpoint` loads web.api."""
    known = {module for module, _ in modules()}
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [
                (node.lineno, f"{node.module}.{alias.name}"
                 if f"{node.module}.{alias.name}" in known else node.module)
                for alias in node.names
            ]
    return [(line, name) for line, name in found if name in known]


@pytest.mark.parametrize("top", sorted(FLOORS))
def test_every_room_has_a_floor(top: str) -> None:
    rooms = {room_of(module) for module, _ in modules()} - {None}
    placed = {(top, room) for floor in FLOORS[top] for room in floor}
    assert {room for room in rooms if room is not None and room[0] == top} == placed


@pytest.mark.parametrize("top", sorted(FLOORS))
def test_each_room_imports_only_rooms_below_it(top: str) -> None:
    floor = {room: number for number, rooms in enumerate(FLOORS[top]) for room in rooms}
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in modules()
        if (here := room_of(module)) is not None and here[0] == top
        for line, name in loads(path)
        if (there := room_of(name)) is not None and there[0] == top and there != here
        and there[1] in floor and floor[there[1]] >= floor[here[1]]
    ]
    assert upward == []
