"""The reliability dashboard: per dimension, per coder pair, per transcript, with charts.

Every figure comes from :func:`socialcoder.services.report.gather` (the same call as
``socialcoder report``, whose figures are ``socialcoder reliability --json --bootstrap N --seed S
[--bootstrap-by B]``), computed in a worker thread (:class:`Job`) with a progress bar and a
Cancel button; the window never waits for it, and the confusion matrix shown with the figures
is read there too. ``result`` holds the last :class:`DashboardResult`, shown until a newer one
arrives: changes in the study while it computes are taken in by one more computation after
it (cancelling and restarting instead could keep a dashboard that changes every few seconds
from ever finishing), and a result that is not of the newest computation started never
replaces what is shown. The
tables show exactly its numbers and every note (dimensions, pairs and transcripts alike),
coloured by the interval's lower bound (:mod:`socialcoder.export.reliability_figures`). *Save report* writes the HTML report of these
figures with :func:`socialcoder.services.report.save_report`, as ``socialcoder report`` does.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

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
from socialcoder.export.reliability_figures import (
    DIMENSION_HEADERS,
    PAIR_HEADERS,
    TRANSCRIPT_HEADERS,
    dimension_row,
    flags,
    pair_rows,
    transcript_rows,
)
from socialcoder.export.report_html import alpha_points, report_path
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.errors import describe
from socialcoder.gui.lead.charts import AlphaChart, ConfusionTable, DriftChart
from socialcoder.gui.lead.filters import SelectionFilters
from socialcoder.gui.lead.machine_panel import MachinePanel
from socialcoder.gui.lead.tables import cap_rows, fill, make_table
from socialcoder.gui.lead.workers import Job, Latest, Report
from socialcoder.reliability.confusion import ConfusionMatrix
from socialcoder.reliability.drift import WeekAlpha
from socialcoder.services.confusion import confusion_matrix
from socialcoder.services.machine_review import (
    DEFAULT_THRESHOLD,
    MachineAgreement,
    ReviewItem,
    machine_agreement,
    review_list,
)
from socialcoder.services.reliability_data import Selection
from socialcoder.services.reliability_report import ReliabilityReport
from socialcoder.services.report import (
    ReliabilityFigures,
    ReportSettings,
    gather,
    save_report,
)
from socialcoder.services.study import Study

RESAMPLE = (
    ("top level", None),
    ("transcripts", "transcript"),
    ("participants", "participant"),
    ("segments (units)", "unit"),
)


@dataclass(frozen=True, slots=True)
class DashboardResult:
    figures: ReliabilityFigures  # what the report shows (services.report.gather)
    machine: list[MachineAgreement] = field(default_factory=list)
    machine_review: list[ReviewItem] = field(default_factory=list)
    #: the confusion matrix of the dimension and pair chosen when it was computed
    confusion: ConfusionMatrix | None = None

    @property
    def by_pair(self) -> ReliabilityReport:  # overall figures + groups per coder pair
        return self.figures.by_pair

    @property
    def by_transcript(self) -> ReliabilityReport:  # groups per transcript
        return self.figures.by_transcript

    @property
    def weeks(self) -> list[WeekAlpha]:
        return self.figures.weeks


def coders_of(report: ReliabilityReport) -> list[str]:
    """The coders the figures compare, in order of first appearance."""
    seen: dict[str, None] = {}
    for item in report.dimensions:
        seen.update(dict.fromkeys(item.get("coders") or []))
    return list(seen)


def compute(
    study: Study,
    settings: ReportSettings,
    report: Report,
    threshold: float = DEFAULT_THRESHOLD,
    confusion: tuple[str | None, str | None] = (None, None),
) -> DashboardResult:
    """The report's figures (the same call as ``socialcoder report``), the machine coders'
    agreement and the confusion matrix of ``confusion`` (a dimension and a pair "a\tb": the
    first pair when that one is not compared); ``report`` gets progress (and may cancel)."""
    figures = gather(study, settings, progress=report)
    machine = machine_agreement(
        study, settings.selection, bootstrap=settings.bootstrap, seed=figures.settings.seed
    )
    review = review_list(study, threshold=threshold) if machine else []
    key, wanted = confusion
    pairs = [f"{a}\t{b}" for a, b in combinations(coders_of(figures.by_pair), 2)]
    pair = wanted if wanted in pairs else (pairs[0] if pairs else None)
    matrix = None
    if key and pair:
        a, b = pair.split("\t")
        try:
            matrix = confusion_matrix(study, key, a, b, settings.selection)
        except UserError:
            matrix = None  # shown (with its reason) when the panel reads it itself
    return DashboardResult(figures, machine, review, matrix)


class Dashboard(QWidget):
    """Controls on top, tables (tabs) in the middle, charts and the confusion matrix below."""

    computed = Signal()

    def __init__(self, study: Study, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.study = study
        self.result: DashboardResult | None = None
        self.job: Job | None = None
        self._again = False
        self.latest = Latest(self)  # a result is shown only if of the last computation started
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
        annotate(
            self.dimensions,
            "Reliability per dimension",
            "Alpha with its 95% interval, coloured by the interval's lower end, and the other "
            "agreement figures per dimension; the selected row's notes are below",
        )
        annotate(
            self.pairs, "Reliability per coder pair", "The same figures for each pair of coders"
        )
        annotate(
            self.transcripts, "Reliability per transcript", "The same figures for each transcript"
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
        annotate(
            self.notes, "Notes of the selected row", "Every note on the selected row's figures"
        )
        self._row_notes: dict[QTableWidget, list[tuple[str, list[str]]]] = {}
        for table in (self.dimensions, self.pairs, self.transcripts):
            table.currentCellChanged.connect(
                lambda row, *_, table=table: self._show_notes(table, row)
            )
        self.tabs.currentChanged.connect(self._tab_changed)
        top_box.addWidget(self.tabs, 1)
        top_box.addWidget(self.notes)
        bottom = QSplitter(Qt.Orientation.Horizontal, split)
        self.chart_tabs = QTabWidget(bottom)
        self.alpha_chart = AlphaChart()
        self.drift_chart = DriftChart()
        annotate(
            self.alpha_chart,
            "Chart of alpha per dimension",
            "Alpha per dimension with its 95% interval and lines at 0.667 and 0.8; the table above "
            "has the same figures",
        )
        annotate(
            self.drift_chart,
            "Chart of alpha by week",
            "Alpha per dimension by ISO week of coding, to see drift; lines at 0.667 and 0.8",
        )
        self.chart_tabs.addTab(self.alpha_chart, "Alpha per dimension")
        self.chart_tabs.addTab(self.drift_chart, "Drift by week")
        for tabs, tips in (
            (self.tabs, ("Figures per dimension", "Figures per pair of coders",
                         "Figures per transcript", "Machine coders against the human coders")),
            (self.chart_tabs, ("Chart of alpha per dimension", "Chart of alpha by week")),
        ):  # fmt: skip
            for index, tip in enumerate(tips):  # said after the tab's name
                tabs.setTabToolTip(index, tip)
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
        annotate(self.coders_edit, "Coders", self.coders_edit.toolTip())
        row.addWidget(self.coders_edit, 1)
        row.addWidget(QLabel("Bootstrap:"))
        self.bootstrap = QSpinBox(self)
        self.bootstrap.setRange(0, 20000)
        self.bootstrap.setSingleStep(500)
        self.bootstrap.setValue(1000)
        self.bootstrap.setToolTip("Replicates for the 95% interval of alpha (0 = no interval)")
        annotate(self.bootstrap, "Bootstrap replicates", self.bootstrap.toolTip())
        row.addWidget(self.bootstrap)
        row.addWidget(QLabel("Seed:"))
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 1_000_000)
        self.seed.setValue(1)
        self.seed.setToolTip("The same seed gives the same interval (as --seed in the CLI)")
        annotate(self.seed, "Bootstrap seed", self.seed.toolTip())
        row.addWidget(self.seed)
        row.addWidget(QLabel("Resample:"))
        self.resample = QComboBox(self)
        self.resample.setObjectName("resample")
        annotate(self.resample, "Bootstrap resamples")
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
        annotate(self.cancel_button, "Cancel the computation", "Stop computing the figures")
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
        annotate(
            self.conf_dimension,
            "Confusion matrix dimension",
            "The dimension whose values the matrix below compares",
        )
        annotate(
            self.conf_pair, "Confusion matrix coder pair", "The two coders the matrix compares"
        )
        head.addWidget(self.conf_dimension, 1)
        head.addWidget(self.conf_pair, 1)
        box.addLayout(head)
        self.confusion = ConfusionTable()
        annotate(
            self.confusion,
            "Confusion matrix",
            "How often the first coder's value (rows) met the second coder's (columns); "
            "agreements on the diagonal",
        )
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

    def settings(self, selection: Selection | None = None) -> ReportSettings:
        """The report settings of the controls (as ``socialcoder report``'s flags)."""
        return ReportSettings(
            selection=self.selection() if selection is None else selection,
            bootstrap=self.bootstrap.value(),
            seed=self.seed.value(),
            bootstrap_by=self.resample.currentData(),
        )

    def start(self, *, restart: bool = False) -> None:
        """Compute in the background. A running computation is let finish and computed again
        afterwards, or with ``restart`` (the study changed: its figures would be old) cancelled
        first."""
        if self.job is not None:
            self._again = True
            if restart:
                self.job.cancel()
            return
        try:
            selection = self.selection()
        except UserError as exc:
            self.status.setText(f"Not computed: {describe(exc)}")
            return
        study, settings = self.study, self.settings(selection)
        least = self.machine.threshold.value()
        confusion = (self.conf_dimension.currentData(), self.conf_pair.currentData())
        job = Job(lambda report, _c: compute(study, settings, report, least, confusion), self)
        started = self.latest.ticket()
        job.progress.connect(self._progress)
        job.finished.connect(lambda result: self._finished(result, started))
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

    def _finished(self, result: DashboardResult, started: int | None = None) -> None:
        if started is not None and not self.latest.newest(started):
            return  # a newer computation was started: never show older figures over it
        self.show_result(result)
        at = result.by_pair.computed_at.astimezone().strftime("%Y-%m-%d %H:%M")
        coders = ", ".join(self._coders()) or "no coders"
        self._ended(f"Computed {at} · coders {coders} · codebook v{self.study.codebook.version}")
        self.computed.emit()

    # -- showing ------------------------------------------------------------------------------
    def _coders(self) -> list[str]:
        return [] if self.result is None else coders_of(self.result.by_pair)

    def show_result(self, result: DashboardResult) -> None:
        self.result = result
        dims = result.by_pair.dimensions
        fill(self.dimensions, [dimension_row(d) for d in dims])
        self._row_notes = {
            self.dimensions: [(d["label"], flags(d).split("; ")) for d in dims],
            self.pairs: [
                (f"{d['label']}, {' & '.join(g['pair'])}", flags(g).split("; "))
                for d in dims
                for g in d.get("groups", [])
            ],
            self.transcripts: [
                (f"{d['label']}, {g['transcript']}", flags(g).split("; "))
                for d in result.by_transcript.dimensions
                for g in d.get("groups", [])
            ],
        }
        fill(self.pairs, pair_rows(dims))
        fill(self.transcripts, transcript_rows(result.by_transcript.dimensions))
        for table in (self.dimensions, self.pairs, self.transcripts):
            cap_rows(table, lines=2)
        self.alpha_chart.set_points(alpha_points(dims))
        labels = {d.key: d.label for d in self.study.codebook.dimensions}
        self.drift_chart.set_weeks(result.weeks, labels)
        self.machine.show_result(result.machine, result.machine_review)
        self._fill_pairs()

    def _tab_changed(self, index: int) -> None:
        table = self.tabs.widget(index)
        if isinstance(table, QTableWidget):
            self._show_notes(table, table.currentRow())
        else:  # the machine coders' panel has no rows with notes
            self.notes.setHtml("")

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
        ready = None if self.result is None else self.result.confusion
        if ready is not None and (ready.dimension, ready.coder_a, ready.coder_b) == (key, *pair):
            self._show_matrix(ready)  # read with the figures, off the GUI thread
            return
        # the selection of the figures shown (the filters may have changed since)
        selection = (
            self.selection() if self.result is None else self.result.figures.settings.selection
        )
        try:
            m = confusion_matrix(self.study, key, pair[0], pair[1], selection)
        except UserError as exc:
            self.conf_note.setText(describe(exc))
            return
        self._show_matrix(m)

    def _show_matrix(self, m: ConfusionMatrix) -> None:
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

    # -- the report ---------------------------------------------------------------------------
    def confusion_shown(self) -> ConfusionMatrix | None:
        return self.confusion.matrix if self.result is not None else None

    def save_report(self, path: str | Path, *, force: bool = False) -> Path:
        """Write the HTML report of the figures shown (and the confusion matrix shown) with
        :func:`socialcoder.services.report.save_report`, as ``socialcoder report`` does:
        ``.html`` is added when missing; never over the study's own files; an existing file
        only with ``force``; whole or not at all."""
        if self.result is None:
            raise UserError("compute the dashboard first (Compute, F5), then save the report")
        target = report_path(path)
        save_report(
            self.study,
            self.result.figures,
            target,
            confusion=self.confusion_shown(),
            force=force,
            saved_at=datetime.now(UTC),
        )
        return target
