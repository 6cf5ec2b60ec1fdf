"""File > Export…: the dialog filled with keys and clicks, the export run in the background,
the file read back and compared with the service's table; no export for a blind coder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from socialcoder.errors import UserError
from socialcoder.gui import export_dialog
from socialcoder.gui.export_dialog import ExportDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.exporting import build_export_table
from socialcoder.services.study import open_study

LEAD = "Dr Lead"
LEFT = Qt.MouseButton.LeftButton
INSET = QPoint(6, 6)  # inside a check box or radio button


def _numbers(series: pd.Series) -> list[float]:
    return [float("nan") if pd.isna(v) else float(v) for v in series]


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (np.isnan(x) and np.isnan(y)) or x == y for x, y in zip(a, b, strict=True)
    )


def _open_dialog(qtbot, window: MainWindow) -> ExportDialog:
    """Ctrl+E, as the user would press it."""
    assert window.export_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ExportDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, ExportDialog)
    return dialog


def _type_path(qtbot, dialog: ExportDialog, path: Path) -> None:
    dialog.path.setFocus()
    dialog.path.selectAll()
    qtbot.keyClick(dialog.path, Qt.Key.Key_Delete)
    qtbot.keyClicks(dialog.path, str(path))


def _finish(qtbot, dialog: ExportDialog) -> str:
    """Click Export, wait for the worker and the summary; close it; return its text."""
    qtbot.mouseClick(dialog.export_button, LEFT)
    qtbot.waitUntil(lambda: dialog.summary_box is not None and dialog.summary_box.isVisible())
    box = dialog.summary_box
    assert box is not None and not dialog.isVisible()
    text = box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), LEFT)
    return text


def test_export_long_csv_with_text_for_two_coders(
    qtbot, window: MainWindow, sample_study: Path, tmp_path: Path
) -> None:
    assert window.open_study(str(sample_study), LEAD, role="lead")
    dialog = _open_dialog(qtbot, window)
    assert dialog.layouts["long"].isChecked() and not dialog.with_text.isChecked()
    assert "sensitive health data" in dialog.warning.text()
    # coders: tick ana and cleo in the checklist with the keyboard
    names = [dialog.coder_list.item(i).text() for i in range(dialog.coder_list.count())]
    assert {"ana", "ben", "cleo"} <= set(names)
    dialog.coder_list.setFocus()
    for name in ("ana", "cleo"):
        dialog.coder_list.setCurrentRow(names.index(name))
        qtbot.keyClick(dialog.coder_list, Qt.Key.Key_Space)
    assert dialog.chosen.isChecked()
    qtbot.mouseClick(dialog.with_text, LEFT, pos=dialog.with_text.rect().topLeft() + INSET)
    assert dialog.with_text.isChecked()
    _type_path(qtbot, dialog, tmp_path / "long_export")  # no extension: the format adds it
    text = _finish(qtbot, dialog)

    out = tmp_path / "long_export.csv"
    assert out.is_file() and dialog.summary is not None and dialog.summary.path == out
    with open_study(sample_study) as study:
        expected = build_export_table(study, "long", coders=["ana", "cleo"], with_text=True).frame
    back = pd.read_csv(out)
    assert f"{len(expected):,} rows, {len(expected.columns)} columns" in text
    assert "coders: ana, cleo" in text and str(out) in text
    assert list(back.columns) == list(expected.columns)
    assert len(back) == len(expected)
    assert list(back["coder"]) == list(expected["coder"])
    assert set(back["coder"]) == {"ana", "cleo"}
    assert list(back["text"].fillna("")) == list(expected["text"].fillna(""))
    assert _same(_numbers(back["value_numeric"]), _numbers(expected["value_numeric"]))
    assert window.settings.value("last/export_dir") == str(tmp_path)


def test_export_wide_to_spss(qtbot, window: MainWindow, sample_study: Path, tmp_path: Path) -> None:
    assert window.open_study(str(sample_study), LEAD, role="lead")
    dialog = _open_dialog(qtbot, window)
    qtbot.mouseClick(
        dialog.layouts["wide"], LEFT, pos=dialog.layouts["wide"].rect().topLeft() + INSET
    )
    assert dialog.layouts["wide"].isChecked()
    _type_path(qtbot, dialog, tmp_path / "wide.csv")
    dialog.format.setFocus()
    qtbot.keyClicks(dialog.format, "SP")  # keyboard search in the list: "SPSS (.sav)"
    assert dialog.fmt() == "sav"
    assert dialog.path.text() == str(tmp_path / "wide.sav")  # the extension follows
    assert not dialog.with_text.isChecked()
    _finish(qtbot, dialog)

    out = tmp_path / "wide.sav"
    frame, meta = pyreadstat.read_sav(str(out))
    with open_study(sample_study) as study:
        expected = build_export_table(study, "wide").frame
    assert frame.shape == expected.shape
    assert "text" not in frame.columns
    assert list(frame["transcript"]) == list(expected["transcript"])
    for column in ("concordance__ana", "concordance__ben", "incongruent_principles__cleo"):
        assert _same(_numbers(frame[column]), _numbers(expected[column]))
    assert meta.column_names_to_labels["concordance__ana"]


def test_refi_format_forces_text_and_restores_the_choice(
    qtbot, window: MainWindow, sample_study: Path, tmp_path: Path
) -> None:
    assert window.open_study(str(sample_study), LEAD, role="lead")
    dialog = _open_dialog(qtbot, window)
    _type_path(qtbot, dialog, tmp_path / "project.csv")
    dialog.set_format("qdpx")
    assert dialog.with_text.isChecked() and not dialog.with_text.isEnabled()
    assert not dialog.layouts["long"].isEnabled()
    assert dialog.path.text() == str(tmp_path / "project.qdpx")
    dialog.set_format("csv")
    assert not dialog.with_text.isChecked() and dialog.with_text.isEnabled()
    dialog.set_format("qdpx")
    text = _finish(qtbot, dialog)
    assert (tmp_path / "project.qdpx").is_file()
    assert "3 transcripts" in text and "transcript text" in text


def test_no_export_for_a_blind_coder(qtbot, window: MainWindow, sample_study: Path, answer) -> None:
    assert "lead" in window.export_action.toolTip()
    assert not window.export_action.isEnabled()  # no study yet
    assert window.open_study(str(sample_study), "ana")
    assert window.role == "coder"
    assert not window.export_action.isEnabled()
    qtbot.keyClick(window.segment_view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    window.export_action.trigger()
    qtbot.wait(50)
    assert window.findChild(ExportDialog) is None
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    assert window.export() is None  # even when called directly: refused, with a reason
    assert texts and "study lead" in texts[0]
    assert window.findChild(ExportDialog) is None


def test_export_enabled_for_the_lead_only(qtbot, window: MainWindow, sample_study: Path) -> None:
    assert window.open_study(str(sample_study), LEAD, role="lead")
    assert window.export_action.isEnabled()
    window.close_study()
    assert not window.export_action.isEnabled()


def test_a_refused_export_is_shown_and_the_dialog_stays(
    qtbot, window: MainWindow, sample_study: Path, tmp_path: Path, answer, monkeypatch
) -> None:
    taken = tmp_path / "taken.csv"
    taken.mkdir()  # a folder where the file should go: refused before running
    assert window.open_study(str(sample_study), LEAD, role="lead")
    dialog = _open_dialog(qtbot, window)
    assert not dialog.consensus.isEnabled()  # no consensus codes in this study
    _type_path(qtbot, dialog, taken)
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.accept()

    answer(QMessageBox, read)
    qtbot.mouseClick(dialog.export_button, LEFT)
    qtbot.waitUntil(lambda: len(texts) == 1)
    assert "taken.csv: is a folder" in texts[0]

    # a refusal inside the worker (here: a stand-in for the service) is shown the same way
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise UserError("the disk is full", source=tmp_path / "out.csv")

    monkeypatch.setattr(export_dialog, "export_table", refuse)
    _type_path(qtbot, dialog, tmp_path / "out.csv")
    answer(QMessageBox, read)
    qtbot.mouseClick(dialog.export_button, LEFT)
    qtbot.waitUntil(lambda: len(texts) == 2, timeout=10_000)
    assert "out.csv: the disk is full" in texts[1]
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled())
    assert dialog.isVisible() and dialog.summary is None
    assert dialog.error is not None and not (tmp_path / "out.csv").exists()


def test_export_the_final_layer(
    qtbot, window: MainWindow, sample_study: Path, tmp_path: Path
) -> None:
    """The lead chooses the final layer: the file holds one layer with each value's source,
    and the summary says where the values came from."""
    from socialcoder.services.assignments import assign
    from socialcoder.services.transcript_list import list_transcripts

    with open_study(sample_study) as study:
        for t in list_transcripts(study):
            assign(study, coder="ana", transcript=t.name, purpose="primary")
    assert window.open_study(str(sample_study), LEAD, role="lead")
    dialog = _open_dialog(qtbot, window)
    qtbot.mouseClick(dialog.final, LEFT, pos=dialog.final.rect().topLeft() + INSET)
    assert dialog.final.isChecked()
    _type_path(qtbot, dialog, tmp_path / "final.csv")
    text = _finish(qtbot, dialog)
    back = pd.read_csv(tmp_path / "final.csv")
    with open_study(sample_study) as study:
        expected = build_export_table(study, "long", coders="final").frame
    assert set(back["coder"]) == {"final"} and len(back) == len(expected) > 0
    assert list(back["source"].fillna("")) == list(expected["source"].fillna(""))
    assert "coders: final" in text and "from consensus" in text and "single coders" in text
