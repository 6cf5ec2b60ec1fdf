"""Passphrases for encrypted studies in the window: a dialog (with a retry after a wrong one).

:class:`GuiPassphrases` is the window's passphrase source (see
:mod:`socialcoder.storage.keys`). A passphrase typed here stays in this program's memory for
the session (so that reopening the study does not ask again); it is never written to the
settings, a log or anywhere else.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from socialcoder.gui.dialogs import run_dialog
from socialcoder.services.encryption import KeyRequest


class PassphraseDialog(QDialog):
    """Asks for a study's passphrase, or (``new``) for a new one typed twice."""

    def __init__(self, path: Path, *, new: bool, retry: bool, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New passphrase" if new else "Encrypted study")
        layout = QVBoxLayout(self)
        if new:
            text = (
                f"Choose a passphrase for {path.name}. Without it nobody can open the study: "
                "keep it safe."
            )
        elif retry:
            text = f"Wrong passphrase for {path.name}. Try again."
        else:
            text = f"{path.name} is encrypted. Passphrase:"
        self.message = QLabel(text, self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        form = QFormLayout()
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Passphrase", self.passphrase)
        self.repeat: QLineEdit | None = None
        if new:
            self.repeat = QLineEdit(self)
            self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow("Again", self.repeat)
        layout.addLayout(form)
        self.problem = QLabel("", self)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.passphrase.setFocus()

    def _accept(self) -> None:
        if not self.passphrase.text():
            self.problem.setText("Type the passphrase.")
            return
        if self.repeat is not None and self.repeat.text() != self.passphrase.text():
            self.problem.setText("The two passphrases differ.")
            return
        self.accept()


class GuiPassphrases:
    """The window's passphrase source."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self._remembered: dict[Path, str] = {}

    def __call__(self, request: KeyRequest) -> str | None:
        where = request.path.resolve()
        if request.purpose == "open" and request.attempt == 1 and where in self._remembered:
            return self._remembered[where]
        dialog = PassphraseDialog(
            request.path,
            new=request.purpose == "new",
            retry=request.attempt > 1 or where in self._remembered,
            parent=self.parent,
        )
        field = dialog.passphrase
        if not run_dialog(dialog):
            return None
        value = field.text()
        self._remembered[where] = value
        return value

    def forget(self) -> None:
        self._remembered.clear()
