"""The blind second pass by the same coder as a use case (intra-rater stability; issue #19).

* :func:`draw_retest_plan` draws a retest plan (:mod:`socialcoder.domain.retest`) from each
  coder's completed (or assigned) transcripts that have no second pass yet; nothing is stored.
* :func:`store_retest_plan` stores it in one transaction: the plan's record
  (``assignment_plans``: when, by whom, the seed and the whole plan), each coder's retest
  identity (a coder of kind ``retest``, ``coders.retest_of``; made the first time), and one
  assignment per drawn transcript to that identity, under a new masked label of its own and
  with the days to wait (``assignments.label``, ``assignments.retest_after_days``).
* :func:`list_retests`: the lead's view of every second pass (coder, transcript, label, from
  when it may be coded, how far it is).
* :func:`retest_report`: per dimension, each coder's agreement with themselves: Krippendorff's
  alpha of the first pass against the second on the units of the retest transcripts (the
  completion rule applies as in every reliability figure), with the units and a percentile
  bootstrap interval resampling transcripts; and all coders pooled (each coder's units side by
  side, first pass against second). Reported apart from inter-rater figures, which never read
  a retest identity's codes (:func:`socialcoder.domain.coder_kinds.counts_in_reliability`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain.blinding import new_label
from socialcoder.domain.retest import RetestDraw, RetestError, RetestSpec, check_spec, draw_retest
from socialcoder.domain.serial import record
from socialcoder.errors import StudyError
from socialcoder.reliability import krippendorff_alpha
from socialcoder.reliability.bootstrap import bootstrap_alpha, draw_seed
from socialcoder.services.audit_log import audit
from socialcoder.services.coders import check_new_coders, human_coder_id
from socialcoder.services.reliability_data import Selection, level_for, load_dimension_data
from socialcoder.services.retest_access import RetestSlot, retest_slots, slot_of_label
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.models import (
    AssignmentPlanRow,
    AssignmentRow,
    CoderRow,
    CompletionRow,
    TranscriptRow,
)

POOLED = "(all coders)"


@dataclass(frozen=True, slots=True)
class RetestPlan:
    spec: RetestSpec
    draws: tuple[RetestDraw, ...]
    pools: dict[str, int] = field(default_factory=dict)  # coder -> transcripts drawn from

    def to_json(self) -> dict[str, object]:
        return record(
            self,
            ("spec", "pools", "draws"),
            rename={"spec": "design", "draws": "retest"},
        )


@dataclass(frozen=True, slots=True)
class StoredRetest:
    plan_id: int
    stored: int
    labels: dict[tuple[str, str], str]  # (coder, transcript) -> the second pass's label
    #: the change made: the second passes' transcripts and retest identities (coders)
    change: StudyChange = field(default_factory=StudyChange)


def retest_spec(
    percent: float,
    after_days: int,
    *,
    seed: int | None = None,
    coders: Sequence[str] = (),
    include_assigned: bool = False,
) -> RetestSpec:
    """A retest design; without a ``seed`` one is drawn, so that every stored plan has one."""
    if seed is None:
        seed = secrets.randbelow(2**31)
    return RetestSpec(
        percent=float(percent),
        after_days=int(after_days),
        seed=seed,
        coders=tuple(coders),
        include_assigned=include_assigned,
    )


def _human(session: Session, name: str) -> int:
    cid = human_coder_id(session, name, "have a second pass")
    kind = session.scalars(select(CoderRow.kind).where(CoderRow.id == cid)).one()
    if not coder_kinds.is_human(kind):
        raise StudyError(f"{name!r} is not a human coder: only a coder's own work is retested")
    return cid


def draw_retest_plan(study: Study, spec: RetestSpec) -> RetestPlan:
    """The plan (see the module doc); nothing is stored."""
    try:
        check_spec(spec)
    except RetestError as exc:
        raise StudyError(str(exc), remedy=exc.remedy) from None
    with study.read() as session:
        if spec.coders:
            ids = {name: _human(session, name) for name in spec.coders}
        else:
            ids = {
                n: i
                for i, n, k, active in session.execute(
                    select(CoderRow.id, CoderRow.name, CoderRow.kind, CoderRow.active)
                ).all()
                if coder_kinds.is_human(k) and active
            }
        names = dict(session.execute(select(TranscriptRow.id, TranscriptRow.name)).all())
        done = set(session.execute(select(CompletionRow.coder_id, CompletionRow.transcript_id)))
        assigned = set(session.execute(select(AssignmentRow.coder_id, AssignmentRow.transcript_id)))
        retested = {(s.coder_id, s.transcript_id) for s in retest_slots(session)}
    source = done | assigned if spec.include_assigned else done
    pools: dict[str, list[str]] = {}
    for name, cid in ids.items():
        pools[name] = [names[t] for c, t in source if c == cid and (c, t) not in retested]
    try:
        draws = draw_retest(pools, spec)
    except RetestError as exc:
        raise StudyError(str(exc), remedy=exc.remedy) from None
    return RetestPlan(spec, tuple(draws), {n: len(p) for n, p in sorted(pools.items())})


def retest_identity(session: Session, coder: str) -> int:
    """The id of ``coder``'s retest identity, made the first time (kind ``retest``)."""
    cid = _human(session, coder)
    found = session.scalars(
        select(CoderRow.id).where(CoderRow.retest_of == cid, CoderRow.kind == coder_kinds.RETEST)
    ).first()
    if found is not None:
        return found
    others = [n for n in session.scalars(select(CoderRow.name))]
    try:
        (name,) = check_new_coders(
            [coder_kinds.retest_coder_name(coder)], others, kind=coder_kinds.RETEST
        )
    except Exception as exc:
        raise StudyError(f"cannot make {coder!r}'s retest coder: {exc}") from None
    row = CoderRow(name=name, kind=coder_kinds.RETEST, active=True, created_at=now(), retest_of=cid)
    session.add(row)
    session.flush()
    return row.id


