"""Disagreement review: settle the units where coders differ, from the keyboard.

Left: the disagreements (filters: dimension, transcript, coder pair; settled ones greyed): units
where values differ (a value implied by the completion rule is marked "implied") and units where
one coder entered a value and another left the cell empty after completing the transcript.
Right: the segment in context (two turns before and after), each coder's value and memo side by
side, the value buttons and an optional reason.

Keys (the list has focus): **1-9** take coder N's value (coders numbered as in the columns);
**a value's shortcut** (n/m/s for resistance; **p**/**a** for present/absent on a binary
dimension) or **Alt+1-9** pick a value by its place in the codebook; Up/Down move; Ctrl+Z / Ctrl+Shift+Z
undo / redo. The next unsettled disagreement follows each decision. Every decision is one
:func:`adjudicate` call (audit log: who, when, old and new value, the reason) and one undo step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialcoder.errors import UserError
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.errors import describe
from socialcoder.gui.lead.review_keys import resolve_review_key
from socialcoder.gui.lead.review_parts import (
    AcceptDialog,
    ValuesPanel,
    context_html,
    short_value,
    value_text,
)
from socialcoder.gui.lead.tables import Cell, fill, make_table
from socialcoder.gui.lead.workers import Latest
from socialcoder.services.coding import Change
from socialcoder.services.consensus import (
    Disagreement,
    adjudicate,
    build_consensus,
    list_disagreements,
)
from socialcoder.services.review import review_context
from socialcoder.services.study import Study
from socialcoder.services.study_change import StudyChange
from socialcoder.services.undo import revert_consensus

if TYPE_CHECKING:
    from socialcoder.gui.session import StudySession

Key = tuple[str, str, int | None]  # (dimension, transcript, segment)


#: what the list and the context say until the first list has arrived
LOADING = "Loading the disagreements…"


def key_of(d: Disagreement) -> Key:
    return (d.dimension, d.transcript, d.segment)


class ReviewView(QWidget):
    statusMessage = Signal(str)

    def __init__(
        self,
        study: Study,
        lead: str,
        session: StudySession,
        parent: QWidget | None = None,
    ) -> None:
        """``session``: the window's, which runs the undo stack and tells the other views."""
        super().__init__(parent)
        self.study, self.lead, self.session = study, lead, session
        self.items: list[Disagreement] = []
        self.shown: list[Disagreement] = []
        self.coders: list[str] = []
        split = QSplitter(Qt.Orientation.Horizontal, self)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        left = QWidget(split)
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        self.f_dimension = QComboBox(left)
        self.f_transcript = QComboBox(left)
        self.f_pair = QComboBox(left)
        for combo, name in (
            (self.f_dimension, "filter_dimension"),
            (self.f_transcript, "filter_transcript"),
            (self.f_pair, "filter_pair"),
        ):
            combo.setObjectName(name)
            annotate(
                combo,
                {
                    "filter_dimension": "Dimension filter",
                    "filter_transcript": "Transcript filter",
                    "filter_pair": "Coder pair filter",
                }[name],
                "Show only the disagreements that match",
            )
            combo.currentIndexChanged.connect(self._apply_filters)
            filters.addWidget(combo, 1)
        self.hide_settled = QCheckBox("Hide settled", left)
        self.hide_settled.toggled.connect(self._apply_filters)
        annotate(
            self.hide_settled, description="Leave out the units the consensus layer has settled"
        )
        filters.addWidget(self.hide_settled)
        lbox.addLayout(filters)
        self.table = make_table(("Transcript", "Seg.", "Dimension"), "disagreements")
        self.table.setSelectionMode(self.table.SelectionMode.SingleSelection)
        self.table.installEventFilter(self)
        self.table.currentCellChanged.connect(lambda *_: self._show_current())
        annotate(
            self.table,
            "Disagreements",
            "Units the coders coded differently; keys 1 to 9 take coder N's value into the "
            "consensus layer, Ctrl+Z undoes",
        )
        lbox.addWidget(self.table, 1)
        self.count = QLabel("", left)
        lbox.addWidget(self.count)
        accept = QPushButton("Accept all &agreements…", left)
        accept.setToolTip("Copy into the consensus layer every value the chosen coders agree on")
        accept.clicked.connect(self.accept_agreements)
        annotate(accept, description=accept.toolTip())
        lbox.addWidget(accept)
        right = QWidget(split)
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(0, 0, 0, 0)
        self.context = QTextBrowser(right)
        self.context.setObjectName("context")
        annotate(
            self.context,
            "Context of the disagreement",
            "The turns around the unit under review, with the dimension's definition",
        )
        rbox.addWidget(self.context, 3)
        self.values = ValuesPanel(right)
        self.values.valueChosen.connect(self.decide)
        rbox.addWidget(self.values, 2)
        reason_row = QHBoxLayout()
        reason_row.addWidget(QLabel("Reason (optional):"))
        self.reason = QLineEdit(right)
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(
            "why this value (goes in the audit log); Enter = back to list"
        )
        self.reason.returnPressed.connect(self.table.setFocus)
        annotate(
            self.reason,
            "Reason for the decision",
            "Optional; kept in the audit log with the value you choose; Enter goes back to the list",
        )
        reason_row.addWidget(self.reason, 1)
        rbox.addLayout(reason_row)
        keys = QLabel(
            "<b>Keys</b> (list focused): <b>1–9</b> take coder N's value · a value's "
            "<b>shortcut</b> (binary: <b>p</b> present, <b>a</b> absent) or <b>Alt+1–9</b> the "
            "codebook's N-th value · ↑/↓ move · Ctrl+Z undo",
            right,
        )
        keys.setWordWrap(True)
        rbox.addWidget(keys)
        split.setSizes([720, 660])
        self.reads = Latest(self)  # the list read in the background: the newest shown
        self._keep: Key | None = None  # the unit to select when the read under way arrives
        self.loaded = False  # the first list has arrived
        self.count.setText(LOADING)
        self.context.setHtml(f"<p>{LOADING}</p>")
        self.refresh()  # the first list, as the view opens: the window does not wait for it

    # -- data ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the disagreements in a worker thread (:func:`list_disagreements` takes a few
        hundred milliseconds), then show them, keeping the current one selected when it is
        still there; the list shown (at first: "Loading…") stays until then, and a read
        started later wins."""
        study = self.study
        self.reads.start(
            lambda _report, _cancelled: list_disagreements(study),
            self._read_arrived,
            self._read_failed,
        )

    def _read_failed(self, message: str) -> None:
        self.statusMessage.emit(f"The review was not read: {message}")
        if not self.loaded:
            self.count.setText(f"Not read: {message}")
            self.context.setPlainText(f"The disagreements were not read: {message}")

    def _read_arrived(self, items: list[Disagreement]) -> None:
        self.loaded = True
        keep, self._keep = self._keep, None
        current = self.current()
        self._show_items(items, keep or (key_of(current) if current else None))

    def _show_items(self, items: list[Disagreement], keep: Key | None) -> None:
        self.items = items
        self.coders = sorted({c for d in self.items for c in d.values})
        self._fill_filters()
        self._apply_filters(keep=keep)

    def busy(self) -> bool:
        """Whether a read started by :meth:`refresh` has not been shown yet."""
        return self.reads.busy()

    def wait(self, seconds: float = 10.0) -> None:
        self.reads.wait(seconds)

    def _fill_filters(self) -> None:
        def refill(
            combo: QComboBox, everything: str, entries: Sequence[tuple[str, object]]
        ) -> None:
            data = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for text, value in entries:
                combo.addItem(text, value)
            combo.setCurrentIndex(max(0, combo.findData(data)) if data is not None else 0)
            combo.blockSignals(False)

        dims = [(d.label, d.key) for d in self.study.codebook.dimensions]
        refill(self.f_dimension, "All dimensions", dims)
        names = sorted({d.transcript for d in self.items})
        refill(self.f_transcript, "All transcripts", [(n, n) for n in names])
        pairs = [
            (f"{a} vs {b}", (a, b)) for i, a in enumerate(self.coders) for b in self.coders[i + 1 :]
        ]
        refill(self.f_pair, "Any coders", pairs)

    def _matches(self, d: Disagreement) -> bool:
        dim, name, pair = (
            self.f_dimension.currentData(),
            self.f_transcript.currentData(),
            self.f_pair.currentData(),
        )
        if (dim and d.dimension != dim) or (name and d.transcript != name):
            return False
        if pair:
            a, b = d.values.get(pair[0]), d.values.get(pair[1])
            if a == b:  # both the same value, or both without one
                return False
        return not (self.hide_settled.isChecked() and d.consensus is not None)

    def _apply_filters(self, *_: object, keep: Key | None = None) -> None:
        keep = keep or (key_of(c) if (c := self.current()) else None)
        self.shown = [d for d in self.items if self._matches(d)]
        columns = ["Transcript", "Seg.", "Dimension"]
        columns += [f"{i} {c}" for i, c in enumerate(self.coders, start=1)] + ["Consensus"]
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        rows = [self._row(d) for d in self.shown]
        self.table.blockSignals(True)
        fill(self.table, rows)
        self.table.blockSignals(False)
        settled = sum(1 for d in self.items if d.consensus is not None)
        self.count.setText(
            f"{len(self.shown)} shown · {len(self.items)} disagreements · {settled} settled"
        )
        keys = [key_of(d) for d in self.shown]
        row = keys.index(keep) if keep in keys else 0
        if self.shown:
            self.table.setCurrentCell(row, 0)
        self._show_current()

    def _row(self, d: Disagreement) -> list[Cell | str]:
        dim = self.study.codebook.dimension(d.dimension)
        grey = "settled_bg" if d.consensus is not None else None
        cells: list[Cell | str] = [
            Cell(d.transcript, background=grey),
            Cell("session" if d.segment is None else str(d.segment), background=grey),
            Cell(dim.label, background=grey),
        ]
        for c in self.coders:
            value = d.values.get(c)
            implied = c in d.implied
            cells.append(
                Cell(
                    short_value(dim, value) + (" (implied)" if implied else ""),
                    value_text(dim, value)
                    + (" — implied: left empty after completing the transcript" if implied else "")
                    + (" — left empty after completing the transcript" if value is None else ""),
                    background=grey,
                )
            )
        settled = short_value(dim, d.consensus) if d.consensus is not None else ""
        cells.append(Cell(settled, background=grey, bold=True))
        return cells

    def current(self) -> Disagreement | None:
        row = self.table.currentRow()
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def _show_current(self) -> None:
        d = self.current()
        if d is None:
            self.context.setHtml("<p>No disagreement selected.</p>")
            self.values.show_unit(None, [], {}, {})
            return
        dim = self.study.codebook.dimension(d.dimension)
        try:
            ctx = review_context(self.study, d.transcript, d.segment, self.coders)
        except UserError as exc:
            self.context.setPlainText(describe(exc))
            return
        self.context.setHtml(context_html(d, dim, ctx))
        self.values.show_unit(dim, self.coders, d.values, ctx.memos, d.consensus, d.implied)

    # -- deciding -----------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        kinds = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
        if obj is self.table and isinstance(e, QKeyEvent) and e.type() in kinds:
            value = self._value_for(e)
            if value is not None:
                if e.type() == QEvent.Type.KeyPress:
                    self.decide(value)
                e.accept()
                return True
        return super().eventFilter(obj, e)

    def _value_for(self, e: QKeyEvent) -> str | None:
        d = self.current()
        mods = e.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        alt = mods == Qt.KeyboardModifier.AltModifier
        if d is None or not (alt or mods == Qt.KeyboardModifier.NoModifier):
            return None
        text = e.text() or (chr(e.key()) if Qt.Key.Key_0 <= e.key() <= Qt.Key.Key_9 else "")
        if not text or not text.isprintable():
            return None
        dim = self.study.codebook.dimension(d.dimension)
        return resolve_review_key(dim, text, [d.values.get(c) for c in self.coders], alt=alt)

    def decide(self, value: str) -> None:
        """Settle the current disagreement with ``value``; the next unsettled one follows."""
        d = self.current()
        if d is None:
            return
        typed = self.reason.text().strip()
        takers = [c for c in self.coders if d.values.get(c) == value]
        reason = typed or (
            f"chose {value} in review (as {', '.join(takers)})"
            if takers
            else f"chose {value} in review"
        )
        try:
            change = adjudicate(
                self.study,
                transcript=d.transcript,
                segment=d.segment,
                dimension=d.dimension,
                value=value,
                reason=reason,
                actor=self.lead,
            )
        except UserError as exc:
            self.statusMessage.emit(f"Not stored: {describe(exc)}")
            return
        self.reason.clear()
        self.applied(change)
        if change.changed:
            where = "session" if d.segment is None else f"segment {d.segment}"
            study, lead, key = self.study, self.lead, key_of(d)

            def replay(undo: bool) -> StudyChange:
                back = revert_consensus(study, change, undo=undo, actor=lead)
                return StudyChange.from_changes([back])

            self.session.push(
                f"settle {d.dimension} = {value} on {d.transcript} {where}",
                StudyChange.from_changes([change]),
                undo=lambda: replay(True),
                redo=lambda: replay(False),
                select=lambda: self.select(key),
            )
        self._next_unsettled()
        self.table.setFocus()

    def applied(self, change: Change) -> None:
        """Show the consensus decision just stored in the list, and tell the window's other
        views (the final codes' counts, the audit trail)."""
        self.session.report(StudyChange.from_changes([change]), origin=self)
        if self.reads.busy():  # a read under way may have begun before the decision
            self.refresh()
        key = (change.dimension or "", change.transcript, change.segment)
        for i, d in enumerate(self.items):
            if key_of(d) == key:
                self.items[i] = replace(d, consensus=change.new_value)
        self._apply_filters(keep=key)
        value = change.new_value
        self.statusMessage.emit(
            f"Consensus {change.dimension} = {value} ({change.transcript}, segment {change.segment})."
            if value is not None
            else f"Consensus on {change.dimension} removed (segment {change.segment})."
        )

    def select(self, key: Key) -> None:
        """Select the disagreement ``key`` (an undone or redone decision's) if it is shown,
        now and when the list read again for it arrives."""
        if self.reads.busy():
            self._keep = key
        self._apply_filters(keep=key)

    def _next_unsettled(self) -> None:
        row = self.table.currentRow()
        order = list(range(row + 1, len(self.shown))) + list(range(0, row + 1))
        for r in order:
            if self.shown[r].consensus is None:
                self.table.setCurrentCell(r, 0)
                return

    def accept_agreements(self) -> None:
        dialog = AcceptDialog(self.coders, self)
        if not dialog.exec():
            return
        coders = dialog.chosen()
        try:
            result = build_consensus(self.study, tuple(coders), actor=self.lead)
        except UserError as exc:
            QMessageBox.warning(self, "Accept all agreements", describe(exc))
            return
        self.refresh()
        self.session.report(result.change, origin=self)
        self.statusMessage.emit(
            f"Consensus: {result.agreed} agreed unit(s) accepted, {result.already_settled} "
            f"already settled, {len(result.to_adjudicate)} left to review."
        )
