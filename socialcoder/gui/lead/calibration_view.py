"""Calibration: a trainee's accuracy against a gold-standard coder over practice transcripts.

The lead picks trainee, gold coder, the practice transcripts (several, together containing
every code; Space ticks one) and the pass mark (default 0.8) and sees per dimension the figure (kappa against the gold coder, or the share of session
ratings within one point) with its 95% interval and the result (pass when the interval's lower
end reaches the mark; fail; not yet shown; not assessable, with the reason), per value the
sensitivity and positive predictive value, and every segment where the two differ, with the
codebook's definition of the selected difference's dimension. *Offer to the trainee* keeps in
the study that the ticked transcripts are the practice transcripts with this gold coder: a coder
who marks one complete in the workbench then sees the comparison over all the practice
transcripts both have completed (:func:`offer_calibration`).

Pass mark, gold coder and practice transcripts are study settings (``calibration_*``, see
:mod:`socialcoder.domain.settings`; the CLI's ``settings`` and ``calibrate`` read the same). A
study made before they existed has none: what an earlier version kept in this computer's
QSettings is read once as a fallback (:func:`legacy_calibration`), and the lead's view moves it
into the study.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

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

from socialcoder.domain import settings as rules
from socialcoder.domain.codebook import Codebook
from socialcoder.domain.settings import (
    CALIBRATION_GOLD,
    CALIBRATION_PRACTICE,
    CALIBRATION_THRESHOLD,
)
from socialcoder.errors import UserError
from socialcoder.gui import themes
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.lead.review_parts import value_text
from socialcoder.gui.lead.tables import (
    Cell,
    cap_rows,
    error_html,
    fill,
    fmt,
    fmt_ci,
    fmt_pct,
    make_table,
)
from socialcoder.gui.panels import details_html
from socialcoder.services.calibration import (
    FAIL,
    NOT_YET,
    PASS,
    CalibrationResult,
    CalibrationSettings,
    calibrate,
    calibration_settings,
)
from socialcoder.services.coders import list_coders
from socialcoder.services.settings import set_settings
from socialcoder.services.study import Study
from socialcoder.services.study_change import StudyChange
from socialcoder.services.transcript_list import list_transcripts, transcript_summary

if TYPE_CHECKING:
    from socialcoder.gui.session import StudySession


def _prefix(study: Study) -> str:
    return "study/" + hashlib.sha1(study.location.encode()).hexdigest()[:16] + "/calibration/"


def legacy_calibration(settings: QSettings, study: Study) -> dict[str, str]:
    """What an earlier version kept in QSettings for this study, as study settings' text (only
    the settings the study has no row for; the most frequent gold coder if there were
    several)."""
    kept = calibration_settings(study)
    prefix = _prefix(study)
    out: dict[str, str] = {}
    threshold = settings.value(prefix + "threshold")
    if CALIBRATION_THRESHOLD.name not in kept.stored and threshold is not None:
        try:
            number = float(str(threshold))
            if 0 < number < 1:
                out[CALIBRATION_THRESHOLD.name] = f"{number:g}"
        except (TypeError, ValueError):
            pass
    golds: dict[str, list[str]] = {}
    for t in list_transcripts(study):
        gold = settings.value(prefix + "practice/" + t.name, "")
        if gold:
            golds.setdefault(str(gold), []).append(t.name)
    if golds and not {CALIBRATION_GOLD.name, CALIBRATION_PRACTICE.name} & kept.stored:
        gold = max(golds, key=lambda g: len(golds[g]))
        out[CALIBRATION_GOLD.name] = gold
        out[CALIBRATION_PRACTICE.name] = ",".join(golds[gold])
    return out


def forget_legacy(settings: QSettings, study: Study) -> None:
    settings.remove(_prefix(study).rstrip("/"))


def kept_calibration(settings: QSettings, study: Study) -> CalibrationSettings:
    """The study's calibration settings, with an earlier version's QSettings as a fallback."""
    kept = calibration_settings(study)
    legacy = legacy_calibration(settings, study)
    if not legacy:
        return kept
    threshold = legacy.get(CALIBRATION_THRESHOLD.name)
    return CalibrationSettings(
        threshold=kept.threshold if threshold is None else float(threshold),
        gold=legacy.get(CALIBRATION_GOLD.name, kept.gold or ""),
        practice=tuple(rules.names(legacy.get(CALIBRATION_PRACTICE.name, ",".join(kept.practice)))),
        stored=kept.stored,
    )


RESULT_BG = {PASS: "good_bg", FAIL: "poor_bg", NOT_YET: "tentative_bg"}


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
        annotate(
            self.dims,
            "Calibration per dimension",
            "The trainee's agreement with the gold standard per dimension, its 95% interval and "
            "whether it passes",
        )
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
        annotate(
            self.values,
            "Calibration per value",
            "For each value: how often each coded it, sensitivity and positive predictive value",
        )
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.diffs = make_table(
            ("Transcript", "Seg.", "Dimension", "Trainee", "Gold", "Text"), "differences", stretch=5
        )
        self.diffs.currentCellChanged.connect(lambda *_: self._show_definition())
        annotate(
            self.diffs,
            "Differences from the gold standard",
            "Each segment where the trainee's value differs from the gold coder's; the "
            "dimension's definition is shown beside it",
        )
        self.definition = QTextBrowser(split)
        self.definition.setAccessibleName("Definition of the difference's dimension")
        annotate(
            self.definition,
            description="The definition and criteria of the selected difference's dimension",
        )
        split.addWidget(self.diffs)
        split.addWidget(self.definition)
        QWidget.setTabOrder(self.diffs, self.definition)  # the list first, then its definition
        split.setSizes([650, 350])
        box.addWidget(QLabel("<b>Segments where the trainee differs from the gold standard</b>"))
        box.addWidget(split, 2)

    def show_result(self, r: CalibrationResult) -> None:
        self.result = r
        color = themes.marks().success if r.passed else themes.marks().error
        self.verdict.setText(
            f"<b style='color:{color}'>{r.verdict}</b> — {r.trainee} against {r.gold} (gold "
            f"standard) on {', '.join(r.transcripts)}; a dimension passes when the lower end of "
            f"its 95% interval reaches {r.threshold:.2f}; {len(r.differences)} difference(s)."
        )
        rows: list[list[Cell | str]] = []
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
        diff_rows: list[list[Cell | str]] = []
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
    def __init__(
        self,
        study: Study,
        settings: QSettings,
        parent: QWidget | None = None,
        session: StudySession | None = None,
    ) -> None:
        super().__init__(parent)
        self.study, self.settings, self.session = study, settings, session
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
        legacy = legacy_calibration(settings, study)
        if legacy:  # an earlier version kept these on this computer: move them into the study
            try:
                set_settings(study, legacy)
                forget_legacy(settings, study)
            except UserError:
                pass  # e.g. a gold coder since removed: the study keeps its own values
        kept = calibration_settings(study)
        self.threshold.setValue(kept.threshold)
        self.threshold.setToolTip(
            "Pass mark for the lower end of each dimension's 95% interval; 0.8 is the usual bar "
            "(kept in the study: the setting calibration_threshold)"
        )
        self.threshold.valueChanged.connect(self._keep_threshold)
        row.addWidget(self.threshold)
        annotate(
            self.trainee, "Trainee", "The coder whose coding is compared with the gold standard"
        )
        annotate(self.gold, "Gold-standard coder", "The senior coder the trainee is compared with")
        annotate(self.threshold, "Pass mark", self.threshold.toolTip())
        self.compare_button = QPushButton("&Compare", self)
        self.compare_button.clicked.connect(self.compare)
        row.addWidget(self.compare_button)
        annotate(
            self.compare_button,
            description="Compare the trainee with the gold standard on the ticked practice transcripts",
        )
        box.addLayout(row)
        pick = QHBoxLayout()
        pick.addWidget(
            QLabel("Practice transcripts\n(tick several that together\ncontain every code):")
        )
        self.transcripts = QListWidget(self)
        self.transcripts.setObjectName("transcripts")
        annotate(
            self.transcripts,
            "Practice transcripts",
            "Tick the practice transcripts; together they should contain every code (kept in the "
            "study)",
        )
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
        annotate(
            self.offer,
            description="When on, a coder who completes a ticked transcript sees their comparison",
        )
        box.addWidget(self.offer)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        box.addWidget(self.message)
        self.view = CalibrationResultView(study.codebook, self)
        box.addWidget(self.view, 1)
        self.gold.currentIndexChanged.connect(self._show_offer)
        self.transcripts.itemChanged.connect(self._show_offer)
        self.refresh()
        if kept.gold and kept.practice:  # start from the study's practice set
            self.gold.setCurrentText(kept.gold)
            self.choose(list(kept.practice))

    def _keep_threshold(self, value: float) -> None:
        try:
            stored = set_settings(self.study, {CALIBRATION_THRESHOLD.name: f"{value:g}"})
        except UserError as exc:
            self.message.setText(error_html(exc))
            return
        self._report(stored.change)

    def _report(self, change: StudyChange) -> None:
        """Tell the window's session what this view changed (the service's value): not news
        from elsewhere for the window's watcher."""
        if self.session is not None:
            self.session.report(change, origin=self)

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
        kept = calibration_settings(self.study)
        offered = (
            bool(chosen)
            and kept.gold == self.gold.currentText()
            and set(chosen) <= set(kept.practice)
        )
        self.offer.blockSignals(True)
        self.offer.setChecked(offered)
        self.offer.blockSignals(False)

    def _remember_offer(self, on: bool) -> None:
        """Keep (or drop) the ticked transcripts as the study's practice set with this gold
        coder."""
        kept = calibration_settings(self.study)
        if on:
            texts = {
                CALIBRATION_GOLD.name: self.gold.currentText(),
                CALIBRATION_PRACTICE.name: ",".join(self.chosen()),
            }
        else:
            rest = [n for n in kept.practice if n not in self.chosen()]
            texts = {CALIBRATION_PRACTICE.name: ",".join(rest)}
        try:
            stored = set_settings(self.study, texts)
        except UserError as exc:
            self.message.setText(error_html(exc))
            return
        self._report(stored.change)

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
            self.message.setText(error_html(exc))
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
    kept = kept_calibration(settings, study)
    gold = kept.gold
    if gold is None or gold == coder or transcript not in kept.practice:
        return None
    done = {
        t.name
        for t in list_transcripts(study)
        if (a := t.progress.get(coder))
        and a.completed
        and (b := t.progress.get(gold))
        and b.completed
    }
    names = [n for n in kept.practice if n in done]
    if transcript not in names:
        return None  # the gold coder has not completed it (yet)
    try:
        result = calibrate(
            study,
            trainee=coder,
            gold=gold,
            transcripts=names,
            threshold=kept.threshold,
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
