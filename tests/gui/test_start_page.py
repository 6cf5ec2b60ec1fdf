"""The start page: first run without a study is never an empty window; everything on it is
reachable from the keyboard and has an accessible name; each button opens what it says."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton

from socialcoder.gui import start_page
from socialcoder.gui.dialogs import CoderDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.services import demo
from socialcoder.services.measures import read_measures
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts

ALT = Qt.KeyboardModifier.AltModifier


def pick(name: str):
    """An answer to the 'Who is coding?' dialog: the existing coder ``name``."""

    def act(dialog: CoderDialog) -> None:
        dialog.existing.setChecked(True)
        dialog.combo.setCurrentText(name)
        dialog.accept()

    return act


def test_without_a_study_the_window_shows_the_start_page(window: MainWindow) -> None:
    page = window.start_page
    assert window.stack.currentWidget() is page and page.isVisible()
    assert QApplication.focusWidget() is page.sample_button
    shown = [b.text().replace("&", "") for b in page.findChildren(QPushButton)]
    assert shown == ["Open the sample study", "New study…", "Open study…"]
    assert "(none yet)" in page.recent_list.item(0).text()
    assert "Help" in page.help_label.text() and "--help" in page.help_label.text()
    for widget in (page, page.sample_button, page.new_button, page.open_button, page.recent_list):
        assert widget.accessibleName(), widget.objectName()
    for widget in (page.sample_button, page.new_button, page.open_button, page.recent_list):
        assert widget.accessibleDescription(), widget.objectName()


def test_the_pages_mnemonics_are_not_a_menus(window: MainWindow) -> None:
    def letter(text: str) -> str:
        return text[text.index("&") + 1].lower()

    menus = {letter(a.text()) for a in window.menuBar().actions() if "&" in a.text()}
    page = window.start_page
    mine = [letter(w.text()) for w in (page.sample_button, page.new_button, page.open_button)]
    mine.append(letter(page.recent_label.text()))
    assert len(set(mine)) == len(mine) and not set(mine) & menus, (mine, menus)


def test_tab_walks_the_buttons_then_the_recent_list(qtbot, window: MainWindow) -> None:
    page = window.start_page
    order = []
    for _ in range(4):
        order.append(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert order == [page.sample_button, page.new_button, page.open_button, page.recent_list]


def test_open_study_by_keyboard(
    qtbot, window: MainWindow, gui_study: Path, answer, monkeypatch
) -> None:
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(gui_study), ""))
    )
    seen = answer(CoderDialog, pick("ben"))
    qtbot.keyClick(window.start_page.sample_button, Qt.Key.Key_O, ALT)
    qtbot.waitUntil(lambda: window.controller is not None, timeout=20_000)
    assert seen and window.coder == "ben"
    assert window.stack.currentWidget() is window.splitter
    assert not window.start_page.isVisible()
    assert window.recent_studies() == [str(gui_study)]


def test_recent_studies_open_with_enter_and_a_missing_one_is_disabled(
    qtbot, gui_study: Path, tmp_path: Path, answer
) -> None:
    gone = str(tmp_path / "moved-away.scstudy")
    first = MainWindow()
    first.settings.setValue("recent", [gone, str(gui_study)])
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    recent = first.start_page.recent_list
    assert recent.item(0).text().endswith("(not found)")
    assert not recent.item(0).flags() & Qt.ItemFlag.ItemIsEnabled
    assert recent.currentRow() == 1  # the first study that is there
    recent.setFocus()
    seen = answer(CoderDialog, pick("ana"))
    qtbot.keyClick(recent, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: first.controller is not None, timeout=20_000)
    assert seen and first.study is not None and first.study.location == str(gui_study)
    assert first.recent_studies()[0] == str(gui_study)
    first.close()


def test_the_sample_study_is_built_and_opened(
    qtbot, window: MainWindow, tmp_path: Path, answer, monkeypatch
) -> None:
    target = tmp_path / "data" / "sample.scstudy"
    monkeypatch.setattr(demo, "default_demo_path", lambda: target)
    seen = answer(CoderDialog, pick("cleo"))
    qtbot.mouseClick(window.start_page.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller is not None, timeout=60_000)
    assert seen and window.coder == "cleo" and target.exists()
    assert window.stack.currentWidget() is window.splitter
    with open_study(target) as study:
        summaries = list_transcripts(study)
        measures = read_measures(study)
    names = [t.name for t in summaries]
    # the whole sample: six patients x five sessions (the three hand-written ones among
    # them) with their measures, on which every analysis runs
    assert len(names) == 30 and {"P01_session02", "P02_session04", "P03_session06"} <= set(names)
    assert len(measures) == 30 and "calpas_goal" in measures.columns
    label = summaries[0].label  # the sample is a new study: blinded, the coder sees labels
    assert window.transcripts.row_text(label)[0] == label


def test_cancelling_the_login_leaves_the_start_page(
    qtbot, window: MainWindow, gui_study: Path, answer, monkeypatch
) -> None:
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(gui_study), ""))
    )
    seen = answer(CoderDialog, lambda dialog: dialog.reject())
    qtbot.mouseClick(window.start_page.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
    assert window.study is None
    assert window.stack.currentWidget() is window.start_page


def test_new_study_from_the_start_page(
    qtbot, window: MainWindow, tmp_path: Path, answer, monkeypatch
) -> None:
    path = tmp_path / "mine.scstudy"

    def question(*a: object, **k: object) -> QMessageBox.StandardButton:
        # the default codebook: yes; encrypt the new study: no (a passphrase dialog would wait)
        if "Encrypt" in str(a[2]):
            return QMessageBox.StandardButton.No
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )

    def new_coder(dialog: CoderDialog) -> None:
        dialog.new.setChecked(True)
        dialog.name.setText("dana")
        dialog.accept()

    seen = answer(CoderDialog, new_coder)
    qtbot.keyClick(window.start_page.sample_button, Qt.Key.Key_W, ALT)
    qtbot.waitUntil(lambda: window.controller is not None, timeout=20_000)
    assert seen and path.exists() and window.coder == "dana"
    assert window.stack.currentWidget() is window.splitter


def test_the_page_is_a_widget_of_its_own(qtbot) -> None:
    page = start_page.StartPage(lambda: ["x://server/study"])
    qtbot.addWidget(page)
    requested: list[str] = []
    page.recentRequested.connect(requested.append)
    page.show()
    qtbot.keyClick(page.recent_list, Qt.Key.Key_Return)
    assert requested == ["x://server/study"]
