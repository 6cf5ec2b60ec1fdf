"""Calibration: a trainee's accuracy against a gold-standard coder over practice transcripts.

The lead picks trainee, gold coder, the practice transcripts (several, together containing
every code; Space ticks one) and the pass mark (default 0.8, remembered per study in QSettings)
and sees per dimension the figure (kappa against the gold coder, or the share of session
ratings within one point) with its 95% interval and the result (pass when the interval's lower
end reaches the mark; fail; not yet shown; not assessable, with the reason), per value the
sensitivity and positive predictive value, and every segment where the two differ, with the
codebook's definition of the selected difference's dimension. *Offer to the trainee* remembers
(per study, on this computer) that the ticked transcripts are practice transcripts with this
gold coder: a coder who marks one complete in the workbench then sees the comparison over all
the practice transcripts both have completed (:func:`offer_calibration`).
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
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.codebook import Codebook
from socialcoder.errors import UserError
from socialcoder.gui.lead.review_parts import value_text
from socialcoder.gui.lead.tables import Cell, cap_rows, fill, fmt, fmt_ci, fmt_pct, make_table
from socialcoder.gui.panels import details_html
from socialcoder.services.calibration import (
    DEFAULT_THRESHOLD,
    FAIL,
    NOT_YET,
    PASS,
    CalibrationResult,
    calibrate,
)
from socialcoder.services.coders import list_coders
from socialcoder.services.queries import list_transcripts, transcript_summary
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


def practice_set(settings: QSettings, study: Study, gold: str) -> list[str]:
    """Every transcript marked as practice material with ``gold`` as the gold coder."""
    names = [t.name for t in list_transcripts(study)]
    return [n for n in names if practice_gold(settings, study, n) == gold]


RESULT_BG = {PASS: "#cdeccd", FAIL: "#f7cccc", NOT_YET: "#fde7c2"}


class CalibrationResultView(QWidget):
    """The verdict, the figures per dimension and per value, the differing segments and the
    codebook definition."""

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
            (
                "Dimension",
                "Sessions",
                "Units",
                "Needs",
                "Figure",
                "Estimate",
                "95% interval",
                "Result",
                "Notes",
            ),
            "calibration",
            stretch=8,
        )
        box.addWidget(self.dims, 1)
        self.values = make_table(
            ("Dimension", "Value", "Gold", "Trainee", "Sensitivity", "PPV", ""),
            "calibration_values",
        )
        box.addWidget(
            QLabel(
                "<b>Per value</b> (units both coded; sensitivity: of the gold "
                "coder's, the share the trainee found; PPV: of the trainee's, the "
                "share that were right)"
            )
        )
        box.addWidget(self.values, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.diffs = make_table(
            ("Transcript", "Seg.", "Dimension", "Trainee", "Gold", "Text"), "differences", stretch=5
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
        color = "#1b7f3a" if r.passed else "#b00020"
        self.verdict.setText(
            f"<b style='color:{color}'>{r.verdict}</b> — {r.trainee} against {r.gold} (gold "
            f"standard) on {', '.join(r.transcripts)}; a dimension passes when the lower end of "
            f"its 95% interval reaches {r.threshold:.2f}; {len(r.differences)} difference(s)."
        )
        rows = []
        for d in r.dimensions:
            rows.append(
                [
                    Cell(d.label, d.key, bold=True),
                    Cell(str(d.sessions), align_right=True),
                    Cell(str(d.units), align_right=True),
                    Cell(fmt(d.required_units), align_right=True),
                    d.figure,
                    Cell(fmt(d.estimate), align_right=True),
                    fmt_ci(d.ci95),
                    Cell(d.result, background=RESULT_BG.get(d.result), bold=True),
                    Cell("; ".join(d.notes), "; ".join(d.notes)),
                ]
            )
        fill(self.dims, rows)
        cap_rows(self.dims, lines=3)
        fill(
            self.values,
            [
                [
                    d.label,
                    v.label,
                    Cell(str(v.gold), align_right=True),
                    Cell(str(v.trainee), align_right=True),
                    Cell(fmt_pct(v.sensitivity), align_right=True),
                    Cell(fmt_pct(v.ppv), align_right=True),
                    "" if v.assessable else "not assessable: not in the material",
                ]
                for d in r.dimensions
                for v in d.values
            ],
        )
        diff_rows = []
        for x in r.differences:
            dim = self.codebook.dimension(x.dimension)
            diff_rows.append(
                [
                    x.transcript,
                    "session" if x.segment is None else str(x.segment),
                    dim.label,
                    value_text(dim, x.trainee),
                    value_text(dim, x.gold),
                    Cell((x.text or "")[:300], x.text or ""),
                ]
            )
        fill(self.diffs, diff_rows)
        cap_rows(self.diffs, lines=3)
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
        for label, combo in (("Trainee:", self.trainee), ("Gold standard:", self.gold)):
            row.addWidget(QLabel(label))
            row.addWidget(combo, 1)
        row.addWidget(QLabel("Pass at:"))
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setObjectName("threshold")
        self.threshold.setRange(0.05, 0.99)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(3)
        self.threshold.setValue(threshold_of(settings, study))
        self.threshold.setToolTip(
            "Pass mark for the lower end of each dimension's 95% interval; 0.8 is the usual bar"
        )
        self.threshold.valueChanged.connect(
            lambda v: settings.setValue(_prefix(study) + "threshold", v)
        )
        row.addWidget(self.threshold)
        self.compare_button = QPushButton("&Compare", self)
        self.compare_button.clicked.connect(self.compare)
        row.addWidget(self.compare_button)
        box.addLayout(row)
        pick = QHBoxLayout()
        pick.addWidget(
            QLabel("Practice transcripts\n(tick several that together\ncontain every code):")
        )
        self.transcripts = QListWidget(self)
        self.transcripts.setObjectName("transcripts")
        self.transcripts.setMaximumHeight(64)
        self.transcripts.setFlow(QListWidget.Flow.LeftToRight)
        self.transcripts.setWrapping(True)
        pick.addWidget(self.transcripts, 1)
        box.addLayout(pick)
        self.offer = QCheckBox(
            "Offer the comparison to the trainee when they complete one of the ticked transcripts",
            self,
        )
        self.offer.toggled.connect(self._remember_offer)
        box.addWidget(self.offer)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        box.addWidget(self.message)
        self.view = CalibrationResultView(study.codebook, self)
        box.addWidget(self.view, 1)
        self.gold.currentIndexChanged.connect(self._show_offer)
        self.transcripts.itemChanged.connect(self._show_offer)
        self.refresh()

    def refresh(self) -> None:
        coders = [c.name for c in list_coders(self.study)]
        for combo in (self.trainee, self.gold):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(coders)
            if current in coders:
                combo.setCurrentText(current)
            combo.blockSignals(False)
        if self.gold.currentText() == self.trainee.currentText() and self.gold.count() > 1:
            self.gold.setCurrentIndex(1)
        ticked = set(self.chosen())
        self.transcripts.blockSignals(True)
        self.transcripts.clear()
        for t in list_transcripts(self.study):
            item = QListWidgetItem(t.name, self.transcripts)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if t.name in ticked else Qt.CheckState.Unchecked
            )
        self.transcripts.blockSignals(False)
        self._show_offer()

    def chosen(self) -> list[str]:
        """The ticked practice transcripts."""
        items = (self.transcripts.item(i) for i in range(self.transcripts.count()))
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]

    def choose(self, names: list[str]) -> None:
        """Tick exactly ``names``."""
        for i in range(self.transcripts.count()):
            item = self.transcripts.item(i)
            wanted = Qt.CheckState.Checked if item.text() in names else Qt.CheckState.Unchecked
            item.setCheckState(wanted)

    def _show_offer(self, *_: object) -> None:
        chosen = self.chosen()
        gold = self.gold.currentText()
        offered = bool(chosen) and all(
            practice_gold(self.settings, self.study, t) == gold for t in chosen
        )
        self.offer.blockSignals(True)
        self.offer.setChecked(offered)
        self.offer.blockSignals(False)

    def _remember_offer(self, on: bool) -> None:
        for name in self.chosen():
            key = _prefix(self.study) + "practice/" + name
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
                transcripts=self.chosen(),
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
    coder has completed it, show the trainee their comparison over every practice transcript
    (with that gold coder) that both have completed. Returns what was shown."""
    transcript = transcript_summary(study, transcript).name  # a blinded coder's label
    gold = practice_gold(settings, study, transcript)
    if gold is None or gold == coder:
        return None
    done = {
        t.name
        for t in list_transcripts(study)
        if (a := t.progress.get(coder))
        and a.completed
        and (b := t.progress.get(gold))
        and b.completed
    }
    names = [n for n in practice_set(settings, study, gold) if n in done]
    if transcript not in names:
        return None  # the gold coder has not completed it (yet)
    try:
        result = calibrate(
            study,
            trainee=coder,
            gold=gold,
            transcripts=names,
            threshold=threshold_of(settings, study),
        )
    except UserError:
        return None
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
