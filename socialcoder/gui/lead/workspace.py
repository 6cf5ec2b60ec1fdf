"""The study lead's workspace: progress & assignments, reliability dashboard, disagreement
review, calibration, de-identification, the audit trail and the analyses, as tabs.

Its views act through one :class:`~socialcoder.gui.session.StudySession`, which also notices
changes made elsewhere (a coder coding on the shared file, the command line: its
:class:`~socialcoder.gui.watch.StudyWatcher` looks when the window becomes active and on a slow
idle timer, on an SQLite file without reading any table) and says what changed as a
:class:`~socialcoder.services.study_change.StudyChange`. Each view reads again only when the
change concerns what it shows (:data:`SHOWS`), an undone or redone action's too (the
session keeps the undo stack: :meth:`StudySession.push`); the dashboard is recomputed in the background,
and only when it had been computed before and the change touches its selection; the review's
list and, for a change from elsewhere, the progress grid are read in worker threads too
(:class:`~socialcoder.gui.lead.workers.Latest`: the newest read wins).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from socialcoder.errors import UserError
from socialcoder.export.report_html import report_path
from socialcoder.gui.errors import describe
from socialcoder.gui.lead.analysis_view import AnalysisView
from socialcoder.gui.lead.assignments_view import AssignmentsView
from socialcoder.gui.lead.audit_view import AuditView
from socialcoder.gui.lead.calibration_view import CalibrationView
from socialcoder.gui.lead.dashboard import Dashboard
from socialcoder.gui.lead.deidentify_view import DeidentifyView
from socialcoder.gui.lead.review import ReviewView
from socialcoder.gui.session import StudySession
from socialcoder.services.study import Study
from socialcoder.services.study_change import ALL_KINDS, ChangeKind, StudyChange

K = ChangeKind
#: what each view shows, so what changes make it read again
SHOWS: dict[str, frozenset[ChangeKind]] = {
    # the progress grid (codes counted, completions), assignments, final codes, coders
    "assignments": frozenset(
        {K.ASSIGNMENTS, K.CODES, K.COMPLETIONS, K.CONSENSUS, K.CODERS, K.TRANSCRIPTS}
    ),
    # the reliability figures: the coders' codes of completed transcripts
    "dashboard": frozenset({K.CODES, K.COMPLETIONS, K.CODERS, K.CODEBOOK, K.TRANSCRIPTS}),
    # disagreements with the coders' memos and the consensus
    "review": frozenset(
        {K.CODES, K.MEMOS, K.COMPLETIONS, K.CONSENSUS, K.CODERS, K.CODEBOOK, K.TRANSCRIPTS}
    ),
    "calibration": frozenset({K.CODES, K.COMPLETIONS, K.CODERS, K.CODEBOOK, K.TRANSCRIPTS}),
    "audit": ALL_KINDS,  # every event and audit entry
    # the codes' rates beside the session measures (alliance, outcome)
    "analysis": frozenset(
        {K.CODES, K.COMPLETIONS, K.CONSENSUS, K.CODERS, K.CODEBOOK, K.TRANSCRIPTS, K.MEASURES}
    ),
}

PAGES = ("assignments", "dashboard", "review", "calibration", "deidentify", "audit", "analysis")
PAGE_TIPS = (
    "Who codes which transcript, and how far each coder is",
    "Agreement between coders: alpha with intervals, per dimension, pair and transcript",
    "Units the coders coded differently, to settle in the consensus layer",
    "A trainee's agreement with the gold-standard coder on practice transcripts",
    "Find names and other identifying details and write a de-identified copy",
    "Every change to codes, memos, completions and assignments",
    "Session-level and sequential analyses of the codes",
)


class LeadWorkspace(QTabWidget):
    statusMessage = Signal(str)

    def __init__(
        self, study: Study, lead: str, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lead_workspace")
        self.study, self.lead, self.settings = study, lead, settings
        self.session = StudySession(study, self)
        self.undo_stack = self.session.undo_stack  # the lead's undo and redo: the session's
        self.watcher = self.session.watcher
        self.assignments = AssignmentsView(study, lead, self, self.session)
        self.dashboard = Dashboard(study, self)
        self.review = ReviewView(study, lead, self.session, self)
        self.calibration = CalibrationView(study, settings, self, self.session)
        self.deidentify = DeidentifyView(study, self)
        self.audit = AuditView(study, self)
        self.analysis = AnalysisView(study, self)
        dash_page = QWidget(self)
        box = QVBoxLayout(dash_page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.dashboard, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        save = QPushButton("Save as &report (HTML)…", dash_page)
        save.setToolTip(
            "Tables and charts in one HTML file, with the codebook version, selection and date"
        )
        save.clicked.connect(self.save_report)
        row.addWidget(save)
        box.addLayout(row)
        self.addTab(self.assignments, "Progress && assignments")
        self.addTab(dash_page, "Reliability dashboard")
        self.addTab(self.review, "Disagreement review")
        self.addTab(self.calibration, "Calibration")
        self.addTab(self.deidentify, "De-identification")
        self.addTab(self.audit, "Audit trail")
        self.addTab(self.analysis, "Analysis")
        for index, tip in enumerate(PAGE_TIPS):  # a screen reader says it after the tab's name
            self.setTabToolTip(index, tip)
        for view in (self.assignments, self.review, self.deidentify, self.analysis, self.session):
            view.statusMessage.connect(self.statusMessage)
        self.currentChanged.connect(self._page_shown)
        self.session.changed.connect(self.study_changed)

    def show_page(self, name: str) -> None:
        self.setCurrentIndex(PAGES.index(name))

    def _page_shown(self, index: int) -> None:
        if (
            PAGES[index] == "dashboard"
            and self.dashboard.result is None
            and self.dashboard.job is None
        ):
            self.dashboard.start()
        if PAGES[index] == "analysis":
            self.analysis.ensure_loaded()
        if PAGES[index] in ("review", "deidentify"):
            getattr(self, PAGES[index]).table.setFocus()

    def poll(self) -> bool:
        """Refresh the views now if the study's data changed; True if it had."""
        return self.session.check()

    def study_changed(self, change: StudyChange, origin: object = None) -> None:
        """Read again in each view that ``change`` concerns (not in ``origin``, the view that
        made it and shows it already)."""
        for name in ("assignments", "review", "calibration", "audit"):
            view = getattr(self, name)
            if view is origin or not change.concerns(SHOWS[name]):
                continue
            if view is self.assignments and origin is None:
                self.assignments.refresh_later()  # the slowest read, kept off the GUI thread
            else:
                view.refresh()
        if self.analysis.loaded and change.concerns(SHOWS["analysis"]):
            self.analysis.data_changed()
        result = self.dashboard.result
        if result is not None:
            chosen = result.figures.settings.selection
            if change.concerns(
                SHOWS["dashboard"],
                coders=chosen.coders,
                transcripts=chosen.transcripts,
                dimensions=chosen.dimensions,
            ):
                self.dashboard.start()  # its figures shown until the new ones
        if origin is None:
            self.statusMessage.emit("The study changed: views refreshed.")

    def refresh(self) -> None:
        """Read everything again."""
        self.study_changed(StudyChange.everything())

    def recolour(self) -> None:
        """Draw every view again in the current theme's colours (after a theme change)."""
        self.assignments.refresh()
        self.review.refresh()
        if self.dashboard.result is not None:
            self.dashboard.show_result(self.dashboard.result)
        if self.calibration.view.result is not None:
            self.calibration.view.show_result(self.calibration.view.result)
        if self.analysis.run is not None:  # its plot, drawn again in the theme's colours
            self.analysis.show_run(self.analysis.run)

    def save_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the reliability report", "reliability-report.html", "HTML (*.html)"
        )
        if not path:
            return
        target = report_path(path)
        # the file dialog asked about replacing `path`; ask again if ".html" was added
        if target != Path(path) and target.exists():
            answer = QMessageBox.question(
                self,
                "Save the reliability report",
                f"{target} exists. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            saved = self.dashboard.save_report(path, force=True)
        except UserError as exc:
            self.statusMessage.emit(f"Not saved: {describe(exc)}")
            return
        self.statusMessage.emit(f"Report saved: {saved}")

    def busy(self) -> bool:
        """Whether a view's background read or the dashboard's computation is under way."""
        return self.assignments.busy() or self.review.busy() or self.dashboard.job is not None

    def shutdown(self) -> None:
        self.session.close()
        self.assignments.wait(10)
        self.review.wait(10)
        self.dashboard.cancel()
        self.analysis.cancel()
        self.dashboard.wait(10)
        self.analysis.wait(10)
