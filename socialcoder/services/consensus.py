"""Disagreements between coders, and the consensus layer that settles them.

The consensus layer is the coder of kind 'consensus'. ``build_consensus`` copies into it every
value that all named coders agree on (never overwriting a value already settled);
``adjudicate`` settles one unit with a reason. Both write the audit log (who, when, what, why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from socialcoder.errors import StudyError
from socialcoder.services.coding import Change, set_code
from socialcoder.services.reliability_data import DimensionData, Selection, load_dimension_data
from socialcoder.services.study import CONSENSUS, Study, now
from socialcoder.storage.bulk import bulk_insert
from socialcoder.storage.models import AuditRow, CodeRow, CoderRow, SegmentRow, TranscriptRow


@dataclass(frozen=True, slots=True)
class Disagreement:
    dimension: str
    transcript: str
    segment: int | None
    role: str | None
    text: str | None
    values: dict[str, str | None]  # coder -> value (None = no value)
    consensus: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "transcript": self.transcript,
            "segment": self.segment,
            "role": self.role,
            "text": self.text,
            "values": dict(self.values),
            "consensus": self.consensus,
        }


def _consensus_values(study: Study, dim_ids: list[int]) -> dict[tuple[int, int | None, str], str]:
    """(dimension id, segment id or None, transcript name) -> consensus value."""
    with study.read() as session:
        rows = session.execute(
            select(CodeRow.dimension_id, CodeRow.segment_id, TranscriptRow.name, CodeRow.value)
            .join(CoderRow, CoderRow.id == CodeRow.coder_id)
            .join(TranscriptRow, TranscriptRow.id == CodeRow.transcript_id)
            .where(CoderRow.kind == "consensus", CodeRow.dimension_id.in_(dim_ids))
        ).all()
    return {(d, s if s is not None else None, t): v for d, s, t, v in rows}


def _texts(study: Study, segment_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    with study.read() as session:
        for chunk in range(0, len(segment_ids), 900):
            part = segment_ids[chunk : chunk + 900]
            out.update(
                session.execute(
                    select(SegmentRow.id, SegmentRow.text).where(SegmentRow.id.in_(part))
                ).all()
            )
    return out


def _differing(dd: DimensionData) -> np.ndarray:
    """Units where at least two coders gave values and not all of them are the same."""
    data = dd.data
    if data.size == 0:
        return np.zeros(data.shape[1], dtype=bool)
    present = ~np.isnan(data)
    count = present.sum(axis=0)
    lo = np.where(present, data, np.inf).min(axis=0)
    hi = np.where(present, data, -np.inf).max(axis=0)
    return (count >= 2) & (lo != hi)


def list_disagreements(study: Study, selection: Selection | None = None) -> list[Disagreement]:
    """Every unit where the selected coders' values differ (binary absences after completion
    count as values)."""
    out: list[Disagreement] = []
    for dd in load_dimension_data(study, selection):
        cols = np.flatnonzero(_differing(dd))
        if not len(cols):
            continue
        dim_id = study.dimension(dd.dimension.key).id
        settled = _consensus_values(study, [dim_id])
        texts = _texts(study, [dd.units[c].segment_id for c in cols if dd.units[c].segment_id])
        for c in cols:
            unit = dd.units[c]
            out.append(
                Disagreement(
                    dimension=dd.dimension.key,
                    transcript=unit.transcript,
                    segment=unit.segment,
                    role=unit.role,
                    text=texts.get(unit.segment_id) if unit.segment_id else None,
                    values={
                        coder: dd.value_text(dd.data[r, c]) for r, coder in enumerate(dd.coders)
                    },
                    consensus=settled.get((dim_id, unit.segment_id, unit.transcript)),
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class ConsensusResult:
    agreed: int  # units newly filled from agreement
    already_settled: int
    to_adjudicate: list[Disagreement] = field(default_factory=list)


def build_consensus(
    study: Study,
    coders: tuple[str, ...],
    *,
    dimensions: tuple[str, ...] | None = None,
    actor: str = "lead",
) -> ConsensusResult:
    """Fill the consensus layer with the values all ``coders`` agree on; list what is left."""
    if len(coders) < 2:
        raise StudyError("consensus needs at least two coders (--coders A,B)")
    data = load_dimension_data(study, Selection(dimensions=dimensions, coders=coders))
    agreed = settled_before = 0
    left: list[Disagreement] = []
    stamp = now()
    with study.write() as session:
        cid = session.scalars(select(CoderRow.id).where(CoderRow.name == CONSENSUS)).one()
        tids = dict(session.execute(select(TranscriptRow.name, TranscriptRow.id)).all())
        for dd in data:
            dim = study.dimension(dd.dimension.key)
            existing = {
                (s, t)
                for s, t in session.execute(
                    select(CodeRow.segment_id, CodeRow.transcript_id).where(
                        CodeRow.coder_id == cid, CodeRow.dimension_id == dim.id
                    )
                ).all()
            }
            present = ~np.isnan(dd.data)
            # Per unit, the named coders who coded its transcript must all have given the same
            # value (at least two of them): double-coding pairs may differ between transcripts.
            involved = dd.involved if dd.involved is not None else np.ones_like(present)
            complete = (present | ~involved).all(axis=0) & (involved.sum(axis=0) >= 2)
            lo = np.where(present, dd.data, np.inf).min(axis=0)
            hi = np.where(present, dd.data, -np.inf).max(axis=0)
            same = complete & (lo == hi)
            rows, audits = [], []
            for c in range(len(dd.units)):
                unit = dd.units[c]
                tid = tids[unit.transcript]
                key = (unit.segment_id, tid)
                if key in existing:
                    settled_before += 1
                    continue
                if not same[c]:
                    if present[:, c].sum() >= 1:
                        left.append(
                            Disagreement(
                                dd.dimension.key,
                                unit.transcript,
                                unit.segment,
                                unit.role,
                                None,
                                {
                                    coder: dd.value_text(dd.data[r, c])
                                    for r, coder in enumerate(dd.coders)
                                },
                            )
                        )
                    continue
                value = dd.value_text(lo[c])
                assert value is not None
                rows.append(
                    {
                        "coder_id": cid,
                        "transcript_id": tid,
                        "segment_id": unit.segment_id,
                        "dimension_id": dim.id,
                        "dim_enumerated": dim.enumerated,
                        "value": value,
                        "value_enum": value if dim.enumerated else None,
                        "memo": None,
                        "codebook_version_id": study.codebook_version_id,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
                audits.append(
                    {
                        "at": stamp,
                        "actor": actor,
                        "action": "consensus",
                        "coder_id": cid,
                        "transcript_id": tid,
                        "segment_idx": unit.segment,
                        "dimension_key": dd.dimension.key,
                        "old_value": None,
                        "new_value": value,
                        "reason": "agreed by " + ", ".join(coders),
                    }
                )
            if rows:
                bulk_insert(session.connection(), CodeRow.__table__, rows)
                bulk_insert(session.connection(), AuditRow.__table__, audits)
                agreed += len(rows)
    return ConsensusResult(agreed, settled_before, left)


def adjudicate(
    study: Study,
    *,
    transcript: str,
    segment: int | None,
    dimension: str,
    value: str,
    reason: str,
    actor: str = "lead",
) -> Change:
    """Settle one unit in the consensus layer, with the reason in the audit log."""
    if not reason.strip():
        raise StudyError("give a --reason for the decision (it goes in the audit log)")
    return set_code(
        study,
        coder=CONSENSUS,
        transcript=transcript,
        segment=segment,
        dimension=dimension,
        value=value,
        actor=actor,
        reason=reason.strip(),
    )
