"""The coder's window follows what another process changes beyond her own work (issue #12's
change pipeline): a codebook updated elsewhere (the command line) is shown and coded with at
once, keeping the cursor and the selected dimension; a transcript imported, or assigned to
her, elsewhere joins (or moves up in) her transcript list. The other process is the real
command line in a subprocess; the study is a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH, load_codebook
from socialcoder.domain.codebook import Codebook, Role, Unit
from socialcoder.domain.states import EditKind
from socialcoder.gui import watch
from socialcoder.gui.commands import still_writable
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.segment_model import CODES_ROLE
from socialcoder.gui.session import StudySession
from socialcoder.services.assignments import assign
from socialcoder.services.changes import StudyWatch
from socialcoder.services.codebook_update import update_codebook
from socialcoder.services.coding import Change, set_code
from socialcoder.services.study import open_study
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"
NEW = "P09_session01"
REPO = Path(__file__).resolve().parents[2]


def cli(*args: object) -> None:
    """The real program in another process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "socialcoder", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def activate(window: MainWindow) -> None:
    """What the window gets when the coder comes back to it from elsewhere."""
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))


def codes(window: MainWindow, row: int) -> dict[str, str]:
    assert window.controller is not None
    model = window.controller.model
    return model.data(model.index(row), CODES_ROLE)


@pytest.fixture
def no_idle_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch, "IDLE_MS", 3_600_000)


def revised_codebook(tmp_path: Path) -> Path:
    """The default codebook with resistance given a fourth value, ``extreme`` (key X), and a
    revised definition."""
    text = DEFAULT_CODEBOOK_PATH.read_text(encoding="utf-8")
    old_values = "      - value: strong\n        label: strong\n        shortcut: s\n"
    old_definition = "The patient pushes back against the therapist"
    assert old_values in text and old_definition in text
    text = text.replace(
        old_values,
        old_values + "      - value: extreme\n        label: extreme\n        shortcut: x\n",
    ).replace(old_definition, "REVISED: " + old_definition)
    path = tmp_path / "revised.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_codebook_updated_elsewhere_is_shown_and_its_new_value_coded_with_its_key(
    qtbot, window: MainWindow, gui_study: Path, tmp_path: Path, no_idle_checks
) -> None:
    with open_study(gui_study) as study:
        a = next(s.index for s in show_transcript(study, T).segments if s.role == "patient")
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None and window.codebook_panel is not None
    ctl.set_current(a - 1)
    ctl.select_dimension(ctl.codebook.dimension("resistance"))
    assert "REVISED" not in window.codebook_panel.details.toPlainText()

    cli("codebook", "update", gui_study, revised_codebook(tmp_path))
    activate(window)
    qtbot.waitUntil(
        lambda: (
            window.codebook_panel is not None
            and "REVISED" in window.codebook_panel.details.toPlainText()
        ),
        timeout=5000,
    )
    assert ctl is window.controller and ctl.current_row() == a - 1  # the selection stayed
    assert ctl.selected is not None and ctl.selected.key == "resistance"
    assert "extreme" in [v.value for v in ctl.codebook.dimension("resistance").values]

    window.segment_view.setFocus()
    qtbot.keyClick(window.segment_view, "r")
    qtbot.keyClick(window.segment_view, "x")  # the new value's key
    assert codes(window, a - 1) == {"resistance": "extreme"}
    with open_study(gui_study) as study:
        assert show_transcript(study, T, coder="ana").segments[a - 1].codes == {
            "resistance": "extreme"
        }


def test_the_coders_session_has_no_undo_stack_of_its_own(
    window: MainWindow, gui_study: Path, no_idle_checks
) -> None:
    """The coder's undo stack is her controller's: her window's session makes none (the
    lead's session makes its stack when its workspace first asks for it)."""
    assert window.open_study(str(gui_study), "ana", T)
    assert window.controller is not None and window.changes is not None
    assert window.changes.findChildren(QUndoStack) == []
    assert window.undo_group.stacks() == [window.controller.undo_stack]


