"""The lead's view of the machine coders (issue #17): agreement and a quality-control list.

* :func:`machine_agreement`: each machine coder as one more coder of the reliability
  dashboard: Krippendorff's alpha (the same :func:`reliability_report` as every other row)
  against each human coder and against the consensus layer, on its own dimension.
* :func:`review_list`: completed turns where the machine disagrees with a human coder's value
  with high confidence (its probability at least ``threshold``), for the lead to look at.
  The coder's value stands: nothing here changes a code; the lead settles a turn in the
  consensus layer (``adjudicate``) if the coder was wrong, after which it is no longer listed.
* :func:`held_back`: the reliability sample stays clean. A transcript two or more human
  coders code (double-coded, or assigned for reliability) is never flagged here, nor
  suggested to a coder, before its adjudication is done: the consensus layer holds a value
  for every turn its coders coded (``consensus`` copies the agreed values, ``adjudicate``
  settles the rest). Otherwise the model would pull the adjudication, and with it the final
  data, towards itself. Each listed turn shows its consensus value when it has one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import select

from socialcoder.domain import coder_kinds
from socialcoder.domain.codebook import Scale, Unit
from socialcoder.errors import Input, Remedy, UserError
from socialcoder.services.reliability_data import Selection
from socialcoder.services.reliability_report import reliability_report
from socialcoder.services.study import CONSENSUS, Study
from socialcoder.storage.machine_model import MachineCodeRow, MachineModelRow
from socialcoder.storage.models import (
    AssignmentRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    DimensionRow,
    SegmentRow,
    TranscriptRow,
)

DEFAULT_THRESHOLD = 0.9


@dataclass(frozen=True, slots=True)
class MachineCoder:
    name: str
    dimension: str
    version: int
    model_id: int


@dataclass(frozen=True, slots=True)
class MachineAgreement:
    """One dashboard row: ``machine`` against ``against`` (a human coder or the consensus
    layer) on ``dimension``; ``figures`` is the reliability report's item for the pair."""

    machine: str
    dimension: str
    label: str
    against: str
    figures: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        f = self.figures
        return {
            "machine": self.machine,
            "dimension": self.dimension,
            "against": self.against,
            "alpha": f.get("krippendorff_alpha"),
            "alpha_ci95": f.get("alpha_ci95"),
            "percent_agreement": f.get("percent_agreement"),
            "pairable_units": f.get("pairable_units", 0),
            "notes": list(f.get("notes") or []),
        }


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A completed turn where the machine disagrees with ``coder`` with ``probability``."""

    transcript: str
    segment: int
    dimension: str
    coder: str
    value: str
    machine: str
    machine_value: str
    probability: float
    text: str
    consensus: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "segment": self.segment,
            "dimension": self.dimension,
            "coder": self.coder,
            "value": self.value,
            "machine": self.machine,
            "machine_value": self.machine_value,
            "probability": self.probability,
            "consensus": self.consensus,
        }


def machine_coders(study: Study) -> list[MachineCoder]:
    """Every machine coder that has written codes, by dimension and version."""
    with study.read() as session:
        rows = session.execute(
            select(CoderRow.name, DimensionRow.key, MachineModelRow.version, MachineModelRow.id)
            .join(MachineModelRow, MachineModelRow.coder_id == CoderRow.id)
            .join(DimensionRow, DimensionRow.id == MachineModelRow.dimension_id)
            .where(CoderRow.kind == coder_kinds.MACHINE)
            .order_by(DimensionRow.key, MachineModelRow.version)
        ).all()
    return [MachineCoder(*r) for r in rows]


def _humans(study: Study, named: tuple[str, ...] | None) -> tuple[str, ...]:
    with study.read() as session:
        rows = session.execute(select(CoderRow.name, CoderRow.kind)).all()
    humans = sorted(n for n, k in rows if coder_kinds.listed_by_default(k))
    return tuple(n for n in humans if named is None or n in named)


def machine_agreement(
    study: Study,
    selection: Selection | None = None,
    *,
    bootstrap: int = 0,
    seed: int | None = None,
) -> list[MachineAgreement]:
    """Alpha of each machine coder against each (selected) human and the consensus layer."""
    selection = selection or Selection()
    humans = _humans(study, selection.coders)
    out: list[MachineAgreement] = []
    for m in machine_coders(study):
        if selection.dimensions is not None and m.dimension not in selection.dimensions:
            continue
        label = study.codebook.dimension(m.dimension).label
        base = replace(selection, dimensions=(m.dimension,), with_consensus=False)
        if humans:
            report = reliability_report(
                study,
                replace(base, coders=(m.name, *humans)),
                by="pair",
                bootstrap=bootstrap,
                seed=seed,
            )
            for group in report.dimensions[0].get("groups", []):
                if m.name in group["pair"]:
                    (other,) = [c for c in group["pair"] if c != m.name]
                    out.append(
                        MachineAgreement(
                            machine=m.name,
                            dimension=m.dimension,
                            label=label,
                            against=other,
                            figures=group,
                        )
                    )
        report = reliability_report(
            study,
            replace(base, coders=(m.name, CONSENSUS), with_consensus=True),
            bootstrap=bootstrap,
            seed=seed,
        )
        out.append(
            MachineAgreement(
                machine=m.name,
                dimension=m.dimension,
                label=label,
                against=CONSENSUS,
                figures=report.dimensions[0],
            )
        )
    return out


@dataclass(frozen=True, slots=True, eq=False)
class _Codes:
    """The dimension's codes on every transcript, with the completion rule applied."""

    frame: pd.DataFrame  # transcript_id, segment_id, coder, kind, value (None: not coded)
    completed: set[tuple[int, str]]


