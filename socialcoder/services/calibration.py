"""Calibration: a trainee's accuracy against a gold-standard coder, over several practice sessions.

Labs certify coders before they touch study data: the trainee codes practice transcripts that a
senior ("gold standard") coder has coded; once both have completed them, the trainee's coding is
judged as **accuracy against the standard** (Bakeman & Quera 2011), not as agreement between
equals. Per dimension, over all the practice transcripts together:

* per value, **sensitivity** (of the gold coder's units with that value, the share the trainee
  found) and **positive predictive value** (of the trainee's, the share that were right);
* **Cohen's kappa** against the gold coder (ordinal dimensions: linear weights) with its 95%
  interval (Fleiss, Cohen & Everitt 1969); session ratings (interval/ratio): the share of
  sessions rated within one point of the gold coder, with its Wilson interval.

A dimension **passes** when the *lower end* of that interval reaches the threshold; it **fails**
when the estimate itself is below the threshold; in between (estimate above, interval reaching
below) it is **not yet shown**: more practice material is needed to tell. It is **not
assessable** when the practice material cannot show it: a value the gold coder never used (say
which), fewer pairable units than Krippendorff's (2019) requirement for alpha_min = the
threshold given the rarest gold value, or fewer than two practice sessions. The trainee passes
when every dimension passes. Empty cells follow the completion rule (both must
have completed every practice transcript).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from socialcoder.domain import settings as rules
from socialcoder.domain.codebook import Dimension, Scale
from socialcoder.domain.serial import record
from socialcoder.errors import StudyError
from socialcoder.reliability.accuracy import kappa_interval, value_accuracy, wilson_interval
from socialcoder.reliability.kappa import Weights
from socialcoder.reliability.sample_size import required_units
from socialcoder.services.coders import coder_id
from socialcoder.services.reliability_data import DimensionData, Selection, load_dimension_data
from socialcoder.services.settings import study_settings
from socialcoder.services.study import Study
from socialcoder.services.transcript_lookup import transcript_id
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import CompletionRow

DEFAULT_THRESHOLD = 0.80  # the setting calibration_threshold of a new study
MIN_SESSIONS = 2
#: Session ratings (interval/ratio) agree when within this many points of the gold rating.
TOLERANCE = 1.0
PASS, FAIL, NOT_YET, NOT_ASSESSABLE = "pass", "fail", "not yet shown", "not assessable"


@dataclass(frozen=True, slots=True)
class CalibrationSettings:
    """The study's calibration settings (``calibration_*`` in :mod:`socialcoder.domain.settings`):
    kept in the study, so every computer and the command line see the same."""

    threshold: float
    gold: str | None  # the gold-standard coder of the practice transcripts
    practice: tuple[str, ...]  # the practice transcripts (names)
    stored: frozenset[str]  # the settings the study has a row for (the others: legacy values)


def calibration_settings(study: Study) -> CalibrationSettings:
    states = {s.name: s for s in study_settings(study)}
    names = (rules.CALIBRATION_THRESHOLD, rules.CALIBRATION_GOLD, rules.CALIBRATION_PRACTICE)
    threshold, gold, practice = (states[s.name].value for s in names)
    return CalibrationSettings(
        threshold=float(threshold),
        gold=str(gold) or None,
        practice=tuple(rules.names(practice)),
        stored=frozenset(s.name for s in names if states[s.name].stored),
    )


@dataclass(frozen=True, slots=True)
class CalibrationDifference:
    dimension: str
    transcript: str
    segment: int | None
    text: str | None
    trainee: str | None
    gold: str | None


@dataclass(frozen=True, slots=True)
class ValueResult:
    """One value of a categorical dimension: counts on units both coded, sensitivity, PPV."""

    value: str
    label: str
    gold: int
    trainee: int
    both: int
    sensitivity: float | None
    ppv: float | None
    assessable: bool


@dataclass(frozen=True, slots=True)
class DimensionCalibration:
    key: str
    label: str
    units: int
    sessions: int
    figure: str  # what the interval is for: "kappa", "weighted kappa (linear)", "within 1 point"
    estimate: float | None
    ci95: tuple[float, float] | None
    required_units: int | None
    percent_agreement: float | None
    values: tuple[ValueResult, ...]
    result: str  # pass / fail / not yet shown / not assessable
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool | None:
        """True for a pass; None when not assessable; False otherwise."""
        return None if self.result == NOT_ASSESSABLE else self.result == PASS

    def to_json(self) -> dict[str, Any]:
        return record(
            self,
            (
                "key",
                "label",
                "units",
                "sessions",
                "figure",
                "estimate",
                "ci95",
                "required_units",
                "percent_agreement",
                "result",
                "passed",
                "values",
                "notes",
            ),
            values={"ci95": self.ci95 or None},
        )


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    trainee: str
    gold: str
    transcripts: tuple[str, ...]
    threshold: float
    dimensions: list[DimensionCalibration] = field(default_factory=list)
    differences: list[CalibrationDifference] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every dimension passes (a dimension that cannot be assessed is not a pass)."""
        return bool(self.dimensions) and all(d.result == PASS for d in self.dimensions)

    @property
    def verdict(self) -> str:
        if self.passed:
            return "PASSED"
        if any(d.result in (FAIL, NOT_YET) for d in self.dimensions):
            return "NOT YET"
        return "NOT ASSESSABLE"

    def to_json(self) -> dict[str, Any]:
        return record(
            self,
            (
                "trainee",
                "gold",
                "transcripts",
                "threshold",
                "passed",
                "verdict",
                "dimensions",
                "differences",
            ),
        )


