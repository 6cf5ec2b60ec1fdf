"""No module of the package is over 600 lines (#12): a module a reader can take in whole,
split along a real seam (a module named for what it answers) when it grows past that. The
offenders are listed by name and length."""

from __future__ import annotations

from pathlib import Path

LIMIT = 600
PACKAGE = Path(__file__).resolve().parents[2] / "socialcoder"


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _over_limit() -> dict[str, int]:
    return {
        path.relative_to(PACKAGE).as_posix(): n
        for path in sorted(PACKAGE.rglob("*.py"))
        if (n := _lines(path)) > LIMIT
    }


def test_the_package_is_where_the_test_looks() -> None:
    assert (PACKAGE / "__init__.py").is_file()
    assert len(list(PACKAGE.rglob("*.py"))) > 100


def test_no_module_over_600_lines() -> None:
    offenders = _over_limit()
    assert not offenders, "over 600 lines: " + ", ".join(
        f"socialcoder/{f} ({n})" for f, n in sorted(offenders.items())
    )
