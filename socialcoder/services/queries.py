"""Read-only views of a study: the transcript list with progress, one transcript with codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, FromClause, Row, Select, and_, func, select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain.blinding import blinded
from socialcoder.domain.codebook import Unit
from socialcoder.domain.rules import codable_roles, on_transcript, worked
from socialcoder.domain.serial import record
from socialcoder.domain.settings import BLINDING
from socialcoder.services.coders import coder_id
from socialcoder.services.coding import transcript_id, transcripts_source
from socialcoder.services.retest_access import check_pass, retest_slots, slot_of_label
from socialcoder.services.study import CONSENSUS, Study
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


@dataclass(slots=True)  # not frozen: building thousands of frozen objects costs 3x
class SegmentView:
    id: int
    index: int
    role: str
    label: str
    start: float | None
    end: float | None
    text: str
    codes: dict[str, str] = field(default_factory=dict)
    memo: str | None = None
    start_estimated: bool = False  # an estimate between measured times (domain/timing.py)
    end_estimated: bool = False

    def to_json(self, with_codes: bool) -> dict[str, object]:
        shown = (
            "index",
            "role",
            "label",
            "start",
            "end",
            "start_estimated",
            "end_estimated",
            "text",
        )
        return record(self, shown + (("codes", "memo") if with_codes else ()))


@dataclass(frozen=True, slots=True)
class TranscriptView:
    transcript: TranscriptSummary
    segments: list[SegmentView]
    coder: str | None = None
    session_codes: dict[str, str] = field(default_factory=dict)
    completed: bool = False
    #: segments in the transcript (``segments`` may be one page of them: see show_transcript)
    total: int = -1
    #: (coded, codable) of this coder on the whole transcript, counted like list_transcripts;
    #: given for a page (``limit``), None otherwise (count from ``segments``)
    progress: tuple[int, int] | None = None

    def to_json(self) -> dict[str, object]:
        mine = self.coder is not None
        return record(
            self,
            ("transcript", "segments") + (("coder", "session_codes", "completed") if mine else ()),
            values={"segments": [s.to_json(mine) for s in self.segments]},
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
            summary = _summary(r, progress)
            mine = tuple(names[c] for c in retests if names[c] in progress)
            out.append(replace(summary, retest_coders=mine) if mine else summary)
        second: list[TranscriptSummary] = []
        if as_coder and coders is not None and len(coders) == 1:
            by_id = {r.id: r for r in rows}
            for slot in retest_slots(session, coder=coders[0]):
                if not slot.available():
                    continue
                key = (slot.transcript_id, slot.retest_coder_id)
                item = _summary(
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
                second.append(_second_pass(item, slot.label, slot.retest_coder))
    if blind:
        out = sorted((t.masked_view() for t in out), key=lambda t: t.name)
    if second:
        out = sorted([*out, *second], key=lambda t: t.name)
    if as_coder and coders is not None and len(coders) == 1:
        out = in_coder_order(out, coders[0])
    return out


RETEST = "retest"  # what a retest identity's assignment is called in the lead's views


def _second_pass(summary: TranscriptSummary, label: str, work_as: str) -> TranscriptSummary:
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


def _summary(r: Row[Any], progress: dict[str, CoderProgress] | None = None) -> TranscriptSummary:
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
            return _second_pass(summary, slot.label, slot.retest_coder)
    raise AssertionError("unreachable")


def _codes_of(connection: Connection, tid: int, cid: int) -> Select[int | None, int, str]:
    """(segment id, dimension id, value) of one coder's codes on one transcript."""
    if server_api.is_coder(connection):
        mine = server_api.my_codes(tid)
        return select(mine.c.segment_id, mine.c.dimension_id, mine.c.value)
    return select(CodeRow.segment_id, CodeRow.dimension_id, CodeRow.value).where(
        and_(CodeRow.transcript_id == tid, CodeRow.coder_id == cid)
    )


def _memos_of(connection: Connection, tid: int, cid: int) -> Select[int, str]:
    if server_api.is_coder(connection):
        mine = server_api.my_memos(tid)
        return select(mine.c.segment_id, mine.c.text)
    return (
        select(SegmentMemoRow.segment_id, SegmentMemoRow.text)
        .join(SegmentRow, SegmentRow.id == SegmentMemoRow.segment_id)
        .where(SegmentRow.transcript_id == tid, SegmentMemoRow.coder_id == cid)
    )


