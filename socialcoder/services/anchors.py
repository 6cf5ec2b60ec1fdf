"""Drift against a fixed standard: each coder's agreement with the anchor standard on every
anchor transcript of a design (``assign --anchors N``), in the coder's order.

The standard is the consensus layer's values on the anchor transcripts (settled by the lead)
or another coder named as the standard (a senior coder). Per coder, anchor transcript and
dimension: the units both coded (the completion rule applies, as in every reliability figure),
the share on which they agree, and Krippendorff's alpha of the two at the dimension's level
(from the study's reliability engine). Read in order, the rows show whether a coder drifts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import select

from socialcoder.domain.serial import record
from socialcoder.reliability import krippendorff_alpha
from socialcoder.services.reliability_data import Selection, level_for, load_dimension_data
from socialcoder.services.study import CONSENSUS, Study
from socialcoder.storage.models import AssignmentRow, CoderRow, CompletionRow, TranscriptRow


@dataclass(frozen=True, slots=True)
class AnchorPoint:
    coder: str
    transcript: str
    position: int | None
    completed_at: datetime | None
    dimension: str
    units: int  # units both the coder and the standard coded
    agreement: float | None  # share of those units with the same value
    alpha: float | None
    reason: str | None = None  # why alpha is undefined

    def to_json(self) -> dict[str, object]:
        return record(self, digits={"agreement": 4, "alpha": 4})


def anchor_report(study: Study, *, standard: str = CONSENSUS) -> list[AnchorPoint]:
    """Every (coder, anchor transcript, dimension) with the coder's agreement with the
    standard, ordered by coder and the coder's order (see the module doc)."""
    with study.read() as session:
        rows = session.execute(
            select(
                CoderRow.name,
                TranscriptRow.name,
                AssignmentRow.position,
                CoderRow.id,
                TranscriptRow.id,
            )
            .join(CoderRow, CoderRow.id == AssignmentRow.coder_id)
            .join(TranscriptRow, TranscriptRow.id == AssignmentRow.transcript_id)
            .where(AssignmentRow.anchor.is_(True), CoderRow.name != standard)
        ).all()
        done = {
            (c, t): at
            for c, t, at in session.execute(
                select(
                    CompletionRow.coder_id, CompletionRow.transcript_id, CompletionRow.completed_at
                )
            ).all()
        }
    out: list[AnchorPoint] = []
    for coder, transcript, position, cid, tid in sorted(
        rows, key=lambda r: (r[0], r[2] if r[2] is not None else 1 << 30, r[1])
    ):
        selection = Selection(
            coders=(coder, standard), transcripts=(transcript,), with_consensus=True
        )
        for dd in load_dimension_data(study, selection):
            rows_of = {c: i for i, c in enumerate(dd.coders)}
            if coder not in rows_of or standard not in rows_of:
                continue
            pair = dd.data[[rows_of[coder], rows_of[standard]], :]
            both = ~np.isnan(pair).any(axis=0)
            units = int(both.sum())
            agreement = float((pair[0, both] == pair[1, both]).mean()) if units else None
            result = krippendorff_alpha(pair, level_for(dd.dimension))
            out.append(
                AnchorPoint(
                    coder=coder,
                    transcript=transcript,
                    position=position,
                    completed_at=done.get((cid, tid)),
                    dimension=dd.dimension.key,
                    units=units,
                    agreement=agreement,
                    alpha=result.alpha,
                    reason=result.reason,
                )
            )
    return out
