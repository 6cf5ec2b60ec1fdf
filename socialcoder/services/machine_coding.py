"""``machine code``: a stored model codes transcripts as a coder of kind ``'machine'``.

The machine coder is named with the model's version (``machine talk v2``,
:func:`socialcoder.domain.coder_kinds.machine_coder_name`) and created the first time the
model codes. Its codes are ordinary rows of ``codes`` (the schema's checks on values and
roles hold), each with the model's probability of the value it chose in ``machine_codes``.
Coding a transcript again replaces that coder's codes of the dimension there; the transcript
is marked completed for the machine coder (every turn the dimension applies to is coded).
The audit log gets one ``machine code`` entry per transcript (how many turns, which model),
not one per turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.errors import Input, Remedy, UserError
from socialcoder.services.audit_log import audit, state_audit
from socialcoder.services.machine_store import StoredModel, load_model
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.machine_model import MachineCodeRow, MachineModelRow
from socialcoder.storage.models import (
    CodeRow,
    CoderRow,
    CompletionRow,
    SegmentRow,
    TranscriptRow,
)

AUDIT_ACTION = "machine code"


@dataclass(frozen=True, slots=True)
class MachineCoding:
    dimension: str
    version: int
    coder: str
    transcripts: tuple[str, ...]
    codes: int
    counts: dict[str, int]
    mean_probability: float | None

    @property
    def change(self) -> StudyChange:
        """The change made: the machine coder's codes of this dimension in these transcripts
        (the coder too: it is added on its first run)."""
        return StudyChange.of(
            ChangeKind.CODES,
            ChangeKind.CODERS,
            transcripts=self.transcripts,
            coders=(self.coder,),
            dimensions=(self.dimension,),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "version": self.version,
            "coder": self.coder,
            "coder_kind": coder_kinds.export_name(coder_kinds.MACHINE),
            "transcripts": list(self.transcripts),
            "codes": self.codes,
            "counts": self.counts,
            "mean_probability": self.mean_probability,
        }


def _transcripts(session: Session, names: Sequence[str] | None) -> dict[str, int]:
    rows = dict(session.execute(select(TranscriptRow.name, TranscriptRow.id)).all())
    if names is None:
        return dict(sorted(rows.items()))
    unknown = [n for n in names if n not in rows]
    if unknown:
        raise UserError(
            f"unknown transcript(s) {', '.join(map(repr, unknown))}",
            remedy=Remedy.run(Input.LIST_TRANSCRIPTS),
        )
    return {n: rows[n] for n in dict.fromkeys(names)}


def _turns(
    session: Session, ids: dict[str, int]
) -> tuple[pd.DataFrame, dict[tuple[str, int], tuple[int, str]]]:
    name_of = {tid: name for name, tid in ids.items()}
    rows = session.execute(
        select(
            SegmentRow.transcript_id,
            SegmentRow.idx,
            SegmentRow.role,
            SegmentRow.text,
            SegmentRow.id,
        )
        .where(SegmentRow.transcript_id.in_(list(ids.values())))
        .order_by(SegmentRow.transcript_id, SegmentRow.idx)
    ).all()
    turns = pd.DataFrame(
        {
            "transcript": [name_of[r[0]] for r in rows],
            "segment": [r[1] for r in rows],
            "role": [r[2] for r in rows],
            "text": [r[3] for r in rows],
        }
    )
    where = {(name_of[r[0]], r[1]): (r[4], r[2]) for r in rows}
    return turns, where


def _machine_coder(session: Session, stored: StoredModel) -> tuple[int, str]:
    row = session.get(MachineModelRow, stored.id)
    assert row is not None
    if row.coder_id is not None:
        coder = session.get(CoderRow, row.coder_id)
        assert coder is not None
        return coder.id, coder.name
    name = coder_kinds.machine_coder_name(stored.dimension, stored.version)
    clash = session.scalars(select(CoderRow.kind).where(CoderRow.name == name)).one_or_none()
    if clash is not None:
        raise UserError(
            f"a coder named {name!r} already exists ({clash}); rename that coder, then code again"
        )
    coder = CoderRow(name=name, kind=coder_kinds.MACHINE, active=True, created_at=now())
    session.add(coder)
    session.flush()
    row.coder_id = coder.id
    return coder.id, name


def machine_code(
    study: Study,
    dimension: str,
    *,
    transcripts: Sequence[str] | None = None,
    version: int | None = None,
) -> MachineCoding:
    """Code ``transcripts`` (all when None) with the newest usable model of ``dimension``
    (or ``version``); see the module doc."""
    stored, model = load_model(study, dimension, version)
    dim = study.dimension(dimension)
    with study.write() as session:
        ids = _transcripts(session, transcripts)
        turns, where = _turns(session, ids)
        if turns.empty:
            raise UserError("no turns to code (the study has no transcripts)")
        predicted = model.predict(turns).frame
        cid, coder = _machine_coder(session, stored)
        tids = list(ids.values())
        session.execute(
            delete(CodeRow).where(
                CodeRow.coder_id == cid,
                CodeRow.dimension_id == dim.id,
                CodeRow.transcript_id.in_(tids),
            )
        )
        stamp = now()
        rows = []
        for t, s, v in zip(
            predicted["transcript"], predicted["segment"], predicted["value"], strict=True
        ):
            seg_id, role = where[(str(t), int(s))]
            rows.append(
                {
                    "coder_id": cid,
                    "transcript_id": ids[str(t)],
                    "segment_id": seg_id,
                    "dimension_id": dim.id,
                    "dim_enumerated": dim.enumerated,
                    "unit_role": role,
                    "value": v,
                    "value_enum": v if dim.enumerated else None,
                    "codebook_version_id": study.codebook_version_id,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        server = state_audit(session, AUDIT_ACTION, f"model {dimension} v{stored.version}")
        code_ids = (
            list(session.scalars(insert(CodeRow).returning(CodeRow.id), rows)) if rows else []
        )
        if code_ids:
            session.execute(
                insert(MachineCodeRow),
                [
                    {"code_id": i, "model_id": stored.id, "probability": float(p)}
                    for i, p in zip(code_ids, predicted["probability"], strict=True)
                ],
            )
        done = set(
            session.scalars(
                select(CompletionRow.transcript_id).where(
                    CompletionRow.coder_id == cid, CompletionRow.transcript_id.in_(tids)
                )
            )
        )
        session.add_all(
            CompletionRow(coder_id=cid, transcript_id=t, completed_at=stamp)
            for t in tids
            if t not in done
        )
        if not server:
            per = predicted.groupby("transcript").size()
            for name, tid in ids.items():
                audit(
                    session,
                    actor=_actor(),
                    action=AUDIT_ACTION,
                    coder_id=cid,
                    transcript_id=tid,
                    dimension_key=dimension,
                    new_value=str(int(per.get(name, 0))),
                    reason=f"model {dimension} v{stored.version}: {int(per.get(name, 0))} turns",
                )
    counts = {v: int((predicted["value"] == v).sum()) for v in model.spec.values}
    mean = float(predicted["probability"].mean()) if len(predicted) else None
    return MachineCoding(
        dimension=dimension,
        version=stored.version,
        coder=coder,
        transcripts=tuple(ids),
        codes=len(predicted),
        counts=counts,
        mean_probability=mean,
    )


def _actor() -> str:
    from socialcoder.services.audit_events import os_user

    return os_user()[:100]
