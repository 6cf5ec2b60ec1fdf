"""The map cannot go stale (issue #12): every module the README and docs/*.md name exists.

A path is a ``.py`` path that starts with ``socialcoder/`` or with one of the package's own
folders (``services/undo.py``, ``gui/lead/workers.py::Latest``), or with ``tests/``,
``benchmarks/`` or ``scripts/`` (from the project root); a dotted name is
``socialcoder.x.y`` (``socialcoder.services.undo``, ``socialcoder.gui.lead.workers.Latest``:
what follows a module is one of its attributes). A module split or removed makes this fail
with the document and line that still name it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "socialcoder"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

PATH = re.compile(r"(?<![\w/.~-])((?:[A-Za-z_][\w-]*/)+[A-Za-z_]\w*\.py)\b")
DOTTED = re.compile(r"(?<![\w.])socialcoder(?:\.[A-Za-z_]\w*)+")
FROM_ROOT = ("socialcoder", "tests", "benchmarks", "scripts")
#: ``socialcoder.spec``, ``socialcoder.ico``: files of the installers, not modules
FILE_SUFFIXES = {"spec", "exe", "ico", "icns", "svg", "png", "dmg", "msi", "app", "zip"}


def _folders() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def named_paths(text: str) -> list[str]:
    """The ``.py`` paths ``text`` names, as paths from the project root."""
    folders = _folders()
    found = []
    for match in PATH.finditer(text):
        path = match.group(1)
        first = path.split("/", 1)[0]
        if first in FROM_ROOT:
            found.append(path)
        elif first in folders:
            found.append(f"socialcoder/{path}")
    return found


def module_exists(dotted: str) -> bool:
    """True when ``dotted`` (``socialcoder.a.b...``) is a module of the package, or a module
    followed by names inside it."""
    where = ROOT
    for part in dotted.split("."):
        if (where / part / "__init__.py").exists():
            where = where / part
        else:
            return (where / f"{part}.py").exists() or (where != ROOT and _inside(where, part))
    return True


def _inside(package: Path, name: str) -> bool:
    """A name defined (or imported) in a package's ``__init__.py``."""
    return (
        re.search(rf"\b{re.escape(name)}\b", (package / "__init__.py").read_text("utf-8"))
        is not None
    )


def stale() -> list[str]:
    missing = []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{doc.relative_to(ROOT)}:{number}"
            missing += [f"{where}: {p}" for p in named_paths(line) if not (ROOT / p).exists()]
            missing += [
                f"{where}: {d}"
                for d in DOTTED.findall(line)
                if d.split(".")[1] not in FILE_SUFFIXES and not module_exists(d)
            ]
    return missing


def test_every_module_the_docs_name_exists() -> None:
    assert stale() == []


def test_the_check_finds_paths_and_dotted_names() -> None:
    line = (
        "`services/undo.py::apply_changes`, `gui/lead/workers.py`, socialcoder/errors.py, "
        "`socialcoder.services.study_change.StudyChange`, see /tmp/x/services/gone.py"
    )
    assert named_paths(line) == [
        "socialcoder/services/undo.py",
        "socialcoder/gui/lead/workers.py",
        "socialcoder/errors.py",
    ]
    assert module_exists("socialcoder.services.study_change.StudyChange")
    assert module_exists("socialcoder.gui.lead.workers")
    assert not module_exists("socialcoder.services.queries")
    assert not module_exists("socialcoder.services.gui_support.anything")
    assert "socialcoder.spec" not in " ".join(stale())
    assert not (ROOT / named_paths("`services/queries.py`")[0]).exists()
