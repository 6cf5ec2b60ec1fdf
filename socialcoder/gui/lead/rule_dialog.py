"""Assign by rule: choose coders, the reliability share (overlap %) and a seed; *Preview*
shows the plan (:func:`plan_assignments`, the same as ``socialcoder assign --coders ...
--overlap P --seed N``); *Apply* stores it (:func:`apply_assignments`). With a design (strata,
covert, anchors: ``assign --stratify ... --covert --anchors N``) the plan is drawn by
:mod:`socialcoder.services.design`, shows each coder's order, and is stored with its record.
Existing assignments and codes are never disturbed. ``stored`` is the number stored, or None
if nothing was applied; ``rows`` are the stored assignments (the lead's window pushes them as
one undo step).
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.design import STRATIFIERS, DesignPlan
from socialcoder.errors import UserError
from socialcoder.gui.lead.tables import error_html, fill, make_table
from socialcoder.services.assignments import (
    Assignment,
    StoredAssignment,
    apply_assignments_stored,
    plan_assignments,
)
from socialcoder.services.design import design_spec, draw_plan, store_plan
from socialcoder.services.study import Study
from socialcoder.services.study_change import StudyChange


class RuleDialog(QDialog):
    def __init__(
        self,
        study: Study,
        coders: list[str],
        parent: QWidget | None = None,
        *,
        actor: str = "lead",
    ) -> None:
        super().__init__(parent)
        self.study, self.actor = study, actor
        self.plan: list[Assignment] | DesignPlan | None = None
        self.stored: int | None = None
        self.rows: list[StoredAssignment] = []
        self.change = StudyChange()  # what applying the plan changed (the service's value)
        self.setWindowTitle("Assign by rule")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Every unassigned transcript goes to one coder (balanced: the coder with the fewest "
            "transcripts gets the next), and the overlap share of all transcripts also goes to a "
            "second coder for reliability. The same seed gives the same plan.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        coder_row = QHBoxLayout()
        self.boxes: list[QCheckBox] = []
        for c in coders:
            box = QCheckBox(c, self)
            box.setChecked(True)
            box.toggled.connect(self._stale)
            self.boxes.append(box)
            coder_row.addWidget(box)
        coder_row.addStretch(1)
        form.addRow("Coders:", coder_row)
        self.overlap = QDoubleSpinBox(self)
        self.overlap.setObjectName("overlap")
        self.overlap.setRange(0, 100)
        self.overlap.setDecimals(0)
        self.overlap.setSuffix(" %")
        self.overlap.setValue(20)
        self.overlap.valueChanged.connect(self._stale)
        form.addRow("Double-coded for reliability:", self.overlap)
        self.seed = QSpinBox(self)
        self.seed.setObjectName("seed")
        self.seed.setRange(0, 1_000_000)
        self.seed.setValue(1)
        self.seed.valueChanged.connect(self._stale)
        form.addRow("Seed:", self.seed)
        strata_row = QHBoxLayout()
        self.strata: dict[str, QCheckBox] = {}
        for name in STRATIFIERS:
            box = QCheckBox(name, self)
            box.setObjectName(f"stratify_{name}")
            box.toggled.connect(self._stale)
            self.strata[name] = box
            strata_row.addWidget(box)
        strata_row.addStretch(1)
        form.addRow("Stratify the double-coded share by:", strata_row)
        self.covert = QCheckBox(
            "Covert: spread double-coded and anchor transcripts over each coder's period; "
            "primary coding drawn at random",
            self,
        )
        self.covert.setObjectName("covert")
        self.covert.toggled.connect(self._stale)
        form.addRow("", self.covert)
        self.anchors = QSpinBox(self)
        self.anchors.setObjectName("anchors")
        self.anchors.setRange(0, 1000)
        self.anchors.valueChanged.connect(self._stale)
        form.addRow("Anchor transcripts (every coder):", self.anchors)
        layout.addLayout(form)
        self.preview_button = QPushButton("&Preview plan", self)
        self.preview_button.clicked.connect(self.preview)
        layout.addWidget(self.preview_button)
        self.table = make_table(
            ("Transcript", "Coder", "Purpose", "Order", "Anchor"), "plan", stretch=0
        )
        layout.addWidget(self.table, 1)
        self.summary = QLabel("Press Preview to see the plan before anything is stored.", self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.apply_button = self.buttons.addButton(
            "&Apply plan", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setEnabled(False)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(560, 520)

    def chosen(self) -> list[str]:
        return [b.text() for b in self.boxes if b.isChecked()]

    def _stale(self, *_: object) -> None:
        self.plan = None
        self.apply_button.setEnabled(False)

    def designed(self) -> bool:
        return (
            self.covert.isChecked()
            or self.anchors.value() > 0
            or any(b.isChecked() for b in self.strata.values())
        )

    def preview(self) -> None:
        if self.designed():
            self._preview_design()
            return
        try:
            plan = plan_assignments(
                self.study,
                self.chosen(),
                overlap_percent=self.overlap.value(),
                seed=self.seed.value(),
            )
        except UserError as exc:
            self.plan = None
            self.apply_button.setEnabled(False)
            self.summary.setText(error_html(exc))
            return
        self.plan = plan
        fill(self.table, [[a.transcript, a.coder, a.purpose, "", ""] for a in plan])
        load = Counter(a.coder for a in plan)
        doubled = sum(1 for a in plan if a.purpose == "reliability")
        self.summary.setText(
            f"{len(plan)} new assignment(s), {doubled} for reliability · "
            + ", ".join(f"{c}: {load.get(c, 0)}" for c in self.chosen())
            if plan
            else "Nothing to add: every transcript already has its coders."
        )
        self.apply_button.setEnabled(bool(plan))

    def _preview_design(self) -> None:
        try:
            plan = draw_plan(
                self.study,
                design_spec(
                    self.chosen(),
                    overlap_percent=self.overlap.value(),
                    stratify=[n for n, b in self.strata.items() if b.isChecked()],
                    covert=self.covert.isChecked(),
                    anchors=self.anchors.value(),
                    seed=self.seed.value(),
                ),
            )
        except UserError as exc:
            self.plan = None
            self.apply_button.setEnabled(False)
            self.summary.setText(error_html(exc))
            return
        self.plan = plan
        rows = sorted(plan.assignments, key=lambda a: (a.coder, a.position))
        fill(
            self.table,
            [
                [a.transcript, a.coder, a.purpose, str(a.position), "yes" if a.anchor else ""]
                for a in rows
            ],
        )
        strata = "; ".join(
            f"{' / '.join(s.stratum) or 'all'}: {s.double_coded} of {s.transcripts}"
            for s in plan.strata
        )
        self.summary.setText(
            f"{len(plan.assignments)} new assignment(s): {len(plan.double_coded)} transcript(s) "
            f"double-coded, {len(plan.anchors)} anchor(s), seed {plan.spec.seed}"
            + (f" · strata {strata}" if strata else "")
            if plan.assignments
            else "Nothing to add: every transcript already has its coders."
        )
        self.apply_button.setEnabled(bool(plan.assignments))

    def apply(self) -> None:
        if not self.plan:
            return
        try:
            if isinstance(self.plan, DesignPlan):
                done = store_plan(self.study, self.plan, actor=self.actor)
                self.rows, self.change = list(done.rows), done.change
            else:
                stored = apply_assignments_stored(self.study, self.plan, actor=self.actor)
                self.rows, self.change = stored, stored.change
            self.stored = len(self.rows)
        except UserError as exc:
            self.summary.setText(error_html(exc))
            return
        self.accept()
