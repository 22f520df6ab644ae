"""Data flows one way: the import graph of apps/ has no circle and no import that
runs back up a layer (STYLE.md). Every import counts, including ones inside
functions, since a deferred import is how a circle usually hides."""

import ast
from functools import cache
from pathlib import Path

import apps

APPS_DIR = Path(apps.__file__).parent

# Which apps each app may import (besides itself): core is plumbing, accounts
# owns users and the Scope, the source domain comes next, the product last.
ALLOWED_APPS = {
    "core": {"accounts"},  # only the scoping base view, for the Scope
    "accounts": {"core"},
    "meetings": {"core", "accounts"},
    "debriefings": {"core", "accounts", "meetings"},
    "crm": {"core", "accounts", "meetings"},
    "analytics": {"core", "accounts", "meetings", "debriefings", "crm"},
    "demo": {"core", "accounts", "meetings", "debriefings", "crm", "analytics"},
}
# Layers inside apps.analytics, lowest first; a module may import its own layer
# and those below. Edges (API, pages, commands, tasks) may not import each other.
ANALYTICS_LAYERS = [
    {
        "models",
        "limits",
        "periods",
        "health_rules",
        "observability",
        "cache",
        "export_formats",
        "insights",  # pure functions on series: imports nothing from the project
    },
    {"selectors"},
    {"reporting"},  # report content and rendering, from selectors
    {"services"},
    {
        "api",
        "views",
        "management",
        "tasks",
        "signals",
        "admin",
        "apps",
        "urls",
        "middleware",
    },
]
EDGES = ANALYTICS_LAYERS[-1] - {"urls", "apps"}


def source_modules() -> dict[str, Path]:
    """Return {dotted name: path} of every module under apps/ but tests."""
    found = {}
    for path in APPS_DIR.rglob("*.py"):
        parts = path.relative_to(APPS_DIR.parent).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imported_names(source: str, package: str) -> list[tuple[int, str]]:
    """Return (line, dotted name) for everything the source, in package, imports."""
    parts = package.split(".")
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # A relative import is resolved against the module's package.
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *filter(None, [node.module])])
            names.append((node.lineno, module))
            # `from apps import meetings` imports an app as well.
            names += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return names


@cache
def import_graph() -> dict[str, set[tuple[int, str]]]:
    """Return {module: {(line, imported project module)}}.

    Importing `a.b.c` also runs the `__init__` of `a` and `a.b`, so those count
    as imported too, except a module's own packages (always already running).
    """
    modules = source_modules()
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for line, imported in imported_names(path.read_text(), package):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]  # `from m import function`
            parts = imported.split(".")
            for depth in range(2, len(parts) + 1):
                target = ".".join(parts[:depth])
                if target != name and not name.startswith(target + "."):
                    edges.add((line, target))
        graph[name] = edges
    return graph


def app_of(module: str) -> str:
    return module.split(".")[1]


def analytics_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "analytics" else None


def layer_of(part: str) -> int:
    return next(i for i, layer in enumerate(ANALYTICS_LAYERS) if part in layer)


def test_every_analytics_module_has_a_layer():
    parts = {analytics_part(m) for m in import_graph()} - {None}
    assert parts <= set().union(*ANALYTICS_LAYERS)


def test_apps_import_only_the_apps_below_them():
    offending = [
        f"{module}:{line} imports {target}"
        for module, edges in import_graph().items()
        for line, target in edges
        if app_of(module) != app_of(target)
        and app_of(target) not in ALLOWED_APPS[app_of(module)]
    ]
    assert offending == []


def test_no_analytics_module_imports_a_higher_layer_or_another_edge():
    offending = []
    for module, edges in import_graph().items():
        part = analytics_part(module)
        for line, target in edges:
            other = analytics_part(target)
            if part is None or other is None or part == other:
                continue
            if layer_of(other) > layer_of(part) or (part in EDGES and other in EDGES):
                offending.append(f"{module}:{line} imports {target}")
    assert offending == []


def test_there_is_no_import_circle():
    graph = {m: {t for _, t in edges} for m, edges in import_graph().items()}
    circles = [c for c in strongly_connected(graph) if len(c) > 1]
    assert circles == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of a graph (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checks_see_what_they_should():
    """Guard the scan itself: a known upward import and a known circle are found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(map(tuple, strongly_connected(graph))) == [("a", "b", "c"), ("d",)]
    names = imported_names(
        "def f():\n    from apps.analytics.tasks import x\nfrom . import y\n",
        "apps.analytics.services",
    )
    assert sorted(names) == [
        (2, "apps.analytics.tasks"),
        (2, "apps.analytics.tasks.x"),
        (3, "apps.analytics.services"),
        (3, "apps.analytics.services.y"),
    ]
    # Importing a submodule runs its packages' __init__ too.
    imported = {target for _, target in import_graph()["apps.analytics.tasks"]}
    assert {"apps.analytics.services", "apps.analytics.services.reporting"} <= imported
