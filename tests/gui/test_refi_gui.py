"""Imports from the File menu, run off the GUI thread.

Import REFI-QDA project…: a .qdpx (written by export_refi from the sample study, then made to
look like another program's: SocialCoder's own data removed and one code renamed so that the
bundled codebook cannot map it) becomes a new study; the summary names the codebook and the
completion rule and lists what was not mapped; Yes opens the new study. A project from
another program with an unlabelled text: the choices for unlabelled texts and completion are
made from the keyboard and applied. Import transcripts…: the worker's unknown speaker labels are
asked for, then the import runs again and the list shows the new transcript."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from refi_support import pack
from sqlalchemy import select

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.domain.codebook import Role
from socialcoder.gui.dialogs import CoderDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.refi_dialog import RefiImportDialog
from socialcoder.services.coders import list_coders
from socialcoder.services.exporting import export_refi
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import CompletionRow

LEFT = Qt.MouseButton.LeftButton


def _read_and_close(texts: list[str]):
    """An ``answer`` action that keeps a message box's text, then closes it."""

    def act(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    return act


UNMAPPED = "Homework talk"


@pytest.fixture
def qdpx(sample_study: Path, tmp_path: Path) -> Path:
    """The sample study as a REFI-QDA project from another program (no socialcoder/ data)
    whose code for incongruent_principles is renamed to something no dimension is called."""
    plain = tmp_path / "plain.qdpx"
    with open_study(sample_study) as study:
        export_refi(study, plain)
    out = tmp_path / "from_other_program.qdpx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.startswith("socialcoder/"):
                continue
            data = src.read(info)
            if info.filename == "project.qde":
                old = b'name="incongruent_principles"'
                assert old in data
                data = data.replace(old, f'name="{UNMAPPED}"'.encode())
            dst.writestr(info, data)
    return out


def _open_dialog(qtbot, window: MainWindow) -> RefiImportDialog:
    window.refi_action.trigger()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), RefiImportDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, RefiImportDialog)
    return dialog


def test_import_creates_the_study_and_lists_what_was_not_mapped(
    qtbot, window: MainWindow, qdpx: Path, tmp_path: Path, answer
) -> None:
    dialog = _open_dialog(qtbot, window)
    target = tmp_path / "imported"  # no extension: .scstudy is added
    qtbot.keyClicks(dialog.project, str(qdpx))
    qtbot.keyClicks(dialog.target, str(target))
    qtbot.keyClicks(dialog.codebook, str(DEFAULT_CODEBOOK_PATH))
    qtbot.mouseClick(dialog.import_button, LEFT)
    qtbot.waitUntil(lambda: dialog.summary_box is not None and dialog.summary_box.isVisible())
    box = dialog.summary_box
    assert box is not None
    made = tmp_path / "imported.scstudy"
    assert made.is_file()
    summary = dialog.summary
    assert summary is not None and summary.study == made
    assert summary.transcripts == 3 and summary.unmapped_codes
    assert str(made) in box.text() and "3 transcript(s)" in box.text()
    details = box.informativeText()
    assert "not mapped" in details and UNMAPPED in details
    assert f"• codebook: from {DEFAULT_CODEBOOK_PATH}" in details
    assert (
        "• completion: none marked complete (the default for projects from other programs"
        in details
    )
    assert "Open the new study now?" in details
    with open_study(made) as study:
        assert len(list_transcripts(study)) == 3
        assert {c.name for c in list_coders(study)} == {"ana", "ben", "cleo"}
        with study.read() as session:
            assert session.scalars(select(CompletionRow)).first() is None

    def as_lead(coder_dialog: CoderDialog) -> None:
        coder_dialog.as_lead.setChecked(True)
        coder_dialog.lead_name.setText("Dr Lead")
        coder_dialog.accept()

    seen = answer(CoderDialog, as_lead)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), LEFT)
    qtbot.waitUntil(lambda: window.lead is not None)
    assert seen
    assert window.study is not None and Path(window.study.location) == made
    assert window.role == "lead"


