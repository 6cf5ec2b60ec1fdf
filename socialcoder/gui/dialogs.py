"""Small dialogs: who is coding, memo, keyboard shortcuts, errors."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain import keys as keymap
from socialcoder.domain.codebook import Codebook, Scale, Unit
from socialcoder.domain.media_keys import PLAYER_KEYS
from socialcoder.errors import UserError
from socialcoder.gui.errors import describe


def run_dialog(dialog: QDialog) -> int:
    """``exec()`` a modal dialog, then dispose of it and give the focus back to its window."""
    result = dialog.exec()
    dialog.hide()
    parent = dialog.parentWidget()
    dialog.deleteLater()
    if parent is not None:
        parent.window().activateWindow()
    return result


def show_error(
    parent: QWidget | None, message: str | BaseException, title: str = "SocialCoder"
) -> None:
    """A readable error dialog (one line from a UserError, with its remedy in the window's
    words; no traceback)."""
    if isinstance(message, BaseException):
        message = describe(message)
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    run_dialog(box)


ROLE_CODER, ROLE_LEAD = "coder", "lead"


class CoderDialog(QDialog):
    """Who is coding: pick an existing coder or add a new one. ``coder()`` is the name.

    The role is chosen here too: "Code as a coder (blind)" (the default) or "Work as study
    lead" (then ``coder()`` is the lead's name for the audit log and no coder is added). On
    accept the parent window is told the role through its ``set_role(role)``, if it has one.
    """

    def __init__(
        self,
        coders: list[str],
        study_name: str,
        last: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Who is coding?")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Study <b>{html.escape(study_name)}</b>. You work:"))
        self.as_coder = QRadioButton("Code as a coder (blind)", self)
        self.as_coder.setObjectName("role_coder")
        self.as_lead = QRadioButton("Work as study lead", self)
        self.as_lead.setObjectName("role_lead")
        self.as_coder.setChecked(True)
        roles = QButtonGroup(self)
        roles.addButton(self.as_coder)
        roles.addButton(self.as_lead)
        layout.addWidget(self.as_coder)
        layout.addWidget(self.as_lead)
        self.lead_name = QLineEdit(self)
        self.lead_name.setObjectName("lead_name")
        self.lead_name.setPlaceholderText("your name, for the audit log (default: lead)")
        self.lead_name.setEnabled(False)
        layout.addWidget(self.lead_name)
        self.coder_box = QGroupBox("You code as:", self)
        coder_layout = QVBoxLayout(self.coder_box)
        layout.addWidget(self.coder_box)
        self.as_lead.toggled.connect(self._role_toggled)
        self.existing = QRadioButton("an existing coder", self)
        self.combo = QComboBox(self)
        self.combo.setObjectName("coders")
        self.combo.addItems(coders)
        if last in coders:
            self.combo.setCurrentText(last)
        self.new = QRadioButton("a new coder:", self)
        self.name = QLineEdit(self)
        self.name.setObjectName("new_coder")
        self.name.setPlaceholderText("your name or initials")
        for w in (self.existing, self.combo, self.new, self.name):
            coder_layout.addWidget(w)
        group = QButtonGroup(self)
        group.addButton(self.existing)
        group.addButton(self.new)
        note = QLabel(
            "Coding is blind: you will see only your own codes. The lead's views (progress, "
            "reliability, review, calibration) are not shown to coders.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.name.textEdited.connect(lambda _t: self.new.setChecked(True))
        self.combo.activated.connect(lambda _i: self.existing.setChecked(True))
        if coders:
            self.existing.setChecked(True)
            self.combo.setFocus()
        else:
            self.existing.setEnabled(False)
            self.combo.setEnabled(False)
            self.new.setChecked(True)
            self.name.setFocus()

    def _role_toggled(self, lead: bool) -> None:
        self.lead_name.setEnabled(lead)
        self.coder_box.setEnabled(not lead)
        if lead:
            self.lead_name.setFocus()

    def role(self) -> str:
        return ROLE_LEAD if self.as_lead.isChecked() else ROLE_CODER

    def is_new(self) -> bool:
        return self.role() == ROLE_CODER and self.new.isChecked()

    def coder(self) -> str:
        if self.role() == ROLE_LEAD:
            return self.lead_name.text().strip() or "lead"
        return self.name.text().strip() if self.is_new() else self.combo.currentText()

    def accept(self) -> None:
        set_role = getattr(self.parentWidget(), "set_role", None)
        if callable(set_role):
            set_role(self.role())
        super().accept()


class _EnterAccepts(QObject):
    """Enter accepts the dialog; Shift+Enter inserts a line break."""

    def __init__(self, dialog: QDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        if e.type() == QEvent.Type.KeyPress and isinstance(e, QKeyEvent):
            enter = e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and not e.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self._dialog.accept()
                return True
        return False


class MemoDialog(QDialog):
    """The coder's memo on one segment. Enter saves, Shift+Enter new line, Esc cancels;
    an empty memo removes it."""

    def __init__(self, segment: int, memo: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Memo on segment {segment}")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Your memo (Enter saves, Shift+Enter new line, Esc cancels; empty removes it):")
        )
        self.edit = QPlainTextEdit(self)
        self.edit.setObjectName("memo")
        self.edit.setAccessibleName(f"Your memo on segment {segment}")
        self.edit.setAccessibleDescription("Enter saves, Shift+Enter new line, Esc cancels")
        self.edit.setPlainText(memo or "")
        self.edit.installEventFilter(_EnterAccepts(self))
        layout.addWidget(self.edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 220)
        self.edit.setFocus()

    def text(self) -> str:
        return self.edit.toPlainText()


COMPLETE_EXPLANATION = (
    "After you mark it complete, an empty binary code counts as absent for reliability; "
    "before, as not coded yet."
)


def confirm_complete(parent: QWidget | None, transcript: str, uncoded: int) -> bool:
    left = (
        "Every codable segment has at least one code."
        if uncoded == 0
        else f"{uncoded} codable segment{'s are' if uncoded != 1 else ' is'} left uncoded."
    )
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Mark transcript complete",
        f"Mark {transcript} complete?\n\n{left}\n\n{COMPLETE_EXPLANATION}",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("confirm_complete")
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    return run_dialog(box) == QMessageBox.StandardButton.Yes


def shortcuts_html(codebook: Codebook | None) -> str:
    rows = [
        ("Up / Down, J / K", "previous / next segment"),
        ("PageUp / PageDown, Home / End", "scroll by a page, first / last segment"),
        ("N", "next codable segment you have not coded yet"),
        ("M", "edit your memo on the segment"),
        (
            "Delete / Backspace",
            "with a dimension armed: clear that code; otherwise clear "
            "<i>all</i> your codes on the segment",
        ),
        ("Esc", "cancel an armed dimension"),
        ("F1 or ?", "show / hide the selected dimension's definition and examples"),
        ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo any coding action"),
        ("Ctrl+F, Enter", "find text in the transcript, next match"),
        ("Ctrl+Enter", "mark the transcript complete"),
        ("Alt+Enter", "accept the machine's faint suggestion (when the study turned them on)"),
        ("Ctrl+= / Ctrl+-", "larger / smaller text"),
    ]
    rows += [(" / ".join(k.keys[:1]), html.escape(k.what)) for k in PLAYER_KEYS]
    if codebook is not None:
        for dim in codebook.dimensions:
            if not dim.shortcut:
                continue
            key = dim.shortcut.upper()
            if dim.scale is Scale.BINARY:
                what = f"toggle {dim.key} (present ↔ not coded)"
            else:
                picks = ", ".join(
                    f"{v.shortcut or i} = {v.label}" for i, v in enumerate(dim.values, start=1)
                )
                what = f"{dim.key}: then {picks or 'a value'}"
            if dim.unit is Unit.SESSION:
                what += " (whole session)"
            rows.append((key, html.escape(what)))
    body = "".join(
        f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in rows
    )
    return (
        "<p>Keys work when the transcript has focus. Every action is saved at once.</p>"
        f"<table cellspacing='4'>{body}</table>"
    )


def shortcuts_dialog(parent: QWidget | None, codebook: Codebook | None) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle("Keyboard shortcuts")
    layout = QVBoxLayout(dialog)
    view = QTextBrowser(dialog)
    view.setHtml(shortcuts_html(codebook))
    layout.addWidget(view)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.resize(620, 560)
    return dialog


def warn_key_conflicts(parent: QWidget | None, codebook: Codebook) -> None:
    """A codebook stored before the loader refused the window's own keys: say which
    shortcuts the window takes for itself (new codebooks are refused when loaded)."""
    conflicts = [f"{key}: {problem}" for key, problem in keymap.shortcut_conflicts(codebook)]
    if conflicts:
        show_error(
            parent,
            "This study's codebook was recorded before SocialCoder refused these shortcuts; "
            "the window keeps its own keys, so use the Code menu or a double-click for these "
            "dimensions, or record a codebook with other shortcuts (socialcoder codebook "
            "update):\n\n" + "\n".join(conflicts),
            "Codebook shortcuts",
        )


def show_about(parent: QWidget | None) -> None:
    from socialcoder import __version__

    show_error(
        parent,
        f"SocialCoder {__version__}: blind, keyboard-first coding of therapy "
        "transcripts. Every action is saved as you go.",
        "About SocialCoder",
    )


def error_text(exc: BaseException) -> str:
    if isinstance(exc, UserError):
        return describe(exc)
    return (
        f"Something went wrong ({type(exc).__name__}: {exc}). Your coding so far is saved; "
        "if this keeps happening, please report what you were doing."
    )
