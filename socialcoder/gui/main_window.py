"""The main window: transcripts (left), the transcript being coded (centre), the codebook
and the session panel (right); menus with every action and its shortcut.

Data flow: widgets -> :class:`CodingController` -> services; nothing here touches storage.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent, QUndoGroup
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.codebook import Dimension, Unit
from socialcoder.errors import UserError
from socialcoder.gui.accessibility import name_widgets, tab_order
from socialcoder.gui.coder_session import watch_coder_window
from socialcoder.gui.coding_keys import handle_key
from socialcoder.gui.controller import CodingController
from socialcoder.gui.dialogs import (
    MemoDialog,
    confirm_complete,
    run_dialog,
    shortcuts_dialog,
    show_about,
    show_error,
    warn_key_conflicts,
)
from socialcoder.gui.export_dialog import ExportDialog, open_export
from socialcoder.gui.file_actions import FileActions, first_to_open
from socialcoder.gui.find import find_in_transcript
from socialcoder.gui.lead import integration as lead_ui
from socialcoder.gui.lead.calibration_view import offer_calibration
from socialcoder.gui.lead.integration import LeadRole
from socialcoder.gui.lead.workspace import LeadWorkspace
from socialcoder.gui.main_menus import MainMenus, MenuSlots
from socialcoder.gui.media import files as media_files
from socialcoder.gui.media.controller import MediaController
from socialcoder.gui.panels import CodebookPanel, SessionPanel, TranscriptsPanel
from socialcoder.gui.passphrase_dialog import GuiPassphrases
from socialcoder.gui.read_only import ReadOnlyBanner
from socialcoder.gui.recent import recent_studies, remember_study
from socialcoder.gui.refi_dialog import open_refi_import
from socialcoder.gui.segment_delegate import SegmentDelegate
from socialcoder.gui.server_dialog import open_server_study
from socialcoder.gui.session import StudySession
from socialcoder.gui.start_page import StartPage, open_sample
from socialcoder.gui.views import FindBar, SegmentListView
from socialcoder.gui.watch import StudyWatcher
from socialcoder.gui.window_layout import restore_layout, save_layout
from socialcoder.services.audit_events import record_opened
from socialcoder.services.encryption import set_passphrase_source
from socialcoder.services.study import Study
from socialcoder.services.transcript_list import TranscriptSummary, assigned_first, list_transcripts
from socialcoder.services.transcript_view import SegmentView

ORGANISATION = "SocialCoder"
APPLICATION = "SocialCoder"


def make_settings() -> QSettings:
    """The user's settings (INI format, so tests can point QSettings.setPath at a temp dir)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or make_settings()
        self.study: Study | None = None
        self.coder: str | None = None
        self.controller: CodingController | None = None
        self.codebook_panel: CodebookPanel | None = None
        self.session_panel: SessionPanel | None = None
        self.role = "coder"  # or "lead" (chosen at login; see gui/lead/integration.py)
        self.lead: LeadWorkspace | None = None
        self.watcher: StudyWatcher | None = None
        self.changes: StudySession | None = None  # the coder's: changes made elsewhere
        self.delegate: SegmentDelegate | None = None  # the open transcript's segment painter
        self._summaries: list[TranscriptSummary] = []  # the transcripts listed
        self.undo_group = QUndoGroup(self)
        self.setWindowTitle("SocialCoder")
        self.files = FileActions(
            self,
            self.settings,
            study=lambda: self.study,
            show_study=self.attach,
            open_path=self.open_study,
            refresh=self.refresh_transcripts,
        )
        self._build_layout()
        self.menus = MainMenus(self, self.undo_group, self._menu_slots())
        # the actions and menus others reach (the lead role, dialogs' tests)
        self.server_action = self.menus.server_action
        self.import_action = self.menus.import_action
        self.manifest_action = self.menus.manifest_action
        self.refi_action = self.menus.refi_action
        self.export_action = self.menus.export_action
        self.switch_coder_action = self.menus.switch_coder_action
        self.code_menu = self.menus.code_menu
        self._build_playback_and_lead()
        self.menus.add_help()
        self.start_page = self._build_start_page()  # shown while no study is open
        self.study_label = QLabel("No study open", self)
        self.statusBar().addPermanentWidget(self.study_label)
        restore_layout(self.settings, self, self.splitter)
        details = self.settings.value("view/details", True, type=bool)
        self.details_visible = details if isinstance(details, bool) else True
        zoom = self.settings.value("view/zoom", 0, type=int)
        self._zoom = zoom if isinstance(zoom, int) else 0
        self._apply_zoom()
        # encrypted studies: passphrases are asked for in a dialog, kept in memory only
        self.passphrases = GuiPassphrases(self)
        set_passphrase_source(self.passphrases)

    # -- layout ------------------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.transcripts = TranscriptsPanel(self.splitter)
        self.transcripts.opened.connect(self.open_transcript)
        centre = QWidget(self.splitter)
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        self.find_bar = FindBar(centre)
        self.find_bar.searched.connect(self.find_text)
        layout.addWidget(self.find_bar)
        self.segment_view = SegmentListView(centre)
        self.find_bar.closed.connect(self.segment_view.setFocus)
        layout.addWidget(self.segment_view, 1)
        self.right = QWidget(self.splitter)
        self.right_layout = QVBoxLayout(self.right)
        self.right_layout.setContentsMargins(0, 0, 0, 0)
        self.splitter.addWidget(self.transcripts)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([330, 680, 390])
        # the start page and the lead's workspace (LeadRole) join it
        self.stack: QStackedWidget = QStackedWidget(self)
        self.stack.addWidget(self.splitter)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.read_only_banner: ReadOnlyBanner = ReadOnlyBanner(central)
        column.addWidget(self.read_only_banner)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_start_page(self) -> StartPage:
        page = StartPage(self.recent_studies, self.stack)
        page.sampleRequested.connect(lambda: open_sample(self, self.open_study))
        page.newRequested.connect(self.files.new_study)
        page.openRequested.connect(self.files.choose_study)
        page.recentRequested.connect(self.open_study)
        self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        return page

    def _menu_slots(self) -> MenuSlots:
        """What the menus call (gui/main_menus.py knows nothing else of the window)."""
        return MenuSlots(
            new_study=self.files.new_study,
            choose_study=self.files.choose_study,
            open_server_study=lambda: open_server_study(
                self, attach=lambda s: self.files.attach_study(s)
            ),
            open_study=self.open_study,
            recent_studies=self.recent_studies,
            import_files=self.files.import_files,
            import_manifest=self.files.import_manifest,
            import_refi=lambda: open_refi_import(self, self.settings, self.open_study),
            attach_recording=self._attach_recording,
            choose_media_folder=lambda: media_files.choose_media_folder(self),
            export=self.export,
            switch_coder=self.switch_coder,
            quit=self.close,
            find=self.find_bar.open_bar,
            edit_memo=self.edit_memo,
            clear=self._clear,
            move=lambda step: self._ctl("move", step),
            next_uncoded=lambda: self._ctl("go_next_uncoded"),
            accept_suggestion=lambda: self._ctl("accept_suggested"),
            mark_complete=self.mark_complete,
            reopen=self.reopen,
            zoom=lambda step: self.zoom(step, reset=step == 0),
            open_settings=self.open_settings,
            toggle_details=self.toggle_details,
            show_shortcuts=self.show_shortcuts,
            about=lambda: show_about(self),
            codebook=lambda: self.study.codebook if self.study is not None else None,
            press=self._press,
        )

    def _build_playback_and_lead(self) -> None:
        """The media dock with its Playback menu, and the Lead menu (after View, before Help)."""
        self.media = MediaController(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.media.dock)
        self.media.dock.hide()
        self.addActions(self.media.build_menu(self.menuBar().addMenu("&Playback")))
        self.media.statusMessage.connect(lambda msg: self.statusBar().showMessage(msg, 10_000))

        self.lead_role = LeadRole(
            self,
            self.settings,
            self.stack,
            self.undo_group,
            allowed=lambda: self.role == "lead",
            also_enabled=[self.export_action],
        )
        self.lead_menu = self.lead_role.menu
        self.lead_actions = [*self.lead_role.actions, self.export_action]  # lead role only
        self.blinding_action = self.lead_role.blinding

    # -- study and coder ---------------------------------------------------------------------
    def recent_studies(self) -> list[str]:
        return recent_studies(self.settings)

    def open_study(
        self,
        target: str,
        coder: str | None = None,
        transcript: str | None = None,
        role: str = "coder",
    ) -> bool:
        """Open ``target``; ``role="lead"`` with a ``coder`` (the lead's name) opens the lead
        workspace directly; otherwise the login dialog may choose the role."""
        self.role = role
        if role == "lead" and coder:
            study = lead_ui.open_lead_study(self, target)
            return study is not None and self._attach_lead(study, coder)
        return self.files.open_study(target, coder, transcript)

    def set_role(self, role: str) -> None:
        """Called by the login dialog when accepted."""
        self.role = role

    def attach(self, study: Study, coder: str, transcript: str | None) -> None:
        """Show ``study`` as ``coder`` (called once the coder is known); in the lead role,
        the lead workspace instead (``coder`` is then the lead's name)."""
        if self.role == "lead":
            self._attach_lead(study, coder)
            return
        self.close_study()
        self.study, self.coder = study, coder
        self.read_only_banner.show_for(study)
        self.stack.setCurrentWidget(self.splitter)
        self.settings.setValue("last/coder", coder)
        remember_study(self.settings, study.location)
        ctl = CodingController(study, coder, self.segment_view, self)
        self.controller = ctl
        self.delegate = SegmentDelegate(ctl.model, self.segment_view)
        self.segment_view.setItemDelegate(self.delegate)
        self.media.attach(study, coder, ctl)
        self.segment_view.key_handler = lambda e: self.media.handle_key(e) or handle_key(ctl, e)
        ctl.ask_number = self._ask_number
        self.undo_group.addStack(ctl.undo_stack)
        self.undo_group.setActiveStack(ctl.undo_stack)
        self._build_panels(study, ctl)
        ctl.statusMessage.connect(lambda msg: self.statusBar().showMessage(msg, 10_000))
        ctl.currentSegmentChanged.connect(self._segment_changed)
        ctl.selectedDimensionChanged.connect(self._dimension_selected)
        ctl.armedChanged.connect(self._armed_changed)
        ctl.sessionChanged.connect(lambda: self._session_changed(ctl))
        ctl.progressChanged.connect(self.transcripts.set_progress)
        ctl.transcriptOpened.connect(self._transcript_opened)
        ctl.memoRequested.connect(self.edit_memo)
        ctl.detailsToggled.connect(self.toggle_details)
        self.changes = watch_coder_window(
            self, ctl, self.transcripts, self.refresh_transcripts, self.reload_codebook
        )
        self.watcher = self.changes.watcher
        info = study.info()
        self.setWindowTitle(f"{info.name} — coding as {coder} — SocialCoder")
        self._label_study(study, coder)
        self.refresh_transcripts()
        first = study.codebook.segment_dimensions()
        ctl.select_dimension(first[0] if first else None)
        names = [t.name for t in self._summaries]
        if transcript is None and names:
            transcript = first_to_open(study, names)
        if transcript is not None:
            try:
                ctl.open_transcript(transcript)
            except UserError as exc:
                show_error(self, exc)
        warn_key_conflicts(self, study.codebook)
        self._focus_order()
        self.activateWindow()
        self.segment_view.setFocus()

    def _build_panels(self, study: Study, ctl: CodingController) -> None:
        """The codebook pane and the whole-session panel for ``study``'s codebook."""
        self.codebook_panel = CodebookPanel(study.codebook, self.right)
        self.session_panel = SessionPanel(study.codebook, self.right)
        self.right_layout.addWidget(self.codebook_panel, 1)
        self.right_layout.addWidget(self.session_panel)
        self.codebook_panel.details.setVisible(self.details_visible)
        self.codebook_panel.dimensionClicked.connect(self._dimension_clicked)
        self.codebook_panel.dimensionActivated.connect(
            lambda k: self._press(study.codebook.dimension(k))
        )
        self.session_panel.valueChosen.connect(self._session_value)
        self.session_panel.complete_button.clicked.connect(
            lambda: self.reopen() if ctl.completed else self.mark_complete()
        )

    def _drop_panels(self) -> None:
        for panel in (self.codebook_panel, self.session_panel):
            if panel is not None:
                panel.setParent(None)
                panel.deleteLater()
        self.codebook_panel = self.session_panel = None

    def _label_study(self, study: Study, coder: str) -> None:
        info = study.info()
        self.study_label.setText(
            f"Study: {info.name} · Coder: {coder} · Codebook: {info.codebook_name} "
            f"v{info.codebook_version}"
        )

    def reload_codebook(self) -> None:
        """The study's codebook changed elsewhere: show the new version (pane, keys, the open
        transcript's rows), keeping the cursor and the selected dimension."""
        study, ctl = self.study, self.controller
        if study is None or ctl is None or self.coder is None:
            return
        if ctl.codebook == study.codebook:  # the session took the newest (StudySession._taken)
            return
        self._drop_panels()
        self._build_panels(study, ctl)
        stale = ctl.use_codebook()  # undo steps it no longer allows: the history is cleared
        self._label_study(study, self.coder)
        self._focus_order()
        note = f"; undo history cleared ({', '.join(stale)} changed)" if stale else ""
        text = f"The codebook was updated elsewhere: now shown{note}."
        self.statusBar().showMessage(text, 10_000)

    def _attach_lead(self, study: Study, name: str) -> bool:
        """Show ``study`` in the lead's workspace; False (study closed) for a coder's login."""
        if not lead_ui.lead_login(self, study):
            return False
        self.close_study()
        record_opened(study, actor=name, role="lead", program="SocialCoder window")
        self.study, self.coder, self.role = study, None, "lead"
        remember_study(self.settings, study.location)
        self.lead = self.lead_role.attach(study, name)
        name_widgets(self)  # a screen reader has a name for every control
        title, label = lead_ui.lead_titles(study, name)
        self.setWindowTitle(title)
        self.study_label.setText(label)
        self.code_menu.menuAction().setVisible(False)
        self.read_only_banner.show_for(study)
        self.lead.show_page("assignments")
        return True

    def _focus_order(self) -> None:
        """Tab from the segment list reaches the codebook (Enter codes the selected dimension),
        the whole-session ratings, 'Mark complete', then the transcript list; every control
        has a name a screen reader can say (:mod:`socialcoder.gui.accessibility`)."""
        if self.codebook_panel is None or self.session_panel is None:
            return
        tab_order(
            self.segment_view,
            self.codebook_panel.table,
            *self.session_panel.combos.values(),
            self.session_panel.complete_button,
            self.transcripts.filter,
            self.transcripts.table,
        )
        name_widgets(self)

    def refresh_transcripts(self) -> None:
        """Reload the transcripts list (this coder's progress only: blind coding)."""
        if self.study is None or self.coder is None:
            return
        self._summaries = assigned_first(
            list_transcripts(self.study, coders=[self.coder], as_coder=True), self.coder
        )
        self.transcripts.load(self._summaries, self.coder)
        if self.controller and self.controller.transcript:
            self.transcripts.select(self.controller.transcript)

    def close_study(self) -> None:
        if self.changes is not None:
            self.changes.close()
            self.changes.deleteLater()
            self.changes = self.watcher = None
        self.lead_role.detach()
        self.lead = None
        self.stack.setCurrentWidget(self.splitter)
        self.code_menu.menuAction().setVisible(True)
        self.role = "coder"
        self.lead_role.sync()
        self.media.detach()
        if self.controller is not None:
            self.undo_group.removeStack(self.controller.undo_stack)
            self.segment_view.key_handler = None
            self.controller.deleteLater()
            self.controller = None
        self._drop_panels()
        if self.study is not None:
            self.study.close()
            self.study = None
        self.read_only_banner.show_for(None)

    def _attach_recording(self) -> None:
        ctl = self.controller
        if media_files.attach_recording(self, self.study, ctl.transcript if ctl else None) and ctl:
            self.media.reopen(ctl.transcript or "")
        self.segment_view.setFocus()

    def export(self) -> ExportDialog | None:
        """The export dialog: the study lead's only (refused, with a reason, otherwise)."""
        return open_export(self, self.settings, self.study if self.lead_role.active() else None)

    def switch_coder(self) -> None:
        if self.study is not None:
            self.open_study(self.study.location)

    # -- coding actions ----------------------------------------------------------------------
    def _ctl(self, method: str, *args: object) -> None:
        if self.controller is not None:
            getattr(self.controller, method)(*args)

    def _press(self, dim: Dimension) -> None:
        if self.controller is not None:
            self.controller.press_dimension(dim)
            self.segment_view.setFocus()

    def _clear(self) -> None:
        ctl = self.controller
        if ctl is not None and ctl.armed is not None:
            seg = ctl.current_segment()
            dim = ctl.armed
            ctl.disarm()
            ctl.clear(dim, None if dim.unit is Unit.SESSION or seg is None else seg.index)
        elif ctl is not None:
            ctl.clear_segment()

    def _session_value(self, key: str, value: str | None) -> None:
        ctl = self.controller
        if ctl is None:
            return
        dim = ctl.codebook.dimension(key)
        if value is None:
            ctl.clear(dim, None)
        else:
            ctl.code(dim, None, value)
        self.segment_view.setFocus()

    def _dimension_selected(self, dim: Dimension | None) -> None:
        if self.codebook_panel is not None:  # the pane of the codebook shown now
            self.codebook_panel.select_dimension(dim)

    def _armed_changed(self, dim: Dimension | None) -> None:
        if self.codebook_panel is not None:
            self.codebook_panel.set_armed(dim, CodingController.arm_prompt(dim) if dim else "")

    def _session_changed(self, ctl: CodingController) -> None:
        if self.session_panel is not None:
            self.session_panel.show_state(ctl.session_codes, ctl.completed)

    def _dimension_clicked(self, key: str) -> None:
        if self.controller is not None:
            self.controller.select_dimension(self.controller.codebook.dimension(key))

    def _ask_number(self, dim: Dimension) -> str | None:
        text, ok = QInputDialog.getText(self, dim.label, f"{dim.label} ({dim.scale.value}):")
        return text if ok else None

    def edit_memo(self) -> None:
        ctl = self.controller
        seg = ctl.current_segment() if ctl else None
        if ctl is None or seg is None or ctl.refuse_change():
            return
        dialog = MemoDialog(seg.index, seg.memo, self)
        text = dialog.text
        if run_dialog(dialog):
            ctl.set_memo(text())
        self.segment_view.setFocus()

    def mark_complete(self) -> None:
        ctl = self.controller
        if ctl is None or ctl.transcript is None or ctl.refuse_change():
            return
        if self.watcher is not None:
            self.watcher.check()  # count what is stored now, changes made elsewhere included
        if ctl.completed:
            self.statusBar().showMessage("Already marked complete (Reopen to change that).", 10_000)
            return
        coded, codable = ctl.progress
        if confirm_complete(self, ctl.transcript, codable - coded):
            ctl.set_completed(True)
            if ctl.completed and self.study is not None and self.coder is not None:
                offer_calibration(self, self.settings, self.study, self.coder, ctl.transcript)
        self.segment_view.setFocus()

    def reopen(self) -> None:
        ctl = self.controller
        if ctl is not None and ctl.completed:
            ctl.set_completed(False)

    def _segment_changed(self, seg: SegmentView | None) -> None:
        if self.codebook_panel is not None:
            self.codebook_panel.show_segment(seg)

    def _transcript_opened(self, name: str) -> None:
        self.transcripts.select(name)
        self.find_bar.result.setText("")
        if self.study is not None:
            self.setWindowTitle(
                f"{name} — {self.study.name} — coding as {self.coder} — SocialCoder"
            )

    def open_transcript(self, name: str) -> None:
        if self.controller is not None and name != self.controller.transcript:
            try:
                self.controller.open_transcript(name)
            except UserError as exc:
                show_error(self, exc)
        self.segment_view.setFocus()

    # -- find, zoom, details -----------------------------------------------------------------
    def find_text(self, text: str, forward: bool) -> None:
        result = find_in_transcript(self.controller, text, forward) if self.controller else None
        if result is not None:
            self.find_bar.result.setText(result)

    def zoom(self, step: int, *, reset: bool = False) -> None:
        self._zoom = 0 if reset else max(-4, min(12, self._zoom + step))
        self.settings.setValue("view/zoom", self._zoom)
        self._apply_zoom()

    def _apply_zoom(self) -> None:
        font = self.font()
        base = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        font.setPointSizeF(max(6.0, base + self._zoom))
        self.stack.setFont(font)  # every pane: transcripts, segments, codebook, lead's views
        self.segment_view.setFont(font)
        if self.delegate is not None:
            self.delegate.forget_all()
        self.segment_view.doItemsLayout()

    def toggle_details(self) -> None:
        self.details_visible = not self.details_visible
        self.settings.setValue("view/details", self.details_visible)
        if self.codebook_panel is not None:
            self.codebook_panel.details.setVisible(self.details_visible)

    def show_shortcuts(self) -> None:
        run_dialog(shortcuts_dialog(self, self.study.codebook if self.study else None))

    def open_settings(self) -> None:
        from socialcoder.gui.settings_dialog import open_settings

        open_settings(self, self.settings, self._zoom, self._show_settings)

    def _show_settings(self, text_size: int) -> None:
        """The settings were kept: show the chosen text size and theme."""
        self.zoom(text_size - self._zoom)
        self.refresh_colours()

    def refresh_colours(self) -> None:
        """Redraw what is coloured after a theme change (the colours depend on its
        background): the segment list's chips, the codebook's keys, the session state, the
        lead's views."""
        if self.controller is not None:
            self.controller.model.forget_colours()
        self.segment_view.viewport().update()
        if self.codebook_panel is not None:
            self.codebook_panel.recolour()
        if self.session_panel is not None:
            self.session_panel.recolour()
        if self.lead is not None:
            self.lead.recolour()

    def closeEvent(self, event: QCloseEvent) -> None:
        save_layout(self.settings, self, self.splitter)
        self.settings.sync()
        self.close_study()
        self.passphrases.forget()
        set_passphrase_source(None)
        super().closeEvent(event)
