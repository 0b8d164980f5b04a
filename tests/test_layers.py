"""Dependencies run one way (DESIGN.md): extract <- store <- alerts <- planwatch <- dags."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MAY_NOT_IMPORT = {
    "extract": ("store", "alerts", "planwatch", "dags"),
    "store": ("alerts", "planwatch", "dags"),
    "alerts": ("planwatch", "dags"),
    "dags": ("extract", "store", "alerts"),
}


def imported(path: Path) -> set[str]:
    """Every module imported anywhere in the file (also inside functions and TYPE_CHECKING blocks)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(MAY_NOT_IMPORT))
def test_no_package_imports_a_layer_above_it(package):
    bad = []
    for path in sorted((REPO / package).rglob("*.py")):
        for name in imported(path):
            if name.split(".")[0] in MAY_NOT_IMPORT[package]:
                bad.append(f"{path.relative_to(REPO)} imports {name}")
    assert bad == []
