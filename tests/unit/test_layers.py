"""The layering the README promises, read from the source: pure domain, SQL only in storage,
and no import that runs in a circle (lazy imports inside functions included)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every bot module *path* imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("bot")}
    return found


GRAPH = {_module(p): _imports(p) for p in BOT.rglob("*.py")}
MODULES = set(GRAPH)


def _edges(module: str) -> set[str]:
    return {name for name in GRAPH[module] if name in MODULES and name != module}


def test_the_domain_imports_nothing_but_the_domain() -> None:
    for module, imported in GRAPH.items():
        if module.startswith("bot.domain"):
            outside = {m for m in imported if not m.startswith("bot.domain") and m != "bot"}
            assert not outside, f"{module} imports {outside}"


def test_services_know_ports_not_storage_or_channels() -> None:
    for module, imported in GRAPH.items():
        if module.startswith("bot.services"):
            wrong = {m for m in imported if m.startswith(("bot.storage", "bot.channels"))}
            assert not wrong, f"{module} imports {wrong}"


def test_no_import_runs_in_a_circle() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        for name in sorted(_edges(module)):
            visit(name, [*path, module])
        done.add(module)

    for module in sorted(MODULES):
        visit(module, [])


SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+\s+SET)\b", re.S)


def test_sql_lives_in_the_storage_package_only() -> None:
    for path in BOT.rglob("*.py"):
        if path.is_relative_to(BOT / "storage"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not SQL.search(node.value), f"SQL in {path.relative_to(ROOT)}"