def test_a_transcript_imported_then_assigned_elsewhere_joins_the_list(
    qtbot, window: MainWindow, gui_study: Path, tmp_path: Path, no_idle_checks
) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    listed = window.transcripts.names()
    assert NEW not in listed
    source = tmp_path / f"{NEW}.txt"
    source.write_text("T: How was the week?\nP: Better, I tried the diary.\n", encoding="utf-8")

    cli("import", gui_study, source, "--participant", "P09", "--session", "1")
    activate(window)
    qtbot.waitUntil(lambda: window.transcripts.names() == listed | {NEW}, timeout=5000)
    assert window.transcripts.table.item(0, 0).text() != NEW  # not hers yet: not first

    cli("assign", gui_study, "--coder", "ana", "--transcript", NEW)
    activate(window)
    qtbot.waitUntil(lambda: window.transcripts.table.item(0, 0).text() == NEW, timeout=5000)
    assert window.controller is not None and window.controller.transcript == T  # still open


def test_a_coders_login_on_a_server_follows_the_codebook_and_her_assignments_only(
    qtbot, window: MainWindow, make_lab, tmp_path: Path, no_idle_checks
) -> None:
    """A coder's login (which reads only through the study's functions) is told of a new
    codebook version and of her own new assignment; other coders' work and assignments tell
    her nothing."""
    lab = make_lab(coders=("ana", "ben"), leads=("lead",))
    with open_study(lab.url("lead")) as lead:
        assign(lead, coder="ana", transcript=T)
        names = [t.name for t in list_transcripts(lead)]
    other = next(n for n in names if n != T)
    with open_study(lab.url("ana")) as ana:
        probe = StudyWatch(ana, "ana")
        try:
            with open_study(lab.url("ben")) as ben:
                set_code(ben, coder="ben", transcript=T, segment=2, dimension="resistance",
                         value="none")  # fmt: skip
            with open_study(lab.url("lead")) as lead:
                assign(lead, coder="ben", transcript=other)
            assert not probe.changes()  # nothing of hers
            with open_study(lab.url("lead")) as lead:
                assign(lead, coder="ana", transcript=other)
            assert ChangeKind.ASSIGNMENTS in probe.changes().kinds  # (her audit count too)
        finally:
            probe.close()

    assert window.open_study(lab.url("ana"), "ana", T)
    assert window.codebook_panel is not None and window.controller is not None
    window.controller.select_dimension(window.controller.codebook.dimension("resistance"))
    with open_study(lab.url("lead")) as lead:
        update_codebook(lead, revised_codebook(tmp_path))
    activate(window)
    qtbot.waitUntil(
        lambda: (
            window.codebook_panel is not None
            and "REVISED" in window.codebook_panel.details.toPlainText()
        ),
        timeout=5000,
    )


def test_the_leads_session_takes_a_codebook_updated_elsewhere_before_its_views_read(
    qtbot, gui_study: Path, tmp_path: Path
) -> None:
    """The lead's views read ``study.codebook`` when told CODEBOOK: it is the new version."""
    with open_study(gui_study) as study:
        session = StudySession(study)
        try:
            seen: list[tuple[StudyChange, Codebook]] = []
            session.changed.connect(lambda change, _o: seen.append((change, study.codebook)))
            cli("codebook", "update", gui_study, revised_codebook(tmp_path))
            assert session.check()
            change, codebook = seen[-1]
            assert ChangeKind.CODEBOOK in change.kinds
            assert "extreme" in [v.value for v in codebook.dimension("resistance").values]
        finally:
            session.close()


def _coded_then_cleared(qtbot, window: MainWindow, gui_study: Path) -> int:
    """Ana codes resistance = strong on a patient turn, then clears it (two undo steps); the
    row."""
    with open_study(gui_study) as study:
        a = next(s.index for s in show_transcript(study, T).segments if s.role == "patient")
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None
    ctl.set_current(a - 1)
    window.segment_view.setFocus()
    qtbot.keyClick(window.segment_view, "r")
    qtbot.keyClick(window.segment_view, "s")
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Delete)
    assert codes(window, a - 1) == {} and ctl.undo_stack.count() == 2
    return a - 1


def _update_elsewhere(window: MainWindow, gui_study: Path, codebook: Path) -> None:
    with open_study(gui_study) as study:  # another connection: found by the watcher
        update_codebook(study, codebook)
    activate(window)