def _codes(study: Study, key: str) -> _Codes:
    dim = study.dimension(key)
    roles = sorted(r.value for r in dim.dimension.applies_to)
    with study.read() as session:
        codes = pd.DataFrame(
            session.execute(
                select(
                    CodeRow.transcript_id,
                    CodeRow.segment_id,
                    CoderRow.name,
                    CoderRow.kind,
                    CodeRow.value,
                )
                .join(CoderRow, CoderRow.id == CodeRow.coder_id)
                .where(CodeRow.dimension_id == dim.id, CodeRow.segment_id.is_not(None))
            ).all(),
            columns=["transcript_id", "segment_id", "coder", "kind", "value"],
        )
        completed = {
            (int(t), str(n))
            for t, n, k in session.execute(
                select(CompletionRow.transcript_id, CoderRow.name, CoderRow.kind).join(
                    CoderRow, CoderRow.id == CompletionRow.coder_id
                )
            ).all()
            if coder_kinds.is_human(k)
        }
        segments = pd.DataFrame(
            session.execute(
                select(SegmentRow.transcript_id, SegmentRow.id).where(SegmentRow.role.in_(roles))
            ).all(),
            columns=["transcript_id", "segment_id"],
        )
    if dim.dimension.scale is Scale.BINARY and completed:
        # the completion rule: on a completed transcript an uncoded binary turn is absent ("0")
        pairs = pd.DataFrame(sorted(completed), columns=["transcript_id", "coder"])
        grid = segments.merge(pairs, on="transcript_id")
        human = codes[codes["kind"] == coder_kinds.HUMAN]
        grid = grid.merge(human, on=["transcript_id", "segment_id", "coder"], how="left")
        grid["kind"] = coder_kinds.HUMAN
        grid["value"] = grid["value"].fillna("0")
        codes = pd.concat([codes[codes["kind"] != coder_kinds.HUMAN], grid], ignore_index=True)
    return _Codes(codes, completed)


def _sample(study: Study, codes: _Codes) -> set[int]:
    """Transcripts two or more human coders work on (completed or coded), or assigned for
    reliability: the reliability sample."""
    with study.read() as session:
        assigned = session.execute(
            select(AssignmentRow.transcript_id, AssignmentRow.purpose, CoderRow.kind).join(
                CoderRow, CoderRow.id == AssignmentRow.coder_id
            )
        ).all()
    people: dict[int, set[str]] = {}
    for t, n in codes.completed:
        people.setdefault(t, set()).add(n)
    human = codes.frame[codes.frame["kind"] == coder_kinds.HUMAN]
    for t, n in zip(human["transcript_id"], human["coder"], strict=True):
        people.setdefault(int(t), set()).add(str(n))
    sample = {t for t, who in people.items() if len(who) >= 2}
    counts: dict[int, int] = {}
    for t, purpose, kind in assigned:
        if coder_kinds.is_human(kind):
            counts[t] = counts.get(t, 0) + 1
            if purpose == "reliability":
                sample.add(int(t))
    return sample | {t for t, n in counts.items() if n >= 2}


