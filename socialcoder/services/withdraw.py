"""A participant withdraws consent: remove everything of theirs from the study.

:func:`withdraw_participant` removes, in one transaction, the participant's transcripts (and
with them, by the schema's cascades, their segments, every coder's codes, segment memos,
completions and assignments, and the recording links), their session measures, and the
audit log's entries about those transcripts (the one deletion the append-only audit log lets
through: the transcripts are listed in ``audit_redactions`` for the length of the transaction;
see socialcoder/storage/events_model.py). What stays is one ``withdrawn`` event with counts
only: not the participant's id, not a transcript's name.

It cannot reach what left the study before: it lists the exports, de-identified copies and
plain copies the study's events record (what, where, when) so that the lead can delete them.
Every machine-coding model that learnt from the participant's transcripts is marked to be
retrained and its payload emptied (its vocabulary held their words;
:func:`socialcoder.services.machine_store.mark_for_retraining`); the result counts them.

A study file is vacuumed afterwards, so that no free page keeps the removed text (a server
study's administrator runs ``VACUUM`` on the server).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select

from socialcoder.domain.serial import record
from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.services.audit_events import add_event, list_events
from socialcoder.services.machine_store import mark_for_retraining, models_learnt_from
from socialcoder.services.settings import forget_practice
from socialcoder.services.study import Study
from socialcoder.services.study_change import StudyChange
from socialcoder.storage import db
from socialcoder.storage.events_model import AuditRedactionRow
from socialcoder.storage.measures_model import session_measures
from socialcoder.storage.models import (
    AuditRow,
    CodeRow,
    SegmentMemoRow,
    SegmentRow,
    TranscriptRow,
)

#: study events that put the study's data somewhere else
COPY_KINDS = ("exported", "deidentified", "decrypted")
RETRAIN_REASON = "a participant withdrew; the model learnt from their transcripts"


def models_note(count: int, dry_run: bool) -> str:
    if not count:
        return (
            "no stored machine-coding model learnt from these transcripts, so none needs retraining"
        )
    verb = "would be" if dry_run else "are"
    return (
        f"{count} machine-coding model(s) learnt from these transcripts: they {verb} marked to "
        "be retrained and emptied (the list of stored models shows them)"
    )


@dataclass(frozen=True, slots=True)
class EarlierCopy:
    """An export or copy made before the withdrawal (from the study's events)."""

    at: str
    kind: str
    what: str
    where: str

    def to_json(self) -> dict[str, str]:
        return record(self)


@dataclass(frozen=True, slots=True)
class WithdrawResult:
    transcripts: int
    segments: int
    codes: int
    memos: int
    measures: int
    audit_entries: int
    earlier_copies: list[EarlierCopy]
    models_note: str
    dry_run: bool
    models_to_retrain: int = 0

    @property
    def change(self) -> StudyChange:
        """The change made: anything (transcripts, their codes, memos, completions,
        assignments and audit entries are gone); nothing for a dry run."""
        return StudyChange() if self.dry_run else StudyChange.everything()

    def counts(self) -> dict[str, int]:
        return {
            "transcripts": self.transcripts,
            "segments": self.segments,
            "codes": self.codes,
            "memos": self.memos,
            "measures": self.measures,
            "audit_entries": self.audit_entries,
        }

    def to_json(self) -> dict[str, Any]:
        return record(
            self,
            ("removed", "dry_run", "earlier_copies", "models_note", "models_to_retrain"),
            rename={"models_note": "models"},
            values={"removed": self.counts()},
        )


def withdraw_participant(
    study: Study, participant: str, *, dry_run: bool = False
) -> WithdrawResult:
    """Remove ``participant`` (their id exactly as stored) from the study; see the module
    docs. ``dry_run``: count and list, change nothing."""
    if study.login_coder is not None:
        raise StudyError(
            "a coder's login cannot withdraw a participant; the study's lead or owner can",
            source=study.location,
        )
    earlier = earlier_copies(study)
    with study.read() if dry_run else study.write() as session:
        tids = list(
            session.scalars(
                select(TranscriptRow.id).where(TranscriptRow.participant == participant)
            )
        )
        measures = session.scalar(
            select(func.count())
            .select_from(session_measures)
            .where(session_measures.c.participant == participant)
        )
        if not tids and not measures:
            raise StudyError(
                f"has no transcripts or measures of participant {participant!r} (ids are "
                "matched exactly)",
                source=study.location,
                remedy=Remedy.run(Input.LIST_TRANSCRIPTS),
            )

        def count(model: Any, column: Any) -> int:
            if not tids:
                return 0
            return int(
                session.scalar(select(func.count()).select_from(model).where(column.in_(tids))) or 0
            )

        segments = count(SegmentRow, SegmentRow.transcript_id)
        codes = count(CodeRow, CodeRow.transcript_id)
        entries = count(AuditRow, AuditRow.transcript_id)
        memos = 0
        if tids:
            memos = int(
                session.scalar(
                    select(func.count())
                    .select_from(SegmentMemoRow)
                    .join(SegmentRow, SegmentRow.id == SegmentMemoRow.segment_id)
                    .where(SegmentRow.transcript_id.in_(tids))
                )
                or 0
            )
        if dry_run:
            models = len(models_learnt_from(session, tids))
        else:
            models = mark_for_retraining(session, tids, RETRAIN_REASON)
        result = WithdrawResult(
            transcripts=len(tids),
            segments=segments,
            codes=codes,
            memos=memos,
            measures=int(measures or 0),
            audit_entries=entries,
            earlier_copies=earlier,
            models_note=models_note(models, dry_run),
            dry_run=dry_run,
            models_to_retrain=models,
        )
        if dry_run:
            return result
        if tids:
            session.execute(insert(AuditRedactionRow), [{"transcript_id": t} for t in tids])
            session.execute(delete(AuditRow).where(AuditRow.transcript_id.in_(tids)))
            session.execute(delete(AuditRedactionRow))
            session.execute(delete(TranscriptRow).where(TranscriptRow.id.in_(tids)))
            forget_practice(session, tids)
        session.execute(
            delete(session_measures).where(session_measures.c.participant == participant)
        )
        add_event(session, "withdrawn", detail={"removed": result.counts()})
    _vacuum(study)
    return result


def earlier_copies(study: Study) -> list[EarlierCopy]:
    """Exports and copies the study's events record, oldest first."""
    out = []
    for e in list_events(study, kinds=COPY_KINDS):
        where = e.detail.get("where") or e.detail.get("made_copy") or "?"
        what = e.detail.get("what") or {
            "deidentified": "de-identified copy",
            "decrypted": "plain (decrypted) copy",
        }.get(e.kind, e.kind)
        if e.kind == "deidentified" and e.detail.get("copy"):
            continue  # a de-identified copy's own first event: it names no other file
        out.append(EarlierCopy(e.at.isoformat(timespec="seconds"), e.kind, str(what), str(where)))
    return out


def _vacuum(study: Study) -> None:
    """Rewrite a study file without free pages (the removed rows' text would stay in them)."""
    if db.sqlite_path(study.engine.url.render_as_string(hide_password=False)) is None:
        return
    with study.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
