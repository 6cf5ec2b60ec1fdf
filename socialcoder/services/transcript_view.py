"""One transcript as a coder or the lead reads it: its segments with one coder's codes and memos
(only that coder's: this keeps coding blind), read whole or a page at a time; for a window that
has read only part of a long transcript, the next turn to code and the turns holding a text,
counted in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Select, and_, func, select
from sqlalchemy.orm import Session

from socialcoder.domain.rules import codable_roles
from socialcoder.domain.serial import record
from socialcoder.services.coders import coder_id
from socialcoder.services.retest_access import check_pass, slot_of_label
from socialcoder.services.study import Study
from socialcoder.services.transcript_list import (
    TranscriptSummary,
    is_blinded,
    second_pass,
    summary_of_row,
)
from socialcoder.services.transcript_lookup import transcript_id, transcripts_source
from socialcoder.storage import server_api
from socialcoder.storage.models import (
    CodeRow,
    CompletionRow,
    DimensionRow,
    SegmentMemoRow,
    SegmentRow,
)
from socialcoder.storage.rows import tuples


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
        summary = summary_of_row(row)
    if slot is not None:
        summary = second_pass(summary, slot.label, slot.retest_coder)
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
