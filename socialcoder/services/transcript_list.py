"""The transcript list of a study: every transcript with each coder's progress (who is listed:
:func:`socialcoder.domain.rules.on_transcript`), masked for a coder of a blinded study, with a
coder's second passes (test-retest) under their own labels, in the coder's order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, FromClause, Row, Select, func, select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain.blinding import blinded
from socialcoder.domain.codebook import Unit
from socialcoder.domain.rules import on_transcript, worked
from socialcoder.domain.serial import record
from socialcoder.domain.settings import BLINDING
from socialcoder.services.retest_access import retest_slots, slot_of_label
from socialcoder.services.study import CONSENSUS, Study
from socialcoder.services.transcript_lookup import transcript_id, transcripts_source
from socialcoder.storage import server_api
from socialcoder.storage.models import (
    SESSION_UNIT,
    AssignmentRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    DimensionRoleRow,
    DimensionRow,
    SegmentMemoRow,
    SegmentRow,
)
from socialcoder.storage.rows import tuples


@dataclass(frozen=True, slots=True)
class CoderProgress:
    coded: int  # codable segments with at least one code by this coder
    codable: int  # segments to which at least one segment-level dimension applies
    completed: bool
    completed_at: datetime | None = None
    assigned: str | None = None  # assignment purpose, if assigned
    position: int | None = None  # place in the coder's order (a recorded plan's draw)

    @property
    def fraction(self) -> float:
        return self.coded / self.codable if self.codable else 1.0


@dataclass(frozen=True, slots=True)
class TranscriptSummary:
    id: int
    name: str
    participant: str | None
    therapist: str | None
    session: int | None
    date: date | None
    segments: int
    source_name: str
    format: str
    progress: dict[str, CoderProgress] = field(default_factory=dict)
    label: str = ""  # the masked label (blinded coding)
    masked: bool = False  # True: what a blinded coder sees (name is the label, no metadata)
    #: coders' retest identities in ``progress`` (second passes: never counted as coders)
    retest_coders: tuple[str, ...] = ()
    #: in a coder's own view, a second pass: the retest identity it is coded under
    #: (:mod:`socialcoder.services.retest`); None for the coder's ordinary transcripts
    work_as: str | None = None

    def masked_view(self) -> TranscriptSummary:
        """What a coder of a blinded study sees: the masked label as the name, and nothing
        that identifies the session (participant, therapist, number, date, source file)."""
        return replace(
            self,
            name=self.label,
            participant=None,
            therapist=None,
            session=None,
            date=None,
            source_name="",
            masked=True,
        )

    @property
    def coders(self) -> list[str]:
        """Coders (not the consensus layer, nor a retest identity) assigned to it or who
        worked on it (codes, memos or a completion:
        :func:`socialcoder.domain.rules.on_transcript`)."""
        return [c for c in self.progress if c != CONSENSUS and c not in self.retest_coders]

    @property
    def double_coded(self) -> bool:
        """Two or more coders on it (by assignment or in fact): usable for reliability."""
        return len(self.coders) >= 2

    def to_json(self) -> dict[str, object]:
        progress = {
            coder: record(p, ("fraction", "coded", "codable", "completed"), digits={"fraction": 4})
            for coder, p in self.progress.items()
        }
        return record(
            self,
            (
                "name",
                "label",
                "masked",
                "id",
                "participant",
                "therapist",
                "session",
                "date",
                "segments",
                "source_name",
                "format",
                "progress",
            ),
            rename={"source_name": "source"},
            values={
                "id": None if self.masked else self.id,
                "progress": progress,
            },  # ids: import order
        )


def _codable_roles(study: Study) -> list[str]:
    """The speaker roles some segment-level dimension of the current codebook applies to, from
    the codebook's mirror in the database (reading them costs the same whatever the codebook's
    size; parsing a 10,000-dimension codebook takes seconds)."""
    with study.read() as session:
        return sorted(
            session.scalars(
                select(DimensionRoleRow.role)
                .distinct()
                .where(DimensionRoleRow.role != SESSION_UNIT)
            )
        )


def _sources(connection: Connection) -> tuple[FromClause, FromClause, FromClause]:
    """(codes, completions, assignments) as this login may read them: the tables, or for a
    coder's login (server mode) the study's functions that return its own rows only."""
    if server_api.is_coder(connection):
        return server_api.my_codes(), server_api.my_completions(), server_api.my_assignments()
    return CodeRow.__table__, CompletionRow.__table__, AssignmentRow.__table__


def _memo_pairs(session: Session) -> list[tuple[int, int]]:
    """(transcript id, coder id) of every segment memo this login may read."""
    connection = session.connection()
    if server_api.is_coder(connection):
        memos = server_api.my_memos()
        query: Select[int, int] = select(memos.c.transcript_id, memos.c.coder_id)
    else:
        query = select(SegmentRow.transcript_id, SegmentMemoRow.coder_id).join(
            SegmentRow, SegmentRow.id == SegmentMemoRow.segment_id
        )
    return [(int(t), int(c)) for t, c in session.execute(query.distinct()).all()]


def is_blinded(study: Study, session: Session, *, as_coder: bool = False) -> bool:
    """Whether this view is a coder's in a blinded study: ``as_coder`` (a coder's window or
    command), or a coder's login on a server, with the setting ``blinding`` on."""
    from socialcoder.services.settings import read_settings

    viewer_is_coder = as_coder or study.login_coder is not None
    return blinded(bool(read_settings(session)[BLINDING.name]), viewer_is_coder=viewer_is_coder)


