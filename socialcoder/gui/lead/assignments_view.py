"""Assignments and progress: transcripts (rows) x coders (columns), coders on the side.

A cell shows the coder's state on the transcript: ``complete``, ``in progress 40 %``, ``not
started``, or empty when the coder has nothing to do with it; assigned cells carry the purpose
(P = primary, R = reliability, 2nd = a coder's blind second pass, in the column of the coder's
retest identity, ``A (retest)``). Select cells and press *Assign selected* (or Ctrl+Enter) to
assign by hand, *Unassign selected* (or Delete) to take assignments back (codes stay);
*Assign by rule…* plans a balanced, seeded assignment with a reliability share (preview first,
then apply). All three are undone and redone as one step each with the window's Undo/Redo (the
lead's undo stack); *Plan second pass…* draws a blind second pass by the same coder
(test-retest, :mod:`socialcoder.gui.lead.retest_dialog`). Coders: add, rename,
deactivate/reactivate. The last column is the final layer (what analyses and ``--coders final``
exports use: the consensus value where a unit was settled, else the primary coder's): per
transcript, how many values come from consensus and how many from each single coder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.final import FinalCounts
from socialcoder.domain.states import AssignmentStatus
from socialcoder.errors import UserError
from socialcoder.gui import themes
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.cells import item_at
from socialcoder.gui.errors import describe
from socialcoder.gui.lead.retest_dialog import RetestDialog
from socialcoder.gui.lead.rule_dialog import RuleDialog
from socialcoder.gui.lead.tables import Cell, fill, make_table
from socialcoder.gui.lead.workers import Latest
from socialcoder.services.assignments import (
    Assignment,
    StoredAssignment,
    assign_pairs_stored,
    list_assignments,
    restore_assignments_stored,
    unassign_pairs,
)
from socialcoder.services.coders import (
    CoderInfo,
    add_coders,
    list_coders,
    rename_coder,
    set_coder_active,
)
from socialcoder.services.final import final_cell, final_counts_by_transcript
from socialcoder.services.retest import RetestEntry, list_retests
from socialcoder.services.study import Study
from socialcoder.services.study_change import StudyChange, assignments_change
from socialcoder.services.transcript_list import CoderProgress, TranscriptSummary, list_transcripts

if TYPE_CHECKING:
    from socialcoder.gui.session import StudySession

STATUS_BG = {
    AssignmentStatus.COMPLETE: "good_bg",
    AssignmentStatus.IN_PROGRESS: "tentative_bg",
    AssignmentStatus.NOT_STARTED: "neutral_bg",
}
STATUSES = ("any status", *(s.value for s in AssignmentStatus), "unassigned")

FINAL_HEADER = "Final layer"
FINAL_TIP = (
    "The final layer (what the analyses and a final export use): the consensus value where a "
    "unit was settled, else the primary coder's"
)


def cell_status(p: CoderProgress | None) -> AssignmentStatus | None:
    if p is None:
        return None
    if p.completed:
        return AssignmentStatus.COMPLETE
    if p.coded:
        return AssignmentStatus.IN_PROGRESS
    return AssignmentStatus.NOT_STARTED


def cell_text(p: CoderProgress | None) -> str:
    status = cell_status(p)
    if p is None or status is None:
        return ""
    text = status.value
    if status == AssignmentStatus.IN_PROGRESS:
        text = f"{text} {round(100 * p.coded / p.codable) if p.codable else 0} %"
    purpose = {"primary": " · P", "reliability": " · R", "retest": " · 2nd"}.get(
        p.assigned or "", ""
    )
    return text + purpose


@dataclass(frozen=True, slots=True)
class ProgressData:
    """What the progress grid shows, as read from the study (:meth:`AssignmentsView.read`)."""

    coders: list[CoderInfo]
    retests: list[RetestEntry]
    summaries: list[TranscriptSummary]
    finals: dict[str, FinalCounts]
    assignments: list[Assignment]


class AssignmentsView(QWidget):
    statusMessage = Signal(str)
    changed = Signal()

    def __init__(
        self,
        study: Study,
        lead: str,
        parent: QWidget | None = None,
        session: StudySession | None = None,
    ) -> None:
        """``session``: the window's, which keeps the undo stack and tells the other views
        (without one, this view reads again after its own actions, which are not undoable)."""
        super().__init__(parent)
        self.study, self.lead, self.session = study, lead, session
        self.prepared: ProgressData | None = None  # read in the background, to show next
        self.reads = Latest(self)  # background reads: only the newest is shown
        self.coders: list[str] = []
        self.transcripts: list[str] = []
        self.retest_labels: dict[tuple[str, str], RetestEntry] = {}
        split = QSplitter(Qt.Orientation.Horizontal, self)
        QVBoxLayout(self).addWidget(split)
        main = QWidget(split)
        box = QVBoxLayout(main)
        box.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.filter = QLineEdit(main)
        self.filter.setPlaceholderText("Filter transcripts…")
        self.filter.setClearButtonEnabled(True)
        annotate(
            self.filter, "Filter transcripts", "Show only transcripts whose name contains this"
        )
        self.filter.textChanged.connect(self._apply_filter)
        bar.addWidget(self.filter, 2)
        self.status_filter = QComboBox(main)
        self.status_filter.addItems(STATUSES)
        self.status_filter.setToolTip("Show transcripts with at least one coder in this state")
        annotate(self.status_filter, "Status filter")
        self.status_filter.currentIndexChanged.connect(self._apply_filter)
        bar.addWidget(self.status_filter, 1)
        self.assign_button = QPushButton("Assign &selected", main)
        self.assign_button.setToolTip(
            "Assign the selected cells' transcripts to their coders (Ctrl+Enter)"
        )
        self.assign_button.clicked.connect(self.assign_selected)
        bar.addWidget(self.assign_button)
        self.unassign_button = QPushButton("&Unassign selected", main)
        self.unassign_button.setToolTip(
            "Take back the selected cells' assignments (Delete); the codes stay. Undo: Ctrl+Z"
        )
        self.unassign_button.clicked.connect(self.unassign_selected)
        bar.addWidget(self.unassign_button)
        rule = QPushButton("Assign by &rule…", main)
        rule.setToolTip("Every transcript to one coder, plus a seeded reliability share")
        rule.clicked.connect(self.assign_by_rule)
        bar.addWidget(rule)
        retest = QPushButton("Plan second &pass…", main)
        retest.setObjectName("plan_retest")
        retest.setToolTip(
            "A blind second pass by the same coder on a share of their completed transcripts "
            "(test-retest agreement)"
        )
        retest.clicked.connect(self.plan_retest)
        annotate(rule, description=rule.toolTip())
        annotate(retest, description=retest.toolTip())
        bar.addWidget(retest)
        box.addLayout(bar)
        self.grid = make_table(("Transcript",), "progress_grid")
        annotate(
            self.grid,
            "Assignments and progress",
            "Transcripts in rows, coders in columns: each cell says the coder's state and purpose "
            "(P primary, R reliability, 2nd second pass); select cells, Ctrl+Enter assigns, Delete "
            "unassigns, Ctrl+Z undoes",
        )
        self.grid.horizontalHeader().setStretchLastSection(False)
        self.grid.horizontalHeader().setMinimumSectionSize(110)
        self.grid.setSelectionBehavior(self.grid.SelectionBehavior.SelectItems)
        self.grid.setSelectionMode(self.grid.SelectionMode.ExtendedSelection)
        self.grid.setAlternatingRowColors(False)
        self.grid.installEventFilter(self)
        box.addWidget(self.grid, 1)
        self.totals = QLabel("", main)
        self.totals.setWordWrap(True)
        box.addWidget(self.totals)
        box.addWidget(
            QLabel(
                "P = primary coder, R = reliability (second) coder, 2nd = the coder's blind "
                "second pass (test-retest). Empty = not involved."
            )
        )
        side = QWidget(split)
        sbox = QVBoxLayout(side)
        sbox.setContentsMargins(0, 0, 0, 0)
        sbox.addWidget(QLabel("<b>Coders</b>"))
        self.coder_list = QListWidget(side)
        self.coder_list.setObjectName("coder_list")
        annotate(
            self.coder_list,
            "Coders",
            "The study's coders; choose one, then Rename or Deactivate / reactivate below",
        )
        sbox.addWidget(self.coder_list, 1)
        for text, slot in (
            ("&Add coder…", self.add_coder),
            ("Re&name…", self.rename_coder),
            ("&Deactivate / reactivate", self.toggle_active),
        ):
            button = QPushButton(text, side)
            annotate(
                button, description=f"{text.replace('&', '').rstrip('…')}: the coder chosen above"
            )
            button.clicked.connect(slot)
            sbox.addWidget(button)
        split.setSizes([900, 220])
        self.refresh()

    # -- showing ------------------------------------------------------------------------------
    def read(self) -> ProgressData:
        """Everything the view shows, read from the study (touches no widget: runs in a
        worker thread for :meth:`refresh_later`)."""
        return ProgressData(
            coders=list_coders(self.study),
            retests=list_retests(self.study),
            summaries=list_transcripts(self.study),
            finals=final_counts_by_transcript(self.study),
            assignments=list_assignments(self.study),
        )

    def refresh_later(self) -> None:
        """Read in a worker thread, then show (through :meth:`refresh`); what is shown stays
        until then. A read started or made later wins: an older one is never shown over it."""
        self.reads.start(
            lambda _report, _cancelled: self.read(),
            self._read_arrived,
            lambda _message: self._read_arrived(None),
        )

    def _read_arrived(self, data: ProgressData | None) -> None:
        self.prepared = data
        self.refresh()  # with the data read (or, if the read failed, reading now)

    def busy(self) -> bool:
        """Whether a read started by :meth:`refresh_later` has not been shown yet."""
        return self.reads.busy() or self.prepared is not None

    def wait(self, seconds: float = 10.0) -> None:
        self.reads.wait(seconds)

    def refresh(self) -> None:
        """Show the study's progress: read now, or what :meth:`refresh_later` has read."""
        data, self.prepared = self.prepared, None
        if data is None:
            self.reads.ticket()  # a read still running is older than this one
            data = self.read()
        self._show(data)

    def _show(self, data: ProgressData) -> None:
        infos = data.coders
        self.coders = [c.name for c in infos]
        self.coder_list.clear()
        for info in infos:
            item = QListWidgetItem(info.name + ("" if info.active else "  (inactive)"))
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            item.setToolTip(f"{info.codes} codes, {info.completed} transcript(s) completed")
            if not info.active:
                item.setForeground(QColor(themes.marks().muted))
            self.coder_list.addItem(item)
        retests = data.retests
        self.retest_labels = {(r.retest_coder, r.transcript): r for r in retests}
        self.coders += sorted({r.retest_coder for r in retests})
        summaries = data.summaries
        self.transcripts = [t.name for t in summaries]
        finals = data.finals
        self.grid.setColumnCount(2 + len(self.coders))
        self.grid.setHorizontalHeaderLabels(["Transcript", *self.coders, FINAL_HEADER])
        rows = []
        per_coder = {c: {"assigned": 0, "complete": 0} for c in self.coders}
        for t in summaries:
            row: list[Cell | str] = [
                Cell(t.name, f"{t.segments} segments; coders see it as {t.label}", bold=True)
            ]
            for c in self.coders:
                p = t.progress.get(c)
                status = cell_status(p)
                if p is not None and p.assigned:
                    per_coder[c]["assigned"] += 1
                if status == AssignmentStatus.COMPLETE:
                    per_coder[c]["complete"] += 1
                tip = _tip(c, t.name, p)
                retest = self.retest_labels.get((c, t.name))
                if retest is not None:
                    tip += "; " + _retest_tip(retest)
                row.append(Cell(cell_text(p), tip, None if status is None else STATUS_BG[status]))
            counts = finals.get(t.name)
            row.append(
                Cell(final_cell(counts), FINAL_TIP + (f" ({counts.sentence()})" if counts else ""))
            )
            rows.append(row)
        fill(self.grid, rows)
        assignments = data.assignments
        doubled = sum(t.double_coded for t in summaries)  # assigned or coded: transcript_list.py
        unassigned = len(set(self.transcripts) - {a.transcript for a in assignments})
        parts = [
            f"{c}: {v['assigned']} assigned, {v['complete']} complete" for c, v in per_coder.items()
        ]
        second = (
            f"{len(retests)} second pass(es) ({sum(r.completed for r in retests)} complete) · "
            if retests
            else ""
        )
        self.totals.setText(
            f"<b>{len(self.transcripts)} transcripts</b> · {unassigned} unassigned · "
            f"{doubled} double-coded for reliability · {second}" + " · ".join(parts)
        )
        self._apply_filter()

    def _apply_filter(self, *_: object) -> None:
        needle = self.filter.text().strip().casefold()
        wanted = self.status_filter.currentText()
        for r in range(self.grid.rowCount()):
            name = item_at(self.grid, r, 0).text()
            cells = [item_at(self.grid, r, c + 1).text() for c in range(len(self.coders))]
            ok = not needle or needle in name.casefold()
            if wanted == "unassigned":
                ok = ok and not any(("· P" in x or "· R" in x) for x in cells)
            elif wanted != "any status":
                ok = ok and any(x.startswith(wanted) for x in cells)
            self.grid.setRowHidden(r, not ok)

    def cell(self, transcript: str, coder: str) -> str:
        item = self.grid.item(self.transcripts.index(transcript), 1 + self.coders.index(coder))
        return item.text() if item is not None else ""

    # -- assigning ----------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        """Ctrl+Enter in the grid assigns the selected cells (it wins over the window's
        Ctrl+Enter, which marks a transcript complete in the workbench); Delete unassigns them."""
        kinds = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
        if obj is self.grid and isinstance(e, QKeyEvent) and e.type() in kinds:
            ctrl = e.modifiers() & Qt.KeyboardModifier.ControlModifier
            action = None
            if ctrl and e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                action = self.assign_selected
            elif e.key() == Qt.Key.Key_Delete and not e.modifiers():
                action = self.unassign_selected
            if action is not None:
                if e.type() == QEvent.Type.KeyPress:
                    action()
                e.accept()
                return True
        return super().eventFilter(obj, e)

    def _selected_pairs(self) -> list[tuple[str, str]]:
        return sorted(
            {
                (self.transcripts[i.row()], self.coders[i.column() - 1])
                for i in self.grid.selectedIndexes()
                if 0 < i.column() <= len(self.coders)  # not the transcript or final column
            }
        )

    def assign_selected(self) -> None:
        pairs = self._selected_pairs()
        if not pairs:
            self.statusMessage.emit("Select cells (transcript × coder) to assign first.")
            return
        try:
            rows = assign_pairs_stored(self.study, pairs, actor=self.lead)  # one transaction
        except UserError as exc:
            QMessageBox.warning(self, "Assign", f"Nothing was assigned: {describe(exc)}")
            return
        self.acted(rows.change)
        self._undoable(f"assign {len(rows)} transcript(s)", rows, added=True)
        self.statusMessage.emit(
            f"Assigned {len(rows)} transcript(s) ({len(pairs) - len(rows)} already were)."
        )

    def unassign_selected(self) -> None:
        pairs = self._selected_pairs()
        if not pairs:
            self.statusMessage.emit("Select assigned cells (transcript × coder) to unassign.")
            return
        try:
            rows = unassign_pairs(self.study, pairs, actor=self.lead)  # one transaction
        except UserError as exc:
            QMessageBox.warning(self, "Unassign", f"Nothing was unassigned: {describe(exc)}")
            return
        self.acted(rows.change)
        self._undoable(f"unassign {len(rows)} transcript(s)", rows, added=False)
        self.statusMessage.emit(
            f"Unassigned {len(rows)} transcript(s); their codes stay (Ctrl+Z undoes)."
            if rows
            else "None of the selected cells was assigned."
        )

    def assign_by_rule(self) -> None:
        active = [c.name for c in list_coders(self.study) if c.active]
        dialog = RuleDialog(self.study, active, self, actor=self.lead)
        if dialog.exec() and dialog.stored is not None:
            self.acted(dialog.change)
            text = f"assign {len(dialog.rows)} transcript(s) by rule"
            self._undoable(text, dialog.rows, added=True)  # one step, like assigning by hand
            self.statusMessage.emit(
                f"Applied the plan: {dialog.stored} assignment(s) stored (Ctrl+Z undoes)."
            )

    def _undoable(self, text: str, rows: list[StoredAssignment], *, added: bool) -> None:
        """Assignments just stored (``added``) or taken back, as one step of the window's undo
        stack: undo puts back exactly the rows changed, through the session."""
        if self.session is None or not rows:
            return
        study, lead = self.study, self.lead

        def put(present: bool) -> StudyChange:
            if present:
                return restore_assignments_stored(study, rows, actor=lead).change
            pairs = [(a.transcript, a.coder) for a in rows]
            return unassign_pairs(study, pairs, actor=lead).change

        self.session.push(
            text,
            assignments_change(rows),
            undo=lambda: put(not added),
            redo=lambda: put(added),
        )

    def plan_retest(self) -> None:
        active = [c.name for c in list_coders(self.study) if c.active]
        dialog = RetestDialog(self.study, active, self, actor=self.lead)
        if dialog.exec() and dialog.stored is not None:
            # second passes: assignments of new retest identities (coders)
            self.acted(dialog.change)
            self.statusMessage.emit(
                f"Applied the plan: {dialog.stored} second pass(es) stored, each under a "
                "masked label of its own."
            )

    # -- coders -------------------------------------------------------------------------------
    def _chosen_coder(self) -> str | None:
        item = self.coder_list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def acted(self, change: StudyChange) -> None:
        """This view just changed the study: through the window's session every view it
        concerns reads again (this one too); alone, this view reads again."""
        if self.session is not None:
            self.session.report(change)
        else:
            self.refresh()
        self.changed.emit()

    def _do(self, action: Callable[[], StudyChange], done: str) -> None:
        """Run a coder service (added, renamed or (de)activated) and report the change it
        returns."""
        try:
            change = action()
        except UserError as exc:
            QMessageBox.warning(self, "Coders", describe(exc))
            return
        self.acted(change)
        self.statusMessage.emit(done)

    def add_coder(self) -> None:
        name, ok = QInputDialog.getText(self, "Add coder", "Name or initials of the new coder:")
        if ok and name.strip():
            self._do(lambda: add_coders(self.study, [name]).change, f"Added coder {name.strip()}.")

    def rename_coder(self) -> None:
        old = self._chosen_coder()
        if old is None:
            return
        new, ok = QInputDialog.getText(self, "Rename coder", f"New name for {old}:", text=old)
        if ok and new.strip() and new.strip() != old:
            self._do(lambda: rename_coder(self.study, old, new), f"Renamed {old} to {new.strip()}.")

    def toggle_active(self) -> None:
        name = self._chosen_coder()
        if name is None:
            return
        active = next(c.active for c in list_coders(self.study) if c.name == name)
        verb = "Reactivated" if not active else "Deactivated"
        self._do(lambda: set_coder_active(self.study, name, not active), f"{verb} {name}.")


def _tip(coder: str, transcript: str, p: CoderProgress | None) -> str:
    if p is None:
        return f"{coder} has not been assigned {transcript} and has not coded it"
    purpose = f"assigned ({p.assigned})" if p.assigned else "not assigned"
    return (
        f"{coder} on {transcript}: {purpose}; coded {p.coded} of {p.codable} codable segments"
        + ("; marked complete" if p.completed else "")
    )


def _retest_tip(entry: RetestEntry) -> str:
    """What the lead sees of a second pass: its coder, label and when it may be coded."""
    if entry.available_from is None:
        when = f"available {entry.after_days} day(s) after {entry.coder} completes the first pass"
    else:
        state = "available" if entry.available else "not available yet"
        when = f"{state} from {entry.available_from:%Y-%m-%d}"
    return (
        f"second pass of {entry.coder} (test-retest), shown to {entry.coder} as "
        f"{entry.label}; {when}"
    )
