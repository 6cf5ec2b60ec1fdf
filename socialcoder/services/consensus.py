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

from socialcoder.domain.coder_kinds import CoderKind
from socialcoder.domain.serial import record
from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.services.audit_log import state_audit
from socialcoder.services.coders import refuse_machines
from socialcoder.services.coding import Change, set_code
from socialcoder.services.reliability_data import DimensionData, Selection, load_dimension_data
from socialcoder.services.study import CONSENSUS, Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.bulk import bulk_insert
from socialcoder.storage.models import (
    SESSION_UNIT,
    AuditRow,
    CodeRow,
    CoderRow,
    SegmentRow,
    TranscriptRow,
    table_of,
)

DIFFER = "values differ"
BLANK = "coded vs left blank"


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A unit to adjudicate. ``values``: coder -> value (None = no value); ``implied``: the
    coders whose value was filled in by the completion rule (an empty cell of a completed
    transcript); ``kind``: ``values differ``, or ``coded vs left blank`` when one coder entered
    a value and another left the cell empty after completing the transcript."""

    dimension: str
    transcript: str
    segment: int | None
    role: str | None
    text: str | None
    values: dict[str, str | None]
    consensus: str | None = None
    implied: tuple[str, ...] = ()
    kind: str = DIFFER

    def to_json(self) -> dict[str, Any]:
        return record(
            self,
            (
                "dimension",
                "transcript",
                "segment",
                "role",
                "text",
                "values",
                "implied",
                "kind",
                "consensus",
            ),
        )


def _consensus_values(study: Study, dim_ids: list[int]) -> dict[tuple[int, int | None, str], str]:
    """(dimension id, segment id or None, transcript name) -> consensus value."""
    with study.read() as session:
        rows = session.execute(
            select(CodeRow.dimension_id, CodeRow.segment_id, TranscriptRow.name, CodeRow.value)
            .join(CoderRow, CoderRow.id == CodeRow.coder_id)
            .join(TranscriptRow, TranscriptRow.id == CodeRow.transcript_id)
            .where(CoderRow.kind == CoderKind.CONSENSUS, CodeRow.dimension_id.in_(dim_ids))
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


def _differing(dd: DimensionData) -> tuple[np.ndarray, np.ndarray]:
    """Units where at least two coders gave values and not all of them are the same, and units
    where one coder gave a value and another left the cell empty after completing the
    transcript (on dimensions without an empty value, where such a blank stays missing)."""
    data = dd.data
    if data.size == 0:
        empty = np.zeros(data.shape[1], dtype=bool)
        return empty, empty
    present = ~np.isnan(data)
    count = present.sum(axis=0)
    lo = np.where(present, data, np.inf).min(axis=0)
    hi = np.where(present, data, -np.inf).max(axis=0)
    differ = (count >= 2) & (lo != hi)
    completed = dd.completed if dd.completed is not None else np.zeros(data.shape, dtype=bool)
    blank = (count >= 1) & (completed & ~present).any(axis=0) & ~differ
    return differ, blank


def unit_disagreement(
    dd: DimensionData, column: int, *, text: str | None = None, consensus: str | None = None
) -> Disagreement:
    """The :class:`Disagreement` of one unit (column) of ``dd``."""
    unit = dd.units[column]
    cells = dd.data[:, column]
    implied = dd.implied[:, column] if dd.implied is not None else np.zeros(len(cells), bool)
    present = ~np.isnan(cells)
    differ = present.sum() >= 2 and np.nanmin(cells) != np.nanmax(cells)
    return Disagreement(
        dimension=dd.dimension.key,
        transcript=unit.transcript,
        segment=unit.segment,
        role=unit.role,
        text=text,
        values={coder: dd.value_text(cells[r]) for r, coder in enumerate(dd.coders)},
        consensus=consensus,
        implied=tuple(coder for r, coder in enumerate(dd.coders) if implied[r]),
        kind=DIFFER if differ else BLANK,
    )


def list_disagreements(study: Study, selection: Selection | None = None) -> list[Disagreement]:
    """Every unit where the selected coders' values differ (values implied by the completion
    rule count, marked as implied) or where one coder gave a value and another left the cell
    empty after completing the transcript."""
    out: list[Disagreement] = []
    for dd in load_dimension_data(study, selection):
        differ, blank = _differing(dd)
        cols = np.flatnonzero(differ | blank)
        if not len(cols):
            continue
        dim_id = study.dimension(dd.dimension.key).id
        settled = _consensus_values(study, [dim_id])
        texts = _texts(study, [s for c in cols if (s := dd.units[int(c)].segment_id)])
        for c in cols:
            unit = dd.units[int(c)]
            out.append(
                unit_disagreement(
                    dd,
                    int(c),
                    text=texts.get(unit.segment_id) if unit.segment_id else None,
                    consensus=settled.get((dim_id, unit.segment_id, unit.transcript)),
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class ConsensusResult:
    agreed: int  # units newly filled from agreement
    already_settled: int
    to_adjudicate: list[Disagreement] = field(default_factory=list)

    @property
    def change(self) -> StudyChange:
        """What :func:`build_consensus` changed: the consensus layer, if it filled any unit."""
        return StudyChange.of(ChangeKind.CONSENSUS) if self.agreed else StudyChange()


def build_consensus(
    study: Study,
    coders: tuple[str, ...],
    *,
    dimensions: tuple[str, ...] | None = None,
    actor: str = "lead",
) -> ConsensusResult:
    """Fill the consensus layer with the values all ``coders`` agree on; list what is left."""
    if len(coders) < 2:
        raise StudyError(
            "consensus needs at least two coders", remedy=Remedy.give(Input.CODERS, example="A,B")
        )
    refuse_machines(study, coders, "the consensus layer")
    data = load_dimension_data(study, Selection(dimensions=dimensions, coders=coders))
    agreed = settled_before = 0
    left: list[Disagreement] = []
    stamp = now()
    reason = "agreed by " + ", ".join(coders)
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
                        left.append(unit_disagreement(dd, c))
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
                        "unit_role": unit.role or SESSION_UNIT,
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
                        "reason": reason,
                    }
                )
            if rows:
                server = state_audit(session, "consensus", reason)
                bulk_insert(session.connection(), table_of(CodeRow), rows)
                if not server:  # else the database has audited the inserts itself
                    bulk_insert(session.connection(), table_of(AuditRow), audits)
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
        raise StudyError(
            "the decision needs a reason (it goes in the audit log)",
            remedy=Remedy.give(Input.REASON),
        )
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
