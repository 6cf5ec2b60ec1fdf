"""The reliability dashboard: per dimension, per coder pair, per transcript, with charts.

Every figure comes from :func:`reliability_report` (the same call as ``socialcoder reliability
--json --bootstrap N --seed S [--bootstrap-by B]``), computed in a worker thread (:class:`Job`)
with a progress bar and a Cancel button; the window never waits for it. ``result`` holds the
last :class:`DashboardResult`; the tables show exactly its numbers and every note (dimensions,
pairs and transcripts alike), coloured by the interval's lower bound (:mod:`figures`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.names import selection as selection_names
from socialcoder.errors import UserError
from socialcoder.gui.lead.charts import AlphaChart, AlphaPoint, ConfusionTable, DriftChart
from socialcoder.gui.lead.figures import TOO_FEW, alpha_cell, ci_cell, flags, q_text, state
from socialcoder.gui.lead.filters import SelectionFilters
from socialcoder.gui.lead.machine_panel import MachinePanel
from socialcoder.gui.lead.tables import Cell, cap_rows, fill, fmt, fmt_pct, make_table
from socialcoder.gui.lead.workers import Job, Report
from socialcoder.services.lead_support import WeekAlpha, confusion_matrix, weekly_alpha
from socialcoder.services.machine_review import (
    DEFAULT_THRESHOLD,
    MachineAgreement,
    ReviewItem,
    machine_agreement,
    review_list,
)
from socialcoder.services.reliability_data import Selection
from socialcoder.services.reliability_report import (
    ReliabilityReport,
    reliability_report,
    specific_text,
)
from socialcoder.services.study import Study

DIMENSION_HEADERS = (
    "Dimension",
    "Scale",
    "α",
    "95% interval",
    "q: P(α < .667) / P(α < .8)",
    "Specific agreement",
    "AC1 (unweighted)",
    "AC2 (ordinal weights)",
    "Fleiss κ (unweighted)",
    "Agreement",
    "Pairable units",
    "Pairable values",
    "Flags and notes",
)
PAIR_HEADERS = (
    "Coders",
    "Dimension",
    "α",
    "95% interval",
    "Cohen κ",
    "PABAK",
    "Prevalence index",
    "Bias index",
    "Agreement",
    "Pairable units",
    "Notes",
)
TRANSCRIPT_HEADERS = (
    "Transcript",
    "Dimension",
    "α",
    "95% interval",
    "AC1 (unweighted)",
    "Agreement",
    "Pairable units",
    "Notes",
)
RESAMPLE = (
    ("top level", None),
    ("transcripts", "transcript"),
    ("participants", "participant"),
    ("segments (units)", "unit"),
)


@dataclass(frozen=True, slots=True)
class DashboardResult:
    by_pair: ReliabilityReport  # overall figures + groups per coder pair
    by_transcript: ReliabilityReport  # groups per transcript
    weeks: list[WeekAlpha] = field(default_factory=list)
    machine: list[MachineAgreement] = field(default_factory=list)
    machine_review: list[ReviewItem] = field(default_factory=list)


def compute(
    study: Study,
    selection: Selection,
    bootstrap: int,
    seed: int | None,
    report: Report,
    bootstrap_by: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> DashboardResult:
    """The dashboard's three computations; ``report`` gets progress (and may cancel)."""
    n = len(selection.dimensions or study.codebook.keys)
    total = 2 * n + 1
    pair = reliability_report(
        study,
        selection,
        by="pair",
        bootstrap=bootstrap,
        seed=seed,
        bootstrap_by=bootstrap_by,
        progress=lambda i, _n, what: report(i, total, f"overall and per pair: {what}"),
    )
    per_transcript = reliability_report(
        study,
        selection,
        by="transcript",
        bootstrap=bootstrap,
        seed=seed,
        bootstrap_by=bootstrap_by,
        progress=lambda i, _n, what: report(n + i, total, f"per transcript: {what}"),
    )
    report(2 * n, total, "by week")
    weeks = weekly_alpha(study, selection)
    machine = machine_agreement(study, selection, bootstrap=bootstrap, seed=seed)
    review = review_list(study, threshold=threshold) if machine else []
    report(total, total, "done")
    return DashboardResult(pair, per_transcript, weeks, machine, review)