def calibrate(
    study: Study,
    *,
    trainee: str,
    gold: str,
    transcripts: Sequence[str],
    threshold: float = DEFAULT_THRESHOLD,
    require_complete: bool = True,
) -> CalibrationResult:
    """Judge ``trainee`` against ``gold`` over the practice ``transcripts``."""
    names = tuple(dict.fromkeys(transcripts))
    if not names:
        raise StudyError("name at least one practice transcript")
    if trainee == gold:
        raise StudyError("the trainee and the gold-standard coder must differ")
    if not 0 < threshold < 1:
        raise StudyError("the pass threshold must be between 0 and 1 (e.g. 0.8)")
    with study.read() as session:
        ids = {name: coder_id(session, name) for name in (trainee, gold)}
        for name in names:
            tid = transcript_id(session, name)
            done = {c for c, cid in ids.items() if session.get(CompletionRow, (cid, tid))}
            if require_complete and done != {trainee, gold}:
                missing = " and ".join(sorted({trainee, gold} - done))
                raise StudyError(
                    f"{missing} must mark {name!r} complete before calibration is shown"
                )
    texts = {
        (name, s.index): s.text for name in names for s in show_transcript(study, name).segments
    }
    data = load_dimension_data(study, Selection(coders=(gold, trainee), transcripts=names))
    dims, diffs = [], []
    for dd in data:
        rows = {name: i for i, name in enumerate(dd.coders)}
        matrix = dd.data[[rows[gold], rows[trainee]], :]
        dims.append(_judge(dd, matrix, threshold))
        both = ~np.isnan(matrix).any(axis=0)
        for c in np.flatnonzero(both & (matrix[0] != matrix[1])):
            unit = dd.units[int(c)]
            diffs.append(
                CalibrationDifference(
                    dimension=dd.dimension.key,
                    transcript=unit.transcript,
                    segment=unit.segment,
                    text=texts.get((unit.transcript, unit.segment)) if unit.segment else None,
                    trainee=dd.value_text(matrix[1, c]),
                    gold=dd.value_text(matrix[0, c]),
                )
            )
    return CalibrationResult(
        trainee=trainee,
        gold=gold,
        transcripts=names,
        threshold=threshold,
        dimensions=dims,
        differences=diffs,
    )


