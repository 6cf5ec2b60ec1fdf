"""Lead > Analysis: the analyses of ``socialcoder analyze`` in the window.

The lead chooses an analysis (session correlations, the lagged within/between model, the
sequential matrix) and its options (whose codes here; rate, outcome / predictor / control, given
and target, lag, bootstrap in the analysis's form, :mod:`socialcoder.gui.lead.analysis_options`),
presses *Run* and sees the result table and a plot: the scatter of the selected correlation pair
with its least-squares line, the lagged model's effects with their 95% intervals, or the adjusted
residuals of the sequential matrix as a heat map (:mod:`socialcoder.gui.lead.analysis_charts`:
matplotlib, the same drawing code as the HTML report's, in the theme's colours). The analysis
runs in the thread pool (:class:`~socialcoder.gui.lead.workers.Job`) through
:mod:`socialcoder.services.analysis`, the same calls as the CLI; *Save report* writes the HTML
report (:mod:`socialcoder.services.analysis_report`), *Save data set* the analysis data set
(CSV, .sav, Mplus) with its companions (:mod:`socialcoder.services.analysis_files`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialcoder.errors import Input, Remedy, UserError
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.errors import describe
from socialcoder.gui.lead.analysis_charts import EffectsChart, HeatmapChart, ScatterChart
from socialcoder.gui.lead.analysis_options import (
    CorrelationOptions,
    LaggedOptions,
    SequentialOptions,
    combo,
)
from socialcoder.gui.lead.tables import Cell, fill, make_table
from socialcoder.gui.lead.workers import Job
from socialcoder.services import analysis as service
from socialcoder.services import analysis_report as reports
from socialcoder.services.analysis_files import WrittenFiles, write_analysis_files
from socialcoder.services.predictor_reliability import (
    RELIABILITY_HEADERS,
    RELIABILITY_NOTE,
    reliability_rows,
)
from socialcoder.services.study import CONSENSUS, Study

CORRELATIONS, LAGGED, SEQUENTIAL = "correlations", "lagged", "sequential"
ANALYSES = (
    (CORRELATIONS, "Session rates and correlations"),
    (LAGGED, "Within and between patients (lagged)"),
    (SEQUENTIAL, "Sequential analysis (matrix)"),
)
ALL = ""  # the combo entry "every ..." / "the outcome at t"


class AnalysisView(QWidget):
    """See the module doc. ``computed`` is emitted when a run's result is shown."""

    computed = Signal()
    statusMessage = Signal(str)

    def __init__(self, study: Study, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.study = study
        self.job: Job | None = None
        self.run: service.CorrelationRun | service.LaggedRun | service.SequentialRun | None = None
        self._variables: dict[str, list[str]] = {}
        self._heat_cells: list[tuple[int, int]] = []  # each sequential table row's cell
        box = QVBoxLayout(self)
        box.addLayout(self._top_row())
        self.layer_info = QLabel("", self)
        self.layer_info.setObjectName("analysis_layer")
        self.layer_info.setWordWrap(True)
        self.layer_info.setAccessibleName("Where the chosen codes come from")
        box.addWidget(self.layer_info)
        self.options = QStackedWidget(self)
        corr, lagged, seq = CorrelationOptions(self), LaggedOptions(self), SequentialOptions(self)
        self.corr_rate, self.corr_x, self.corr_y = corr.rate, corr.x_variable, corr.y_variable
        self.corr_boot, self.corr_seed, self.count_model = corr.boot, corr.seed, corr.count_model
        self.lag_rate, self.outcome = lagged.rate, lagged.outcome
        self.predictor, self.control = lagged.predictor, lagged.control
        self.detrend, self.random_slope = lagged.detrend, lagged.random_slope
        self.therapist = lagged.therapist
        self.given_role, self.target_role, self.lag = seq.given_role, seq.target_role, seq.lag
        self.given, self.target = seq.given, seq.target
        self.seq_boot, self.seq_seed = seq.boot, seq.seed
        for rate in (self.corr_rate, self.lag_rate):
            rate.currentIndexChanged.connect(lambda _i: self.load_variables())
        for page in (corr, lagged, seq):
            self.options.addWidget(page)
        box.addWidget(self.options)
        status = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        status.addWidget(self.progress)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel the analysis")
        annotate(
            self.cancel_button, description="Stop the analysis that is running; nothing is stored"
        )
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        status.addWidget(self.cancel_button)
        self.status = QLabel("Choose an analysis and press Run.", self)
        self.status.setObjectName("analysis_status")
        self.status.setWordWrap(True)
        status.addWidget(self.status, 1)
        box.addLayout(status)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.table = make_table(reports.CORRELATION_HEADERS, "analysis_table")
        annotate(self.table, description="The figures of the analysis, one row per pair or term")
        self.table.setAccessibleName("Analysis result table")
        self.table.currentCellChanged.connect(lambda *_: self._plot_selected())
        split.addWidget(self.table)
        self.plots = QStackedWidget(split)
        self.scatter = ScatterChart(self.plots)
        self.effects = EffectsChart(self.plots)
        self.heatmap = HeatmapChart(self.plots)
        for w in (self.scatter, self.effects, self.heatmap):
            self.plots.addWidget(w)
        self.heatmap.cell_chosen.connect(self._heat_cell_chosen)
        split.addWidget(self.plots)
        split.setSizes([620, 480])
        box.addWidget(split, 1)
        self.reliability_table = make_table(RELIABILITY_HEADERS, "analysis_reliability", stretch=2)
        self.reliability_table.setAccessibleName(
            "Reliability of each analysed variable's session score"
        )
        self.reliability_table.setToolTip(RELIABILITY_NOTE)
        self.reliability_table.setMaximumHeight(120)
        self.reliability_table.hide()
        box.addWidget(self.reliability_table)
        self.notes = QTextBrowser(self)
        self.notes.setObjectName("analysis_notes")
        self.notes.setAccessibleName("Notes and what the figures cannot tell")
        annotate(
            self.notes, description="Notes on the run: data used, warnings, limits of the figures"
        )
        self.notes.setMaximumHeight(130)
        box.addWidget(self.notes)
        saves = QHBoxLayout()
        saves.addStretch(1)
        self.report_button = QPushButton("&Save report (HTML)…", self)
        self.report_button.setToolTip("The table, the plot and the settings in one HTML file")
        self.report_button.clicked.connect(self.ask_report)
        self.data_button = QPushButton("Save &data set…", self)
        self.data_button.setToolTip(
            "The analysis data set as CSV, SPSS .sav with labels and Mplus .dat/.inp, with a "
            "data dictionary (codebook version, seeds, software) and the companions (R script, "
            "SDIS events) in a folder"
        )
        self.data_button.clicked.connect(self.ask_data)
        for b in (self.report_button, self.data_button):
            b.setEnabled(False)
            saves.addWidget(b)
        box.addLayout(saves)
        self.analysis.currentIndexChanged.connect(self._analysis_changed)
        self.codes.currentIndexChanged.connect(lambda _i: self.load_variables())
        self.loaded = False  # the choices are read when the page is first shown
        self.outdated = False  # the study changed since the figures shown were computed

    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.refresh()

    def data_changed(self) -> None:
        """The study's data changed (here or elsewhere): read the choices again. Figures on
        show stay those of their run, said to be outdated until the lead runs it again (a
        bootstrap is not rerun behind her back)."""
        self.refresh()
        self.outdated = self.run is not None or self.job is not None
        if self.run is not None and self.job is None:
            self.status.setText(f"{OUTDATED} {self._summary(self.run)}")

    # -- controls -----------------------------------------------------------------------------
    def _top_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.analysis = combo(self, "analysis", "Analysis")
        for key, text in ANALYSES:
            self.analysis.addItem(text, key)
        label = QLabel("&Analysis:", self)
        label.setBuddy(self.analysis)
        row.addWidget(label)
        row.addWidget(self.analysis, 2)
        self.codes = combo(
            self,
            "codes",
            "Codes",
            "Whose codes: the final layer (consensus where settled, else the primary coder's), "
            "the consensus layer, one coder, or the mean over coders",
        )
        label = QLabel("C&odes:", self)
        label.setBuddy(self.codes)
        row.addWidget(label)
        row.addWidget(self.codes, 1)
        self.run_button = QPushButton("&Run", self)
        self.run_button.setAccessibleName("Run the analysis")
        annotate(
            self.run_button,
            description="Run the chosen analysis with these options (in the background)",
        )
        self.run_button.clicked.connect(self.start)
        row.addWidget(self.run_button)
        return row

    def kind(self) -> str:
        return str(self.analysis.currentData())

    def _analysis_changed(self, index: int) -> None:
        self.options.setCurrentIndex(index)

    # -- variables ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Fill the codes choices (final, consensus, the coders, mean) and the variables."""
        from socialcoder.services.coders import list_coders

        self.loaded = True
        current = self.codes.currentData()
        self.codes.blockSignals(True)
        self.codes.clear()
        self.codes.addItem("final (consensus where settled, else the primary coder)", "final")
        self.codes.addItem("consensus", CONSENSUS)
        for c in list_coders(self.study):
            self.codes.addItem(f"coder {c.name}", c.name)
        self.codes.addItem("mean over coders (session tables only)", service.MEAN)
        i = self.codes.findData(current) if current else 0
        self.codes.setCurrentIndex(max(i, 0))
        self.codes.blockSignals(False)
        self.load_variables()

    def load_variables(self) -> None:
        """The session table's variables of the chosen codes and rate (for the combos)."""
        from socialcoder.analysis.inputs import CODE_RATE, MEASURE, RATING

        rate = self.corr_rate.currentData() if self.kind() == CORRELATIONS else None
        rate = rate or self.lag_rate.currentData() or "per100"
        try:
            inputs = service.load_inputs(self.study, self.codes.currentData() or "final")
            table = service.build_session_table(inputs, rate)
        except UserError as exc:
            self._variables = {}
            self.layer_info.setText("")
            self.status.setText(f"No variables: {describe(exc)}")
            names: dict[str, list[str]] = {"x": [], "y": [], "all": []}
        else:
            names = {
                "x": table.names(RATING, MEASURE),
                "y": table.names(CODE_RATE),
                "all": table.names(),
            }
            self._variables = names
            self.layer_info.setText(_layer_text(inputs))
        self._fill(self.corr_x, [("every session rating and measure", ALL)], names["x"])
        self._fill(self.corr_y, [("every code rate", ALL)], names["y"])
        self._fill(self.outcome, [], names["all"])
        self._fill(self.predictor, [], names["all"])
        self._fill(self.control, [("the outcome at t", ALL)], names["all"])

    @staticmethod
    def _fill(combo: QComboBox, first: list[tuple[str, str]], names: list[str]) -> None:
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for text, data in first:
            combo.addItem(text, data)
        for n in names:
            combo.addItem(n, n)
        i = combo.findData(current) if current is not None else -1
        combo.setCurrentIndex(i if i >= 0 else 0)
        combo.blockSignals(False)

    def choose(self, combo: QComboBox, name: str) -> None:
        """Select the entry whose value is ``name`` (for tests and scripts)."""
        i = combo.findData(name)
        if i < 0:
            raise KeyError(name)
        combo.setCurrentIndex(i)

    # -- running ------------------------------------------------------------------------------
    def _work(self) -> Any:
        study, kind = self.study, self.kind()
        codes = self.codes.currentData() or "final"
        if kind == CORRELATIONS:
            x, y = self.corr_x.currentData(), self.corr_y.currentData()
            rate, boot, seed = (
                self.corr_rate.currentData(),
                self.corr_boot.value(),
                self.corr_seed.value(),
            )
            family = self.count_model.currentData()
            return lambda _r, _c: service.run_correlations(
                study,
                codes=codes,
                rate=rate,
                x=[x] if x else [],
                y=[y] if y else [],
                n_boot=boot,
                seed=seed,
                count_family=family,
            )
        if kind == LAGGED:
            outcome, predictor = self.outcome.currentData(), self.predictor.currentData()
            if not outcome or not predictor:
                raise UserError("choose an outcome and a predictor")
            if outcome == predictor:
                raise UserError("the outcome and the predictor are the same variable")
            control = self.control.currentData() or None
            rate = self.lag_rate.currentData()
            detrend, slope = self.detrend.isChecked(), self.random_slope.isChecked()
            therapist = self.therapist.isChecked()
            return lambda _r, _c: service.run_lagged(
                study,
                outcome=outcome,
                predictor=predictor,
                control=control,
                codes=codes,
                rate=rate,
                detrend=detrend,
                random_slope=slope,
                therapist=therapist,
            )
        given = [s.strip() for s in self.given.text().split(",") if s.strip()]
        target = [s.strip() for s in self.target.text().split(",") if s.strip()]
        if bool(given) != bool(target):
            raise UserError("name both given and target codes, or neither (the whole matrix)")
        g_role, t_role = self.given_role.currentText(), self.target_role.currentText()
        lag, boot, seed = self.lag.value(), self.seq_boot.value(), self.seq_seed.value()
        return lambda _r, _c: service.run_sequential(
            study,
            given=given,
            target=target,
            lag=lag,
            matrix=not given,
            given_role=g_role,
            target_role=t_role,
            codes=codes,
            n_boot=boot,
            seed=seed,
        )

    def start(self) -> None:
        """Run the chosen analysis in the background."""
        if self.job is not None:
            return
        try:
            work = self._work()
        except UserError as exc:
            self.status.setText(f"Not run: {describe(exc)}")
            return
        self.outdated = False  # this run reads the study as it is now
        job = Job(work, self)
        job.finished.connect(self._finished)
        job.failed.connect(lambda m: self._ended(f"Not run: {m}"))
        job.cancelled.connect(lambda: self._ended("Cancelled."))
        self.job = job
        self.progress.show()
        self.cancel_button.show()
        self.run_button.setEnabled(False)
        self.status.setText("Running…")
        job.start()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def wait(self, seconds: float = 60.0) -> None:
        if self.job is not None:
            self.job.wait(seconds)

    def _ended(self, message: str) -> None:
        self.job = None
        self.progress.hide()
        self.cancel_button.hide()
        self.run_button.setEnabled(True)
        self.status.setText(message)

    def _finished(self, run: Any) -> None:
        self.show_run(run)
        self._ended(f"{OUTDATED} " * self.outdated + self._summary(run))
        self.computed.emit()

    # -- showing ------------------------------------------------------------------------------
    def _summary(self, run: Any) -> str:
        settings = "; ".join(f"{k}: {v}" for k, v in reports._settings(run))
        layer = _layer_text(run.inputs)
        return f"Codes {run.inputs.codes} (codebook v{run.inputs.codebook_version}). {settings}" + (
            f". {layer}" if layer else ""
        )

    def show_run(
        self, run: service.CorrelationRun | service.LaggedRun | service.SequentialRun
    ) -> None:
        self.run = run
        kind = reports.kind_of(run)
        notes: list[str] = []
        if isinstance(run, service.CorrelationRun):
            self._table(reports.correlation_headers(run), reports.correlation_rows(run))
            self.plots.setCurrentWidget(self.scatter)
            notes += [f"{p.x} / {p.y}: {n}" for p in run.result.pairs for n in p.notes]
            notes += reports.count_notes(run)
            if self.table.rowCount():
                self.table.setCurrentCell(0, 0)
            self._plot_selected()
        elif isinstance(run, service.LaggedRun):
            self._table(reports.LAGGED_HEADERS, reports.lagged_rows(run))
            self.effects.show_effects(reports.effect_points(run))
            self.plots.setCurrentWidget(self.effects)
            lr = run.result
            notes += [*lr.notes, *lr.warnings, lr.dynamic_panel_note]
        else:
            self._table(reports.SEQUENTIAL_HEADERS, reports.sequential_rows(run))
            self._show_heatmap(run)
            self.plots.setCurrentWidget(self.heatmap)
            if self.table.rowCount():
                self.table.setCurrentCell(0, 0)
            self._plot_selected()
            if any(t.table.warnings for t in run.result.tables):
                notes.append("* an expected count is below 5: do not read this residual as z")
        self._show_reliability(run)
        caveats = "".join(f"<li>{_esc(c)}</li>" for c in reports.CAVEATS[kind])
        self.notes.setHtml(
            ("<ul>" + "".join(f"<li>{_esc(n)}</li>" for n in notes) + "</ul>" if notes else "")
            + f"<b>What these figures cannot tell</b><ul>{caveats}</ul>"
        )
        for b in (self.report_button, self.data_button):
            b.setEnabled(True)

    def _show_reliability(self, run: Any) -> None:
        """Each analysed variable's reliability (correlations and lagged models)."""
        items = getattr(run, "reliability", ())
        fill(self.reliability_table, [[Cell(c) for c in row] for row in reliability_rows(items)])
        self.reliability_table.setVisible(bool(items))

    def _table(self, headers: tuple[str, ...], rows: list[list[str]]) -> None:
        self.table.blockSignals(True)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(list(headers))
        fill(
            self.table,
            [[Cell(c, align_right=i >= 2) for i, c in enumerate(row)] for row in rows],
        )
        self.table.blockSignals(False)

    def _plot_selected(self) -> None:
        run = self.run
        if isinstance(run, service.SequentialRun):
            row = self.table.currentRow()
            if 0 <= row < len(self._heat_cells):
                self.heatmap.set_current(*self._heat_cells[row])
            return
        if not isinstance(run, service.CorrelationRun) or not run.result.pairs:
            return
        row = max(self.table.currentRow(), 0)
        pair = run.result.pairs[min(row, len(run.result.pairs) - 1)]
        xs, ys = reports.scatter_points(run, pair.x, pair.y)
        self.scatter.show_points(xs, ys, pair.x, pair.y)

    def _show_heatmap(self, run: service.SequentialRun) -> None:
        rows, cols, values = reports.heatmap_data(run)
        sr = run.result
        # the table's rows are the result's tables, in order (reports.sequential_rows)
        self._heat_cells = [
            (rows.index(t.given.spec), cols.index(t.target.spec)) for t in sr.tables
        ]
        self.heatmap.show_residuals(
            rows, cols, values, f"{sr.given_role} (t) -> {sr.target_role} (t+{sr.lag})"
        )

    def _heat_cell_chosen(self, row: int, column: int) -> None:
        """A heat map cell chosen by key or click selects its row of the table."""
        if (row, column) in self._heat_cells:
            self.table.setCurrentCell(
                self._heat_cells.index((row, column)), max(self.table.currentColumn(), 0)
            )

    # -- saving -------------------------------------------------------------------------------
    def save_report(self, path: str | Path, *, force: bool = False) -> Path:
        if self.run is None:
            raise UserError("run an analysis first, then save its report")
        pairs = None
        if isinstance(self.run, service.CorrelationRun) and self.run.result.pairs:
            row = max(self.table.currentRow(), 0)
            chosen = self.run.result.pairs[min(row, len(self.run.result.pairs) - 1)]
            pairs = [(p.x, p.y) for p in self.run.result.pairs]
            pairs.remove((chosen.x, chosen.y))
            pairs.insert(0, (chosen.x, chosen.y))  # the pair shown comes first
        return reports.save_report(self.study, self.run, path, pairs=pairs, force=force)

    def save_data(self, folder: str | Path, *, force: bool = False) -> WrittenFiles:
        if self.run is None:
            raise UserError("run an analysis first, then save its data set")
        return write_analysis_files(self.study, self.run, Path(folder), force=force)

    def ask_report(self) -> None:
        name = f"{reports.kind_of(self.run)}-report.html" if self.run else "analysis-report.html"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the analysis report", name, "HTML (*.html)"
        )
        if not path:
            return
        target = reports.report_path(path)
        if target != Path(path) and target.exists() and not self._replace(target):
            return
        try:
            saved = self.save_report(path, force=True)
        except UserError as exc:
            self._say(f"Not saved: {describe(exc)}")
            return
        self._say(f"Report saved: {saved}")

    def ask_data(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the analysis data set into")
        if not folder:
            return
        try:
            written = self.save_data(folder)
        except UserError as exc:
            replaceable = Remedy.switch(Input.FORCE) in exc.remedies
            if not replaceable or not self._replace(Path(folder)):
                self._say(f"Not saved: {describe(exc)}")
                return
            try:
                written = self.save_data(folder, force=True)
            except UserError as again:
                self._say(f"Not saved: {describe(again)}")
                return
        self._say(
            f"Saved {len(written.files)} file(s) to {written.folder}: "
            + ", ".join(p.name for p in written.files)
            + "".join(f" Note: {n}." for n in written.notes)
        )

    def _replace(self, target: Path) -> bool:
        answer = QMessageBox.question(
            self,
            "Save",
            f"Files exist in {target}. Replace them?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _say(self, message: str) -> None:
        self.status.setText(message)
        self.statusMessage.emit(message)


OUTDATED = "The study's data changed since these figures were computed: press Run again."


def _layer_text(inputs: service.AnalysisInputs) -> str:
    """For the final layer: how many values came from consensus and from single coders."""
    counts = inputs.final_counts
    if counts is None:
        return ""
    text = counts.sentence()
    return text[:1].upper() + text[1:] + "."


def _esc(text: str) -> str:
    import html

    return html.escape(text)