def test_unlabelled_text_and_completion_are_chosen_from_the_keyboard(
    qtbot, window: MainWindow, tmp_path: Path, answer
) -> None:
    project = pack("nvivo_style", tmp_path)
    dialog = _open_dialog(qtbot, window)
    qtbot.keyClicks(dialog.project, str(project))
    qtbot.keyClicks(dialog.target, str(tmp_path / "diary"))
    dialog.one_speaker.setFocus()
    qtbot.keyClick(dialog.one_speaker, Qt.Key.Key_Down)  # the patient
    dialog.completion.setFocus()
    qtbot.keyClick(dialog.completion, Qt.Key.Key_Down)  # mark coded transcripts complete
    assert dialog.one_speaker.currentText().endswith("by the patient")
    qtbot.mouseClick(dialog.import_button, LEFT)
    qtbot.waitUntil(lambda: dialog.summary_box is not None and dialog.summary_box.isVisible())
    box = dialog.summary_box
    assert box is not None and "2 transcript(s), 7 segment(s)" in box.text()
    assert "(as asked)" in box.informativeText() and "--" not in box.informativeText()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), LEFT)
    with open_study(tmp_path / "diary.scstudy") as study:
        assert [s.role for s in show_transcript(study, "Diary week 6").segments] == [
            Role.PATIENT
        ] * 3
        with study.read() as session:
            assert len(session.scalars(select(CompletionRow)).all()) == 3


def test_refusal_is_shown_and_no_study_is_left(
    qtbot, window: MainWindow, tmp_path: Path, answer
) -> None:
    not_a_project = tmp_path / "notes.qdpx"
    not_a_project.write_text("this is not a zip file", encoding="utf-8")
    dialog = _open_dialog(qtbot, window)
    qtbot.keyClicks(dialog.project, str(not_a_project))
    qtbot.keyClicks(dialog.target, str(tmp_path / "new.scstudy"))
    texts: list[str] = []
    answer(QMessageBox, _read_and_close(texts))
    qtbot.mouseClick(dialog.import_button, LEFT)
    qtbot.waitUntil(lambda: bool(texts))
    assert "notes.qdpx" in texts[0]
    assert "Traceback" not in texts[0]
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled())
    assert dialog.isVisible() and dialog.summary is None
    assert not (tmp_path / "new.scstudy").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".new")] == []


def test_missing_fields_are_refused_before_running(
    qtbot, window: MainWindow, qdpx: Path, answer
) -> None:
    dialog = _open_dialog(qtbot, window)
    texts: list[str] = []
    answer(QMessageBox, _read_and_close(texts))
    qtbot.mouseClick(dialog.import_button, LEFT)
    qtbot.waitUntil(lambda: bool(texts))
    assert "choose the REFI-QDA project" in texts[0]
    qtbot.keyClicks(dialog.project, str(qdpx))
    qtbot.keyClicks(dialog.speakers, "T=nobody")
    qtbot.keyClicks(dialog.target, str(qdpx.with_name("x.scstudy")))
    texts.clear()
    answer(QMessageBox, _read_and_close(texts))
    qtbot.mouseClick(dialog.import_button, LEFT)
    qtbot.waitUntil(lambda: bool(texts))
    assert "nobody" in texts[0]
    assert dialog.run is None


def test_transcript_import_runs_in_the_worker_and_asks_for_speakers(
    qtbot, window: MainWindow, gui_study: Path, tmp_path: Path, answer
) -> None:
    source = tmp_path / "P09_session01.txt"
    source.write_text(
        "Nurse Jo: Hello, how are you today?\nSam: Tired, mostly.\n"
        "Nurse Jo: Tell me more about that.\nSam: I sleep badly.\n",
        encoding="utf-8",
    )
    assert window.open_study(str(gui_study), "ana")
    asked: list[str] = []

    def roles(dialog: QInputDialog) -> None:
        asked.append(dialog.labelText())
        dialog.setTextValue("Nurse Jo=therapist, Sam=patient")
        dialog.accept()

    texts: list[str] = []
    answer(QInputDialog, roles)
    answer(QMessageBox, _read_and_close(texts))
    summary = window.files.run_import([ImportItem(path=source)])
    assert summary is not None and summary.segments == 4
    assert asked and "'Nurse Jo' (line 1), 'Sam' (line 2)" in asked[0]
    assert texts and "Imported 1 transcript(s), 4 segments" in texts[0]
    assert window.transcripts.row_text("P09_session01")[0] == "P09_session01"
    with open_study(gui_study) as study:
        view = show_transcript(study, "P09_session01")
    assert [s.role for s in view.segments] == [Role.THERAPIST, Role.PATIENT] * 2


def test_transcript_import_refusal_stores_nothing(
    qtbot, window: MainWindow, gui_study: Path, tmp_path: Path, answer
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert window.open_study(str(gui_study), "ana")
    with open_study(gui_study) as study:
        before = len(list_transcripts(study))
    texts: list[str] = []
    answer(QMessageBox, _read_and_close(texts))
    assert window.files.run_import([ImportItem(path=empty)]) is None
    assert texts and "empty.txt" in texts[0]
    with open_study(gui_study) as study:
        assert len(list_transcripts(study)) == before
