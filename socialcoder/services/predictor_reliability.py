"""Each analysed variable's reliability at the level it is used (issue 19): for every code
rate, code mean and session rating an analysis reads as x, y, predictor, outcome or control,
the reliability of one coder's session score from ``reliability --sessions``
(:mod:`socialcoder.services.session_reliability`: ICC(A,1) on a fully crossed double-coded
share, G(q,k) on an incomplete one, each with its 95% interval), and for a lagged model's
variables also the reliability of within-patient change (Cranford et al. 2006).

A variable of the analysis maps to the reliability measure of the same score: a binary code
rate to ``KEY_rate``, the rate of one value to ``KEY_rate[VALUE]``, a mean to ``KEY_mean``,
a session rating to ``KEY``. A rate per 100 turns and a proportion differ by a constant
factor, which leaves the reliability unchanged. Without double-coded completed sessions a
figure is *not estimable*; a questionnaire measure (``measures import``) is not coded, so it
has no coder reliability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from socialcoder.analysis.inputs import CODE_MEAN, CODE_RATE, MEASURE, RATING, SessionTable
from socialcoder.domain.codebook import Scale
from socialcoder.domain.serial import record
from socialcoder.services.session_reliability import MeasureResult, session_reliability_report
from socialcoder.services.study import Study

NOT_CODED = "a questionnaire measure (measures import), not coded: it has no coder reliability"
NOT_ESTIMABLE = "not estimable: no double-coded completed sessions of this score"
MEAN_NOTE = (
    "the figures are the reliability of one coder's score; the analysis uses the mean over "
    "the coders of a session, which is at least as reliable"
)


@dataclass(frozen=True, slots=True)
class PredictorReliability:
    """One analysed variable and the reliability of its score."""

    variable: str
    role: str
    kind: str
    measure: str | None
    icc_a1: float | None = None
    icc_ci95: list[float] | None = None
    g_qk: float | None = None
    g_ci95: list[float] | None = None
    method: str | None = None
    n_sessions: int = 0
    n_double_coded: int = 0
    r_change: float | None = None
    r_change_ci95: list[float] | None = None
    note: str | None = None

    @property
    def estimate(self) -> float | None:
        """The figure that fits the design (ICC(A,1) when fully crossed, else G(q,k))."""
        return self.icc_a1 if self.method == "ICC(A,1)" else self.g_qk

    @property
    def ci95(self) -> list[float] | None:
        return self.icc_ci95 if self.method == "ICC(A,1)" else self.g_ci95

    def to_json(self) -> dict[str, Any]:
        return record(
            self,
            (
                "variable",
                "role",
                "kind",
                "measure",
                "method",
                "estimate",
                "ci95",
                "icc_a1",
                "icc_ci95",
                "g_qk",
                "g_ci95",
                "n_sessions",
                "n_double_coded",
                "r_change",
                "r_change_ci95",
                "note",
            ),
        )

    def text(self) -> str:
        return cell(self.to_json())


def _ci(ci: Sequence[float] | None) -> str:
    return "" if not ci else f" [{ci[0]:.2f}, {ci[1]:.2f}]"


def cell(item: dict[str, Any]) -> str:
    """One variable's reliability as one line: ``ICC(A,1) 0.82 [0.61, 0.93], 8 of 27
    sessions double-coded`` (with the within-patient change figure where computed), or why
    there is none."""
    if item.get("estimate") is None:
        return str(item.get("note") or NOT_ESTIMABLE)
    out = (
        f"{item['method']} {item['estimate']:.2f}{_ci(item.get('ci95'))}, "
        f"{item['n_double_coded']} of {item['n_sessions']} sessions double-coded"
    )
    if item.get("r_change") is not None:
        out += f"; within-patient change R_C {item['r_change']:.2f}{_ci(item.get('r_change_ci95'))}"
    if item.get("note"):
        out += f" ({item['note']})"
    return out


def _measure_name(study: Study, table: SessionTable, name: str) -> str | None:
    """The ``reliability --sessions`` measure of the same score as variable ``name``."""
    v = table.variable(name)
    if v.dimension is None:
        return None
    if v.kind == RATING:
        return v.dimension
    if v.kind == CODE_MEAN:
        return f"{v.dimension}_mean"
    if v.kind != CODE_RATE:
        return None
    dim = study.codebook.dimension(v.dimension)
    if dim.scale is Scale.BINARY:
        return f"{v.dimension}_rate"  # turns present per 100 applicable turns
    if v.value is not None:
        return f"{v.dimension}_rate[{v.value}]"
    # an ordinal's "above the lowest value": the reliability's KEY_rate counts the turns
    # with a value other than the empty value, the same turns when the lowest value is it
    if dim.values and dim.empty_value == dim.values[0].value:
        return f"{v.dimension}_rate"
    return None


def predictor_reliability(
    study: Study,
    table: SessionTable,
    used: Sequence[tuple[str, str]],
    *,
    codes: str | None = None,
    change: bool = False,
    coders: Sequence[str] | None = None,
) -> tuple[PredictorReliability, ...]:
    """The reliability of every ``(variable, role)`` in ``used`` (a variable once, with its
    roles joined), from the study's ``reliability --sessions`` computation; ``change`` adds
    the reliability of within-patient change (for within-patient predictors); ``coders``
    limits the coders compared (default: every coder, as ``reliability --sessions``)."""
    roles: dict[str, list[str]] = {}
    for name, role in used:
        roles.setdefault(name, [])
        if role not in roles[name]:
            roles[name].append(role)
    wanted = {n: _measure_name(study, table, n) for n in roles}
    dims = sorted({str(table.variable(n).dimension) for n, m in wanted.items() if m})
    by_measure: dict[str, MeasureResult] = {}
    if dims:
        report = session_reliability_report(study, dimensions=dims, coders=coders)
        by_measure = {r.measure.name: r for r in report.results}
    out = []
    for name, measure in wanted.items():
        v = table.variable(name)
        role = ", ".join(roles[name])
        if v.kind == MEASURE:
            out.append(PredictorReliability(name, role, v.kind, None, note=NOT_CODED))
            continue
        result = by_measure.get(measure) if measure else None
        if result is None:
            why = (
                "a session-level category, not a score: see its agreement in "
                "the reliability report (alpha, kappa)"
                if v.kind == RATING
                else "no session-level reliability measure matches this score"
            )
            out.append(PredictorReliability(name, role, v.kind, measure, note=why))
            continue
        s = result.session_json()
        c = result.change_json() if change else {}
        estimable = s["icc_a1"] is not None or s["g_qk"] is not None
        note = None if estimable else (s["reason"] or s["icc_reason"] or NOT_ESTIMABLE)
        if not estimable and s["n_double_coded"] == 0:
            note = NOT_ESTIMABLE
        if codes == "mean" and estimable:
            note = MEAN_NOTE
        out.append(
            PredictorReliability(
                name,
                role,
                v.kind,
                measure,
                icc_a1=s["icc_a1"],
                icc_ci95=s["icc_ci95"],
                g_qk=s["g_qk"],
                g_ci95=s["g_ci95"],
                method=s["method"] if estimable else None,
                n_sessions=s["n_sessions"],
                n_double_coded=s["n_double_coded"],
                r_change=c.get("r_change"),
                r_change_ci95=c.get("r_change_ci95"),
                note=note,
            )
        )
    return tuple(out)


def reliability_json(items: Sequence[PredictorReliability]) -> list[dict[str, Any]]:
    return [r.to_json() for r in items]


RELIABILITY_HEADERS = ("Variable", "Role", "Reliability (one coder's score, 95% CI)")


def reliability_rows(items: Sequence[PredictorReliability]) -> list[list[str]]:
    return [[r.variable, r.role, r.text()] for r in items]


RELIABILITY_NOTE = (
    "Reliability of each variable's session score as analysed, from the study's reliability "
    "of session scores: ICC(A,1) where the double-coded sessions are fully crossed, else "
    "G(q,k) (Putka et al. 2008); questionnaire measures are not coded and have no coder "
    "reliability."
)
