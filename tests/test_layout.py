"""The tests' own layout: test modules share data builders through `tests/builders/` and fixtures through the
`conftest.py` files, never by importing another test module (which would also run its tests twice or hide them);
the tests' folders mirror the product's areas."""

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
    offenders = [
        f"{path.relative_to(TESTS.parent)}: {name}"
        for path in sorted(TESTS.rglob("*.py"))
        if "__pycache__" not in path.parts
        for name in imported_modules(path)
        if name.startswith("tests.") and any(part.startswith("test_") for part in name.split("."))
    ]
    assert not offenders, "import shared builders from tests.builders, fixtures from conftest.py:\n" + "\n".join(
        offenders
    )


def test_the_tests_tree_mirrors_the_product_areas() -> None:
    """`tests/queries/<area>/` and `tests/jobs/<area>/` test a package that exists; page tests sit under
    `tests/dashboard/pages/`; no test module lies loose at the top of `tests/queries`'s or `tests/jobs`'s areas."""
    root = TESTS.parent
    strays = [
        f"{folder.relative_to(root)}"
        for layer in ("queries", "jobs")
        for folder in sorted((TESTS / layer).iterdir())
        if folder.is_dir()
        and folder.name != "__pycache__"
        and not (root / layer / folder.name / "__init__.py").exists()
    ]
    assert not strays, f"test folders without a product package of that name: {strays}"
    pages = TESTS / "dashboard" / "pages"
    assert pages.is_dir() and any(pages.glob("test_*_page.py"))
    loose = [p.name for p in (TESTS / "dashboard").glob("test_*_page.py")]
    assert not loose, f"page tests belong in tests/dashboard/pages/: {loose}"