def held_back(study: Study, dimension: str) -> set[int]:
    """Ids of the transcripts of the reliability sample whose adjudication of ``dimension``
    is not done (see the module doc): never flagged, never suggested."""
    codes = _codes(study, dimension)
    return _held_back(study, codes)


def _held_back(study: Study, codes: _Codes) -> set[int]:
    sample = _sample(study, codes)
    if not sample:
        return set()
    frame = codes.frame[codes.frame["transcript_id"].isin(sample)]
    human = frame[(frame["kind"] == coder_kinds.HUMAN) & frame["value"].notna()]
    settled = frame[frame["kind"] == coder_kinds.CONSENSUS]
    units = set(zip(human["transcript_id"], human["segment_id"], strict=True))
    units -= set(zip(settled["transcript_id"], settled["segment_id"], strict=True))
    return {int(t) for t, _ in units} | {t for t in sample if t not in set(human["transcript_id"])}


def review_list(
    study: Study, dimension: str | None = None, *, threshold: float = DEFAULT_THRESHOLD
) -> list[ReviewItem]:
    """Completed turns where a machine coder disagrees with a human coder with probability
    at least ``threshold`` (module doc); sorted by probability, highest first."""
    if not 0.0 < threshold <= 1.0:
        raise UserError(
            f"the threshold must be above 0 and at most 1 (got {threshold})",
            remedy=Remedy.change(Input.THRESHOLD),
        )
    items: list[ReviewItem] = []
    for m in machine_coders(study):
        if dimension is not None and m.dimension != dimension:
            continue
        if study.codebook.dimension(m.dimension).unit is not Unit.SEGMENT:
            continue
        items += _review(study, m, threshold)
    items.sort(key=lambda i: (-i.probability, i.transcript, i.segment, i.coder))
    return items


def _review(study: Study, m: MachineCoder, threshold: float) -> list[ReviewItem]:
    codes = _codes(study, m.dimension)
    skip = _held_back(study, codes)
    frame = codes.frame
    with study.read() as session:
        probability = dict(
            session.execute(
                select(CodeRow.segment_id, MachineCodeRow.probability)
                .join(MachineCodeRow, MachineCodeRow.code_id == CodeRow.id)
                .where(MachineCodeRow.model_id == m.model_id)
            ).all()
        )
        names = dict(session.execute(select(TranscriptRow.id, TranscriptRow.name)).all())
    machine = frame[frame["coder"] == m.name][["segment_id", "value"]]
    machine = machine.rename(columns={"value": "machine_value"})
    consensus = frame[frame["kind"] == coder_kinds.CONSENSUS].set_index("segment_id")["value"]
    human = frame[(frame["kind"] == coder_kinds.HUMAN) & frame["value"].notna()]
    done = [
        (int(t), str(c)) in codes.completed
        for t, c in zip(human["transcript_id"], human["coder"], strict=True)
    ]
    human = human[done]
    pairs = human.merge(machine, on="segment_id")
    pairs["probability"] = pairs["segment_id"].map(probability)
    flagged = pairs[
        (pairs["value"] != pairs["machine_value"])
        & (pairs["probability"] >= threshold)
        & ~pairs["transcript_id"].isin(skip)
    ]
    if flagged.empty:
        return []
    with study.read() as session:
        segs = {
            sid: (idx, text)
            for sid, idx, text in session.execute(
                select(SegmentRow.id, SegmentRow.idx, SegmentRow.text).where(
                    SegmentRow.id.in_([int(s) for s in flagged["segment_id"]])
                )
            ).all()
        }
    return [
        ReviewItem(
            transcript=names[int(r.transcript_id)],
            segment=segs[int(r.segment_id)][0],
            dimension=m.dimension,
            coder=str(r.coder),
            value=str(r.value),
            machine=m.name,
            machine_value=str(r.machine_value),
            probability=float(r.probability),
            text=segs[int(r.segment_id)][1],
            consensus=None
            if int(r.segment_id) not in consensus.index
            else str(consensus[int(r.segment_id)]),
        )
        for r in flagged.itertuples(index=False)
    ]


def review_json(agreement: list[MachineAgreement], items: list[ReviewItem]) -> dict[str, Any]:
    return {
        "agreement": [a.to_dict() for a in agreement],
        "review": [i.to_dict() for i in items],
    }


__all__ = [
    "DEFAULT_THRESHOLD",
    "MachineAgreement",
    "MachineCoder",
    "ReviewItem",
    "held_back",
    "machine_agreement",
    "machine_coders",
    "review_json",
    "review_list",
]
