"""Wide records are built by keyword (issue #12): no call in the package gives a dataclass of
its own six or more positional arguments, where two swapped fields of one type would go
unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "socialcoder"
WIDE = 6


def _dataclasses(trees: dict[Path, ast.Module]) -> set[str]:
    def is_dataclass(d: ast.expr) -> bool:
        target = d.func if isinstance(d, ast.Call) else d
        return (isinstance(target, ast.Name) and target.id == "dataclass") or (
            isinstance(target, ast.Attribute) and target.attr == "dataclass"
        )

    return {
        node.name
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and any(is_dataclass(d) for d in node.decorator_list)
    }


def positional_calls(trees: dict[Path, ast.Module]) -> list[str]:
    records = _dataclasses(trees)
    return [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.func.id}"
        for path, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in records
        and len(node.args) >= WIDE
    ]


def test_no_wide_record_is_built_positionally() -> None:
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))}
    assert len(_dataclasses(trees)) > 50  # the scan finds the records
    found = positional_calls(trees)
    assert not found, "build these by keyword:\n" + "\n".join(found)


def test_the_scan_finds_a_positional_record() -> None:
    source = (
        "from dataclasses import dataclass\n@dataclass\nclass R:\n    a: int\n"
        "r = R(1, 2, 3, 4, 5, 6)\nq = R(a=1)\n"
    )
    assert positional_calls({PACKAGE / "x.py": ast.parse(source)}) == ["socialcoder/x.py:5 R"]
