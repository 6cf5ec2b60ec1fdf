"""The dashboard's machine tab (issue #17): each machine coder as one more coder, and the
quality-control list of turns where it disagrees with a coder with high confidence.

Figures come from :mod:`socialcoder.services.machine_review` (computed with the dashboard's
other figures, in its worker thread); this widget only lays them out. The coder's value stands:
the list is for the lead to look at; settling a turn is done in Review (the consensus layer).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from socialcoder.gui.accessibility import annotate
from socialcoder.gui.lead.figures import alpha_cell, ci_cell, flags
from socialcoder.gui.lead.tables import Cell, cap_rows, fill, fmt, fmt_pct, make_table
from socialcoder.services.machine_review import (
    DEFAULT_THRESHOLD,
    MachineAgreement,
    ReviewItem,
    review_list,
)
from socialcoder.services.study import Study

AGREEMENT_HEADERS = (
    "Machine coder",
    "Dimension",
    "Against",
    "α",
    "95% interval",
    "Agreement",
    "Pairable units",
    "Notes",
)
REVIEW_HEADERS = (
    "Transcript",
    "Turn",
    "Dimension",
    "Coder",
    "Coder's value",
    "Machine's value",
    "Probability",
    "Consensus",
    "Text",
)
NONE_YET = (
    "No machine coder has written codes yet (`socialcoder machine train`, then "
    "`socialcoder machine code`)."
)


class MachinePanel(QWidget):
    def __init__(self, study: Study, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.study = study
        self._agreement: list[MachineAgreement] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.agreement: QTableWidget = make_table(
            AGREEMENT_HEADERS, "machine_agreement", stretch=len(AGREEMENT_HEADERS) - 1
        )
        self.review: QTableWidget = make_table(
            REVIEW_HEADERS, "machine_review", stretch=len(REVIEW_HEADERS) - 1
        )
        annotate(
            self.agreement,
            "Machine coders' agreement",
            "Each machine coder's agreement with the human coders, per dimension",
        )
        annotate(
            self.review,
            "Turns to review",
            "Turns where a machine coder is confident; check them against the human codes",
        )
        self.note = QLabel(NONE_YET, self)
        self.note.setObjectName("machine_note")
        self.note.setWordWrap(True)
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setObjectName("machine_threshold")
        self.threshold.setRange(0.5, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(DEFAULT_THRESHOLD)
        self.threshold.setToolTip("List turns where the machine's probability is at least this")
        self.threshold.valueChanged.connect(self.refresh_review)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        label = QLabel("&Confidence at least:", self)
        label.setBuddy(self.threshold)
        row.addWidget(label)
        row.addWidget(self.threshold)
        box.addWidget(self.agreement, 1)
        box.addLayout(row)
        box.addWidget(self.review, 1)

    def refresh_review(self) -> None:
        """The list again for the chosen confidence (the agreement rows stay)."""
        if self._agreement:
            self.show_result(
                self._agreement, review_list(self.study, threshold=self.threshold.value())
            )

    def show_result(self, agreement: list[MachineAgreement], review: list[ReviewItem]) -> None:
        self._agreement = agreement
        fill(
            self.agreement,
            [
                [
                    Cell(a.machine, "a machine coder: never counted as a human coder", bold=True),
                    a.label,
                    a.against,
                    alpha_cell(a.figures),
                    ci_cell(a.figures),
                    Cell(fmt_pct(a.figures.get("percent_agreement")), align_right=True),
                    Cell(str(a.figures.get("pairable_units", 0)), align_right=True),
                    Cell(flags(a.figures)),
                ]
                for a in agreement
            ],
        )
        fill(
            self.review,
            [
                [
                    i.transcript,
                    Cell(str(i.segment), align_right=True),
                    i.dimension,
                    i.coder,
                    i.value,
                    i.machine_value,
                    Cell(fmt(i.probability), align_right=True),
                    i.consensus or "",
                    Cell(i.text[:200], i.text),
                ]
                for i in review
            ],
        )
        cap_rows(self.agreement, lines=2)
        if not agreement:
            self.note.setText(NONE_YET)
            return
        self.note.setText(
            f"{len(review)} completed turn(s) where a machine coder disagrees with a coder with "
            f"probability ≥ {self.threshold.value():g}. The coder's value stands unless you settle "
            "the turn in Review; double-coded transcripts appear only once adjudicated."
        )
