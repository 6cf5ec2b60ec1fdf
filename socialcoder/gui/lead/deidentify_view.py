"""The lead's 'De-identification' tab: review the candidates and write a de-identified copy.

The same use case as ``socialcoder deidentify`` (services/deidentify*.py), from the keyboard:
*Find candidates* (with an optional names list) fills the table; each candidate is shown in its
context below; **R** replaces it, **K** keeps it (then the next undecided one is selected);
Up/Down move. *Write de-identified copy…* asks for the new file (and, optionally, where the
mapping back goes) once nothing is undecided. Names that are also ordinary words ('Hope',
'Will') start undecided; every other candidate starts as 'replace'.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialcoder.errors import UserError
from socialcoder.gui import themes
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.errors import describe
from socialcoder.gui.theme import text_on
from socialcoder.services.deidentify import Candidate, find_candidates, sources
from socialcoder.services.deidentify_apply import DeidentifyResult, deidentify
from socialcoder.services.study import Study

COLUMNS = ("Transcript", "Segment", "Kind", "Text", "Replacement", "Decision")
DECISIONS = {"no": "replace", "yes": "keep", "?": "undecided"}
KEYS = {Qt.Key.Key_R: "no", Qt.Key.Key_K: "yes"}


class DeidentifyView(QWidget):
    statusMessage = Signal(str)

    def __init__(self, study: Study, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deidentify_view")
        self.study = study
        self.names_file: Path | None = None
        self.candidates: list[Candidate] = []
        self.texts: dict[tuple[str, int | None], str] = {}
        box = QVBoxLayout(self)
        top = QHBoxLayout()
        self.names_button = QPushButton("&Names list…", self)
        self.names_button.setToolTip(
            "Names to look for, one per line; 'PLACE: name' or 'ORG: name' for places and "
            "organisations"
        )
        self.names_button.clicked.connect(self.choose_names)
        self.names_label = QLabel("No names list: the study's own names and cues only.", self)
        self.find_button = QPushButton("&Find candidates", self)
        self.find_button.clicked.connect(self.find_names)
        annotate(
            self.find_button,
            description="Look for names, places, dates and numbers in every transcript and memo",
        )
        top.addWidget(self.names_button)
        top.addWidget(self.names_label, 1)
        top.addWidget(self.find_button)
        box.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("deidentify_table")
        self.table.setTabKeyNavigation(False)
        annotate(
            self.table,
            "De-identification candidates",
            "Each found name, place, date or number with its replacement; R replaces, K keeps",
        )
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.installEventFilter(self)
        self.table.currentCellChanged.connect(lambda *_: self._show_context())
        box.addWidget(self.table, 3)
        self.context = QTextBrowser(self)
        self.context.setObjectName("deidentify_context")
        annotate(
            self.context,
            "Candidate in context",
            "The text around the selected candidate, the candidate marked",
        )
        box.addWidget(self.context, 1)
        bottom = QHBoxLayout()
        self.summary = QLabel(
            "Find candidates, then R (replace) or K (keep) each; names that are ordinary "
            "words need a decision.",
            self,
        )
        self.summary.setWordWrap(True)
        self.write_button = QPushButton("&Write de-identified copy…", self)
        self.write_button.clicked.connect(self.write_copy)
        annotate(
            self.write_button,
            description="Write a copy of the study with the chosen replacements; this study is not "
            "changed",
        )
        self.write_button.setEnabled(False)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.write_button)
        box.addLayout(bottom)

    # --- finding ---------------------------------------------------------------------------

    def choose_names(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Names list", "", "Text (*.txt);;All files (*)")
        if path:
            self.names_file = Path(path)
            self.names_label.setText(f"Names list: {self.names_file.name}")

    def find_names(self) -> None:
        try:
            plan = find_candidates(self.study, names_file=self.names_file)
            self.texts = {(s.transcript, s.segment): s.text for s in sources(self.study)}
        except UserError as exc:
            self.statusMessage.emit(f"Not searched: {describe(exc)}")
            return
        self.candidates = list(plan.candidates)
        self.table.setRowCount(len(self.candidates))
        for row, c in enumerate(self.candidates):
            segment = "preamble" if c.segment is None else str(c.segment)
            for column, value in enumerate((c.transcript, segment, c.kind, c.text, c.replacement)):
                self.table.setItem(row, column, QTableWidgetItem(value))
            self._show_decision(row)
        self.table.resizeColumnsToContents()
        self._update_summary()
        if self.candidates:
            self.table.setCurrentCell(self._next_undecided(-1), 0)
        self.table.setFocus()

    # --- deciding --------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        kinds = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
        if obj is self.table and isinstance(e, QKeyEvent) and e.type() in kinds:
            plain = e.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            keep = KEYS.get(Qt.Key(e.key()))
            if keep is not None and plain == Qt.KeyboardModifier.NoModifier and self.candidates:
                if e.type() == QEvent.Type.KeyPress:
                    self.decide(keep)
                e.accept()
                return True
        return super().eventFilter(obj, e)

    def decide(self, keep: str) -> None:
        """Set the current candidate's decision ('no' replace, 'yes' keep); the next undecided
        one (else the next row) follows."""
        row = self.table.currentRow()
        if row < 0:
            return
        self.candidates[row] = replace(self.candidates[row], keep=keep)
        self._show_decision(row)
        self._update_summary()
        following = self._next_undecided(row)
        self.table.setCurrentCell(following, self.table.currentColumn())

    def _next_undecided(self, row: int) -> int:
        n = len(self.candidates)
        for step in range(1, n + 1):
            i = (row + step) % n
            if self.candidates[i].keep == "?":
                return i
        return min(row + 1, n - 1) if row >= 0 else 0

    def _show_decision(self, row: int) -> None:
        item = QTableWidgetItem(DECISIONS[self.candidates[row].keep])
        self.table.setItem(row, len(COLUMNS) - 1, item)

    def _show_context(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.candidates):
            self.context.clear()
            return
        c = self.candidates[row]
        text = self.texts.get((c.transcript, c.segment), "")
        before, after = text[max(0, c.start - 300) : c.start], text[c.end : c.end + 300]
        where = "preamble" if c.segment is None else f"segment {c.segment}"
        found = themes.marks().found_bg
        self.context.setHtml(
            f"<p><b>{html.escape(c.transcript)}</b>, {where}: {html.escape(c.kind)} → "
            f"{html.escape(c.replacement)} ({DECISIONS[c.keep]})</p><p>{html.escape(before)}"
            f"<span style='background:{found};color:{text_on(QColor(found)).name()}'>"
            f"<b>{html.escape(c.text)}</b></span>"
            f"{html.escape(after)}</p>"
        )

    def _update_summary(self) -> None:
        undecided = sum(c.keep == "?" for c in self.candidates)
        kept = sum(c.keep == "yes" for c in self.candidates)
        self.summary.setText(
            f"{len(self.candidates)} candidate(s): {len(self.candidates) - undecided - kept} "
            f"to replace, {kept} to keep, {undecided} undecided. R replaces, K keeps."
        )
        self.write_button.setEnabled(bool(self.candidates) and not undecided)

    # --- writing ---------------------------------------------------------------------------

    def write_copy(self) -> None:
        out, _ = QFileDialog.getSaveFileName(
            self, "Write the de-identified copy", "", "SocialCoder study (*.scstudy)"
        )
        if not out:
            return
        mapping, _ = QFileDialog.getSaveFileName(
            self,
            "Where the mapping back goes (Cancel: none)",
            "",
            "Mapping (*.csv *.db);;All files (*)",
        )
        try:
            result = deidentify(
                self.study.files[0] if self.study.files else self.study.location,
                Path(out),
                names_file=self.names_file,
                mapping_file=Path(mapping) if mapping else None,
                decisions=self.candidates,
            )
        except UserError as exc:
            self.statusMessage.emit(f"No copy written: {describe(exc)}")
            return
        assert isinstance(result, DeidentifyResult)
        self.statusMessage.emit(
            f"De-identified copy written: {result.path} ({result.segments_changed} segment(s) "
            f"changed, {result.kept} kept by review)"
            + (f"; the mapping back is in {result.mapping}" if result.mapping else "")
        )
