"""The layout of README "Architecture": tracker/ and web/ grouped by concern, with only the named
modules loose in them; every folder says in its __init__.py what lives there; no module imports
one that imports it back (module-level imports, the ones that run when a module is loaded); and
tracker/cli/ is the only importer of web/ outside web/ itself."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("events", "projections", "tracker", "web")

# What may lie directly in tracker/ and web/: the folders by concern, and the few loose modules.
LOOSE = {
    "tracker": {"__init__", "config", "runtime", "scheduler", "demo", "committee_report_draft"},
    "web": {"__init__", "access_log", "display", "errors", "forms", "i18n",
            "navigation", "policy", "runtime", "schemas", "settings_view"},
}
FOLDERS = {
    "tracker": {"admin", "application", "bench", "casework", "cli", "history_import",
                "notifications", "operations", "people", "retention", "storage"},
    "web": {"api", "cases", "casework", "documents", "pages", "sign_in"},
}
DATA_FOLDERS = {"static", "templates", "translations", "__pycache__"}


def modules() -> dict[str, Path]:
    found = {}
    for top in OURS:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            found[".".join(relative.parts).removesuffix(".__init__")] = path
    return found


def module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports that run when the module is loaded (also under if/try at the top level)."""
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try)):
            for block in (node.body, node.orelse, getattr(node, "finalbody", [])):
                yield from module_level(block)
            for handler in getattr(node, "handlers", []):
                yield from module_level(handler.body)


def targets(node: ast.Import | ast.ImportFrom, known: dict[str, Path]) -> list[str]:
    """Our modules an import statement loads: `from web import navigation` loads web.navigation,
    `from web.api import endpoint` loads web.api."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level or not node.module:
        return []
    else:
        names = [
            f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known
            else node.module
            for alias in node.names
        ]
    return [name for name in names if name in known]


def graph(level: str) -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        tree = ast.parse(path.read_text(), str(path))
        nodes = module_level(tree.body) if level == "module" else (
            n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
        )
        for node in nodes:
            edges[name].update(targets(node, known))
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("top", sorted(LOOSE))
def test_only_the_named_modules_lie_loose(top: str) -> None:
    folder = ROOT / top
    loose = {path.stem for path in folder.glob("*.py")}
    folders = {path.name for path in folder.iterdir() if path.is_dir()} - DATA_FOLDERS
    assert (loose - LOOSE[top], folders - FOLDERS[top]) == (set(), set())
    assert all((folder / name / "__init__.py").exists() for name in FOLDERS[top])


def test_every_folder_says_in_one_line_what_lives_there() -> None:
    unsaid = []
    for top in OURS:
        for init in sorted((ROOT / top).rglob("__init__.py")):
            doc = ast.get_docstring(ast.parse(init.read_text()))
            if not doc or not doc.splitlines()[0].strip():
                unsaid.append(str(init.relative_to(ROOT)))
    assert unsaid == []


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert circles(graph("module")) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_composition_root_imports_web() -> None:
    outside = [
        f"{name} imports {other}"
        for name, imported in graph("any").items()
        if not within(name, "web") and not within(name, "tracker.cli")
        for other in imported
        if within(other, "web")
    ]
    assert outside == []


# Where a set of roles may be built: web/policy.py, named for what each allows, and the case
# access rules below the web layer that the notifier needs too (web/policy.py re-exports them).
ROLE_SETS_BUILT_IN = {"web/policy.py", "tracker/people/access.py"}


def builds_a_role_set(node: ast.AST) -> bool:
    """A set literal or set(...)/frozenset(...) call holding `Role.X`, `frozenset(Role)`, or
    a union of such sets by name (`A_ROLES | B_ROLES`)."""
    def is_role(item: ast.AST) -> bool:
        return (isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name)
                and item.value.id == "Role")

    if isinstance(node, ast.Set):
        return any(is_role(element) for element in node.elts)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in {"set", "frozenset"} and node.args):
        argument = node.args[0]
        if isinstance(argument, ast.Name) and argument.id == "Role":
            return True
        if isinstance(argument, (ast.Set, ast.List, ast.Tuple)):
            return any(is_role(element) for element in argument.elts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        names = [side.id for side in (node.left, node.right) if isinstance(side, ast.Name)]
        return any(name.endswith(("ROLES", "ROLE")) for name in names)
    return False


def test_role_sets_are_built_only_in_the_policy() -> None:
    found = []
    for top in ("tracker", "web"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if relative in ROLE_SETS_BUILT_IN:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found += [f"{relative}:{node.lineno}" for node in ast.walk(tree)
                      if builds_a_role_set(node)]
    assert found == [], "role sets belong in web/policy.py, named for what they allow"


def test_the_role_set_check_finds_one() -> None:
    for source in ("ADMIN = frozenset({Role.ADMIN})", "x = {Role.ADMIN, Role.ENHETSCHEF}",
                   "EVERY = frozenset(Role)", "BOARD = CHILD_REPORT_ROLES | LEX_SARAH_ROLES"):
        assert any(builds_a_role_set(node) for node in ast.walk(ast.parse(source))), source
    assert not any(builds_a_role_set(node) for node in ast.walk(ast.parse(
        "allowed = account.role in policy.REVIEWERS")))


def test_our_modules_are_imported_at_the_top_unless_a_comment_says_why() -> None:
    """An import of our own modules inside a function hides a dependency from the reader and
    from the layout tests: at the top, or with a comment (on it, or above its block) saying
    why not here (a heavy library only one command needs, say)."""
    hidden = []
    for top in OURS:
        for path in sorted((ROOT / top).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").split("\n")
            tree = ast.parse("\n".join(lines))
            for function in ast.walk(tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(function):
                    if not isinstance(node, (ast.Import, ast.ImportFrom)):
                        continue
                    name = (node.names[0].name if isinstance(node, ast.Import)
                            else node.module or "")
                    if name.split(".")[0] not in OURS:
                        continue
                    above = node.lineno - 1  # the import's own line, 0-based
                    said = "#" in lines[above]
                    while not said and above > 0:
                        above -= 1
                        line = lines[above].strip()
                        if line.startswith("#"):
                            said = True
                        elif not (line == "" or line.startswith(("from ", "import "))):
                            break
                    if not said:
                        hidden.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert hidden == []