def store_retest_plan(study: Study, plan: RetestPlan, *, actor: str = "lead") -> StoredRetest:
    """Store a drawn plan (see the module doc) in one transaction; a pair retested meanwhile
    is skipped."""
    with study.write() as session:
        record = AssignmentPlanRow(
            created_at=now(),
            actor=actor,
            seed=plan.spec.seed,
            design=json.dumps(plan.to_json(), sort_keys=True),
        )
        session.add(record)
        session.flush()
        tids = dict(session.execute(select(TranscriptRow.name, TranscriptRow.id)).all())
        taken = set(session.scalars(select(TranscriptRow.label)))
        taken |= {x for x in session.scalars(select(AssignmentRow.label)) if x}
        retested = {(s.coder, s.transcript_id) for s in retest_slots(session)}
        labels: dict[tuple[str, str], str] = {}
        identities: set[str] = set()
        for d in plan.draws:
            tid = tids[d.transcript]
            if (d.coder, tid) in retested:
                continue
            rid = retest_identity(session, d.coder)
            label = new_label(taken)
            taken.add(label)
            session.add(
                AssignmentRow(
                    coder_id=rid,
                    transcript_id=tid,
                    purpose="primary",
                    assigned_at=now(),
                    plan_id=record.id,
                    label=label,
                    retest_after_days=plan.spec.after_days,
                )
            )
            audit(
                session,
                actor=actor,
                action="assign",
                coder_id=rid,
                transcript_id=tid,
                new_value="retest",
            )
            labels[(d.coder, d.transcript)] = label
            identity = session.get(CoderRow, rid)
            assert identity is not None
            identities.add(identity.name)
        session.flush()
        change = (
            StudyChange.of(
                ChangeKind.ASSIGNMENTS,
                ChangeKind.CODERS,  # a retest identity may be new
                transcripts=(t for _, t in labels),
                coders=identities,
            )
            if labels
            else StudyChange()
        )
        return StoredRetest(plan_id=record.id, stored=len(labels), labels=labels, change=change)


@dataclass(frozen=True, slots=True)
class RetestEntry:
    """One second pass as the lead sees it."""

    coder: str
    retest_coder: str
    transcript: str
    label: str
    after_days: int
    first_completed_at: datetime | None
    available_from: datetime | None
    available: bool
    begun: bool
    completed: bool

    def to_json(self) -> dict[str, object]:
        return record(self)


def list_retests(study: Study, *, at: datetime | None = None) -> list[RetestEntry]:
    """Every second pass, by coder and label (the lead's view: transcripts by name)."""
    at = at or datetime.now(UTC)
    with study.read() as session:
        slots = retest_slots(session)
        names = dict(session.execute(select(TranscriptRow.id, TranscriptRow.name)).all())
        done = set(session.execute(select(CompletionRow.coder_id, CompletionRow.transcript_id)))
    return [
        RetestEntry(
            coder=s.coder,
            retest_coder=s.retest_coder,
            transcript=names[s.transcript_id],
            label=s.label,
            after_days=s.after_days,
            first_completed_at=s.first_completed_at,
            available_from=s.available_from,
            available=s.available(at),
            begun=s.begun,
            completed=(s.retest_coder_id, s.transcript_id) in done,
        )
        for s in sorted(slots, key=lambda s: (s.coder, s.label))
    ]


@dataclass(frozen=True, slots=True)
class RetestAgreement:
    """One coder's (or all coders' pooled) agreement with themselves on one dimension."""

    dimension: str
    coder: str
    transcripts: int
    units: int  # units coded in both passes
    alpha: float | None
    ci95: tuple[float, float] | None
    level: str
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return record(self, rename={"units": "n_units"}, digits={"alpha": 4, "ci95": 4})