def _judge(dd: DimensionData, matrix: np.ndarray, threshold: float) -> DimensionCalibration:
    """Accuracy figures and the verdict for one dimension (rows: gold, trainee)."""
    d = dd.dimension
    both = ~np.isnan(matrix).any(axis=0)
    units = int(both.sum())
    sessions = len(np.unique(dd.units.transcript_ids[both])) if units else 0
    agreement = float((matrix[0, both] == matrix[1, both]).mean()) if units else None
    notes: list[str] = []
    values: tuple[ValueResult, ...]
    if d.scale.is_numeric:
        within = int((np.abs(matrix[0, both] - matrix[1, both]) <= TOLERANCE).sum())
        ci = wilson_interval(within, units)
        estimate = within / units if units else None
        figure, values, required = f"share within {TOLERANCE:g} point", (), None
        blocking = [] if units else ["no unit was rated by both"]
    else:
        figure, estimate, ci, values, required, blocking = _categorical(d, matrix, threshold)
    if sessions < MIN_SESSIONS:
        blocking.append(
            f"judged on {sessions} practice session(s); calibrate over at least {MIN_SESSIONS} "
            "sessions that between them contain every code"
        )
    if blocking:
        result = NOT_ASSESSABLE
        notes.extend(blocking)
    elif ci is None:
        result = NOT_ASSESSABLE
        notes.append(f"{figure} is undefined")
    else:
        shown = f"{figure} {estimate:.3f}, 95% interval {ci[0]:.3f} to {ci[1]:.3f}"
        if ci[0] >= threshold:
            result = PASS
            notes.append(f"{shown}: its lower end reaches the pass mark {threshold:g}")
        elif estimate is not None and estimate < threshold:
            result = FAIL
            notes.append(f"{shown}: below the pass mark {threshold:g}")
        else:
            result = NOT_YET
            notes.append(
                f"{shown}: the interval reaches below the pass mark {threshold:g}; more "
                "practice material is needed to show it"
            )
    return DimensionCalibration(
        key=d.key,
        label=d.label,
        units=units,
        sessions=sessions,
        figure=figure,
        estimate=estimate,
        ci95=ci,
        required_units=required,
        percent_agreement=agreement,
        values=values,
        result=result,
        notes=tuple(notes),
    )


def _categorical(
    d: Dimension, matrix: np.ndarray, threshold: float
) -> tuple[
    str, float | None, tuple[float, float] | None, tuple[ValueResult, ...], int | None, list[str]
]:
    k = len(d.values)
    accuracy = value_accuracy(matrix[0], matrix[1], k)
    values = tuple(
        ValueResult(
            value=d.values[a.position].value,
            label=d.values[a.position].label,
            gold=a.gold,
            trainee=a.trainee,
            both=a.both,
            sensitivity=a.sensitivity,
            ppv=a.ppv,
            assessable=a.gold > 0,
        )
        for a in accuracy
    )
    blocking: list[str] = []
    missing = [v.label for v in values if not v.assessable]
    if missing:
        blocking.append(
            "not assessable for "
            + ", ".join(f"'{m}'" for m in missing)
            + ": the practice material (as the gold coder coded it) does not contain it"
        )
    weights: Weights | None = "linear" if d.scale is Scale.ORDINAL else None
    figure = "weighted kappa (linear)" if weights else "kappa"
    result = kappa_interval(matrix[0], matrix[1], k, weights=weights)
    units = result.units
    required = None
    gold_counts = [v.gold for v in values if v.gold]
    if len(gold_counts) >= 2:
        required = required_units(min(gold_counts) / sum(gold_counts), threshold)
        if units < required:
            blocking.append(
                f"{units} unit(s) where {required} are needed to show {figure} of "
                f"{threshold:g} with the gold coder's rarest value at "
                f"{min(gold_counts) / sum(gold_counts):.1%} (Krippendorff 2019)"
            )
    if result.kappa is None and result.reason:
        blocking.append(f"{figure} is undefined: {result.reason}")
    ci = (result.low, result.high) if result.low is not None and result.high is not None else None
    return figure, result.kappa, ci, values, required, blocking
