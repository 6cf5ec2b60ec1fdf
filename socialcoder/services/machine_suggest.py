"""Opt-in machine suggestions for a coder (issue #17).

When the study's ``machine_suggestions`` setting is on (off by default; refused together with
blinding: :func:`socialcoder.domain.settings.check_together`), a coder sees, on each turn they
have not coded yet, the value a machine coder gave it (``machine code``), faintly, and may
accept it with a key. An accepted suggestion is an ordinary code of the coder's, and its audit
entry says that it was a machine suggestion (which machine coder, with what probability),
because it changes what that coder's reliability means.

Never suggested: in a blind study; to a coder's server login (machine tables are the lead's);
on a transcript of the reliability sample before its adjudication is done
(:func:`socialcoder.services.machine_review.held_back`), which while it is being coded is
always, nor on a transcript another human coder works on (codes, completion or assignment: the
coder would be its second coder); on a turn the coder has already coded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from socialcoder.domain import coder_kinds
from socialcoder.domain.settings import BLINDING, MACHINE_SUGGESTIONS
from socialcoder.errors import StudyError
from socialcoder.services.coding import Change, set_code
from socialcoder.services.machine_review import held_back, machine_coders
from socialcoder.services.settings import read_settings
from socialcoder.services.study import Study
from socialcoder.services.transcript_lookup import transcript_id
from socialcoder.storage.machine_model import MachineCodeRow
from socialcoder.storage.models import (
    AssignmentRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    SegmentRow,
)

#: the audit log's reason for an accepted suggestion starts with this
ACCEPTED = "accepted machine suggestion"


@dataclass(frozen=True, slots=True)
class Suggestion:
    transcript: str
    segment: int
    dimension: str
    value: str
    probability: float
    machine: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "segment": self.segment,
            "dimension": self.dimension,
            "value": self.value,
            "probability": self.probability,
            "machine": self.machine,
        }


def suggestions_enabled(study: Study) -> bool:
    if study.login_coder is not None:
        return False
    with study.read() as session:
        values = read_settings(session)
    return bool(values[MACHINE_SUGGESTIONS.name]) and not bool(values[BLINDING.name])


def suggestions_for(study: Study, coder: str, transcript: str) -> list[Suggestion]:
    """What the machine suggests to ``coder`` on ``transcript`` (module doc): for each
    dimension, the newest machine coder that coded the transcript, on turns not coded yet."""
    if not suggestions_enabled(study):
        return []
    with study.read() as session:
        tid = transcript_id(session, transcript)
        kind = session.scalars(select(CoderRow.kind).where(CoderRow.name == coder)).one_or_none()
        if kind is None or not coder_kinds.is_human(kind):
            return []
        others = _other_humans(session, coder, tid)
        mine = set(
            session.execute(
                select(CodeRow.segment_id, CodeRow.dimension_id)
                .join(CoderRow, CoderRow.id == CodeRow.coder_id)
                .where(CoderRow.name == coder, CodeRow.transcript_id == tid)
            ).all()
        )
    if others:
        return []
    newest = {m.dimension: m for m in machine_coders(study)}  # sorted by version: last wins
    out: list[Suggestion] = []
    for key, m in sorted(newest.items()):
        if tid in held_back(study, key):
            continue
        dim = study.dimension(key)
        with study.read() as session:
            rows = session.execute(
                select(
                    CodeRow.segment_id, SegmentRow.idx, CodeRow.value, MachineCodeRow.probability
                )
                .join(MachineCodeRow, MachineCodeRow.code_id == CodeRow.id)
                .join(SegmentRow, SegmentRow.id == CodeRow.segment_id)
                .where(MachineCodeRow.model_id == m.model_id, CodeRow.transcript_id == tid)
                .order_by(SegmentRow.idx)
            ).all()
        out += [
            Suggestion(
                transcript=transcript,
                segment=int(idx),
                dimension=key,
                value=str(value),
                probability=float(p),
                machine=m.name,
            )
            for sid, idx, value, p in rows
            if (sid, dim.id) not in mine
        ]
    return out


def _other_humans(session: Any, coder: str, tid: int) -> set[str]:
    """Other human coders with codes, a completion or an assignment on transcript ``tid``."""
    found: set[str] = set()
    for table in (CodeRow, CompletionRow, AssignmentRow):
        found |= {
            str(name)
            for name, kind in session.execute(
                select(CoderRow.name, CoderRow.kind)
                .join(table, table.coder_id == CoderRow.id)
                .where(table.transcript_id == tid)
                .distinct()
            ).all()
            if coder_kinds.is_human(kind) and name != coder
        }
    return found


def accept_suggestion(
    study: Study,
    *,
    coder: str,
    transcript: str,
    segment: int,
    dimension: str,
    actor: str | None = None,
) -> Change:
    """Code the turn with the machine's suggested value; the audit entry marks it."""
    found = [
        s
        for s in suggestions_for(study, coder, transcript)
        if s.segment == segment and s.dimension == dimension
    ]
    if not found:
        raise StudyError(
            f"no machine suggestion for {coder!r} on segment {segment} of {transcript!r} "
            f"({dimension}): suggestions are off, the turn is coded already, or the "
            "transcript is held back for reliability"
        )
    s = found[0]
    return set_code(
        study,
        coder=coder,
        transcript=transcript,
        segment=segment,
        dimension=dimension,
        value=s.value,
        actor=actor,
        reason=f"{ACCEPTED} ({s.machine}, probability {s.probability:.2f})",
    )
