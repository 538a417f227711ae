"""Imports point one way: minutes ← cards ← workflows (use cases and the ports they own) ← the adapters
(store, graph, sources, reading, reports) ← bot/scheduler; SDKs stay at the edge, and the use cases import none."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {
    "minutes",
    "cards",
    "store",
    "graph",
    "sources",
    "reading",
    "reports",
    "workflows",
    "bot",
    "scheduler",
}
SDKS = {
    "aiohttp",
    "httpx",
    "msgraph",
    "azure",
    "kiota_abstractions",
    "botbuilder",
    "apscheduler",
    "sqlalchemy",
}

# What each package may import of the project's own packages. The use cases own their ports; an adapter
# implements them and may import of workflows/ only those (PORT_MODULES), never a use case.
ALLOWED = {
    "minutes": set(),
    "cards": {"minutes"},
    "workflows": {"minutes", "cards"},
    "store": {"minutes", "workflows"},
    "graph": {"minutes"},
    "sources": {"minutes", "graph", "workflows"},
    "reading": {"minutes"},
    # The follow-through report's files: written from the core's FollowThrough, nothing else of the project.
    "reports": {"minutes"},
    "bot": {"minutes", "cards", "store", "graph", "sources", "reading", "reports", "workflows"},
    "scheduler": {"minutes", "cards", "store", "graph", "workflows"},
}
ADAPTERS = {"store", "graph", "sources", "reading", "reports"}
PORT_MODULES = {"workflows.ports", "workflows.outbox"}
# The use cases import the standard library and the project's core only: no SDK, no parser, no driver.
USE_CASES = "workflows"
# The pure core and the card builders touch no SDK and no network library.
PURE = {"minutes", "cards"}
# botbuilder is at end of support: the gateway's package holds every import of it.
BOTBUILDER_GATEWAY = "bot/teams_gateway/"


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def imported_modules(path: Path) -> set[str]:
    """Every module named by an absolute import (`from a.b import c` names a.b, `import a.b` names a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


# The composition root wires everything, the scheduler included (house style: bot/app.py imports it all).
COMPOSITION_ROOT = "bot/app.py"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_project_imports_point_one_way(package: str) -> None:
    for path in modules(package):
        if path.relative_to(ROOT).as_posix() == COMPOSITION_ROOT:
            continue
        forbidden = (imported_roots(path) & PROJECT) - ALLOWED[package] - {package}
        assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"


@pytest.mark.parametrize("package", sorted(ADAPTERS))
def test_adapters_import_only_the_ports_of_the_use_cases(package: str) -> None:
    for path in modules(package):
        of_workflows = {name for name in imported_modules(path) if name.split(".")[0] == USE_CASES}
        assert of_workflows <= PORT_MODULES, (
            f"{path.relative_to(ROOT)} imports {sorted(of_workflows - PORT_MODULES)}"
        )


def test_the_use_cases_import_no_sdk_and_no_adapter() -> None:
    own = {"minutes", "cards", USE_CASES}
    for path in modules(USE_CASES):
        foreign = imported_roots(path) - own - set(sys.stdlib_module_names)
        assert not foreign, f"{path.relative_to(ROOT)} imports {sorted(foreign)}"


@pytest.mark.parametrize("package", sorted(PURE))
def test_pure_packages_import_no_sdk(package: str) -> None:
    for path in modules(package):
        assert not imported_roots(path) & SDKS, f"{path.relative_to(ROOT)} imports an SDK"


def test_only_the_gateway_imports_botbuilder() -> None:
    for package in PROJECT:
        for path in modules(package):
            if not path.relative_to(ROOT).as_posix().startswith(BOTBUILDER_GATEWAY):
                assert "botbuilder" not in imported_roots(path), (
                    f"{path.relative_to(ROOT)} imports botbuilder"
                )


def test_only_the_composition_root_wires_the_scheduler() -> None:
    importers = [
        path.relative_to(ROOT).as_posix()
        for package in PROJECT - {"scheduler"}
        for path in modules(package)
        if "scheduler" in imported_roots(path)
    ]
    assert importers in ([], [COMPOSITION_ROOT])


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from workflows.cli import main\nimport botbuilder.core\nimport docx\n", encoding="utf-8")
    assert imported_roots(bad) == {"workflows", "botbuilder", "docx"}
    assert imported_modules(bad) == {"workflows.cli", "botbuilder.core", "docx"}
    assert "docx" not in sys.stdlib_module_names and "asyncio" in sys.stdlib_module_names
