"""The house: three ways in (pages/, api/, live/) over one core that imports none of them, and
no way in that borrows from another. Read from the source files' imports, so a lazy import
inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "sessions"
WAYS_IN = ("pages", "api", "live")


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module that `path` imports, as absolute dotted names (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            found.add(origin)
            # `from sessions import api` imports the package sessions.api.
            found.update(f"{origin}.{alias.name}" for alias in node.names)
    return found


def way_in_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "sessions" and parts[1] in WAYS_IN:
        return parts[1]
    return None


def app_modules() -> list[Path]:
    return sorted(path for path in APP.rglob("*.py") if "migrations" not in path.parts)


def test_the_three_ways_in_and_the_core_are_where_the_house_says():
    for package in WAYS_IN:
        assert (APP / package / "__init__.py").is_file(), package
    for core in ("models", "selectors", "events", "payloads", "reports", "exports", "charts"):
        assert (APP / f"{core}.py").is_file(), core
    assert (APP / "services" / "__init__.py").is_file()
    # No page or socket module is left beside the core.
    leftovers = {"views", "report_views", "moderation_views", "account_views", "forms", "urls"}
    leftovers |= {"consumers", "relay", "presence", "routing"}
    assert not [name for name in leftovers if (APP / f"{name}.py").exists()]


@pytest.mark.parametrize("path", app_modules(), ids=lambda path: module_name(path))
def test_a_module_imports_no_other_way_in_than_its_own(path: Path):
    own = way_in_of(module_name(path))
    borrowed = sorted(
        module
        for module in imported_modules(path)
        if way_in_of(module) is not None and way_in_of(module) != own
    )
    assert borrowed == [], f"{module_name(path)} ({own or 'core'}) imports {borrowed}"


def test_the_walk_sees_relative_and_absolute_imports():
    """The walker itself resolves both kinds of import, so the test above can fail."""
    core_module = APP / "selectors.py"
    tree = imported_modules(core_module)
    assert "sessions.models" in tree  # `from .models import ...` resolved
    page_module = APP / "pages" / "sessions.py"
    assert "sessions.selectors" in imported_modules(page_module)  # `from .. import selectors`
    assert way_in_of("sessions.live.relay") == "live"
    assert way_in_of("sessions.api") == "api"
    assert way_in_of("sessions.selectors") is None
