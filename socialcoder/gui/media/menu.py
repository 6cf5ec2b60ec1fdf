"""The Playback menu and its keys (:mod:`socialcoder.domain.media_keys`): one action per player
key, and which keys the transcript list hands over (Space and Return, asked before the coding
keys); the others are window shortcuts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QMenu

from socialcoder.domain.media_keys import PLAYER_KEYS

_SINGLE = {
    Qt.Key.Key_Space: "play_pause",
    Qt.Key.Key_Return: "play_turn",
    Qt.Key.Key_Enter: "play_turn",
}


def build_playback_menu(
    menu: QMenu, trigger: Callable[[str], None]
) -> tuple[dict[str, QAction], list[QAction]]:
    """Fill ``menu`` with one action per player key, each calling ``trigger`` with the key's
    name; returns the actions by name and the window-level ones (the window adds them so their
    shortcuts work anywhere in it)."""
    actions: dict[str, QAction] = {}
    window_actions = []
    for key in PLAYER_KEYS:
        action = QAction(key.label, menu)
        action.setShortcuts([QKeySequence(k) for k in key.keys])
        action.setToolTip(key.what)
        action.setStatusTip(key.what)
        if key.single:  # shown here, handled by the transcript list (single_key_action)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        else:
            window_actions.append(action)
        if key.name in ("follow", "timing", "player"):
            action.setCheckable(True)
        action.triggered.connect(lambda _=False, n=key.name: trigger(n))
        menu.addAction(action)
        actions[key.name] = action
        if key.name in ("volume_up", "timing", "patient_turn"):
            menu.addSeparator()
    return actions, window_actions


def single_key_action(event: QKeyEvent) -> str | None:
    """The player action of a key pressed in the transcript list without modifiers (Space,
    Return), or None."""
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if mods != Qt.KeyboardModifier.NoModifier:
        return None
    return _SINGLE.get(Qt.Key(event.key()))
