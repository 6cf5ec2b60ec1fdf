"""Every service that changes a study returns what it changed, as one typed value (issue #12,
'one change pipeline'): a :class:`~socialcoder.services.study_change.StudyChange`, the coding
actions' :class:`~socialcoder.services.coding.Change` (one or a list), or a result that carries
its ``change``. Found by reading the source: a public function of ``socialcoder/services`` that
opens a write transaction (``.write()``), and the class it returns."""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "socialcoder" / "services"
CHANGE_VALUES = {"StudyChange", "Change", "list[Change]"}
#: writers whose result carries no change yet, each with what it changes; the lead's window
#: learns of these through the watcher, as of a change made elsewhere (gui/watch.py)
NOT_YET: dict[str, str] = {}


def _classes_with_change() -> set[str]:
    out = set()
    for path in SERVICES.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    named = (
                        item.name
                        if isinstance(item, ast.FunctionDef)
                        else item.target.id
                        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                        else None
                    )
                    if named == "change":
                        out.add(node.name)
    return out


def _writes(body: str, helpers: set[str]) -> bool:
    return ".write()" in body or "study.write(" in body or any(f"{h}(" in body for h in helpers)


def _writers() -> dict[str, str]:
    """module.function -> its return annotation, for every public writer (one that opens a
    write transaction itself or through a private function of its module)."""
    out = {}
    for path in sorted(SERVICES.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        functions = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
        bodies = {f.name: ast.get_source_segment(source, f) or "" for f in functions}
        helpers = {n for n, b in bodies.items() if n.startswith("_") and _writes(b, set())}
        for node in functions:
            if not node.name.startswith("_") and _writes(bodies[node.name], helpers):
                returns = ast.unparse(node.returns) if node.returns else "None"
                out[f"{path.stem}.{node.name}"] = returns
    return out


def test_every_writer_returns_what_it_changed() -> None:
    carriers = _classes_with_change()
    writers = _writers()
    assert len(writers) > 20, writers  # the scan finds the writers
    without = {
        name: returns
        for name, returns in writers.items()
        if returns not in CHANGE_VALUES
        and returns.removeprefix("list[").removesuffix("]") not in carriers
        and name not in NOT_YET
    }
    assert not without, f"services that change a study and return no change value: {without}"


def test_the_list_of_those_not_yet_done_is_current() -> None:
    """A writer that now returns its change leaves the list (it cannot hide a new one)."""
    carriers = _classes_with_change()
    writers = _writers()
    stale = [
        n
        for n in NOT_YET
        if n not in writers
        or writers[n] in CHANGE_VALUES
        or writers[n].removeprefix("list[").removesuffix("]") in carriers
    ]
    assert not stale, stale
