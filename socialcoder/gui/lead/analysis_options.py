"""The options of Lead > Analysis, one form per analysis (:mod:`socialcoder.gui.lead.
analysis_view` shows the chosen one): session correlations (rate, x, y, bootstrap, count
model), the lagged within/between model (rate, outcome, predictor, control, detrend, random
slope, therapist level) and the sequential analysis (roles, lag, given and target codes,
bootstrap). Every field is named and described for screen readers."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from socialcoder.gui.accessibility import annotate

#: what a screen reader says after a field's name (its accessible description)
DESCRIPTIONS = {
    "analysis": "Which analysis to run; its options are below",
    "given_role": "The speaker role of the earlier turn",
    "target_role": "The speaker role of the turn that follows after the lag",
    "lag": "How many turns later the target turn comes",
    "seq_seed": "The same seed gives the same bootstrap interval",
    "corr_seed": "The same seed gives the same bootstrap interval",
    "seq_boot": "Bootstrap replicates for the intervals (0: none)",
    "corr_boot": "Bootstrap replicates for the intervals (0: none)",
    "outcome": "The measure or code rate at the next session",
    "predictor": "The code rate at this session that may predict the outcome",
    "control": "Optional: the outcome at this session, or another variable held constant",
    "corr_x": "The first variable of the correlation (one row per session)",
    "corr_y": "The second variable of the correlation",
    "corr_rate": "How a code becomes a number per session",
    "lag_rate": "How a code becomes a number per session",
}


def combo(parent: QWidget, name: str, accessible: str, tip: str = "") -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    annotate(combo, accessible, tip or DESCRIPTIONS.get(name, ""))
    if tip:
        combo.setToolTip(tip)
    return combo


def spin(parent: QWidget, name: str, accessible: str, lo: int, hi: int, value: int) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setObjectName(name)
    annotate(spin, accessible, DESCRIPTIONS.get(name, ""))
    spin.setRange(lo, hi)
    spin.setValue(value)
    return spin


def _form(page: QWidget) -> QFormLayout:
    form = QFormLayout(page)
    form.setContentsMargins(0, 0, 0, 0)
    return form


def _rate(parent: QWidget, name: str) -> QComboBox:
    rate = combo(parent, name, "Rate", "Code rates per 100 applicable turns or as proportions")
    rate.addItem("per 100 applicable turns", "per100")
    rate.addItem("proportion of applicable turns", "proportion")
    return rate


def _boot(parent: QWidget, prefix: str) -> tuple[QSpinBox, QSpinBox]:
    boot = spin(parent, f"{prefix}_bootstrap", "Bootstrap replicates", 0, 20000, 2000)
    boot.setSingleStep(500)
    boot.setToolTip("Replicates resampling participants (0 = no interval)")
    seed = spin(parent, f"{prefix}_seed", "Bootstrap seed", 0, 1_000_000, 1)
    return boot, seed


def _bootstrap_row(form: QFormLayout, boot: QSpinBox, seed: QSpinBox) -> None:
    row = QHBoxLayout()
    row.addWidget(boot)
    row.addWidget(QLabel("Seed:"))
    row.addWidget(seed)
    row.addStretch(1)
    form.addRow("&Bootstrap:", row)
    _buddy(form, boot)


def _buddy(form: QFormLayout, field: QWidget) -> None:
    """Give the label of the row holding ``field`` (a layout row) its buddy."""
    for r in range(form.rowCount()):
        label = form.itemAt(r, QFormLayout.ItemRole.LabelRole)
        item = form.itemAt(r, QFormLayout.ItemRole.FieldRole)
        if label is None or item is None or item.layout() is None:
            continue
        lay = item.layout()
        assert lay is not None
        found = (lay.itemAt(i) for i in range(lay.count()))
        if any(x is not None and x.widget() is field for x in found):
            w = label.widget()
            if isinstance(w, QLabel):
                w.setBuddy(field)


class CorrelationOptions(QWidget):
    """Session correlations: the rate, x and y (empty: every pair), the bootstrap and the
    count model for rare codes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = _form(self)
        self.rate = _rate(self, "corr_rate")
        form.addRow("Ra&te:", self.rate)
        self.x_variable = combo(self, "corr_x", "x variable")
        form.addRow("&x:", self.x_variable)
        self.y_variable = combo(self, "corr_y", "y variable")
        form.addRow("&y:", self.y_variable)
        self.boot, self.seed = _boot(self, "corr")
        _bootstrap_row(form, self.boot, self.seed)
        self.count_model = combo(
            self,
            "count_model",
            "Count model",
            "For rare codes: the count of the code's turns on x with the applicable turns as "
            "exposure (Atkins et al. 2013); adds the rate ratio to the table",
        )
        self.count_model.addItem("none", None)
        self.count_model.addItem("negative binomial", "negbin")
        self.count_model.addItem("Poisson", "poisson")
        form.addRow("Cou&nt model:", self.count_model)


