"""User errors carry a remedy as fields (which input, what to do) and each front end words it:
the command line as its flag, the window as a plain sentence. The core packages' strings name no
command-line flag, so a GUI user never reads one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import socialcoder
from socialcoder.cli import errors as cli_errors
from socialcoder.errors import Fix, Input, Remedy, StudyError, UnknownSpeakersError, UserError

ROOT = Path(socialcoder.__file__).parent
#: every package but the two front ends
CORE = sorted(
    p for p in ROOT.iterdir() if p.is_dir() and p.name not in ("cli", "gui", "__pycache__")
)
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
#: a command of the command line quoted in a message ("`socialcoder bleep`", "(socialcoder ...)")
COMMAND = re.compile(r"[`(]socialcoder [a-z]")
#: strings that name a flag on purpose: stored records of the command that made a change, and
#: the report's pointer to the command that gives its figures as JSON
ALLOWED = {
    ("services/codes_store.py", "codes import --complete"),
    ("services/codebook_update.py", "values moved with --allow-reorder: "),
    ("export/report_html.py", "socialcoder reliability --json"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _flag_strings() -> list[str]:
    found = []
    files = [ROOT / "errors.py", *(f for d in CORE for f in d.rglob("*.py"))]
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        rel = file.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and (FLAG.search(node.value) or COMMAND.search(node.value))
                and not any(rel == f and a in node.value for f, a in ALLOWED)
            ):
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    return found


def test_core_strings_name_no_command_line_flag_or_command() -> None:
    assert _flag_strings() == []


def test_the_check_finds_a_flag() -> None:
    assert FLAG.search("give --segment") and FLAG.search("(--coders A,B)")
    assert not FLAG.search("a -- b") and not FLAG.search("co-coders")
    assert COMMAND.search("make one with `socialcoder bleep`") and not COMMAND.search("socialcoder")


def test_each_front_end_names_every_input() -> None:
    from socialcoder.gui import errors as gui_errors

    assert set(cli_errors.FLAGS) == set(Input) == set(gui_errors.WORDS)
    assert not any(FLAG.search(w) for w in gui_errors.WORDS.values())


def test_command_line_words_the_remedy_with_its_flag() -> None:
    error = StudyError(
        "'empathy' is coded per segment: a segment is needed", remedy=Remedy.give(Input.SEGMENT)
    )
    assert str(error) == "'empathy' is coded per segment: a segment is needed"
    assert cli_errors.describe(error) == (
        "'empathy' is coded per segment: a segment is needed; give --segment N"
    )
    taken = UserError(
        "the study already has a transcript named 'S1'",
        source="s1.txt",
        remedy=Remedy.another(Input.NAME),
    )
    assert cli_errors.describe(taken) == (
        "s1.txt: the study already has a transcript named 'S1'; choose another with --name"
    )
    either = UserError(
        "needs codes", remedy=(Remedy.give(Input.GIVEN, Input.TARGET), Remedy.switch(Input.MATRIX))
    )
    assert cli_errors.describe(either) == "needs codes; give --given and --target, or use --matrix"
    assert cli_errors.describe(UserError("plain")) == "plain"


def test_window_words_the_remedy_without_flags() -> None:
    from socialcoder.gui.errors import describe

    error = StudyError("a segment is needed", remedy=Remedy.give(Input.SEGMENT))
    assert describe(error) == "a segment is needed; give a segment"
    exists = UserError("already exists", source="out.csv", remedy=Remedy.switch(Input.FORCE))
    assert describe(exists) == "out.csv: already exists; allow replacing the existing file"
    assert describe(ValueError("not a user error")) == "not a user error"


@pytest.mark.parametrize("fix", list(Fix))
def test_every_fix_is_worded_by_both(fix: Fix) -> None:
    from socialcoder.gui.errors import word_remedy

    remedy = Remedy(fix, (Input.CODERS,), "A,B")
    assert "--coders" in cli_errors.word_remedy(remedy)
    assert "--" not in word_remedy(remedy) and "A,B" not in word_remedy(remedy)


def test_unknown_speakers_carry_the_example_in_the_remedy() -> None:
    error = UnknownSpeakersError(["Dr", "Pt"], lines={"Dr": 2})
    assert "--" not in str(error) and "'Dr' (line 2)" in str(error)
    assert error.remedies == (Remedy.give(Input.SPEAKER_MAP, example="'Dr=ROLE,Pt=ROLE'"),)
    assert cli_errors.describe(error).endswith("give --speaker-map 'Dr=ROLE,Pt=ROLE'")
