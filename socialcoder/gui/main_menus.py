"""The main window's menu bar (File, Edit, Code, Navigate, View and Help) with every action and
its shortcut, and the menus filled when they open (Code: the study's dimensions; Recent studies).

A collaborator of :class:`~socialcoder.gui.main_window.MainWindow`, which gives it the window to
put the menus and shortcuts on, the undo group and :class:`MenuSlots` (what each action calls);
it keeps the actions others trigger, and knows nothing else of the window.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QMainWindow, QMenu

from socialcoder.domain import keys as keymap
from socialcoder.domain.codebook import Codebook, Dimension, Unit
from socialcoder.gui.export_dialog import EXPORT_TIP
from socialcoder.gui.refi_dialog import REFI_TIP
from socialcoder.gui.server_dialog import SERVER_TIP

Slot = Callable[[], object]


@dataclass(frozen=True, kw_only=True)
class MenuSlots:
    """What the menus' actions call, and what the menus filled on opening read."""

    new_study: Slot
    choose_study: Slot
    open_server_study: Slot
    open_study: Callable[[str], object]  # a recent study
    recent_studies: Callable[[], list[str]]
    import_files: Slot
    import_manifest: Slot
    import_refi: Slot
    attach_recording: Slot
    choose_media_folder: Slot
    export: Slot
    switch_coder: Slot
    quit: Slot
    find: Slot
    edit_memo: Slot
    clear: Slot
    move: Callable[[int], object]  # +1 next segment, -1 previous
    next_uncoded: Slot
    accept_suggestion: Slot
    mark_complete: Slot
    reopen: Slot
    zoom: Callable[[int], object]  # text size step; 0 resets
    open_settings: Slot
    toggle_details: Slot
    show_shortcuts: Slot
    about: Slot
    codebook: Callable[[], Codebook | None]  # the open study's, for the Code menu
    press: Callable[[Dimension], object]  # a dimension from the Code menu


class MainMenus:
    """Builds the window's menus up to View on creation; :meth:`add_help` adds Help last (after
    the menus others add: Playback, Lead)."""

    def __init__(self, window: QMainWindow, undo_group: QUndoGroup, slots: MenuSlots) -> None:
        self.window = window
        self.slots = s = slots
        w = window
        bar = window.menuBar()
        m = bar.addMenu("&File")
        m.setToolTipsVisible(True)
        self.action(
            m,
            "&New study…",
            s.new_study,
            "Ctrl+N",
            "Create a study from a codebook file",
        )
        self.action(m, "&Open study…", s.choose_study, "Ctrl+O")
        self.server_action = self.action(
            m,
            "Open &server study…",
            s.open_server_study,
            "",
            SERVER_TIP,
        )
        self.recent_menu = m.addMenu("Recent studies")
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        m.addSeparator()
        self.import_action = self.action(
            m,
            "&Import transcripts…",
            s.import_files,
            "Ctrl+I",
            "Import transcript files (text, subtitles, Word, CSV) into the study",
        )
        self.manifest_action = self.action(
            m,
            "Import from &manifest…",
            s.import_manifest,
            "",
            "Import the files listed in a manifest CSV "
            "(file, participant, therapist, session, date)",
        )
        self.refi_action = self.action(
            m,
            "Import &REFI-QDA project…",
            s.import_refi,
            "",
            REFI_TIP,
        )
        self.action(
            m,
            "Attach &recording…",
            s.attach_recording,
            "",
            "The open transcript's session recording",
        )
        self.action(
            m,
            "Media &folders…",
            s.choose_media_folder,
            "",
            "Where this machine keeps recordings (searched by content; never stored in the study)",
        )
        self.export_action = self.action(m, "&Export…", s.export, "Ctrl+E", EXPORT_TIP)
        self.switch_coder_action = self.action(m, "Switch &coder…", s.switch_coder, "")
        m.addSeparator()
        self.action(
            m,
            "&Quit",
            s.quit,
            QKeySequence(QKeySequence.StandardKey.Quit).toString() or "Ctrl+Q",
        )

        m = bar.addMenu("&Edit")
        undo = undo_group.createUndoAction(w, "&Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = undo_group.createRedoAction(w, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for a in (undo, redo):
            m.addAction(a)
            w.addAction(a)
        m.addSeparator()
        self.action(m, "&Find in transcript…", s.find, "Ctrl+F")
        self.action(m, "Edit &memo…", s.edit_memo, keymap.MEMO.upper(), window=False)
        self.action(
            m,
            "&Clear codes of segment",
            s.clear,
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
            lambda: s.move(1),
            keymap.NEXT_SEGMENT.upper(),
            window=False,
        )
        self.action(
            m,
            "&Previous segment",
            lambda: s.move(-1),
            keymap.PREVIOUS_SEGMENT.upper(),
            window=False,
        )
        self.action(
            m,
            "Next &uncoded segment",
            s.next_uncoded,
            keymap.NEXT_UNCODED.upper(),
            "Next codable segment you have not coded yet",
            window=False,
        )
        self.action(
            m,
            "&Accept machine suggestion",
            s.accept_suggestion,
            keymap.ACCEPT_SUGGESTION,
            "Code the current segment with the machine's faint suggestion (when the study "
            "turned suggestions on); the audit log marks it",
        )
        m.addSeparator()
        self.action(m, "Mark transcript &complete…", s.mark_complete, ["Ctrl+Return", "Ctrl+Enter"])
        self.action(m, "&Reopen transcript", s.reopen, "Ctrl+Shift+Return")

        m = bar.addMenu("&View")
        self.action(m, "&Larger text", lambda: s.zoom(1), ["Ctrl+=", "Ctrl++"])
        self.action(m, "&Smaller text", lambda: s.zoom(-1), "Ctrl+-")
        self.action(m, "&Normal text size", lambda: s.zoom(0), "Ctrl+0")
        self.action(
            m,
            "Se&ttings…",
            s.open_settings,
            "Ctrl+Alt+S",
            "Text size, theme, remembering the window layout; the media keys",
        )
        self.action(
            m,
            "Dimension &details",
            s.toggle_details,
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
        self.action(m, "&Keyboard shortcuts", self.slots.show_shortcuts, "Ctrl+/")
        self.action(m, "&About SocialCoder", self.slots.about, "")

    def fill_code_menu(self) -> None:
        self.code_menu.clear()
        codebook = self.slots.codebook()
        if codebook is None:
            self.code_menu.addAction("Open a study first").setEnabled(False)
            return
        for dim in codebook.dimensions:
            verb = "Toggle" if dim.scale.value == "binary" else "Choose"
            where = " (session)" if dim.unit is Unit.SESSION else ""
            self.action(
                self.code_menu,
                f"{verb} {dim.label}{where}",
                lambda _=False, d=dim: self.slots.press(d),
                keymap.coding_shortcut(dim) or "",
                dim.definition[:200],
                window=False,
            )

    def fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.slots.recent_studies()
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for path in recent:  # a server URL is stored without its password (db.describe)
            self.recent_menu.addAction(path, functools.partial(self.slots.open_study, path))
