"""How the lead's workspace plugs into the main window (kept here so that main_window.py
only calls these few functions).

* :func:`build_lead_menu` adds the *Lead* menu (Ctrl+Shift+1..4); it is hidden and its actions
  disabled unless the window's role is "lead" (a blind coder never reaches the lead views).
* :func:`attach_lead` shows ``study`` in the lead role: the workspace replaces the coding area.
* :func:`detach_lead` removes it (closing the study or switching role).

SQLite cannot enforce the role against someone who holds the file; the shared-server
(PostgreSQL) mode does (see services/server.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from socialcoder.domain.settings import BLINDING
from socialcoder.errors import UserError
from socialcoder.gui.accessibility import name_widgets
from socialcoder.gui.dialogs import show_error
from socialcoder.gui.lead.calibration_view import offer_calibration
from socialcoder.gui.lead.workspace import PAGES, LeadWorkspace
from socialcoder.services.audit_events import record_opened
from socialcoder.services.settings import get_setting, set_setting
from socialcoder.services.study import Study, open_study
from socialcoder.services.study_change import ChangeKind, StudyChange

if TYPE_CHECKING:
    from socialcoder.gui.main_window import MainWindow

TITLES = {
    "assignments": "&Progress and assignments",
    "dashboard": "&Reliability dashboard",
    "review": "&Disagreement review",
    "calibration": "&Calibration",
    "deidentify": "De-&identification",
    "audit": "&Audit trail",
    "analysis": "A&nalysis",
}


@dataclass(frozen=True)
class LeadMenu:
    """The *Lead* menu, its actions (pages and blinding) and the blinding toggle."""

    menu: QMenu
    actions: list[QAction]
    blinding: QAction


def build_lead_menu(window: MainWindow) -> LeadMenu:
    """Add the *Lead* menu to the window's menu bar; the window keeps what this returns as
    ``lead_menu``, ``lead_actions`` and ``blinding_action`` and then calls
    :func:`sync_lead_menu`."""
    menu = window.menuBar().addMenu("&Lead")
    actions: list[QAction] = []
    for i, page in enumerate(PAGES, start=1):
        action = QAction(TITLES[page], window)
        action.setShortcut(QKeySequence(f"Ctrl+Shift+{i}"))
        action.triggered.connect(lambda _=False, p=page: show_lead_page(window, p))
        menu.addAction(action)
        window.addAction(action)
        actions.append(action)
    menu.addSeparator()
    blind = QAction("&Blind coders (masked transcript labels)", window)
    blind.setObjectName("blinding_action")
    blind.setCheckable(True)
    blind.setToolTip(BLINDING.help)
    blind.toggled.connect(lambda on: set_blinding(window, on))
    menu.addAction(blind)
    actions.append(blind)
    return LeadMenu(menu, actions, blind)


def set_blinding(window: MainWindow, on: bool) -> None:
    """The lead turns the study's blinding setting on or off."""
    study = window.study
    if window.role != "lead" or window.lead is None or study is None:
        return
    if bool(get_setting(study, BLINDING.name)) == on:
        return  # the menu was synced to the study, nothing to store
    try:
        set_setting(study, BLINDING.name, "on" if on else "off")
    except UserError as exc:
        show_error(window, exc, "Cannot change the setting")
        _show_blinding(window, study)
        return
    window.lead.session.report(StudyChange.of(ChangeKind.SETTINGS))  # the window's own change
    window.statusBar().showMessage(
        "Coders now see masked transcript labels only"
        if on
        else "Coders now see transcript names, participants and sessions",
        10_000,
    )


def _show_blinding(window: MainWindow, study: Study) -> None:
    action = window.blinding_action
    action.blockSignals(True)
    action.setChecked(bool(get_setting(study, BLINDING.name)))
    action.blockSignals(False)


def sync_lead_menu(window: MainWindow) -> None:
    lead = window.role == "lead" and window.lead is not None
    window.lead_menu.menuAction().setVisible(lead)
    for action in window.lead_actions:
        action.setEnabled(lead)


def show_lead_page(window: MainWindow, page: str) -> None:
    if window.role != "lead" or window.lead is None:
        return  # never for a blind coder
    window.lead.show_page(page)


def open_as_lead(window: MainWindow, target: str, name: str) -> bool:
    """Open ``target`` straight into the lead workspace as ``name``."""
    try:
        study = open_study(target)
    except UserError as exc:
        show_error(window, exc, "Cannot open the study")
        return False
    return attach_lead(window, study, name)


def attach_lead(window: MainWindow, study: Study, name: str) -> bool:
    """Show ``study`` in the lead workspace; False (study closed) for a coder's login."""
    if study.login_coder is not None:  # a coder's login on a server study: never the lead views
        show_error(
            window,
            f"This login belongs to coder {study.login_coder!r}: the lead's workspace needs a "
            "lead's login. Open the study again as the coder, or with a lead's login.",
            "Not a lead's login",
        )
        study.close()
        return False
    window.close_study()
    record_opened(study, actor=name, role="lead", program="SocialCoder window")
    window.study, window.coder, window.role = study, None, "lead"
    window._remember(study.location)
    lead = LeadWorkspace(study, name, window.settings, window.stack)
    window.lead = lead
    window.stack.addWidget(lead)
    window.stack.setCurrentWidget(lead)
    window.undo_group.addStack(lead.undo_stack)
    window.undo_group.setActiveStack(lead.undo_stack)
    lead.statusMessage.connect(lambda msg: window.statusBar().showMessage(msg, 10_000))
    lead.watcher.watch_window(window)
    name_widgets(window)  # a screen reader has a name for every control
    info = study.info()
    window.setWindowTitle(f"{info.name} — study lead ({name}) — SocialCoder")
    window.study_label.setText(
        f"Study: {info.name} · Lead: {name} · Codebook: {info.codebook_name} v{info.codebook_version}"
    )
    for menu in (window.code_menu,):
        menu.menuAction().setVisible(False)
    _show_blinding(window, study)
    sync_lead_menu(window)
    window.read_only_banner.show_for(study)
    lead.show_page("assignments")
    return True


def detach_lead(window: MainWindow) -> None:
    lead = window.lead
    if lead is not None:
        lead.shutdown()
        window.undo_group.removeStack(lead.undo_stack)
        window.stack.removeWidget(lead)
        lead.deleteLater()
        window.lead = None
    window.stack.setCurrentWidget(window.splitter)
    window.code_menu.menuAction().setVisible(True)
    window.role = "coder"
    sync_lead_menu(window)


def after_complete(window: MainWindow, transcript: str) -> None:
    """The workbench's hook after a coder marks ``transcript`` complete."""
    if window.study is not None and window.coder is not None:
        offer_calibration(window, window.settings, window.study, window.coder, transcript)
