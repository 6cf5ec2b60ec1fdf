"""Calibration: a trainee's coding of a transcript compared with a gold-standard coder's.

Labs certify coders before they touch study data: the trainee codes a practice transcript that a
senior ("gold standard") coder has coded; once the trainee completes it, they see their agreement
with the gold standard per dimension and every segment where they differ, with the codebook's
definitions. A dimension passes when its agreement (Krippendorff's alpha, or percent agreement
when alpha is undefined because one value dominates) reaches the lead's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from socialcoder.domain.codebook import Unit
from socialcoder.errors import StudyError
from socialcoder.reliability import krippendorff_alpha, percent_agreement
from socialcoder.services.coders import coder_id
from socialcoder.services.coding import transcript_id
from socialcoder.services.queries import show_transcript
from socialcoder.services.reliability_data import Selection, level_for, load_dimension_data
from socialcoder.services.study import Study
from socialcoder.storage.models import CompletionRow

DEFAULT_THRESHOLD = 0.80


@dataclass(frozen=True, slots=True)
class CalibrationDifference:
    dimension: str
    segment: int | None
    text: str | None
    trainee: str | None
    gold: str | None


@dataclass(frozen=True, slots=True)
class DimensionCalibration:
    key: str
    label: str
    units: int
    alpha: float | None
    percent_agreement: float | None
    passed: bool | None  # None when nothing could be compared
    note: str | None


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    trainee: str
    gold: str
    transcript: str
    threshold: float
    dimensions: list[DimensionCalibration] = field(default_factory=list)
    differences: list[CalibrationDifference] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        judged = [d.passed for d in self.dimensions if d.passed is not None]
        return bool(judged) and all(judged)

    def to_json(self) -> dict[str, Any]:
        return {
            "trainee": self.trainee,
            "gold": self.gold,
            "transcript": self.transcript,
            "threshold": self.threshold,
            "passed": self.passed,
            "dimensions": [_as_dict(d) for d in self.dimensions],
            "differences": [_as_dict(d) for d in self.differences],
        }


def _as_dict(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def calibrate(
    study: Study,
    *,
    trainee: str,
    gold: str,
    transcript: str,
    threshold: float = DEFAULT_THRESHOLD,
    require_complete: bool = True,
) -> CalibrationResult:
    """Compare ``trainee`` with ``gold`` on one transcript."""
    if trainee == gold:
        raise StudyError("the trainee and the gold-standard coder must differ")
    if not 0 < threshold <= 1:
        raise StudyError("the pass threshold must be between 0 and 1 (e.g. 0.8)")
    with study.read() as session:
        tid = transcript_id(session, transcript)
        ids = {name: coder_id(session, name) for name in (trainee, gold)}
        done = {name for name, cid in ids.items() if session.get(CompletionRow, (cid, tid))}
    if require_complete and done != {trainee, gold}:
        missing = " and ".join(sorted({trainee, gold} - done))
        raise StudyError(f"{missing} must mark {transcript!r} complete before calibration is shown")
    texts = {s.index: s.text for s in show_transcript(study, transcript).segments}
    data = load_dimension_data(study, Selection(coders=(gold, trainee), transcripts=(transcript,)))
    dims, diffs = [], []
    for dd in data:
        d = dd.dimension
        rows = {name: i for i, name in enumerate(dd.coders)}
        matrix = dd.data[[rows[gold], rows[trainee]], :]
        both = ~np.isnan(matrix).any(axis=0)
        alpha = krippendorff_alpha(matrix, level_for(d)).alpha if both.any() else None
        agreement = percent_agreement(matrix).value if both.any() else None
        score, note = alpha, None
        if d.unit is Unit.SESSION:
            # One unit: a coefficient says nothing; compare the two ratings directly.
            alpha, score = None, None
            if both.any():
                gap = abs(float(matrix[0, 0]) - float(matrix[1, 0]))
                tolerance = 1.0 if d.scale.is_numeric else 0.0
                score = 1.0 if gap <= tolerance else 0.0
                note = (
                    "session rating: passes within 1 point of the gold standard"
                    if d.scale.is_numeric
                    else "session rating: passes when equal to the gold standard"
                )
        elif alpha is None and agreement is not None:
            score, note = agreement, "alpha undefined (one value only); judged on percent agreement"
        dims.append(
            DimensionCalibration(
                key=d.key,
                label=d.label,
                units=int(both.sum()),
                alpha=alpha,
                percent_agreement=agreement,
                passed=None if score is None else score >= threshold,
                note=note,
            )
        )
        for c in np.flatnonzero(both & (matrix[0] != matrix[1])):
            unit = dd.units[c]
            diffs.append(
                CalibrationDifference(
                    dimension=d.key,
                    segment=unit.segment,
                    text=texts.get(unit.segment) if unit.segment else None,
                    trainee=dd.value_text(matrix[1, c]),
                    gold=dd.value_text(matrix[0, c]),
                )
            )
    return CalibrationResult(trainee, gold, transcript, threshold, dims, diffs)
