"""The package's shape: imports go one way, access rules live in one module, every module says
its job, and the matching core stands alone."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "matcher"
FEATURES = {
    "admin",
    "auth",
    "board",
    "groups",
    "institutions",
    "introductions",
    "jobs",
    "main",
    "meetings",
    "profiles",
    "requests",
    "rosters",
    "rounds",
    "subscriptions",
}
ASSEMBLY = {"matcher", "matcher.cli", "matcher.demo", "matcher.worker"}
"""The app factory, its commands, the demo data and the worker's tasks bring every feature
together."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(), str(path)) for name, path in MODULES.items()}


def imported(name: str, node: ast.AST) -> list[str]:
    """The matcher modules an import statement names (a package's submodule where it names
    one, else the package)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "matcher"]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = name.split(".")
        if MODULES[name].name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - node.level + 1]
        module = ".".join([*base, node.module] if node.module else base)
    else:
        module = node.module or ""
    if module.split(".")[0] != "matcher":
        return []
    return [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]


GRAPH = {
    name: {
        target
        for node in ast.walk(tree)
        for target in imported(name, node)
        if target in MODULES and target != name
    }
    for name, tree in TREES.items()
}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def package_of(name: str) -> str:
    return ".".join(name.split(".")[:2])


def test_no_module_imports_itself_back():
    assert cycles(GRAPH) == []


def test_no_package_imports_itself_back():
    packages: dict[str, set[str]] = {}
    for name, targets in GRAPH.items():
        for target in targets:
            if package_of(target) != package_of(name) and name not in ASSEMBLY:
                packages.setdefault(package_of(name), set()).add(package_of(target))
    assert cycles(packages) == []


def test_shared_modules_import_no_feature():
    """Features import downward: access rules, models, mail, the solve layer and the other
    shared modules never import a feature package."""
    upward = sorted(
        (name, target)
        for name, targets in GRAPH.items()
        if name not in ASSEMBLY and name.split(".")[1] not in FEATURES
        for target in targets
        if target.split(".")[1] in FEATURES
    )
    assert upward == []


def test_no_import_inside_a_function_but_the_app_factory():
    """The factory imports the app's parts when it runs, so importing the matching core (a
    subpackage) loads no Flask; nothing else imports late, so no cycle hides there."""
    late = []
    for name, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
                if inner and (name, node.name) != ("matcher", "create_app"):
                    late.append(f"{name}.{node.name}")
    assert late == []


def test_every_view_decorator_lives_in_the_access_module():
    wrappers = sorted(
        f"{name}.{node.name}"
        for name, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call)
            and getattr(d.func, "id", getattr(d.func, "attr", "")) == "wraps"
            for d in node.decorator_list
        )
    )
    assert wrappers
    assert {w.rsplit(".", 1)[0] for w in wrappers} == {"matcher.access"}


@pytest.mark.parametrize(
    "module",
    ["matcher.access", "matcher.auth.services", "matcher.rounds.drafts", "matcher.solving"],
)
def test_importing_rules_or_services_loads_no_view(module):
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.endswith('.routes')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_the_matching_core_imports_no_flask_database_or_app_module():
    outside = sorted(
        (name, node.module if isinstance(node, ast.ImportFrom) else a.name)
        for name, tree in TREES.items()
        if name.startswith("matcher.matching")
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0)
        for a in node.names
        if (node.module if isinstance(node, ast.ImportFrom) else a.name).split(".")[0]
        in {"flask", "flask_login", "flask_sqlalchemy", "sqlalchemy", "matcher"}
    )
    assert outside == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_says_its_job(name):
    docstring = ast.get_docstring(TREES[name])
    assert docstring, f"{name} has no docstring"
    assert docstring.splitlines()[0].strip()
