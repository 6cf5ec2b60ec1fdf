"""Calibration: a trainee against a gold-standard coder on a practice transcript.

The lead picks trainee, gold coder, practice transcript and the pass threshold (default 0.8,
remembered per study in QSettings) and sees pass/fail per dimension and every segment where the
two differ, with the codebook's definition of the selected difference's dimension. *Offer to
the trainee* remembers (per study, on this computer) that the transcript is a practice
transcript with this gold coder: a coder who marks it complete in the workbench then sees the
same comparison (:func:`offer_calibration`).
"""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.codebook import Codebook
from socialcoder.errors import UserError
from socialcoder.gui.lead.review_parts import value_text
from socialcoder.gui.lead.tables import Cell, fill, fmt, fmt_pct, make_table
from socialcoder.gui.panels import details_html
from socialcoder.services.calibration import DEFAULT_THRESHOLD, CalibrationResult, calibrate
from socialcoder.services.coders import list_coders
from socialcoder.services.queries import list_transcripts
from socialcoder.services.study import Study


def _prefix(study: Study) -> str:
    return "study/" + hashlib.sha1(study.location.encode()).hexdigest()[:16] + "/calibration/"


def threshold_of(settings: QSettings, study: Study) -> float:
    value = settings.value(_prefix(study) + "threshold", DEFAULT_THRESHOLD)
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_THRESHOLD


def practice_gold(settings: QSettings, study: Study, transcript: str) -> str | None:
    """The gold coder set for a practice transcript, or None if it is not one."""
    value = settings.value(_prefix(study) + "practice/" + transcript, "")
    return str(value) or None


