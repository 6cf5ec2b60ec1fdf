"""Read-only tables and number formats shared by the lead views."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from socialcoder.export.reliability_figures import Cell, fmt, fmt_ci, fmt_pct
from socialcoder.gui import themes
from socialcoder.gui.cells import header_item
from socialcoder.gui.errors import describe
from socialcoder.gui.theme import text_on

__all__ = [
    "Cell",
    "background",
    "cap_rows",
    "error_html",
    "fill",
    "fmt",
    "fmt_ci",
    "fmt_pct",
    "headers",
    "make_table",
    "texts",
]


def make_table(headers: Sequence[str], name: str, *, stretch: int | None = None) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # Tab leaves the table (arrow keys move between cells)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return table


def fill(table: QTableWidget, rows: Sequence[Sequence[Cell | str]]) -> None:
    """Show ``rows`` in ``table``. Columns that size to their contents are measured once, after
    the last cell: measured at each cell, as Qt does while they are set, filling took time
    quadratic in the cells (seconds for a few hundred on the GUI thread)."""
    header = table.horizontalHeader()
    modes = [header.sectionResizeMode(i) for i in range(header.count())]
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    try:
        _set_items(table, rows)
    finally:
        for i, mode in enumerate(modes):
            header.setSectionResizeMode(i, mode)
    table.resizeRowsToContents()


def _set_items(table: QTableWidget, rows: Sequence[Sequence[Cell | str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            cell = cell if isinstance(cell, Cell) else Cell(cell)
            item = QTableWidgetItem(cell.text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            if cell.tip:
                item.setToolTip(cell.tip)
            if cell.background:
                color = QColor(background(cell.background))
                item.setBackground(color)
                item.setForeground(text_on(color))
            if cell.bold:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            if cell.align_right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def error_html(message: object) -> str:
    """An error line for a label, in the theme's error colour (an error with its remedy in the
    window's words)."""
    text = describe(message) if isinstance(message, BaseException) else str(message)
    return f"<span style='color:{themes.marks().error}'>{html.escape(text, quote=False)}</span>"


def background(name: str) -> str:
    """A cell background as '#rrggbb' in the current theme (a mark's name, or a colour)."""
    return name if name.startswith("#") else str(getattr(themes.marks(), name))


def cap_rows(table: QTableWidget, lines: int = 2) -> None:
    """Keep rows at most ``lines`` lines high (long notes are shown in full elsewhere)."""
    limit = table.fontMetrics().lineSpacing() * lines + 8
    for r in range(table.rowCount()):
        if table.rowHeight(r) > limit:
            table.setRowHeight(r, limit)


def texts(table: QTableWidget, row: int) -> list[str]:
    """The texts of one row (for tests and the HTML report)."""
    out = []
    for c in range(table.columnCount()):
        item = table.item(row, c)
        out.append(item.text() if item is not None else "")
    return out


def headers(table: QTableWidget) -> list[str]:
    return [header_item(table, c).text() for c in range(table.columnCount())]