def list_transcripts(
    study: Study, *, coders: list[str] | None = None, as_coder: bool = False
) -> list[TranscriptSummary]:
    """Every transcript with each coder's progress (all coders who worked on it or were
    assigned it, :func:`socialcoder.domain.rules.on_transcript`; the consensus layer included
    when it has codes). A coder's login (server
    mode) sees its own progress only. A coder's view (``as_coder``, or a coder's login) of a
    blinded study has masked transcripts (see :meth:`TranscriptSummary.masked_view`), ordered
    by label."""
    roles = _codable_roles(study)
    with study.read() as session:
        blind = is_blinded(study, session, as_coder=as_coder)
        connection = session.connection()
        codes, completions_, assignments = _sources(connection)
        codable = dict(
            session.execute(
                select(SegmentRow.transcript_id, func.count())
                .where(SegmentRow.role.in_(roles))
                .group_by(SegmentRow.transcript_id)
            ).all()
        )
        retests: set[int] = set()
        if server_api.is_coder(connection):
            names = dict([server_api.me(connection)])
        else:
            names = dict(session.execute(select(CoderRow.id, CoderRow.name)).all())
            machines = set(
                session.scalars(select(CoderRow.id).where(CoderRow.kind == coder_kinds.MACHINE))
            )
            names = {i: n for i, n in names.items() if i not in machines}  # never a coder here
            retests = set(
                session.scalars(select(CoderRow.id).where(CoderRow.kind == coder_kinds.RETEST))
            )
        coded_q = (
            select(
                codes.c.transcript_id,
                codes.c.coder_id,
                func.count(func.distinct(codes.c.segment_id)),
            )
            .join(DimensionRow, DimensionRow.id == codes.c.dimension_id)
            .where(codes.c.segment_id.is_not(None), DimensionRow.unit == Unit.SEGMENT.value)
            .group_by(codes.c.transcript_id, codes.c.coder_id)
        )
        coded = {(t, c): n for t, c, n in tuples(session.execute(coded_q))}
        sessions_coded = tuples(
            session.execute(
                select(codes.c.transcript_id, codes.c.coder_id)
                .where(codes.c.segment_id.is_(None))
                .distinct()
            )
        )
        completions = {
            (t, c): at
            for c, t, at in tuples(
                session.execute(
                    select(
                        completions_.c.coder_id,
                        completions_.c.transcript_id,
                        completions_.c.completed_at,
                    )
                )
            )
        }
        assigned = {
            (t, c): p
            for c, t, p in tuples(
                session.execute(
                    select(
                        assignments.c.coder_id, assignments.c.transcript_id, assignments.c.purpose
                    )
                )
            )
        }
        positions: dict[tuple[int, int], int] = {}
        if "position" in assignments.c:  # a coder's login reads no positions
            positions = {
                (t, c): n
                for c, t, n in tuples(
                    session.execute(
                        select(
                            assignments.c.coder_id,
                            assignments.c.transcript_id,
                            assignments.c.position,
                        ).where(assignments.c.position.is_not(None))
                    )
                )
            }
        source = transcripts_source(connection)
        rows = session.execute(select(source).order_by(source.c.name)).all()
        listed = on_transcript(
            worked(
                codes=[*coded, *((t, c) for t, c in sessions_coded)],
                memos=_memo_pairs(session),
                completions=completions,
            ),
            assigned,
        )
        involved: dict[int, set[int]] = {}
        for t, c in listed:
            involved.setdefault(t, set()).add(c)
        out = []
        for r in rows:
            progress = {}
            for c in sorted(involved.get(r.id, set()) & set(names), key=lambda c: names[c]):
                if coders is not None and names[c] not in coders:
                    continue
                purpose = assigned.get((r.id, c))
                progress[names[c]] = CoderProgress(
                    coded=coded.get((r.id, c), 0),
                    codable=codable.get(r.id, 0),
                    completed=(r.id, c) in completions,
                    completed_at=completions.get((r.id, c)),
                    assigned=RETEST if purpose and c in retests else purpose,
                    position=positions.get((r.id, c)),
                )
            summary = summary_of_row(r, progress)
            mine = tuple(names[c] for c in retests if names[c] in progress)
            out.append(replace(summary, retest_coders=mine) if mine else summary)
        second: list[TranscriptSummary] = []
        if as_coder and coders is not None and len(coders) == 1:
            by_id = {r.id: r for r in rows}
            for slot in retest_slots(session, coder=coders[0]):
                if not slot.available():
                    continue
                key = (slot.transcript_id, slot.retest_coder_id)
                item = summary_of_row(
                    by_id[slot.transcript_id],
                    {
                        coders[0]: CoderProgress(
                            coded=coded.get(key, 0),
                            codable=codable.get(slot.transcript_id, 0),
                            completed=key in completions,
                            completed_at=completions.get(key),
                        )
                    },
                )
                second.append(second_pass(item, slot.label, slot.retest_coder))
    if blind:
        out = sorted((t.masked_view() for t in out), key=lambda t: t.name)
    if second:
        out = sorted([*out, *second], key=lambda t: t.name)
    if as_coder and coders is not None and len(coders) == 1:
        out = in_coder_order(out, coders[0])
    return out


