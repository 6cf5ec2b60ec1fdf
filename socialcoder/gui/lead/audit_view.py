"""The lead's 'Audit trail' tab: the study's events (who opened it from which machine, what
was exported where, de-identification, encryption, withdrawals) and how many code changes the
audit log holds. Read-only; the rows come from :func:`list_events` (the same as
``socialcoder audit``)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from socialcoder.errors import UserError
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.errors import describe
from socialcoder.services.audit_events import change_counts, list_events
from socialcoder.services.study import Study

COLUMNS = ("When (UTC)", "Event", "Who", "As", "Machine", "Detail")


class AuditView(QWidget):
    def __init__(self, study: Study, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audit_view")
        self.study = study
        box = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("audit_summary")
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("audit_table")
        self.table.setTabKeyNavigation(False)
        annotate(
            self.table,
            "Audit log",
            "Every change to codes, memos, completions and assignments: when, who, what, old and "
            "new value, and why",
        )
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        box.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        try:
            events = list_events(self.study)
            changes = change_counts(self.study)
        except UserError as exc:
            self.summary.setText(f"The audit trail cannot be read: {describe(exc)}")
            return
        self.table.setRowCount(len(events))
        for row, e in enumerate(reversed(events)):  # newest first
            detail = "; ".join(f"{k}={v}" for k, v in e.detail.items())
            cells = (e.at.strftime("%Y-%m-%d %H:%M:%S"), e.kind, e.actor, e.role, e.machine, detail)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(str(text)))
        self.table.resizeColumnsToContents()
        total = sum(changes.values())
        counts = ", ".join(f"{n} {action}" for action, n in sorted(changes.items()))
        state = "encrypted" if self.study.encrypted else "not encrypted"
        self.summary.setText(
            f"{len(events)} study event(s), newest first; the study file is {state}. "
            f"Code-change audit log: {total} entr{'y' if total == 1 else 'ies'}"
            + (f" ({counts})." if counts else ".")
        )
