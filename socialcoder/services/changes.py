"""Changes made elsewhere (the CLI, another window, a merge): detected cheaply, then turned into
the same :class:`~socialcoder.services.coding.Change` values that a window's own actions return,
so that one path updates the views.

* :class:`StudyWatch` answers "may the data have changed since I last asked?" for one coder's
  window (her work, the codebook, the transcripts she sees, her assignments:
  :func:`coder_state`) or (``coder=None``) for the whole study. On an SQLite file it first asks SQLite itself
  (``PRAGMA data_version`` on a connection of its own: no table is read, and it changes when
  any other connection, of this process or another, commits); only then, or on PostgreSQL
  every time, it compares a small fingerprint: the number of audit-log entries about the
  coder (every change of codes, memos and completions is audited, and a count, unlike the
  largest id, cannot miss a transaction that commits after a later one), or
  :func:`study_fingerprint` for the whole study. A coder's login on a server study counts
  her entries through ``sc_my_changes()`` (she cannot read the audit log itself).
* :meth:`StudyWatch.changes` says *what* may have changed, as a
  :class:`~socialcoder.services.study_change.StudyChange` (the value a window's own actions
  produce): for the whole study it reads the audit-log entries after the last one seen
  (:func:`~socialcoder.services.study_change.audit_change`) when their number accounts for the
  log's growth, and "everything" when it does not (an entry committed late, below the last id
  seen, or entries removed by a withdrawal); what is not audited (transcripts, coders,
  the codebook, settings, the study's event record) is compared by small counts.
* :func:`coder_changes` compares what a window shows of one coder's transcript with what is
  stored now and returns one Change per difference.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from socialcoder.domain import coder_kinds
from socialcoder.domain.states import EditKind
from socialcoder.errors import StudyError
from socialcoder.services.coding import Change
from socialcoder.services.study import Study
from socialcoder.services.study_change import AuditEntry, ChangeKind, StudyChange, audit_change
from socialcoder.services.transcript_view import SegmentView, TranscriptView
from socialcoder.storage import server_api
from socialcoder.storage.events_model import StudyEventRow
from socialcoder.storage.machine_model import MachineModelRow
from socialcoder.storage.measures_model import session_measures
from socialcoder.storage.models import (
    AssignmentRow,
    AuditRow,
    CodebookVersionRow,
    CodeRow,
    CoderRow,
    CompletionRow,
    StudySettingRow,
    TranscriptRow,
)

#: more new audit entries than this are not read one by one: "everything" instead
MAX_ENTRIES = 5000

_UNDEFINED_FUNCTION = "42883"


def study_fingerprint(study: Study) -> tuple[object, ...]:
    """A cheap fingerprint of the whole study's data: the audit log's size and last id
    (codes, memos, completions, assignments and consensus are all audited) plus counts of
    what is not audited (transcripts, coders and their names)."""
    with study.read() as session:
        audited = session.execute(select(func.count(), func.max(AuditRow.id))).one()
        codes = session.scalar(select(func.count()).select_from(CodeRow)) or 0
        done = session.scalar(select(func.count()).select_from(CompletionRow)) or 0
        assigned = session.scalar(select(func.count()).select_from(AssignmentRow)) or 0
        transcripts = session.scalar(select(func.count()).select_from(TranscriptRow)) or 0
        coders = tuple(session.execute(select(CoderRow.name, CoderRow.active)).all())
    return (tuple(audited), codes, done, assigned, transcripts, tuple(map(tuple, coders)))


def coder_fingerprint(study: Study, coder: str) -> object:
    """The number of audit-log entries about ``coder``'s work (grows with every change of her
    codes, memos or completions, by whomever). ``None`` when it cannot be known: a server
    study set up before ``sc_my_changes()`` existed (then every check says "maybe")."""
    return coder_state(study, coder)[ChangeKind.CODES]


def coder_state(study: Study, coder: str) -> dict[ChangeKind, object]:
    """What :class:`StudyWatch` compares for one coder's window, by the kind of change it
    reveals: the audit entries about her work (:attr:`ChangeKind.CODES`, standing for codes,
    memos and completions; ``None`` when a server study cannot say), the codebook versions,
    the transcripts she can see, and her own assignments. Nothing about other coders' work:
    a coder's login on a server study reads only through the study's functions."""
    with study.read() as session:
        connection = session.connection()
        codebook = (_count(CodebookVersionRow), _top(CodebookVersionRow.id))
        if server_api.is_coder(connection):
            seen, mine = server_api.transcripts(), server_api.my_assignments()
            out: dict[ChangeKind, object] = {
                ChangeKind.CODEBOOK: tuple(session.execute(select(*codebook)).one()),
                ChangeKind.TRANSCRIPTS: tuple(
                    session.execute(select(func.count(), func.max(seen.c.id))).one()
                ),
                ChangeKind.ASSIGNMENTS: tuple(
                    session.execute(select(func.count(), func.max(mine.c.assigned_at))).one()
                ),
            }
            try:  # last: a failed call ends the transaction
                out[ChangeKind.CODES] = server_api.my_changes(connection)
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) != _UNDEFINED_FUNCTION:
                    raise
                out[ChangeKind.CODES] = None
            return out
        cid = select(CoderRow.id).where(CoderRow.name == coder).scalar_subquery()
        mine_only = AssignmentRow.coder_id == cid
        values = session.execute(  # one round trip: this runs whenever anyone commits
            select(
                _count(AuditRow, AuditRow.coder_id == cid),
                *codebook,
                _count(TranscriptRow),
                _top(TranscriptRow.id),
                _count(AssignmentRow, mine_only),
                _top(AssignmentRow.assigned_at, mine_only),
            )
        ).one()
    return {
        ChangeKind.CODES: values[0],
        ChangeKind.CODEBOOK: tuple(values[1:3]),
        ChangeKind.TRANSCRIPTS: tuple(values[3:5]),
        ChangeKind.ASSIGNMENTS: tuple(values[5:7]),
    }


def _count(table: Any, *where: Any) -> Any:
    """``SELECT count(*) FROM table WHERE ...`` as a scalar subquery."""
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


def _top(column: Any, *where: Any) -> Any:
    """``SELECT max(column) ... WHERE ...`` as a scalar subquery."""
    return select(func.max(column)).where(*where).scalar_subquery()


@dataclass(frozen=True, slots=True)
class StudyState:
    """What :class:`StudyWatch` compares for the whole study: the audit log's size and last
    id, counts of what the log records (a safety net for writes it missed), and what it does
    not record."""

    audited: int
    last_id: int
    counts: dict[ChangeKind, object]


def study_state(study: Study) -> StudyState:
    with study.read() as session:
        audited, last = session.execute(select(func.count(), func.max(AuditRow.id))).one()

        def count(row: Any) -> int:
            return session.scalar(select(func.count()).select_from(row)) or 0

        counts: dict[ChangeKind, object] = {
            ChangeKind.CODES: count(CodeRow),
            ChangeKind.COMPLETIONS: count(CompletionRow),
            ChangeKind.ASSIGNMENTS: count(AssignmentRow),
            ChangeKind.TRANSCRIPTS: count(TranscriptRow),
            ChangeKind.CODERS: tuple(
                map(tuple, session.execute(select(CoderRow.name, CoderRow.active)).all())
            ),
            ChangeKind.CODEBOOK: count(CodebookVersionRow),
            ChangeKind.SETTINGS: tuple(
                session.execute(select(func.count(), func.max(StudySettingRow.updated_at))).one()
            ),
            ChangeKind.EVENTS: tuple(
                session.execute(select(func.count(), func.max(StudyEventRow.id))).one()
            ),
            # a re-import replaces values in place: their count and sum tell it (nearly always)
            ChangeKind.MEASURES: tuple(
                session.execute(
                    select(
                        func.count(),
                        func.count(session_measures.c.value),
                        func.sum(session_measures.c.value),
                    )
                ).one()
            ),
            ChangeKind.MODELS: tuple(
                session.execute(select(func.count(), func.max(MachineModelRow.id))).one()
            ),
        }
    return StudyState(audited or 0, last or 0, counts)


def _entries_after(study: Study, last_id: int, up_to: int) -> list[AuditEntry] | None:
    """The audit entries after ``last_id`` up to ``up_to`` (the last id counted: one committed
    since is left for the next look), names resolved; None when there are too many."""
    with study.read() as session:
        rows = session.execute(
            select(
                AuditRow.action, AuditRow.coder_id, AuditRow.transcript_id, AuditRow.dimension_key
            )
            .where(AuditRow.id > last_id, AuditRow.id <= up_to)
            .limit(MAX_ENTRIES + 1)
        ).all()
        if len(rows) > MAX_ENTRIES:
            return None
        coder_ids = {r.coder_id for r in rows}
        transcript_ids = {r.transcript_id for r in rows if r.transcript_id is not None}
        coders = {
            c.id: (c.name, c.kind == coder_kinds.CONSENSUS)
            for c in session.execute(
                select(CoderRow.id, CoderRow.name, CoderRow.kind).where(CoderRow.id.in_(coder_ids))
            )
        }
        names: dict[int, str] = {
            t.id: t.name
            for t in session.execute(
                select(TranscriptRow.id, TranscriptRow.name).where(
                    TranscriptRow.id.in_(transcript_ids)
                )
            )
        }
    out = []
    for r in rows:
        coder, consensus = coders.get(r.coder_id, (None, False))
        transcript = None if r.transcript_id is None else names.get(r.transcript_id)
        out.append(
            AuditEntry(
                action=r.action,
                coder=coder,
                coder_is_consensus=consensus,
                transcript=transcript,
                dimension=r.dimension_key,
            )
        )
    return out


#: a coder's own work, which the audit entries about her count
_WORK = (ChangeKind.CODES, ChangeKind.MEMOS, ChangeKind.COMPLETIONS)

#: the kinds of change that account for a count's change (the consensus layer's codes are
#: rows of the codes table too)
_EXPLAINED_BY = {kind: {kind} for kind in ChangeKind} | {
    ChangeKind.CODES: {ChangeKind.CODES, ChangeKind.CONSENSUS},
}


class StudyWatch:
    """Tells whether ``study`` (or ``coder``'s work in it) may have changed since the last
    :meth:`changed`. Create it when the window opens the study; :meth:`close` it before
    the study is closed."""

    def __init__(self, study: Study, coder: str | None = None) -> None:
        self.study = study
        self.coder = coder
        self._probe: Any = None
        self._sqlite_version: object = None
        if study.engine.dialect.name == "sqlite":
            self._probe = study.engine.raw_connection()  # a connection of its own
            self._sqlite_version = self._data_version()
        self._state: StudyState | None = None
        self._fingerprint: object = None
        if coder is None:
            self._state = study_state(study)
        else:
            self._fingerprint = self._read_fingerprint()

    def _data_version(self) -> object:
        cursor = self._probe.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return cursor.fetchone()[0]
        finally:
            cursor.close()

    def _read_fingerprint(self) -> object:
        if self.coder is None:
            return study_fingerprint(self.study)
        return coder_state(self.study, self.coder)

    def changed(self) -> bool:
        """True when something may have changed since the last call (or since creation).
        A database that cannot be read just now (a server out of reach) raises StudyError."""
        return bool(self.changes())

    def changes(self) -> StudyChange:
        """What may have changed since the last call (or since creation); empty when nothing
        did. For one coder's work: her codes, memos and completions. A database that cannot
        be read just now (a server out of reach) raises StudyError."""
        try:
            return self._changes()
        except (DBAPIError, sqlite3.Error) as exc:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise StudyError(
                f"cannot check the study for changes ({detail})", source=self.study.location
            ) from None

    def _changes(self) -> StudyChange:
        if self._probe is not None:
            version = self._data_version()
            if version == self._sqlite_version:
                return StudyChange()
            self._sqlite_version = version
        if self._state is not None:
            return self._study_changes(self._state)
        return self._coder_changes()

    def _coder_changes(self) -> StudyChange:
        """One coder's window: her work (codes, memos, completions; "maybe" when a server
        study cannot count it), the codebook, the transcripts and her assignments."""
        before = self._fingerprint if isinstance(self._fingerprint, dict) else {}
        now = self._read_fingerprint()
        assert isinstance(now, dict)
        self._fingerprint = now
        coder = (self.coder or "",)
        out = StudyChange()
        work = now[ChangeKind.CODES]
        if work is None or work != before.get(ChangeKind.CODES):
            out |= StudyChange.of(*_WORK, coders=coder)
        if now[ChangeKind.ASSIGNMENTS] != before.get(ChangeKind.ASSIGNMENTS):
            out |= StudyChange.of(ChangeKind.ASSIGNMENTS, coders=coder)
        for kind in (ChangeKind.CODEBOOK, ChangeKind.TRANSCRIPTS):
            if now[kind] != before.get(kind):
                out |= StudyChange.of(kind)
        return out

    def _study_changes(self, before: StudyState) -> StudyChange:
        now = study_state(self.study)
        out = StudyChange()
        if now.audited != before.audited or now.last_id != before.last_id:
            entries = _entries_after(self.study, before.last_id, now.last_id)
            if entries is None or len(entries) != now.audited - before.audited:
                out = StudyChange.everything()  # a late commit, a withdrawal: not described
            else:
                out = audit_change(entries)
        for kind, value in now.counts.items():
            if value != before.counts.get(kind) and out.kinds.isdisjoint(_EXPLAINED_BY[kind]):
                out |= StudyChange.of(kind)  # not audited, or written without an entry
        self._state = now
        return out

    def close(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None


def coder_changes(
    shown_segments: Sequence[SegmentView],
    shown_session_codes: Mapping[str, str],
    shown_completed: bool,
    stored: TranscriptView,
) -> list[Change]:
    """What differs between one coder's transcript as a window shows it and ``stored`` (read
    now with ``show_transcript(..., coder=...)``), as Changes from the shown to the stored
    state: codes and memos per segment, session codes, then completion. Segments are matched
    by index; a segment the window does not show is not compared."""
    coder = stored.coder or ""
    name = stored.transcript.name
    out: list[Change] = []
    now = {s.index: s for s in stored.segments}
    for seg in shown_segments:
        new = now.get(seg.index)
        if new is None:
            continue
        for key in _keys(seg.codes, new.codes):
            old_value, new_value = seg.codes.get(key), new.codes.get(key)
            if old_value != new_value:
                out.append(
                    Change(
                        coder=coder,
                        transcript=name,
                        segment=seg.index,
                        dimension=key,
                        kind=EditKind.CODE,
                        old_value=old_value,
                        new_value=new_value,
                    )
                )
        if seg.memo != new.memo:
            out.append(
                Change(
                    coder=coder,
                    transcript=name,
                    segment=seg.index,
                    dimension=None,
                    kind=EditKind.MEMO,
                    old_value=None,
                    new_value=None,
                    old_memo=seg.memo,
                    new_memo=new.memo,
                )
            )
    for key in _keys(shown_session_codes, stored.session_codes):
        old_value, new_value = shown_session_codes.get(key), stored.session_codes.get(key)
        if old_value != new_value:
            out.append(
                Change(
                    coder=coder,
                    transcript=name,
                    segment=None,
                    dimension=key,
                    kind=EditKind.CODE,
                    old_value=old_value,
                    new_value=new_value,
                )
            )
    if shown_completed != stored.completed:
        out.append(
            Change(
                coder=coder,
                transcript=name,
                segment=None,
                dimension=None,
                kind=EditKind.COMPLETION,
                old_value=str(int(shown_completed)),
                new_value=str(int(stored.completed)),
            )
        )
    return out


def _keys(a: Mapping[str, str], b: Mapping[str, str]) -> list[str]:
    return list(a) + [k for k in b if k not in a]