RETEST = "retest"  # what a retest identity's assignment is called in the lead's views


def second_pass(summary: TranscriptSummary, label: str, work_as: str) -> TranscriptSummary:
    """A second pass as its coder sees it: always masked, under its own label (never the
    transcript's), coded as the retest identity ``work_as``."""
    return replace(summary.masked_view(), name=label, label=label, work_as=work_as)


def in_coder_order(summaries: list[TranscriptSummary], coder: str) -> list[TranscriptSummary]:
    """The coder's order: the transcripts a plan placed for them by position, then the rest
    in the order given (stable)."""

    def place(t: TranscriptSummary) -> tuple[int, int]:
        p = t.progress.get(coder)
        return (0, p.position) if p is not None and p.position is not None else (1, 0)

    return sorted(summaries, key=place)


def assigned_first(summaries: Sequence[TranscriptSummary], coder: str) -> list[TranscriptSummary]:
    """Transcripts assigned to ``coder`` first, in the coder's recorded order (a plan's
    positions), then by name; then the rest (the coder's workbench list)."""
    mine = [t for t in summaries if (p := t.progress.get(coder)) and p.assigned]
    rest = [t for t in summaries if t not in mine]
    return in_coder_order(mine, coder) + rest


def summary_of_row(
    r: Row[Any], progress: dict[str, CoderProgress] | None = None
) -> TranscriptSummary:
    """A summary from a row of ``transcripts`` (or of the coders' masked source)."""
    return TranscriptSummary(
        id=r.id,
        name=r.name,
        participant=r.participant,
        therapist=r.therapist,
        session=r.session_number,
        date=r.session_date,
        segments=r.segment_count,
        source_name=r.source_name,
        format=r.format,
        progress=progress or {},
        label=r.label,
    )


def transcript_summary(study: Study, name: str) -> TranscriptSummary:
    for summary in list_transcripts(study):
        if name in (summary.name, summary.label):
            return summary
    with study.read() as session:
        tid = transcript_id(session, name)  # raises the usual message
        slot = slot_of_label(session, name)
    for summary in list_transcripts(study):
        if summary.id == tid and slot is not None:  # a second pass's own label
            return second_pass(summary, slot.label, slot.retest_coder)
    raise AssertionError("unreachable")