def test_undo_steps_of_a_value_the_new_codebook_removed_are_cleared(
    qtbot, window: MainWindow, gui_study: Path, tmp_path: Path, no_idle_checks
) -> None:
    """The lead removes 'strong' (no code holds it now) while ana's undo stack still holds it:
    Ctrl+Z would write it, which the study refuses; the stack used to move past the step
    anyway, the refusal escaping as an error. The codebook's arrival clears the history and
    says so; Ctrl+Z then does nothing."""
    row = _coded_then_cleared(qtbot, window, gui_study)
    ctl = window.controller
    assert ctl is not None
    text = DEFAULT_CODEBOOK_PATH.read_text(encoding="utf-8")
    strong = "      - value: strong\n        label: strong\n        shortcut: s\n"
    less = tmp_path / "less.yaml"
    less.write_text(text.replace(strong, ""), encoding="utf-8")
    _update_elsewhere(window, gui_study, less)
    qtbot.waitUntil(lambda: "strong" not in ctl.codebook.dimension("resistance").value_texts)

    assert ctl.undo_stack.count() == 0
    assert "undo history cleared (resistance changed)" in window.statusBar().currentMessage()
    window.undo_group.undo()  # Ctrl+Z: nothing to undo
    assert codes(window, row) == {}
    with open_study(gui_study) as study:
        assert show_transcript(study, T, coder="ana").segments[row].codes == {}


def test_undo_steps_a_new_codebook_still_allows_are_kept(
    qtbot, window: MainWindow, gui_study: Path, tmp_path: Path, no_idle_checks
) -> None:
    """A value appended (and a definition reworded) leaves every step writable: the history
    stays and Ctrl+Z puts 'strong' back."""
    row = _coded_then_cleared(qtbot, window, gui_study)
    ctl = window.controller
    assert ctl is not None
    _update_elsewhere(window, gui_study, revised_codebook(tmp_path))
    qtbot.waitUntil(lambda: "extreme" in ctl.codebook.dimension("resistance").value_texts)

    assert ctl.undo_stack.count() == 2
    assert "undo history" not in window.statusBar().currentMessage()
    window.undo_group.undo()
    assert codes(window, row) == {"resistance": "strong"}
    with open_study(gui_study) as study:
        assert show_transcript(study, T, coder="ana").segments[row].codes == {
            "resistance": "strong"
        }


def _change(dimension: str | None, old: str | None, new: str | None, kind=EditKind.CODE) -> Change:
    return Change(
        coder="ana",
        transcript=T,
        segment=3,
        dimension=dimension,
        kind=kind,
        old_value=old,
        new_value=new,
    )


def _with(codebook: Codebook, key: str, **fields: object) -> Codebook:
    dims = tuple(replace(d, **fields) if d.key == key else d for d in codebook.dimensions)
    return replace(codebook, dimensions=dims)


def test_a_step_is_still_writable_only_where_the_new_codebook_allows_what_it_writes() -> None:
    old = load_codebook(DEFAULT_CODEBOOK_PATH)
    step = _change("resistance", None, "mild")
    assert still_writable(step, old, old)
    assert still_writable(
        _change(None, None, "memo", EditKind.MEMO), old, replace(old, dimensions=())
    )
    assert still_writable(_change(None, "0", "1", EditKind.COMPLETION), old, old)
    resistance = old.dimension("resistance")
    without_mild = tuple(v for v in resistance.values if v.value != "mild")
    assert not still_writable(step, old, _with(old, "resistance", values=without_mild))
    assert not still_writable(
        _change("resistance", "mild", None), old, _with(old, "resistance", values=without_mild)
    )  # undoing the clear writes 'mild'
    renamed = tuple(
        replace(v, value="slight") if v.value == "mild" else v for v in resistance.values
    )
    assert not still_writable(step, old, _with(old, "resistance", values=renamed))  # label 'mild'
    gone = replace(old, dimensions=tuple(d for d in old.dimensions if d.key != "resistance"))
    assert not still_writable(step, old, gone)
    assert not still_writable(step, old, _with(old, "resistance", applies_to=frozenset()))
    assert not still_writable(step, old, _with(old, "resistance", unit=Unit.SESSION))
    wider = _with(old, "resistance", applies_to=frozenset(Role))
    assert still_writable(step, old, wider)
    assert still_writable(step, old, _with(old, "resistance", definition="reworded"))