def _completed(session: Session, tid: int, cid: int) -> bool:
    if server_api.is_coder(session.connection()):
        mine = server_api.my_completions()
        found = session.execute(select(mine.c.transcript_id).where(mine.c.transcript_id == tid))
        return found.first() is not None
    return session.get(CompletionRow, (cid, tid)) is not None


def show_transcript(
    study: Study,
    name: str,
    *,
    coder: str | None = None,
    as_coder: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> TranscriptView:
    """One transcript's segments, with one coder's codes and memos when ``coder`` is given.
    Only that coder's codes are read: this is what keeps coding blind. ``name`` may be the
    masked label. A coder's view (``as_coder`` or a coder's login) of a blinded study shows
    the masked transcript (:meth:`TranscriptSummary.masked_view`).

    ``offset``/``limit`` read one page: the segments at positions ``offset`` to
    ``offset + limit - 1`` in transcript order, with only their codes and memos (the session
    codes and completion as always); the view then also carries the transcript's segment
    count (``total``) and the coder's progress on the whole transcript, so that a window can
    show the first screen of a transcript of hundreds of thousands of turns at once and read
    the rest as it scrolls."""
    with study.read() as session:
        blind = is_blinded(study, session, as_coder=as_coder)
        tid = transcript_id(session, name)
        conn = session.connection()
        source = transcripts_source(conn)
        row = conn.execute(
            select(source).where(source.c.id == tid)
        ).one()  # Core rows: no ORM loading for thousands of segments
        seg_rows = conn.execute(
            select(
                SegmentRow.id,
                SegmentRow.idx,
                SegmentRow.role,
                SegmentRow.label,
                SegmentRow.start_s,
                SegmentRow.end_s,
                SegmentRow.text,
                SegmentRow.start_estimated,
                SegmentRow.end_estimated,
            )
            .where(SegmentRow.transcript_id == tid)
            .order_by(SegmentRow.idx)
            .offset(offset if offset > 0 else None)
            .limit(limit)
        ).all()
        paged = limit is not None or offset > 0
        # the page's segments as a subquery (a list of ids would be one bind parameter each:
        # too many for PostgreSQL when a window reads the rest of a long transcript at once)
        first_idx, last_idx = (seg_rows[0][1], seg_rows[-1][1]) if seg_rows else (0, -1)
        page_ids = select(SegmentRow.id).where(
            SegmentRow.transcript_id == tid, SegmentRow.idx.between(first_idx, last_idx)
        )
        codes: dict[int, dict[str, str]] = {}
        memos: dict[int, str] = {}
        session_codes: dict[str, str] = {}
        completed = False
        progress: tuple[int, int] | None = None
        total = len(seg_rows)
        if paged:
            total = conn.execute(
                select(func.count()).select_from(SegmentRow).where(SegmentRow.transcript_id == tid)
            ).scalar_one()
        slot = slot_of_label(session, name)
        if coder is not None:
            cid = coder_id(session, coder)
            check_pass(session, cid, tid, name)
            keys = dict(session.execute(select(DimensionRow.id, DimensionRow.key)).all())
            code_query = _codes_of(conn, tid, cid)
            memo_query = _memos_of(conn, tid, cid)
            if paged:  # only this page's codes and memos, and the session codes
                seg_col = code_query.selected_columns[0]
                code_query = code_query.where(seg_col.in_(page_ids) | seg_col.is_(None))
                memo_query = memo_query.where(memo_query.selected_columns[0].in_(page_ids))
            for seg_id, dim_id, value in conn.execute(code_query).all():
                if seg_id is None:
                    session_codes[keys[dim_id]] = value
                else:
                    codes.setdefault(seg_id, {})[keys[dim_id]] = value
            memos = dict(tuples(session.execute(memo_query)))
            completed = _completed(session, tid, cid)
            if paged:
                progress = _progress(study, conn, tid, cid)
        order = {k: i for i, k in enumerate(study.codebook.keys)}
        for seg_id, found in codes.items():
            if len(found) > 1:
                codes[seg_id] = dict(sorted(found.items(), key=lambda kv: order.get(kv[0], 99)))
        segments = [
            SegmentView(
                id=seg_id,
                index=idx,
                role=role,
                label=label,
                start=start,
                end=end,
                text=text,
                codes=codes.get(seg_id, {}),
                memo=memos.get(seg_id),
                start_estimated=bool(start_est),
                end_estimated=bool(end_est),
            )
            for seg_id, idx, role, label, start, end, text, start_est, end_est in seg_rows
        ]
        summary = _summary(row)
    if slot is not None:
        summary = _second_pass(summary, slot.label, slot.retest_coder)
    elif blind:
        summary = summary.masked_view()
    return TranscriptView(
        transcript=summary,
        segments=segments,
        coder=coder,
        session_codes=session_codes,
        completed=completed,
        total=total,
        progress=progress,
    )


def _segment_dimension_ids(study: Study, conn: Connection) -> list[int]:
    keys = {d.key for d in study.codebook.segment_dimensions()}
    rows = conn.execute(select(DimensionRow.id, DimensionRow.key)).all()
    return [i for i, k in rows if k in keys]


def _codable_roles_of(study: Study) -> list[str]:
    return sorted(codable_roles(study.codebook))


def _progress(study: Study, conn: Connection, tid: int, cid: int) -> tuple[int, int]:
    """(coded, codable) of one coder on one transcript, in SQL (domain/rules.py's
    coder_progress counts the same from SegmentViews): codable = segments of a role some
    segment-level dimension applies to; coded = those with a segment-level code."""
    roles = _codable_roles_of(study)
    codable_where = and_(SegmentRow.transcript_id == tid, SegmentRow.role.in_(roles))
    codable = conn.execute(
        select(func.count()).select_from(SegmentRow).where(codable_where)
    ).scalar_one()
    codes = _codes_of(conn, tid, cid).subquery()
    coded_ids = select(codes.c[0]).where(
        codes.c[0].is_not(None), codes.c[1].in_(_segment_dimension_ids(study, conn))
    )
    coded = conn.execute(
        select(func.count())
        .select_from(SegmentRow)
        .where(codable_where, SegmentRow.id.in_(coded_ids))
    ).scalar_one()
    return int(coded), int(codable)


def next_uncoded_segment(study: Study, name: str, *, coder: str, after: int) -> int | None:
    """Index (1-based) of the next codable segment after segment ``after`` that ``coder`` has
    not coded (no segment-level code), wrapping round to the start; None when there is none.
    The same rule as domain/rules.py's next_uncoded, in SQL, for a window that has
    read only part of a long transcript."""
    with study.read() as session:
        tid = transcript_id(session, name)
        cid = coder_id(session, coder)
        conn = session.connection()
        codes = _codes_of(conn, tid, cid).subquery()
        coded_ids = select(codes.c[0]).where(
            codes.c[0].is_not(None), codes.c[1].in_(_segment_dimension_ids(study, conn))
        )
        base = and_(
            SegmentRow.transcript_id == tid,
            SegmentRow.role.in_(_codable_roles_of(study)),
            SegmentRow.id.not_in(coded_ids),
        )
        found = conn.execute(
            select(func.min(SegmentRow.idx)).where(base, SegmentRow.idx > after)
        ).scalar_one()
        if found is None:
            found = conn.execute(
                select(func.min(SegmentRow.idx)).where(base, SegmentRow.idx <= after)
            ).scalar_one()
    return None if found is None else int(found)


def find_segments(study: Study, name: str, text: str) -> list[int]:
    """Indices (1-based, in order) of the segments whose text contains ``text``, ignoring case
    (str.casefold), read without building segment views."""
    needle = text.strip().casefold()
    if not needle:
        return []
    with study.read() as session:
        tid = transcript_id(session, name)
        rows = session.connection().execute(
            select(SegmentRow.idx, SegmentRow.text)
            .where(SegmentRow.transcript_id == tid)
            .order_by(SegmentRow.idx)
        )
        return [idx for idx, body in rows if needle in body.casefold()]
