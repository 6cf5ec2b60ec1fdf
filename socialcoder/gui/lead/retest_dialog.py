"""Plan a blind second pass: choose coders, the share of each coder's completed transcripts,
the days to wait after the first pass and a seed; *Preview* shows the draw
(:func:`draw_retest_plan`, the same as ``socialcoder assign --retest PCT --after DAYS --seed
N``); *Apply* stores it with its record and gives each second pass a masked label of its own
(:func:`store_retest_plan`). ``stored`` is the number stored, or None if nothing was applied.
"""

from __future__ import annotations

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

from socialcoder.errors import UserError
from socialcoder.gui.lead.tables import error_html, fill, make_table
from socialcoder.services.retest import (
    RetestPlan,
    draw_retest_plan,
    retest_spec,
    store_retest_plan,
)
from socialcoder.services.study import Study
from socialcoder.services.study_change import StudyChange


class RetestDialog(QDialog):
    def __init__(
        self, study: Study, coders: list[str], parent: QWidget | None = None, *, actor: str = "lead"
    ) -> None:
        super().__init__(parent)
        self.study, self.actor = study, actor
        self.plan: RetestPlan | None = None
        self.stored: int | None = None
        self.change = StudyChange()  # what applying the plan changed (the service's value)
        self.setWindowTitle("Plan a second pass (test-retest)")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "A share of each coder's completed transcripts is coded again by the same coder, "
            "blind: under a masked label of its own, without the first pass's codes, and no "
            "earlier than the days chosen after the first pass was completed. The coder sees it "
            "as just another transcript. Its codes are kept apart from the first pass and "
            "reported as test-retest agreement (Reliability: socialcoder reliability --retest). "
            "The same seed gives the same plan.",
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
        self.percent = QDoubleSpinBox(self)
        self.percent.setObjectName("retest_percent")
        self.percent.setRange(1, 100)
        self.percent.setDecimals(0)
        self.percent.setSuffix(" %")
        self.percent.setValue(10)
        self.percent.valueChanged.connect(self._stale)
        form.addRow("Share of each coder's transcripts:", self.percent)
        self.days = QSpinBox(self)
        self.days.setObjectName("retest_days")
        self.days.setRange(0, 3650)
        self.days.setSuffix(" days")
        self.days.setValue(14)
        self.days.valueChanged.connect(self._stale)
        form.addRow("No earlier than, after the first pass:", self.days)
        self.seed = QSpinBox(self)
        self.seed.setObjectName("retest_seed")
        self.seed.setRange(0, 1_000_000)
        self.seed.setValue(1)
        self.seed.valueChanged.connect(self._stale)
        form.addRow("Seed:", self.seed)
        self.from_assigned = QCheckBox(
            "Also from assigned transcripts not completed yet (each waits for its first pass)",
            self,
        )
        self.from_assigned.setObjectName("retest_from_assigned")
        self.from_assigned.toggled.connect(self._stale)
        form.addRow("", self.from_assigned)
        layout.addLayout(form)
        self.preview_button = QPushButton("&Preview plan", self)
        self.preview_button.clicked.connect(self.preview)
        layout.addWidget(self.preview_button)
        self.table = make_table(("Coder", "Transcript"), "retest_plan", stretch=1)
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
        self.resize(560, 480)

    def chosen(self) -> list[str]:
        return [b.text() for b in self.boxes if b.isChecked()]

    def _stale(self, *_: object) -> None:
        self.plan = None
        self.apply_button.setEnabled(False)

    def _error(self, exc: UserError) -> None:
        self.plan = None
        self.apply_button.setEnabled(False)
        self.summary.setText(error_html(exc))

    def preview(self) -> None:
        chosen = self.chosen()
        if not chosen:
            self._error(UserError("choose at least one coder"))
            return
        try:
            plan = draw_retest_plan(
                self.study,
                retest_spec(
                    self.percent.value(),
                    self.days.value(),
                    seed=self.seed.value(),
                    coders=chosen,
                    include_assigned=self.from_assigned.isChecked(),
                ),
            )
        except UserError as exc:
            self._error(exc)
            return
        self.plan = plan
        fill(self.table, [[d.coder, d.transcript] for d in plan.draws])
        pools = ", ".join(f"{c}: {sum(d.coder == c for d in plan.draws)} of {n}"
                          for c, n in plan.pools.items())  # fmt: skip
        self.summary.setText(
            f"{len(plan.draws)} second pass(es), each available {plan.spec.after_days} day(s) "
            f"after its first pass was completed, seed {plan.spec.seed} · {pools}"
            if plan.draws
            else "Nothing to draw: the coders have no completed transcripts without a second pass."
        )
        self.apply_button.setEnabled(bool(plan.draws))

    def apply(self) -> None:
        if not self.plan:
            return
        try:
            done = store_retest_plan(self.study, self.plan, actor=self.actor)
            self.stored, self.change = done.stored, done.change
        except UserError as exc:
            self.summary.setText(error_html(exc))
            return
        self.accept()
