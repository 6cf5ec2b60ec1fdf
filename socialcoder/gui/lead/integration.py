"""How the lead's workspace plugs into the main window: :class:`LeadRole`, a collaborator the
window builds with what it needs (the window to put the menu and shortcuts on, the settings, the
stack the workspace joins, the undo group, whether the window is in the lead role).

* It adds the *Lead* menu (Ctrl+Shift+1..7); the menu is hidden and its actions disabled unless
  the window is in the lead role with a workspace (a blind coder never reaches the lead views).
* :meth:`LeadRole.attach` shows a study in the lead's workspace, which replaces the coding area;
  :meth:`LeadRole.detach` removes it (closing the study or switching role). The window keeps
  its own state (study, role, titles); :func:`lead_login` refuses a coder's login first.

SQLite cannot enforce the role against someone who holds the file; the shared-server
(PostgreSQL) mode does (see services/server.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from socialcoder.domain.settings import BLINDING
from socialcoder.errors import UserError
from socialcoder.gui.dialogs import show_error
from socialcoder.gui.lead.workspace import PAGES, LeadWorkspace
from socialcoder.services.settings import get_setting, set_settings
from socialcoder.services.study import Study, open_study

TITLES = {
    "assignments": "&Progress and assignments",
    "dashboard": "&Reliability dashboard",
    "review": "&Disagreement review",
    "calibration": "&Calibration",
    "deidentify": "De-&identification",
    "audit": "&Audit trail",
    "analysis": "A&nalysis",
}


class LeadRole:
    """The *Lead* menu of ``window`` and, in the lead role, the workspace in ``stack``.

    ``allowed()`` says whether the window is in the lead role; ``also_enabled`` are the
    window's actions enabled in the lead role only (Export)."""

    def __init__(
        self,
        window: QMainWindow,
        settings: QSettings,
        stack: QStackedWidget,
        undo_group: QUndoGroup,
        *,
        allowed: Callable[[], bool],
        also_enabled: Sequence[QAction] = (),
    ) -> None:
        self.window = window
        self.settings = settings
        self.stack = stack
        self.undo_group = undo_group
        self.allowed = allowed
        self.also_enabled = list(also_enabled)
        self.workspace: LeadWorkspace | None = None
        self.study: Study | None = None
        self.menu = window.menuBar().addMenu("&Lead")
        self.actions: list[QAction] = []
        for i, page in enumerate(PAGES, start=1):
            action = QAction(TITLES[page], window)
            action.setShortcut(QKeySequence(f"Ctrl+Shift+{i}"))
            action.triggered.connect(lambda _=False, p=page: self.show_page(p))
            self.menu.addAction(action)
            window.addAction(action)
            self.actions.append(action)
        self.menu.addSeparator()
        blind = QAction("&Blind coders (masked transcript labels)", window)
        blind.setObjectName("blinding_action")
        blind.setCheckable(True)
        blind.setToolTip(BLINDING.help)
        blind.toggled.connect(self.set_blinding)
        self.menu.addAction(blind)
        self.actions.append(blind)
        self.blinding = blind
        self.sync()

    def active(self) -> bool:
        return self.workspace is not None and self.allowed()

    def sync(self) -> None:
        """Show the menu and enable its actions in the lead role only."""
        active = self.active()
        self.menu.menuAction().setVisible(active)
        for action in [*self.actions, *self.also_enabled]:
            action.setEnabled(active)

    def show_page(self, page: str) -> None:
        if self.workspace is not None and self.allowed():  # never for a blind coder
            self.workspace.show_page(page)

    def set_blinding(self, on: bool) -> None:
        """The lead turns the study's blinding setting on or off."""
        study, lead = self.study, self.workspace
        if not self.allowed() or lead is None or study is None:
            return
        if bool(get_setting(study, BLINDING.name)) == on:
            return  # the menu was synced to the study, nothing to store
        try:
            stored = set_settings(study, {BLINDING.name: "on" if on else "off"})
        except UserError as exc:
            show_error(self.window, exc, "Cannot change the setting")
            self._show_blinding(study)
            return
        lead.session.report(stored.change)  # the window's own change
        self.window.statusBar().showMessage(
            "Coders now see masked transcript labels only"
            if on
            else "Coders now see transcript names, participants and sessions",
            10_000,
        )

    def _show_blinding(self, study: Study) -> None:
        self.blinding.blockSignals(True)
        self.blinding.setChecked(bool(get_setting(study, BLINDING.name)))
        self.blinding.blockSignals(False)

    def attach(self, study: Study, name: str) -> LeadWorkspace:
        """Show ``study`` in the lead's workspace as ``name`` (the window is in the lead role
        and has closed what it showed before)."""
        lead = LeadWorkspace(study, name, self.settings, self.stack)
        self.workspace, self.study = lead, study
        self.stack.addWidget(lead)
        self.stack.setCurrentWidget(lead)
        self.undo_group.addStack(lead.undo_stack)
        self.undo_group.setActiveStack(lead.undo_stack)
        lead.statusMessage.connect(lambda msg: self.window.statusBar().showMessage(msg, 10_000))
        lead.watcher.watch_window(self.window)
        self._show_blinding(study)
        self.sync()
        return lead

    def detach(self) -> None:
        lead = self.workspace
        if lead is not None:
            lead.shutdown()
            self.undo_group.removeStack(lead.undo_stack)
            self.stack.removeWidget(lead)
            lead.deleteLater()
        self.workspace = self.study = None
        self.sync()


def lead_login(parent: QWidget, study: Study) -> bool:
    """False (and ``study`` closed) for a coder's login on a server study: never the lead
    views."""
    if study.login_coder is None:
        return True
    show_error(
        parent,
        f"This login belongs to coder {study.login_coder!r}: the lead's workspace needs a "
        "lead's login. Open the study again as the coder, or with a lead's login.",
        "Not a lead's login",
    )
    study.close()
    return False


def open_lead_study(parent: QWidget, target: str) -> Study | None:
    """Open ``target`` for the lead's workspace (None, the error shown, when it cannot)."""
    try:
        return open_study(target)
    except UserError as exc:
        show_error(parent, exc, "Cannot open the study")
        return None


def lead_titles(study: Study, name: str) -> tuple[str, str]:
    """The window's title and status-bar label in the lead's workspace."""
    info = study.info()
    return (
        f"{info.name} — study lead ({name}) — SocialCoder",
        f"Study: {info.name} · Lead: {name} · Codebook: {info.codebook_name} "
        f"v{info.codebook_version}",
    )
