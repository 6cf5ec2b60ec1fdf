"""gui/lead/tables.py fill: columns that size to their contents are measured once, after the
last cell, and come out as wide, with rows as high, as when measured at every cell (the old
way, quadratic in the cells), with the same texts; the resize modes are kept."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView

from socialcoder.gui.lead.tables import Cell, fill, make_table, texts


def _rows() -> list[list[Cell | str]]:
    return [
        [Cell(f"P{r:02d}_session{r}", "a transcript", bold=True)]
        + [Cell("in progress 40 % · P" * (1 + (r + c) % 3), "tip") for c in range(4)]
        + ["a long note that wraps " * (r % 4)]
        for r in range(12)
    ]


def _old_fill(table, rows) -> None:
    from PySide6.QtWidgets import QTableWidgetItem

    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            cell = cell if isinstance(cell, Cell) else Cell(cell)
            item = QTableWidgetItem(cell.text)
            if cell.bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            table.setItem(r, c, item)
    table.resizeRowsToContents()


def test_fill_sizes_columns_and_rows_as_measuring_each_cell_did(qtbot) -> None:
    headers = ["Transcript", "ana", "ben", "cleo", "dora", "Note"]
    new, old = make_table(headers, "new", stretch=5), make_table(headers, "old", stretch=5)
    for table in (new, old):
        qtbot.addWidget(table)
        table.resize(1100, 500)
        table.show()
    fill(new, _rows())
    _old_fill(old, _rows())
    qtbot.wait(50)
    assert [texts(new, r) for r in range(12)] == [texts(old, r) for r in range(12)]
    assert [new.columnWidth(c) for c in range(6)] == [old.columnWidth(c) for c in range(6)]
    assert [new.rowHeight(r) for r in range(12)] == [old.rowHeight(r) for r in range(12)]
    modes = [new.horizontalHeader().sectionResizeMode(c) for c in range(6)]
    assert modes == [QHeaderView.ResizeMode.ResizeToContents] * 5 + [QHeaderView.ResizeMode.Stretch]
    fill(new, _rows()[:3])  # filled again, shorter
    assert new.rowCount() == 3 and texts(new, 2) == texts(old, 2)