@dataclass(frozen=True, slots=True)
class RetestReport:
    study: str
    agreements: list[RetestAgreement]
    bootstrap: int
    seed: int | None
    computed_at: datetime

    def to_json(self) -> dict[str, Any]:
        return record(
            self,
            ("study", "computed_at", "bootstrap", "seed", "bootstrap_by", "agreements"),
            rename={"agreements": "test_retest"},
            values={"bootstrap_by": "transcript"},
        )


def _pair(study: Study, coder: str, retest: str, transcripts: list[str]) -> dict[str, Any]:
    """Per dimension key: (2 x units first/second pass matrix, transcript of each unit, level)."""
    selection = Selection(coders=(coder, retest), transcripts=tuple(transcripts), with_retest=True)
    out: dict[str, Any] = {}
    for dd in load_dimension_data(study, selection):
        rows = {c: i for i, c in enumerate(dd.coders)}
        data = dd.data[[rows[coder], rows[retest]], :]
        clusters = dd.clusters("transcript")  # ranks of the names, not ids: import order
        out[dd.dimension.key] = (data, clusters, level_for(dd.dimension))
    return out


def retest_report(
    study: Study,
    *,
    dimensions: Sequence[str] | None = None,
    bootstrap: int = 1000,
    seed: int | None = None,
) -> RetestReport:
    """Test-retest agreement (see the module doc): one row per dimension and coder with a
    second pass, then the pooled row of the dimension."""
    if bootstrap and seed is None:
        seed = draw_seed()
    with study.read() as session:
        slots = retest_slots(session)
        names = dict(session.execute(select(TranscriptRow.id, TranscriptRow.name)).all())
    by_coder: dict[tuple[str, str], list[str]] = {}
    for s in slots:
        by_coder.setdefault((s.coder, s.retest_coder), []).append(names[s.transcript_id])
    keys = list(dimensions or study.codebook.keys)
    unknown = [k for k in keys if k not in study.codebook.keys]
    if unknown:
        raise StudyError(f"unknown dimension(s): {', '.join(unknown)}")
    per: dict[str, list[tuple[str, int, Any]]] = {k: [] for k in keys}
    for (coder, retest), transcripts in sorted(by_coder.items()):
        for key, found in _pair(study, coder, retest, sorted(transcripts)).items():
            if key in per:
                per[key].append((coder, len(transcripts), found))
    out: list[RetestAgreement] = []
    for key in keys:
        rows = per[key]
        offset = 0
        pooled_data, pooled_clusters = [], []
        level = level_for(study.codebook.dimension(key))
        for coder, n_transcripts, (data, clusters, level) in rows:
            out.append(
                _agreement(key, coder, n_transcripts, data, clusters, level, bootstrap, seed)
            )
            pooled_data.append(data)
            pooled_clusters.append(clusters + offset)  # a transcript per coder is its own cluster
            offset += int(clusters.max(initial=0)) + 1
        if len(rows) > 1:
            out.append(
                _agreement(
                    key,
                    POOLED,
                    sum(r[1] for r in rows),
                    np.concatenate(pooled_data, axis=1),
                    np.concatenate(pooled_clusters),
                    level,
                    bootstrap,
                    seed,
                )
            )
    return RetestReport(
        study=study.info().name,
        agreements=out,
        bootstrap=bootstrap,
        seed=seed if bootstrap else None,
        computed_at=now(),
    )


def _agreement(
    key: str,
    coder: str,
    transcripts: int,
    data: np.ndarray,
    clusters: np.ndarray,
    level: str,
    bootstrap: int,
    seed: int | None,
) -> RetestAgreement:
    both = ~np.isnan(data).any(axis=0)
    result = krippendorff_alpha(data, level)
    ci = None
    if bootstrap and result.alpha is not None:
        interval = bootstrap_alpha(
            data[:, both],
            level,
            replicates=bootstrap,
            seed=seed,
            clusters=clusters[both],
            by="transcript",
        )
        if interval.low is not None and interval.high is not None:
            ci = (interval.low, interval.high)
    return RetestAgreement(
        dimension=key,
        coder=coder,
        transcripts=transcripts,
        units=int(both.sum()),
        alpha=result.alpha,
        ci95=ci,
        level=level,
        reason=result.reason,
    )


def work_identity(study: Study, coder: str, transcript: str) -> str:
    """Who ``coder`` codes ``transcript`` as: their retest identity when it is the label of one
    of their second passes, else themselves (the coder's window asks this on opening)."""
    with study.read() as session:
        slot = slot_of_label(session, transcript)
    return slot.retest_coder if slot is not None and slot.coder == coder else coder


def retest_slots_of(study: Study, coder: str) -> list[RetestSlot]:
    with study.read() as session:
        return retest_slots(session, coder=coder)