def short_label(label: str, width: int = 16) -> str:
    """A dimension label broken into lines of about ``width`` characters (chart axes)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


class Dashboard(QWidget):
    """Controls on top, tables (tabs) in the middle, charts and the confusion matrix below."""

    computed = Signal()

    def __init__(self, study: Study, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.study = study
        self.result: DashboardResult | None = None
        self.job: Job | None = None
        self._again = False
        layout = QVBoxLayout(self)
        layout.addLayout(self._controls())
        self.filters = SelectionFilters(self)
        for edit in (self.filters.transcripts, self.filters.since, self.filters.until):
            edit.returnPressed.connect(self.start)
        layout.addWidget(self.filters)
        split = QSplitter(Qt.Orientation.Vertical, self)
        top = QWidget(split)
        top_box = QVBoxLayout(top)
        top_box.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(top)
        self.dimensions = make_table(
            DIMENSION_HEADERS, "dimensions", stretch=len(DIMENSION_HEADERS) - 1
        )
        self.pairs = make_table(PAIR_HEADERS, "pairs", stretch=len(PAIR_HEADERS) - 1)
        self.transcripts = make_table(
            TRANSCRIPT_HEADERS, "per_transcript", stretch=len(TRANSCRIPT_HEADERS) - 1
        )
        self.tabs.addTab(self.dimensions, "Per dimension")
        self.tabs.addTab(self.pairs, "Per coder pair")
        self.tabs.addTab(self.transcripts, "Per transcript")
        self.machine = MachinePanel(study, top)
        self.tabs.addTab(self.machine, "Machine coders")
        self.notes = QTextBrowser(top)
        self.notes.setObjectName("notes")
        self.notes.setMaximumHeight(110)
        self.notes.setPlaceholderText("The notes of the selected row appear here.")
        self._row_notes: dict[QTableWidget, list[tuple[str, list[str]]]] = {}
        for table in (self.dimensions, self.pairs, self.transcripts):
            table.currentCellChanged.connect(
                lambda row, *_, table=table: self._show_notes(table, row)
            )
        self.tabs.currentChanged.connect(
            lambda i: self._show_notes(self.tabs.widget(i), self.tabs.widget(i).currentRow())
        )
        top_box.addWidget(self.tabs, 1)
        top_box.addWidget(self.notes)
        bottom = QSplitter(Qt.Orientation.Horizontal, split)
        self.chart_tabs = QTabWidget(bottom)
        self.alpha_chart = AlphaChart()
        self.drift_chart = DriftChart()
        self.chart_tabs.addTab(self.alpha_chart, "Alpha per dimension")
        self.chart_tabs.addTab(self.drift_chart, "Drift by week")
        bottom.addWidget(self.chart_tabs)
        bottom.addWidget(self._confusion_panel())
        bottom.setSizes([640, 460])
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([330, 470])
        layout.addWidget(split, 1)

    def _controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Coders:"))
        self.coders_edit = QLineEdit(self)
        self.coders_edit.setPlaceholderText("all (or e.g. ana, ben)")
        self.coders_edit.setToolTip("Comma-separated coder names; empty = every coder")
        row.addWidget(self.coders_edit, 1)
        row.addWidget(QLabel("Bootstrap:"))
        self.bootstrap = QSpinBox(self)
        self.bootstrap.setRange(0, 20000)
        self.bootstrap.setSingleStep(500)
        self.bootstrap.setValue(1000)
        self.bootstrap.setToolTip("Replicates for the 95% interval of alpha (0 = no interval)")
        row.addWidget(self.bootstrap)
        row.addWidget(QLabel("Seed:"))
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 1_000_000)
        self.seed.setValue(1)
        self.seed.setToolTip("The same seed gives the same interval (as --seed in the CLI)")
        row.addWidget(self.seed)
        row.addWidget(QLabel("Resample:"))
        self.resample = QComboBox(self)
        self.resample.setObjectName("resample")
        for text, value in RESAMPLE:
            self.resample.addItem(text, value)
        self.resample.setToolTip(
            "What the bootstrap resamples (as --bootstrap-by): the top level is participants "
            "when sessions are nested in participants, else transcripts"
        )
        row.addWidget(self.resample)
        self.compute_button = QPushButton("&Compute", self)
        self.compute_button.setToolTip("Recompute every figure (F5)")
        self.compute_button.setShortcut("F5")
        self.compute_button.clicked.connect(self.start)
        row.addWidget(self.compute_button)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        row.addWidget(self.progress)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        row.addWidget(self.cancel_button)
        self.status = QLabel("Not computed yet: press Compute (F5).", self)
        row.addWidget(self.status, 2)
        return row

    def _confusion_panel(self) -> QWidget:
        panel = QWidget(self)
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(QLabel("<b>Confusion matrix</b>"))
        self.conf_dimension = QComboBox(panel)
        self.conf_dimension.setObjectName("confusion_dimension")
        for d in self.study.codebook.dimensions:
            self.conf_dimension.addItem(d.label, d.key)
        self.conf_pair = QComboBox(panel)
        self.conf_pair.setObjectName("confusion_pair")
        head.addWidget(self.conf_dimension, 1)
        head.addWidget(self.conf_pair, 1)
        box.addLayout(head)
        self.confusion = ConfusionTable()
        box.addWidget(self.confusion, 1)
        self.conf_note = QLabel("", panel)
        self.conf_note.setWordWrap(True)
        box.addWidget(self.conf_note)
        self.conf_dimension.currentIndexChanged.connect(self.show_confusion)
        self.conf_pair.currentIndexChanged.connect(self.show_confusion)
        return panel

    # -- computing ----------------------------------------------------------------------------
    def selection(self) -> Selection:
        return self.filters.apply(Selection(coders=selection_names(self.coders_edit.text())))

    def start(self) -> None:
        """Compute in the background (a running computation is restarted afterwards)."""
        if self.job is not None:
            self._again = True
            return
        try:
            selection = self.selection()
        except UserError as exc:
            self.status.setText(f"Not computed: {exc}")
            return
        study = self.study
        bootstrap, seed = self.bootstrap.value(), self.seed.value()
        by, least = self.resample.currentData(), self.machine.threshold.value()
        job = Job(
            lambda report, _c: compute(study, selection, bootstrap, seed, report, by, least), self
        )
        job.progress.connect(self._progress)
        job.finished.connect(self._finished)
        job.failed.connect(self._failed)
        job.cancelled.connect(lambda: self._ended("Cancelled; the figures shown are older."))
        self.job = job
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.compute_button.setEnabled(False)
        self.status.setText("Computing…")
        job.start()

    def cancel(self) -> None:
        self._again = False
        if self.job is not None:
            self.job.cancel()

    def _progress(self, done: int, total: int, what: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"%p% {what}")

    def _ended(self, message: str) -> None:
        self.job = None
        self.progress.hide()
        self.cancel_button.hide()
        self.compute_button.setEnabled(True)
        self.status.setText(message)
        if self._again:
            self._again = False
            self.start()

    def _failed(self, message: str) -> None:
        self._ended(f"Not computed: {message}")

    def _finished(self, result: DashboardResult) -> None:
        self.show_result(result)
        at = result.by_pair.computed_at.astimezone().strftime("%Y-%m-%d %H:%M")
        coders = ", ".join(self._coders()) or "no coders"
        self._ended(f"Computed {at} · coders {coders} · codebook v{self.study.codebook.version}")
        self.computed.emit()

    # -- showing ------------------------------------------------------------------------------
    def _coders(self) -> list[str]:
        if self.result is None:
            return []
        seen: dict[str, None] = {}
        for item in self.result.by_pair.dimensions:
            seen.update(dict.fromkeys(item.get("coders") or []))
        return list(seen)

    def show_result(self, result: DashboardResult) -> None:
        self.result = result
        dims = result.by_pair.dimensions
        fill(self.dimensions, [self._dimension_row(d) for d in dims])
        self._row_notes = {
            self.dimensions: [(d["label"], flags(d).split("; ")) for d in dims],
            self.pairs: [],
            self.transcripts: [],
        }
        pair_rows = []
        for d in dims:
            for g in d.get("groups", []):
                self._row_notes[self.pairs].append(
                    (f"{d['label']}, {' & '.join(g['pair'])}", flags(g).split("; "))
                )
                pair = (g.get("cohen_kappa_pairs") or [{}])[0]
                pair_rows.append(
                    [
                        " & ".join(g["pair"]),
                        d["label"],
                        alpha_cell(g),
                        ci_cell(g),
                        Cell(fmt(pair.get("kappa")), align_right=True),
                        Cell(fmt(pair.get("pabak")), align_right=True),
                        Cell(fmt(pair.get("prevalence_index")), align_right=True),
                        Cell(fmt(pair.get("bias_index")), align_right=True),
                        Cell(fmt_pct(g.get("percent_agreement")), align_right=True),
                        Cell(str(g.get("pairable_units", 0)), align_right=True),
                        Cell(flags(g)),
                    ]
                )
        fill(self.pairs, pair_rows)
        transcript_rows = []
        for d in result.by_transcript.dimensions:
            for g in d.get("groups", []):
                self._row_notes[self.transcripts].append(
                    (f"{d['label']}, {g['transcript']}", flags(g).split("; "))
                )
                transcript_rows.append(
                    [
                        g["transcript"],
                        d["label"],
                        alpha_cell(g),
                        ci_cell(g),
                        Cell(fmt(g.get("gwet_ac1")), align_right=True),
                        Cell(fmt_pct(g.get("percent_agreement")), align_right=True),
                        Cell(str(g.get("pairable_units", 0)), align_right=True),
                        Cell(flags(g)),
                    ]
                )
        fill(self.transcripts, transcript_rows)
        for table in (self.dimensions, self.pairs, self.transcripts):
            cap_rows(table, lines=2)
        self.alpha_chart.set_points(
            [
                AlphaPoint(
                    short_label(d["label"]),
                    d.get("krippendorff_alpha"),
                    *(d.get("alpha_ci95") or (None, None)),
                    note=TOO_FEW if state(d) == TOO_FEW else "",
                )
                for d in dims
            ]
        )
        labels = {d.key: d.label for d in self.study.codebook.dimensions}
        self.drift_chart.set_weeks(result.weeks, labels)
        self.machine.show_result(result.machine, result.machine_review)
        self._fill_pairs()

    @staticmethod
    def _dimension_row(d: dict[str, Any]) -> list[Cell | str]:
        ac2 = (d.get("gwet_ac2") or {}).get("ordinal")
        return [
            Cell(d["label"], f"{d['key']} ({d['scale']}, {d['unit']} level)", bold=True),
            d["scale"] if d["scale"] == d["level"] else f"{d['scale']} ({d['level']} α)",
            alpha_cell(d),
            ci_cell(d),
            Cell(q_text(d), align_right=True),
            Cell(specific_text(d)),
            Cell(fmt(d.get("gwet_ac1")), align_right=True),
            Cell(fmt(ac2) if d.get("gwet_ac2") else "", align_right=True),
            Cell(fmt(d.get("fleiss_kappa")), align_right=True),
            Cell(fmt_pct(d.get("percent_agreement")), align_right=True),
            Cell(str(d.get("pairable_units", 0)), align_right=True),
            Cell(str(d.get("pairable_values", 0)), align_right=True),
            Cell(flags(d), "; ".join(d.get("notes") or [])),
        ]

    def _show_notes(self, table: QWidget, row: int) -> None:
        """Every note of the selected row, in full (the table shows the first lines)."""
        rows = self._row_notes.get(table, []) if isinstance(table, QTableWidget) else []
        if not 0 <= row < len(rows):
            self.notes.setHtml("")
            return
        title, notes = rows[row]
        items = "".join(f"<li>{html.escape(n)}</li>" for n in notes if n)
        self.notes.setHtml(
            f"<b>{html.escape(title)}</b>" + (f"<ul>{items}</ul>" if items else ": no notes")
        )

    def _fill_pairs(self) -> None:
        current = self.conf_pair.currentData()
        self.conf_pair.blockSignals(True)
        self.conf_pair.clear()
        for a, b in combinations(self._coders(), 2):
            self.conf_pair.addItem(f"{a} (rows) × {b} (columns)", f"{a}\t{b}")
        index = self.conf_pair.findData(current) if current else 0
        self.conf_pair.setCurrentIndex(max(index, 0))
        self.conf_pair.blockSignals(False)
        self.show_confusion()

    def show_confusion(self) -> None:
        pair = str(self.conf_pair.currentData() or "").split("\t")
        key = self.conf_dimension.currentData()
        if len(pair) != 2 or not key:
            return
        try:
            m = confusion_matrix(self.study, key, pair[0], pair[1], self.selection())
        except UserError as exc:
            self.conf_note.setText(str(exc))
            return
        self.confusion.show_matrix(m)
        share = f" ({100 * m.agreements / m.total:.1f} %)" if m.total else ""
        self.conf_note.setText(
            f"{m.total} units coded by both; {m.agreements} agreements on the diagonal{share}."
        )

    def wait(self, seconds: float = 30.0) -> None:
        if self.job is not None:
            self.job.wait(seconds)

    def stamp(self) -> datetime | None:
        return None if self.result is None else self.result.by_pair.computed_at
