"""The assignment design as a use case: draw a plan (:mod:`socialcoder.domain.design`) for the
transcripts not yet assigned, preview it, and store it with its record.

A stored plan is recorded in ``assignment_plans`` (when, by whom, the seed and the whole
design, as JSON) and each of its assignments names it, with the transcript's place in its
coder's order (``position``) and whether it is an anchor. The same seed on the same study gives
the same plan, so a plan can be re-drawn from its record.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from socialcoder.domain.design import (
    DesignError,
    DesignPlan,
    DesignSpec,
    DesignUnit,
    check_spec,
    plan_design,
)
from socialcoder.errors import StudyError
from socialcoder.services.assignments import StoredAssignment
from socialcoder.services.audit_log import audit
from socialcoder.services.coders import assignable_coder_id, coder_id
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import StudyChange, assignments_change
from socialcoder.storage.models import AssignmentPlanRow, AssignmentRow, CoderRow, TranscriptRow


@dataclass(frozen=True, slots=True)
class StoredPlan:
    plan_id: int
    stored: int  # assignments stored (pairs assigned meanwhile are skipped)
    rows: tuple[StoredAssignment, ...] = ()  # the stored rows, as stored (to undo them)

    @property
    def change(self) -> StudyChange:
        """The change made: the stored rows' transcripts and coders."""
        return assignments_change(self.rows)


def draw_plan(study: Study, spec: DesignSpec) -> DesignPlan:
    """The plan for every transcript without an assignment (nothing is stored)."""
    try:
        check_spec(spec)
    except DesignError as exc:
        raise StudyError(str(exc), remedy=exc.remedy) from None
    with study.read() as session:
        ids = {}
        for name in spec.coders:
            cid = assignable_coder_id(session, name)
            row = session.get(CoderRow, cid)
            if row is not None and not row.active:
                raise StudyError(
                    f"coder {name!r} is deactivated; reactivate them or leave them out"
                )
            ids[name] = cid
        assigned = set(session.scalars(select(AssignmentRow.transcript_id)))
        units = [
            DesignUnit(r.name, r.therapist, r.site, r.phase)
            for r in session.scalars(select(TranscriptRow).order_by(TranscriptRow.name))
            if r.id not in assigned
        ]
        load = dict(
            session.execute(
                select(AssignmentRow.coder_id, func.count()).group_by(AssignmentRow.coder_id)
            ).all()
        )
        last = dict(
            session.execute(
                select(AssignmentRow.coder_id, func.max(AssignmentRow.position)).group_by(
                    AssignmentRow.coder_id
                )
            ).all()
        )
    try:
        return plan_design(
            units,
            spec,
            load={n: int(load.get(i, 0)) for n, i in ids.items()},
            last_position={n: int(last.get(i) or 0) for n, i in ids.items()},
        )
    except DesignError as exc:
        raise StudyError(str(exc), remedy=exc.remedy) from None


def store_plan(study: Study, plan: DesignPlan, *, actor: str = "lead") -> StoredPlan:
    """Store a drawn plan and its record in one transaction."""
    with study.write() as session:
        record = AssignmentPlanRow(
            created_at=now(),
            actor=actor,
            seed=plan.spec.seed,
            design=json.dumps(plan_json(plan), sort_keys=True),
        )
        session.add(record)
        session.flush()
        tids = dict(session.execute(select(TranscriptRow.name, TranscriptRow.id)).all())
        rows: list[StoredAssignment] = []
        for a in plan.assignments:
            cid, tid = coder_id(session, a.coder), tids[a.transcript]
            if session.get(AssignmentRow, (cid, tid)) is not None:
                continue
            row = AssignmentRow(
                coder_id=cid,
                transcript_id=tid,
                purpose=a.purpose,
                assigned_at=now(),
                position=a.position,
                anchor=a.anchor,
                plan_id=record.id,
            )
            session.add(row)
            rows.append(
                StoredAssignment(coder=a.coder, transcript=a.transcript, purpose=a.purpose, assigned_at=row.assigned_at, position=a.position, anchor=a.anchor, plan_id=record.id)
            )  # fmt: skip
            audit(
                session,
                actor=actor,
                action="assign",
                coder_id=cid,
                transcript_id=tid,
                new_value=a.purpose,
            )
        session.flush()
        return StoredPlan(record.id, len(rows), tuple(rows))


def plan_json(plan: DesignPlan) -> dict[str, object]:
    """A plan as JSON (the CLI's ``--json`` and the stored record)."""
    return {
        "design": plan.spec.to_json(),
        "assignments": [
            {
                "coder": a.coder,
                "transcript": a.transcript,
                "purpose": a.purpose,
                "position": a.position,
                "anchor": a.anchor,
            }
            for a in plan.assignments
        ],
        "double_coded": list(plan.double_coded),
        "anchors": list(plan.anchors),
        "strata": [
            {
                "stratum": list(s.stratum),
                "transcripts": s.transcripts,
                "double_coded": s.double_coded,
                "expected": round(s.expected, 3),
            }
            for s in plan.strata
        ],
    }


def design_spec(
    coders: Sequence[str],
    *,
    overlap_percent: float = 0.0,
    stratify: Sequence[str] = (),
    covert: bool = False,
    anchors: int = 0,
    seed: int | None = None,
) -> DesignSpec:
    """A design; without a ``seed`` one is drawn, so that every stored plan has its seed."""
    if seed is None:
        seed = secrets.randbelow(2**31)
    return DesignSpec(
        coders=tuple(coders),
        overlap_percent=overlap_percent,
        stratify=tuple(stratify),
        covert=covert,
        anchors=anchors,
        seed=seed,
    )
