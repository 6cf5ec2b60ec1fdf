"""Accessible names for screen readers.

Every interactive widget needs a name a screen reader can say. Buttons, check boxes and
actions have their text; a field in a form has its label (``QLabel.setBuddy``/``QFormLayout``).
The others get an explicit ``setAccessibleName`` where they are built; :func:`name_widgets`
is the safety net for the rest: a widget still without a name gets one from its placeholder
text, else its tool tip's first sentence, else its object name in words. :func:`nameless`
lists what a screen reader would still find unnamed (Qt's own parts, such as a table's corner
button, headers or scroll bars, a spin box's inner line edit or a combo box's popup list, are
spoken through their owner and not listed).
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QTabBar,
)


def spoken_name(widget: QWidget) -> str:
    """What a screen reader says as the widget's name (Qt's accessibility interface: the
    accessible name, else a button's text or a form label)."""
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name).strip() if iface is not None else ""


def _qt_part(widget: QWidget) -> bool:
    """A part Qt builds inside another widget (spoken through its owner)."""
    parent = widget.parentWidget()
    if widget.objectName().startswith("qt_"):
        return True
    if parent is not None and parent.objectName().startswith("qt_"):
        return True  # a scroll area's scroll bars
    if isinstance(parent, (QLineEdit, QAbstractSpinBox, QComboBox, QAbstractItemView)):
        return True  # a line edit's clear button, a spin box's editor, a table's headers
    return widget.window().isWindow() and widget.window().windowType() == Qt.WindowType.Popup


def interactive(root: QWidget) -> list[QWidget]:
    """The widgets under ``root`` a user can operate (Qt's own parts left out)."""
    return [w for w in root.findChildren(QWidget) if isinstance(w, INTERACTIVE) and not _qt_part(w)]


def _fallback(widget: QWidget) -> str:
    placeholder = getattr(widget, "placeholderText", None)
    if callable(placeholder) and placeholder():
        return str(placeholder()).rstrip("…. ")
    tip = widget.toolTip()
    if tip and "<" not in tip:
        return tip.split("\n")[0].split(". ")[0].split(": ")[0].strip()
    name = widget.objectName()
    return name.replace("_", " ").strip().capitalize() if name else ""


def name_widgets(root: QWidget) -> None:
    """Give every interactive widget under ``root`` that has no spoken name a fallback one."""
    for widget in interactive(root):
        if not spoken_name(widget):
            name = _fallback(widget)
            if name:
                widget.setAccessibleName(name)


def tab_order(*chain: QWidget) -> None:
    """Tab moves through ``chain`` in the order given."""
    for first, second in pairwise(chain):
        QWidget.setTabOrder(first, second)


def annotate(widget: QWidget, name: str | None = None, description: str = "") -> None:
    """Give ``widget`` an accessible name (when ``name``) and a description: what it does or
    shows, beyond its name (a screen reader says it after the name)."""
    if name:
        widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)


def nameless(root: QWidget) -> list[QWidget]:
    """Interactive widgets under ``root`` a screen reader would find without a name."""
    return [w for w in interactive(root) if not spoken_name(w)]
