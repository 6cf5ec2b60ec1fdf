"""Screen-reader support (issue #18): the painted segment list reads each row (speaker, time,
text, this coder's codes); every interactive widget of the coding window and the lead's window
has a name a screen reader can say; Tab walks the coding flow in a sensible order."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QPushButton,
    QTabBar,
    QWidget,
)

from socialcoder.gui.accessibility import interactive, nameless, spoken_name
from socialcoder.gui.dialogs import MemoDialog
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"


def describe(widgets: list[QWidget]) -> list[str]:
    return [
        f"{type(w).__name__} {w.objectName()!r} in {type(w.parent()).__name__}" for w in widgets
    ]


def test_each_segment_row_reads_speaker_time_text_and_my_codes(
    qtbot, window: MainWindow, gui_study: Path
) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    view = window.segment_view
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view)
    qtbot.keyClick(view, "j")  # the second turn, a patient's
    qtbot.keyClick(view, "c")  # concordance present
    ctl = window.controller
    assert ctl is not None
    with open_study(gui_study) as study:
        seg = show_transcript(study, T, coder="ana").segments[1]
    model = ctl.model
    text = model.data(model.index(1), Qt.ItemDataRole.AccessibleTextRole)
    assert text.startswith(f"Segment {seg.index}, {seg.label} ({seg.role})")
    assert seg.text in text
    assert "Your codes: Concordance with the model: present." in text
    if seg.start is not None:
        assert " at " in text.split(":")[0]  # the time, before the turn's text
    untouched = model.data(model.index(0), Qt.ItemDataRole.AccessibleTextRole)
    assert untouched.endswith("Not coded yet.")
    described = model.data(model.index(1), Qt.ItemDataRole.AccessibleDescriptionRole)
    assert "concordance" in described
    # what a screen reader gets through Qt's accessibility interface for the row
    iface = QAccessible.queryAccessibleInterface(view)
    assert iface is not None and spoken_name(view) == "Transcript segments"
    rows = [iface.child(i) for i in range(iface.childCount())]
    assert any(r is not None and r.text(QAccessible.Text.Name) == text for r in rows)


def name_of(widget: QWidget) -> str:
    """The widget's name for a screen reader. A combo box's spoken name on Linux is its
    current value (AT-SPI takes the name from a 'labelled by' relation), so for one the
    accessible name property or a label whose buddy it is counts, never its value."""
    if isinstance(widget, QComboBox):
        labels = [
            lab.text().replace("&", "").rstrip(":")
            for lab in widget.window().findChildren(QLabel)
            if lab.buddy() is widget
        ]
        return widget.accessibleName().strip() or next(iter(labels), "")
    return spoken_name(widget)


def description_of(widget: QWidget) -> str:
    """What a screen reader says after the name (the accessible description; Qt falls back
    to the tool tip)."""
    iface = QAccessible.queryAccessibleInterface(widget)
    if iface is not None and isinstance(widget, QTabBar):  # said for the current tab
        iface = iface.child(widget.currentIndex())
    return iface.text(QAccessible.Text.Description).strip() if iface is not None else ""


def unexplained(root: QWidget) -> list[str]:
    """Interactive (or focusable) widgets under ``root`` without a name, named only by their
    value, or without a description that says more than the name."""
    widgets = set(interactive(root)) | {
        w
        for w in root.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus
        and isinstance(w, QAbstractScrollArea)
        and not w.objectName().startswith("qt_")
        and w.window() is root.window()  # not a combo box's popup list
    }
    out = []
    for w in sorted(widgets, key=lambda w: (type(w).__name__, w.objectName(), name_of(w))):
        name, text = name_of(w), description_of(w)
        if not name:
            out.append(f"{describe([w])[0]}: no name")
        elif not text or text.casefold() == name.casefold():
            out.append(f"{describe([w])[0]} {name!r}: no description")
    return out


def test_every_interactive_widget_has_a_name_and_a_description(
    window: MainWindow, gui_study: Path, demo_study: Path
) -> None:
    """Issue #18: every widget a user can operate, in the coding window and in every page of
    the lead's window, has a name (not just its value) and a description that says what it
    does or shows."""
    assert window.open_study(str(gui_study), "ana", T)
    assert len(interactive(window)) > 10
    assert describe(nameless(window)) == [], describe(nameless(window))
    assert unexplained(window) == []
    assert window.open_study(str(demo_study), "Dr Lead", role="lead")
    assert window.lead is not None and len(interactive(window.lead)) > 40
    assert describe(nameless(window)) == [], describe(nameless(window))
    assert unexplained(window.lead) == []


def test_tab_walks_the_coding_flow(qtbot, window: MainWindow, gui_study: Path, answer) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    view = window.segment_view
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view)
    codebook, session = window.codebook_panel, window.session_panel
    assert codebook is not None and session is not None
    qtbot.waitUntil(codebook.table.isVisible)  # panels added to a shown window show queued
    expected = [
        view,
        codebook.table,
        *session.combos.values(),
        session.complete_button,
        window.transcripts.filter,
        window.transcripts.table,
    ]
    seen = [QApplication.focusWidget()]
    for _ in expected[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == expected, [
        (type(w).__name__, type(w.parent()).__name__, w.isVisible()) for w in seen
    ]
    # Tab leaves the transcript table (no focus trap) and comes round to the segments
    for _ in range(6):
        if QApplication.focusWidget() is view:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view
    # Shift+Tab goes back the same way
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    qtbot.keyClick(codebook.table, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is view
    # from the codebook, Enter codes the selected dimension on the current segment
    qtbot.keyClick(view, "j")
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is codebook.table
    codebook.table.setCurrentCell(0, 0)
    qtbot.keyClick(codebook.table, Qt.Key.Key_Return)
    assert window.controller is not None
    assert window.controller.current_segment().codes
    # the memo: M on the segment list opens it with the cursor in the text
    focused: list[QWidget | None] = []
    names: list[str] = []

    def note(dialog: MemoDialog) -> None:
        focused.append(dialog.focusWidget())  # where the cursor is when it is active
        names.append(spoken_name(dialog.edit))
        dialog.reject()

    answer(MemoDialog, note)
    view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view)
    qtbot.keyClick(view, "m")
    qtbot.waitUntil(lambda: bool(focused), timeout=3000)
    assert focused[0] is not None and focused[0].objectName() == "memo"
    assert names[0].startswith("Your memo on segment")
    # every dialog of the flow is named too
    assert describe(nameless(MemoDialog(1, None, window))) == []


def test_zoom_reaches_every_pane(
    qtbot, window: MainWindow, gui_study: Path, demo_study: Path
) -> None:
    assert window.open_study(str(gui_study), "ana", T)
    assert window.codebook_panel is not None and window.session_panel is not None
    panes = [
        window.segment_view,
        window.transcripts.table,
        window.codebook_panel.table,
        window.codebook_panel.details,
        *window.session_panel.combos.values(),
    ]
    before = [w.font().pointSizeF() for w in panes]
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.segment_view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert [w.font().pointSizeF() for w in panes] == [b + 2 for b in before]
    assert window.open_study(str(demo_study), "Dr Lead", role="lead")
    assert window.lead is not None
    table = window.lead.calibration.view.dims
    assert table.font().pointSizeF() == before[0] + 2  # the lead's views too
    window.zoom(0, reset=True)
    assert table.font().pointSizeF() == before[0]


def tab_walk(qtbot, start: QWidget, key: Qt.Key, limit: int = 40) -> list[QWidget]:
    """Press ``key`` (Tab or Backtab) from ``start`` until the focus comes back to it; the
    widgets reached, in order (fails on a trap: never back within ``limit`` presses)."""
    start.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is start)
    seen: list[QWidget] = []
    for _ in range(limit):
        qtbot.keyClick(QApplication.focusWidget(), key)
        focused = QApplication.focusWidget()
        assert focused is not None
        if focused is start:
            return seen
        seen.append(focused)
    raise AssertionError(f"Tab never came back: {describe(seen[-5:])}")


def test_tab_walks_the_lead_window(qtbot, lead_window: MainWindow) -> None:
    """Issue #18: the lead's window read with a screen reader's focus order: the page tabs,
    then each page top to bottom, left to right, and back to the tabs (no trap: the tables
    let Tab go, arrow keys move between cells); Shift+Tab walks the same way back; every
    stop is named and described."""
    lead = lead_window.lead
    assert lead is not None
    tabs = lead.tabBar()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    view = lead.assignments
    buttons = {b.text().replace("&", ""): b for b in view.findChildren(QPushButton)}
    expected = [
        view.filter,
        view.status_filter,
        view.assign_button,
        view.unassign_button,
        buttons["Assign by rule…"],
        buttons["Plan second pass…"],
        view.grid,
        view.coder_list,
        buttons["Add coder…"],
        buttons["Rename…"],
        buttons["Deactivate / reactivate"],
    ]
    assert lead.currentWidget() is view
    assert unexplained_one(tabs) == []  # the page tabs say what each page is
    assert tab_walk(qtbot, tabs, Qt.Key.Key_Tab) == expected
    assert tab_walk(qtbot, tabs, Qt.Key.Key_Backtab) == expected[::-1]
    # every page: the arrow keys on the tabs change the page; Tab goes through it and back
    # to the tabs, every stop on the shown page, named and described
    from socialcoder.gui.lead.workspace import PAGES

    for index in range(1, len(PAGES)):
        tabs.setFocus()
        qtbot.keyClick(tabs, Qt.Key.Key_Right)
        assert lead.currentIndex() == index
        page = lead.currentWidget()
        walked = tab_walk(qtbot, tabs, Qt.Key.Key_Tab)
        assert walked, PAGES[index]
        assert all(page.isAncestorOf(w) and w.isVisible() for w in walked), describe(walked)
        assert [s for w in walked for s in unexplained_one(w)] == [], PAGES[index]
        assert tab_walk(qtbot, tabs, Qt.Key.Key_Backtab) == walked[::-1], PAGES[index]
    # the calibration page reads its differences before the definition beside them
    lead.show_page("calibration")
    calibration = lead.calibration.view
    walked = tab_walk(qtbot, tabs, Qt.Key.Key_Tab)
    assert walked.index(calibration.diffs) + 1 == walked.index(calibration.definition)


def unexplained_one(widget: QWidget) -> list[str]:
    name, text = name_of(widget), description_of(widget)
    if not name or not text or text.casefold() == name.casefold():
        return [f"{describe([widget])[0]} name={name!r} description={text!r}"]
    return []
