"""The coding keys of the segment list: what each key does to a
:class:`~socialcoder.gui.controller.CodingController` (which stores the codes).

Keys (when the segment list has focus; the window's own keys are in
:mod:`socialcoder.domain.keys`, which the codebook loader keeps free): J/K next/previous
segment, N next uncoded codable segment, Home/End first/last segment, PageUp/PageDown about one
screen, a dimension's shortcut toggles a binary code or *arms* a nominal/ordinal/session
dimension (then the value's shortcut or a digit 1-9 picks a value, Delete clears it, Esc
cancels), Delete/Backspace with nothing armed clears all codes of the segment, M edits the
memo, ? or F1 shows the selected dimension's details.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from socialcoder.domain import keys
from socialcoder.domain.codebook import Codebook, Dimension, Unit

if TYPE_CHECKING:
    from socialcoder.gui.controller import CodingController

_CLEAR_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
_PAGE_KEYS = (Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


def handle_key(ctl: CodingController, event: QKeyEvent) -> bool:
    """Coding keys of the segment list; returns True when the key was used."""
    if ctl.transcript is None:
        return False
    mods = (
        event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
    )
    if mods != Qt.KeyboardModifier.NoModifier:
        return False
    key = event.key()
    text = event.text().lower()
    if key in _PAGE_KEYS:
        page(ctl, key)
        return True
    if ctl.armed is not None:
        dim = ctl.armed
        if key == Qt.Key.Key_Escape:
            ctl.disarm()
            ctl.statusMessage.emit(f"{dim.key}: cancelled.")
            return True
        if key in _CLEAR_KEYS:
            ctl.disarm()
            seg = ctl.current_segment()
            ctl.clear(dim, None if dim.unit is Unit.SESSION or seg is None else seg.index)
            return True
        if text and text.isprintable():
            return pick_value(ctl, text)
        if dim.unit is Unit.SEGMENT:
            ctl.disarm()  # e.g. arrow keys: move on without a value
        return False
    if key in _CLEAR_KEYS:
        ctl.clear_segment()
        return True
    if key == Qt.Key.Key_F1 or text == keys.DETAILS:
        ctl.detailsToggled.emit()
        return True
    if text == keys.NEXT_SEGMENT:
        ctl.move(1)
        return True
    if text == keys.PREVIOUS_SEGMENT:
        ctl.move(-1)
        return True
    if text == keys.NEXT_UNCODED:
        ctl.go_next_uncoded()
        return True
    if text == keys.MEMO:
        if not ctl.refuse_change():
            ctl.memoRequested.emit()
        return True
    if text:
        pressed = by_shortcut(ctl.codebook, text)
        if pressed is not None:
            ctl.press_dimension(pressed)
            return True
    return False


def page(ctl: CodingController, key: int) -> None:
    """Home/End: first/last segment; PageUp/PageDown: about one screen up/down."""
    rows = ctl.model.total
    if not rows:
        return
    row = ctl.current_row() or 0
    if key == Qt.Key.Key_Home:
        ctl.set_current(0)
    elif key == Qt.Key.Key_End:
        ctl.set_current(rows - 1)
    else:
        viewport = ctl.view.viewport().rect()
        top = ctl.view.indexAt(viewport.topLeft())
        bottom = ctl.view.indexAt(viewport.bottomLeft())
        first = top.row() if top.isValid() else row
        last = bottom.row() if bottom.isValid() else rows - 1
        step = max(1, last - first)
        ctl.set_current(row + step if key == Qt.Key.Key_PageDown else row - step)


def pick_value(ctl: CodingController, text: str) -> bool:
    """With a dimension armed: choose a value by its shortcut or 1-based digit."""
    dim = ctl.armed
    if dim is None:
        return False
    value = None
    for v in dim.values:
        if v.shortcut and v.shortcut.lower() == text:
            value = v.value
    if value is None and text.isdigit() and 1 <= int(text) <= len(dim.values):
        value = dim.values[int(text) - 1].value
    if value is None:
        ctl.statusMessage.emit(f"{text!r} is not a value of {dim.key}. " + ctl.arm_prompt(dim))
        return True
    ctl.disarm()
    seg = ctl.current_segment()
    segment = None if dim.unit is Unit.SESSION else (seg.index if seg else None)
    ctl.code(dim, segment, value)
    return True


def by_shortcut(codebook: Codebook, text: str) -> Dimension | None:
    """The dimension whose shortcut is ``text`` (lower case), if any."""
    for dim in codebook.dimensions:
        if dim.shortcut and dim.shortcut.lower() == text:
            return dim
    return None
