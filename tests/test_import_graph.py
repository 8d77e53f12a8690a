"""Imports run one way: manual <- reference <- scripts; tests import all of them, nothing imports
tests; `manual` stands on NumPy alone; `reference` uses only public names of `manual`."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"manual", "reference", "scripts", "tests"}
# what each part may import from the project
ALLOWED = {
    "manual": {"manual"},
    "reference": {"manual", "reference"},
    "scripts": PROJECT - {"tests"},
}
# third-party packages `manual` must never need (it is NumPy only)
NOT_IN_MANUAL = {"jax", "jaxlib", "sklearn", "statsmodels", "scipy", "mpmath", "matplotlib"}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names imported from it) for every import statement of the file."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _files(part: str) -> list[Path]:
    return sorted((ROOT / part).rglob("*.py"))


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_what_comes_before_it(part: str) -> None:
    for path in _files(part):
        for module, _ in _imports(path):
            top = module.partition(".")[0]
            if top in PROJECT:
                assert top in ALLOWED[part], f"{path.relative_to(ROOT)} imports {module}"
            if part == "manual":
                assert top not in NOT_IN_MANUAL, f"{path.relative_to(ROOT)} imports {module}"


def test_reference_uses_only_public_names_of_manual() -> None:
    for path in _files("reference"):
        for module, names in _imports(path):
            if module.partition(".")[0] != "manual":
                continue
            private = [p for p in module.split(".") if p.startswith("_")]
            private += [n for n in names if n.startswith("_")]
            assert not private, f"{path.relative_to(ROOT)}: {module} {names}"