class LaggedOptions(QWidget):
    """The lagged within/between model: the rate, outcome (t+1), predictor and control (t),
    detrending, a random slope and a therapist level."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = _form(self)
        self.rate = _rate(self, "lag_rate")
        form.addRow("Ra&te:", self.rate)
        self.outcome = combo(self, "outcome", "Outcome at session t+1")
        form.addRow("O&utcome (t+1):", self.outcome)
        self.predictor = combo(self, "predictor", "Predictor at session t")
        form.addRow("Pred&ictor (t):", self.predictor)
        self.control = combo(self, "control", "Control at session t")
        form.addRow("Control (t):", self.control)
        row = QHBoxLayout()
        self.detrend = QCheckBox("Detrend the &within part", self)
        self.detrend.setToolTip("Residual of each patient's own linear trend over sessions")
        self.random_slope = QCheckBox("Random slope", self)
        annotate(
            self.random_slope, description="Let the within-patient effect vary between patients"
        )
        self.therapist = QCheckBox("Therapist level", self)
        annotate(self.therapist, description="Add therapists as a third level of the model")
        for c in (self.detrend, self.random_slope, self.therapist):
            row.addWidget(c)
        row.addStretch(1)
        form.addRow("", row)


class SequentialOptions(QWidget):
    """The sequential analysis: the given and target roles, the lag, the given and target
    codes (empty: the whole matrix) and the bootstrap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = _form(self)
        row = QHBoxLayout()
        self.given_role = combo(self, "given_role", "Role of turn t (given)")
        self.target_role = combo(self, "target_role", "Role of turn t plus lag (target)")
        for role, default in ((self.given_role, "therapist"), (self.target_role, "patient")):
            role.addItems(["therapist", "patient"])
            role.setCurrentText(default)
        row.addWidget(self.given_role)
        row.addWidget(QLabel("→"))
        row.addWidget(self.target_role)
        row.addWidget(QLabel("Lag:"))
        self.lag = spin(self, "lag", "Lag in turns", 1, 1000, 1)
        row.addWidget(self.lag)
        row.addStretch(1)
        form.addRow("Roles:", row)
        self.given = QLineEdit(self)
        self.given.setObjectName("given")
        self.given.setAccessibleName("Given codes")
        self.given.setPlaceholderText(
            "empty: every code of the given role (the matrix); or e.g. therapist:incongruent_advice"
        )
        form.addRow("&Given:", self.given)
        self.target = QLineEdit(self)
        self.target.setObjectName("target")
        self.target.setAccessibleName("Target codes")
        self.target.setPlaceholderText(
            "empty: every code of the target role; or e.g. patient:resistance=mild"
        )
        form.addRow("Targe&t:", self.target)
        self.boot, self.seed = _boot(self, "seq")
        _bootstrap_row(form, self.boot, self.seed)