class CalibrationResultView(QWidget):
    """Pass/fail per dimension, the differing segments and the codebook definition."""

    def __init__(self, codebook: Codebook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.codebook = codebook
        self.result: CalibrationResult | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.verdict = QLabel("", self)
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        box.addWidget(self.verdict)
        self.dims = make_table(
            ("Dimension", "Units", "α", "Agreement", "Result", "Note"), "calibration", stretch=5
        )
        box.addWidget(self.dims, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.diffs = make_table(
            ("Seg.", "Dimension", "Trainee", "Gold", "Text"), "differences", stretch=4
        )
        self.diffs.currentCellChanged.connect(lambda *_: self._show_definition())
        self.definition = QTextBrowser(split)
        split.addWidget(self.diffs)
        split.addWidget(self.definition)
        split.setSizes([650, 350])
        box.addWidget(QLabel("<b>Segments where the trainee differs from the gold standard</b>"))
        box.addWidget(split, 2)

    def show_result(self, r: CalibrationResult) -> None:
        self.result = r
        word = "PASSED" if r.passed else "NOT PASSED"
        color = "#1b7f3a" if r.passed else "#b00020"
        self.verdict.setText(
            f"<b style='color:{color}'>{word}</b> — {r.trainee} against {r.gold} (gold "
            f"standard) on {r.transcript}; pass threshold {r.threshold:.2f} per dimension; "
            f"{len(r.differences)} difference(s)."
        )
        rows = []
        for d in r.dimensions:
            result = "–" if d.passed is None else "pass" if d.passed else "FAIL"
            bg = None if d.passed is None else "#cdeccd" if d.passed else "#f7cccc"
            rows.append(
                [
                    Cell(d.label, d.key, bold=True),
                    Cell(str(d.units), align_right=True),
                    Cell(fmt(d.alpha), align_right=True),
                    Cell(fmt_pct(d.percent_agreement), align_right=True),
                    Cell(result, background=bg, bold=True),
                    d.note or "",
                ]
            )
        fill(self.dims, rows)
        diff_rows = []
        for x in r.differences:
            dim = self.codebook.dimension(x.dimension)
            diff_rows.append(
                [
                    "session" if x.segment is None else str(x.segment),
                    dim.label,
                    value_text(dim, x.trainee),
                    value_text(dim, x.gold),
                    Cell((x.text or "")[:300], x.text or ""),
                ]
            )
        fill(self.diffs, diff_rows)
        if diff_rows:
            self.diffs.setCurrentCell(0, 0)
        self._show_definition()

    def _show_definition(self) -> None:
        row = self.diffs.currentRow()
        if self.result is None or not 0 <= row < len(self.result.differences):
            self.definition.setHtml("<p>Select a difference to see the dimension's definition.</p>")
            return
        self.definition.setHtml(
            details_html(self.codebook.dimension(self.result.differences[row].dimension))
        )


class CalibrationView(QWidget):
    def __init__(self, study: Study, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.study, self.settings = study, settings
        box = QVBoxLayout(self)
        row = QHBoxLayout()
        self.trainee = QComboBox(self)
        self.gold = QComboBox(self)
        self.transcript = QComboBox(self)
        for label, combo in (
            ("Trainee:", self.trainee),
            ("Gold standard:", self.gold),
            ("Practice transcript:", self.transcript),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(combo, 1)
        row.addWidget(QLabel("Pass at:"))
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setObjectName("threshold")
        self.threshold.setRange(0.05, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(3)
        self.threshold.setValue(threshold_of(settings, study))
        self.threshold.setToolTip(
            "Alpha (or % agreement when alpha is undefined) per dimension; 0.8 is the usual bar"
        )
        self.threshold.valueChanged.connect(
            lambda v: settings.setValue(_prefix(study) + "threshold", v)
        )
        row.addWidget(self.threshold)
        self.compare_button = QPushButton("&Compare", self)
        self.compare_button.clicked.connect(self.compare)
        row.addWidget(self.compare_button)
        box.addLayout(row)
        self.offer = QCheckBox(
            "Offer this comparison to the trainee when they mark the transcript complete", self
        )
        self.offer.toggled.connect(self._remember_offer)
        box.addWidget(self.offer)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        box.addWidget(self.message)
        self.view = CalibrationResultView(study.codebook, self)
        box.addWidget(self.view, 1)
        self.transcript.currentIndexChanged.connect(self._show_offer)
        self.gold.currentIndexChanged.connect(self._show_offer)
        self.refresh()

    def refresh(self) -> None:
        coders = [c.name for c in list_coders(self.study)]
        names = [t.name for t in list_transcripts(self.study)]
        for combo, items in ((self.trainee, coders), (self.gold, coders), (self.transcript, names)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            if current in items:
                combo.setCurrentText(current)
            combo.blockSignals(False)
        if self.gold.currentText() == self.trainee.currentText() and self.gold.count() > 1:
            self.gold.setCurrentIndex(1)
        self._show_offer()

    def _show_offer(self, *_: object) -> None:
        gold = practice_gold(self.settings, self.study, self.transcript.currentText())
        self.offer.blockSignals(True)
        self.offer.setChecked(gold is not None and gold == self.gold.currentText())
        self.offer.blockSignals(False)

    def _remember_offer(self, on: bool) -> None:
        key = _prefix(self.study) + "practice/" + self.transcript.currentText()
        if on:
            self.settings.setValue(key, self.gold.currentText())
        else:
            self.settings.remove(key)

    def compare(self) -> CalibrationResult | None:
        try:
            result = calibrate(
                self.study,
                trainee=self.trainee.currentText(),
                gold=self.gold.currentText(),
                transcript=self.transcript.currentText(),
                threshold=self.threshold.value(),
            )
        except UserError as exc:
            self.message.setText(f"<span style='color:#b00020'>{exc}</span>")
            return None
        self.message.setText("")
        self.view.show_result(result)
        return result


def offer_calibration(
    parent: QWidget, settings: QSettings, study: Study, coder: str, transcript: str
) -> CalibrationResult | None:
    """After ``coder`` marks ``transcript`` complete: if it is a practice transcript whose gold
    coder has completed it, show the trainee their comparison. Returns what was shown."""
    gold = practice_gold(settings, study, transcript)
    if gold is None or gold == coder:
        return None
    try:
        result = calibrate(
            study,
            trainee=coder,
            gold=gold,
            transcript=transcript,
            threshold=threshold_of(settings, study),
        )
    except UserError:
        return None  # the gold coder has not completed it (yet)
    dialog = QDialog(parent)
    dialog.setObjectName("calibration_dialog")
    dialog.setWindowTitle(f"Calibration: your coding of {transcript} against the gold standard")
    box = QVBoxLayout(dialog)
    view = CalibrationResultView(study.codebook, dialog)
    view.show_result(result)
    box.addWidget(view)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    box.addWidget(buttons)
    dialog.resize(1000, 700)
    dialog.exec()
    dialog.deleteLater()
    return result
