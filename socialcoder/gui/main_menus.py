"""The main window's menu bar (File, Edit, Code, Navigate, View and Help) with every action and
its shortcut, and the menus filled when they open (Code: the study's dimensions; Recent studies).

A collaborator of :class:`~socialcoder.gui.main_window.MainWindow`: it builds the menus, keeps the
actions others trigger, and calls the window's slots; the window names the actions it exposes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from socialcoder.domain import keys as keymap
from socialcoder.domain.codebook import Unit
from socialcoder.gui import file_actions
from socialcoder.gui.export_dialog import EXPORT_TIP, open_export
from socialcoder.gui.media import files as media_files
from socialcoder.gui.refi_dialog import REFI_TIP, open_refi_import
from socialcoder.gui.server_dialog import SERVER_TIP, open_server_study

if TYPE_CHECKING:
    from socialcoder.gui.main_window import MainWindow


class MainMenus:
    """Builds the window's menus up to View on creation; :meth:`add_help` adds Help last (after
    the menus others add: Playback, Lead)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        w = window
        bar = window.menuBar()
        m = bar.addMenu("&File")
        m.setToolTipsVisible(True)
        self.action(
            m,
            "&New study…",
            lambda: file_actions.new_study(w),
            "Ctrl+N",
            "Create a study from a codebook file",
        )
        self.action(m, "&Open study…", lambda: file_actions.choose_study(w), "Ctrl+O")
        self.server_action = self.action(
            m,
            "Open &server study…",
            lambda: open_server_study(w, attach=lambda s: file_actions.attach_study(w, s)),
            "",
            SERVER_TIP,
        )
        self.recent_menu = m.addMenu("Recent studies")
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        m.addSeparator()
        self.import_action = self.action(
            m,
            "&Import transcripts…",
            lambda: file_actions.import_files(w),
            "Ctrl+I",
            "Import transcript files (text, subtitles, Word, CSV) into the study",
        )
        self.manifest_action = self.action(
            m,
            "Import from &manifest…",
            lambda: file_actions.import_manifest(w),
            "",
            "Import the files listed in a manifest CSV "
            "(file, participant, therapist, session, date)",
        )
        self.refi_action = self.action(
            m,
            "Import &REFI-QDA project…",
            lambda: open_refi_import(w, w.settings, w.open_study),
            "",
            REFI_TIP,
        )
        self.action(
            m,
            "Attach &recording…",
            w._attach_recording,
            "",
            "The open transcript's session recording",
        )
        self.action(
            m,
            "Media &folders…",
            lambda: media_files.choose_media_folder(w),
            "",
            "Where this machine keeps recordings (searched by content; never stored in the study)",
        )
        self.export_action = self.action(
            m, "&Export…", lambda: open_export(w), "Ctrl+E", EXPORT_TIP
        )
        self.switch_coder_action = self.action(m, "Switch &coder…", w.switch_coder, "")
        m.addSeparator()
        self.action(
            m,
            "&Quit",
            w.close,
            QKeySequence(QKeySequence.StandardKey.Quit).toString() or "Ctrl+Q",
        )

        m = bar.addMenu("&Edit")
        undo = w.undo_group.createUndoAction(w, "&Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = w.undo_group.createRedoAction(w, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for a in (undo, redo):
            m.addAction(a)
            w.addAction(a)
        m.addSeparator()
        self.action(m, "&Find in transcript…", w.find_bar.open_bar, "Ctrl+F")
        self.action(m, "Edit &memo…", w.edit_memo, keymap.MEMO.upper(), window=False)
        self.action(
            m,
            "&Clear codes of segment",
            w._clear,
            ["Del", "Backspace"],
            "With a dimension armed, clears that code; otherwise all your codes on the segment",
            window=False,
        )

        self.code_menu = bar.addMenu("&Code")
        self.code_menu.aboutToShow.connect(self.fill_code_menu)

        m = bar.addMenu("&Navigate")
        self.action(
            m,
            "&Next segment",
            lambda: w._ctl("move", 1),
            keymap.NEXT_SEGMENT.upper(),
            window=False,
        )
        self.action(
            m,
            "&Previous segment",
            lambda: w._ctl("move", -1),
            keymap.PREVIOUS_SEGMENT.upper(),
            window=False,
        )
        self.action(
            m,
            "Next &uncoded segment",
            lambda: w._ctl("go_next_uncoded"),
            keymap.NEXT_UNCODED.upper(),
            "Next codable segment you have not coded yet",
            window=False,
        )
        self.action(
            m,
            "&Accept machine suggestion",
            lambda: w._ctl("accept_suggested"),
            keymap.ACCEPT_SUGGESTION,
            "Code the current segment with the machine's faint suggestion (when the study "
            "turned suggestions on); the audit log marks it",
        )
        m.addSeparator()
        self.action(m, "Mark transcript &complete…", w.mark_complete, ["Ctrl+Return", "Ctrl+Enter"])
        self.action(m, "&Reopen transcript", w.reopen, "Ctrl+Shift+Return")

        m = bar.addMenu("&View")
        self.action(m, "&Larger text", lambda: w.zoom(1), ["Ctrl+=", "Ctrl++"])
        self.action(m, "&Smaller text", lambda: w.zoom(-1), "Ctrl+-")
        self.action(m, "&Normal text size", lambda: w.zoom(0, reset=True), "Ctrl+0")
        self.action(
            m,
            "Se&ttings…",
            w.open_settings,
            "Ctrl+Alt+S",
            "Text size, theme, remembering the window layout; the media keys",
        )
        self.action(
            m,
            "Dimension &details",
            w.toggle_details,
            ["F1", keymap.DETAILS],
            "Show or hide the definition, criteria and examples",
            window=False,
        )

    def action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[..., object],
        shortcut: str | list[str] = "",
        tip: str = "",
        *,
        window: bool = True,
    ) -> QAction:
        """An action in ``menu`` showing its shortcut. Single keys (``window=False``) are only
        displayed here; the segment list handles them, so typing in a text box is not coding."""
        action = QAction(text, self.window)
        keys = [shortcut] if isinstance(shortcut, str) else shortcut
        if any(keys):
            action.setShortcuts([QKeySequence(k) for k in keys if k])
        if not window:
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        if window:
            self.window.addAction(action)
        return action

    def add_help(self) -> None:
        w = self.window
        m = w.menuBar().addMenu("&Help")
        self.action(m, "&Keyboard shortcuts", w.show_shortcuts, "Ctrl+/")
        self.action(m, "&About SocialCoder", w._about, "")

    def fill_code_menu(self) -> None:
        w = self.window
        self.code_menu.clear()
        if w.study is None:
            self.code_menu.addAction("Open a study first").setEnabled(False)
            return
        for dim in w.study.codebook.dimensions:
            verb = "Toggle" if dim.scale.value == "binary" else "Choose"
            where = " (session)" if dim.unit is Unit.SESSION else ""
            self.action(
                self.code_menu,
                f"{verb} {dim.label}{where}",
                lambda _=False, d=dim: w._press(d),
                keymap.coding_shortcut(dim) or "",
                dim.definition[:200],
                window=False,
            )

    def fill_recent(self) -> None:
        w = self.window
        self.recent_menu.clear()
        recent = w.recent_studies()
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for path in recent:  # a server URL is stored without its password (db.describe)
            self.recent_menu.addAction(path, functools.partial(w.open_study, path))
