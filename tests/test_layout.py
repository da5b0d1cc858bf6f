"""The tests' own layout: test modules share data builders through `tests/builders/` and fixtures through the
`conftest.py` files, never by importing another test module (which would also run its tests twice or hide them)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> list[str]:
    """Every module `path` imports, at any depth (imports inside functions too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_no_test_module_imports_another_test_module() -> None:
    offenders = [f"{path.relative_to(TESTS.parent)}: {name}"
                 for path in sorted(TESTS.rglob("*.py")) if "__pycache__" not in path.parts
                 for name in imported_modules(path)
                 if name.startswith("tests.") and any(part.startswith("test_") for part in name.split("."))]
    assert not offenders, "import shared builders from tests.builders, fixtures from conftest.py:\n" + "\n".join(
        offenders)
