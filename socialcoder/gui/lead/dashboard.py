"""The reliability dashboard: per dimension, per coder pair, per transcript, with charts.

Every figure comes from :func:`reliability_report` (the same call as ``socialcoder reliability
--json --bootstrap N --seed S``), computed in a worker thread (:class:`Job`) with a progress bar
and a Cancel button; the window never waits for it. ``result`` holds the last
:class:`DashboardResult`; the tables show exactly its numbers.
"""

from __future__ import annotations

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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from socialcoder.errors import UserError
from socialcoder.gui.lead.charts import AlphaChart, AlphaPoint, ConfusionTable, DriftChart
from socialcoder.gui.lead.tables import (
    Cell,
    alpha_background,
    fill,
    fmt,
    fmt_ci,
    fmt_pct,
    make_table,
)
from socialcoder.gui.lead.workers import Job, Report
from socialcoder.services.lead_support import WeekAlpha, confusion_matrix, weekly_alpha
from socialcoder.services.reliability_data import Selection
from socialcoder.services.reliability_report import ReliabilityReport, reliability_report
from socialcoder.services.study import Study

DIMENSION_HEADERS = (
    "Dimension",
    "Scale",
    "α",
    "95% interval",
    "AC1",
    "Fleiss κ",
    "Agreement",
    "Units",
    "Pairable values",
    "Flags and notes",
)
PAIR_HEADERS = ("Coders", "Dimension", "α", "95% interval", "Cohen κ", "Agreement", "Units")
TRANSCRIPT_HEADERS = ("Transcript", "Dimension", "α", "95% interval", "AC1", "Agreement", "Units")


@dataclass(frozen=True, slots=True)
class DashboardResult:
    by_pair: ReliabilityReport  # overall figures + groups per coder pair
    by_transcript: ReliabilityReport  # groups per transcript
    weeks: list[WeekAlpha] = field(default_factory=list)


def compute(
    study: Study, selection: Selection, bootstrap: int, seed: int | None, report: Report
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
        progress=lambda i, _n, what: report(i, total, f"overall and per pair: {what}"),
    )
    per_transcript = reliability_report(
        study,
        selection,
        by="transcript",
        bootstrap=bootstrap,
        seed=seed,
        progress=lambda i, _n, what: report(n + i, total, f"per transcript: {what}"),
    )
    report(2 * n, total, "by week")
    weeks = weekly_alpha(study, selection)
    report(total, total, "done")
    return DashboardResult(pair, per_transcript, weeks)


def short_label(label: str, width: int = 16) -> str:
    """A dimension label broken into lines of about ``width`` characters (chart axes)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _flags(item: dict[str, Any]) -> str:
    notes = list(item.get("notes") or [])
    alpha = item.get("krippendorff_alpha")
    if alpha is not None and alpha < 0.667:
        notes.insert(0, "below 0.667")
    elif alpha is not None and alpha < 0.8:
        notes.insert(0, "below 0.8")
    return "; ".join(notes)


def _alpha_cell(item: dict[str, Any]) -> Cell:
    alpha = item.get("krippendorff_alpha")
    tip = (
        "≥ 0.8: reliable; 0.667–0.8: tentative conclusions only; < 0.667: not reliable"
        if alpha is not None
        else "; ".join(item.get("notes") or []) or "undefined"
    )
    return Cell(fmt(alpha), tip, alpha_background(alpha), bold=True, align_right=True)


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
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.tabs = QTabWidget(split)
        self.dimensions = make_table(DIMENSION_HEADERS, "dimensions", stretch=9)
        self.pairs = make_table(PAIR_HEADERS, "pairs")
        self.transcripts = make_table(TRANSCRIPT_HEADERS, "per_transcript")
        self.tabs.addTab(self.dimensions, "Per dimension")
        self.tabs.addTab(self.pairs, "Per coder pair")
        self.tabs.addTab(self.transcripts, "Per transcript")
        bottom = QSplitter(Qt.Orientation.Horizontal, split)
        self.chart_tabs = QTabWidget(bottom)
        self.alpha_chart = AlphaChart()
        self.drift_chart = DriftChart()
        self.chart_tabs.addTab(self.alpha_chart, "Alpha per dimension")
        self.chart_tabs.addTab(self.drift_chart, "Drift by week")
        bottom.addWidget(self.chart_tabs)
        bottom.addWidget(self._confusion_panel())
        bottom.setSizes([640, 460])
        split.addWidget(self.tabs)
        split.addWidget(bottom)
        split.setSizes([230, 520])
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
        names = tuple(n.strip() for n in self.coders_edit.text().split(",") if n.strip())
        return Selection(coders=names or None)

    def start(self) -> None:
        """Compute in the background (a running computation is restarted afterwards)."""
        if self.job is not None:
            self._again = True
            return
        study, selection = self.study, self.selection()
        bootstrap, seed = self.bootstrap.value(), self.seed.value()
        job = Job(lambda report, _c: compute(study, selection, bootstrap, seed, report), self)
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
        pair_rows = []
        for d in dims:
            for g in d.get("groups", []):
                kappa = (g.get("cohen_kappa_pairs") or [{}])[0].get("kappa")
                pair_rows.append(
                    [
                        " & ".join(g["pair"]),
                        d["label"],
                        _alpha_cell(g),
                        fmt_ci(g.get("alpha_ci95")),
                        Cell(fmt(kappa), align_right=True),
                        Cell(fmt_pct(g.get("percent_agreement")), align_right=True),
                        Cell(str(g.get("pairable_units", 0)), align_right=True),
                    ]
                )
        fill(self.pairs, pair_rows)
        transcript_rows = []
        for d in result.by_transcript.dimensions:
            for g in d.get("groups", []):
                transcript_rows.append(
                    [
                        g["transcript"],
                        d["label"],
                        _alpha_cell(g),
                        fmt_ci(g.get("alpha_ci95")),
                        Cell(fmt(g.get("gwet_ac1")), align_right=True),
                        Cell(fmt_pct(g.get("percent_agreement")), align_right=True),
                        Cell(str(g.get("pairable_units", 0)), align_right=True),
                    ]
                )
        fill(self.transcripts, transcript_rows)
        self.alpha_chart.set_points(
            [
                AlphaPoint(
                    short_label(d["label"]),
                    d.get("krippendorff_alpha"),
                    *(d.get("alpha_ci95") or (None, None)),
                )
                for d in dims
            ]
        )
        labels = {d.key: d.label for d in self.study.codebook.dimensions}
        self.drift_chart.set_weeks(result.weeks, labels)
        self._fill_pairs()

    @staticmethod
    def _dimension_row(d: dict[str, Any]) -> list[Cell | str]:
        return [
            Cell(d["label"], f"{d['key']} ({d['scale']}, {d['unit']} level)", bold=True),
            d["scale"] if d["scale"] == d["level"] else f"{d['scale']} ({d['level']} α)",
            _alpha_cell(d),
            fmt_ci(d.get("alpha_ci95")),
            Cell(fmt(d.get("gwet_ac1")), align_right=True),
            Cell(fmt(d.get("fleiss_kappa")), align_right=True),
            Cell(fmt_pct(d.get("percent_agreement")), align_right=True),
            Cell(str(d.get("pairable_units", 0)), align_right=True),
            Cell(str(d.get("pairable_values", 0)), align_right=True),
            Cell(_flags(d), "; ".join(d.get("notes") or [])),
        ]

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
