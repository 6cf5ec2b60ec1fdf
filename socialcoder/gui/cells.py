"""Items of a QTableWidget that the view itself filled.

``QTableWidget.item`` returns ``None`` for an empty cell; a view reading back a cell it filled
has a programming error if that happens, and says so here rather than with an AttributeError
on ``None`` somewhere later.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem


def item_at(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The item at ``(row, column)``, which the view has set."""
    item = table.item(row, column)
    if item is None:
        raise LookupError(f"table {table.objectName()!r} has no item at ({row}, {column})")
    return item


def header_item(table: QTableWidget, column: int) -> QTableWidgetItem:
    """The horizontal header item of ``column`` (set by ``setHorizontalHeaderLabels``)."""
    item = table.horizontalHeaderItem(column)
    if item is None:
        raise LookupError(f"table {table.objectName()!r} has no header item {column}")
    return item
