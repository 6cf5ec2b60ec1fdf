"""The main window declares and sets its own attributes: the modules around it (menus, file
actions, start page, the lead's integration...) receive collaborators and return what they
build, so no module but gui/main_window.py assigns an attribute on the window (#12)."""

from __future__ import annotations

import ast
from pathlib import Path

import socialcoder.gui

GUI = Path(socialcoder.gui.__file__).parent
WINDOW_NAMES = {"window", "main_window", "mainwindow"}


def _annotated_window(node: ast.arg) -> bool:
    annotation = node.annotation
    if annotation is None:
        return False
    return "MainWindow" in ast.unparse(annotation)


def _window_names(tree: ast.AST) -> set[str]:
    """``window`` and every parameter annotated as the MainWindow."""
    names = set(WINDOW_NAMES)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if _annotated_window(arg):
                    names.add(arg.arg)
    return names


def _is_window(node: ast.expr, names: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in names
    # self.window.x = ... (a collaborator that kept the window)
    return isinstance(node, ast.Attribute) and node.attr.lstrip("_") in WINDOW_NAMES


def window_assignments(source: str) -> list[str]:
    """Each ``<window>.<name> = ...`` (or ``setattr(<window>, ...)``) in ``source``."""
    tree = ast.parse(source)
    names = _window_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            if _is_window(node.value, names):
                found.append((node.lineno, ast.unparse(node)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"setattr", "delattr"}
            and node.args
            and _is_window(node.args[0], names)
        ):
            found.append((node.lineno, ast.unparse(node)))
    return [f"{line}: {text}" for line, text in sorted(found)]


def test_the_scan_finds_what_it_looks_for() -> None:
    source = (
        "def f(win: MainWindow, other: object) -> None:\n"
        "    win.lead = None\n"
        "    window.role, x = 'lead', 1\n"
        "    setattr(win, 'study', None)\n"
        "    self.window.coder = None\n"
        "    other.study = None\n"
        "    self.study = None\n"
    )
    assert [line.split(":")[0] for line in window_assignments(source)] == ["2", "3", "4", "5"]


def test_no_module_but_the_main_window_sets_its_attributes() -> None:
    offending = {
        str(path.relative_to(GUI)): found
        for path in sorted(GUI.rglob("*.py"))
        if path.name != "main_window.py"
        and (found := window_assignments(path.read_text(encoding="utf-8")))
    }
    assert offending == {}


def test_the_windows_parts_do_not_know_the_main_window() -> None:
    """Only the program's start (gui/app.py) creates the window; its parts are given what
    they need, so none imports MainWindow (not even for a type hint)."""
    importers = set()
    for path in sorted(GUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "socialcoder.gui.main_window":
                importers.add(str(path.relative_to(GUI)))
    assert importers == {"app.py"}


def test_the_main_window_declares_every_attribute_it_sets_when_built() -> None:
    """What a method sets later (the study, its controller, panels, the lead's workspace...)
    is declared when the window is built (``__init__`` and the ``_build_*`` it calls)."""
    tree = ast.parse((GUI / "main_window.py").read_text(encoding="utf-8"))
    window = next(
        n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "MainWindow"
    )
    built: set[str] = set()
    later: dict[str, int] = {}
    for method in window.body:
        if not isinstance(method, ast.FunctionDef):
            continue
        builds = method.name == "__init__" or method.name.startswith("_build")
        for node in ast.walk(method):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                if builds:
                    built.add(node.attr)
                else:
                    later.setdefault(node.attr, node.lineno)
    assert {name: line for name, line in later.items() if name not in built} == {}
