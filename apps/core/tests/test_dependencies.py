"""apps.core is plumbing every app shares: it must not import a domain app."""

import ast
from pathlib import Path

import apps.core

CORE_DIR = Path(apps.core.__file__).parent
DOMAIN_APPS = (
    "apps.meetings",
    "apps.debriefings",
    "apps.crm",
    "apps.analytics",
    "apps.demo",
)


def core_modules() -> list[Path]:
    """Return every .py file of apps.core outside its tests."""
    return sorted(
        path
        for path in CORE_DIR.rglob("*.py")
        if "tests" not in path.relative_to(CORE_DIR).parts
    )


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
            # `from apps import meetings` imports a domain app as well.
            names += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return names


def is_domain_app(name: str) -> bool:
    return any(name == app or name.startswith(f"{app}.") for app in DOMAIN_APPS)


def test_core_modules_import_no_domain_app():
    modules = core_modules()
    assert CORE_DIR / "api.py" in modules  # the scan looks where apps.core lives

    offending = []
    for path in modules:
        relative = path.relative_to(CORE_DIR.parent.parent)
        package = ".".join(relative.parent.parts)
        for line, name in imported_names(path.read_text(), package):
            if is_domain_app(name):
                offending.append(f"{relative}:{line} imports {name}")

    assert offending == []


def test_import_scan_sees_absolute_relative_and_from_package_imports():
    source = (
        "import apps.meetings.models\n"
        "from apps.crm.models import Lead\n"
        "from apps import analytics\n"
        "from ..demo import generator\n"
        "from apps.core.errors import InvalidInput\n"
        "from . import api\n"
    )

    names = [name for _, name in imported_names(source, "apps.core")]

    assert [name for name in names if is_domain_app(name)] == [
        "apps.meetings.models",
        "apps.crm.models",
        "apps.crm.models.Lead",
        "apps.analytics",
        "apps.demo",
        "apps.demo.generator",
    ]
    assert "apps.core.api" in names
