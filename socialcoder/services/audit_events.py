"""Study-level audit events: who opened the study, what was exported where, de-identified,
encrypted, rekeyed, decrypted, merged, withdrawn (table ``study_events``, append-only).

An event's ``detail`` is a small JSON object of facts (counts, file names, formats); it never
holds a passphrase, transcript text, or what de-identification removed. ``opened`` events are
recorded best effort: a study that cannot be written (a read-only file, a server login without
the right) is still opened, and the event is left out (``record_opened`` says whether it was
recorded).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from socialcoder.domain.serial import record
from socialcoder.errors import StudyError, UserError
from socialcoder.services.event_record import event_row, opened_detail
from socialcoder.services.event_record import os_user as os_user  # re-exported for the services
from socialcoder.services.study import Study, is_busy, retry_transient
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.events_model import StudyEventRow
from socialcoder.storage.models import AuditRow

ENCRYPTED_EXPORT_NOTE = (
    "note: the study is encrypted, but exported files are not; keep them where only the "
    "people allowed to see them can read them"
)
ROLES = ("lead", "coder", "command")


@dataclass(frozen=True, slots=True)
class StudyEvent:
    id: int
    at: datetime
    kind: str
    actor: str
    role: str
    machine: str
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return record(self)


_row = event_row


def add_event(
    session: Session,
    kind: str,
    *,
    actor: str | None = None,
    role: str = "command",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append an event within the caller's transaction."""
    session.execute(insert(StudyEventRow).values(**_row(kind, actor, role, detail or {})))


def record_event(
    study: Study,
    kind: str,
    *,
    actor: str | None = None,
    role: str = "command",
    detail: dict[str, Any] | None = None,
) -> StudyChange:
    """Append an event in its own transaction; returns the change (the study's events)."""
    with study.write() as session:
        add_event(session, kind, actor=actor, role=role, detail=detail)
    return StudyChange.of(ChangeKind.EVENTS)


def record_event_in(
    engine: Engine, kind: str, *, role: str = "command", detail: dict[str, Any] | None = None
) -> None:
    """Append an event to a study file that is not open as a :class:`Study` (a converted copy
    before it replaces the study)."""
    with engine.begin() as conn:
        conn.execute(insert(StudyEventRow).values(**_row(kind, None, role, detail or {})))


def _record_best_effort(
    study: Study, kind: str, *, busy_refuses: bool = False, **kwargs: Any
) -> bool:
    """Append an event unless the study cannot take it: a read-only file, or a coder's login
    on a server study (which has no right to write study events; the server's own connection
    log records logins). ``busy_refuses``: a study still locked by another writer after the
    retries raises the DBAPIError instead of leaving the event out."""
    if getattr(study, "login_coder", None) is not None:
        return False
    try:
        (_record_retrying if busy_refuses else record_event)(study, kind, **kwargs)
    except DBAPIError as exc:
        if busy_refuses and is_busy(exc):
            raise
        return False
    except StudyError:
        return False
    return True


@retry_transient()
def _record_retrying(study: Study, kind: str, **kwargs: Any) -> None:
    record_event(study, kind, **kwargs)


def record_opened(
    study: Study, *, actor: str | None = None, role: str = "command", program: str = ""
) -> bool:
    """Record who opened the study from where; False when the study cannot take it."""
    detail = opened_detail(program)
    if actor is not None and role != "command":
        detail["login"] = os_user()
    return _record_best_effort(study, "opened", actor=actor, role=role, detail=detail)


def export_place(path: str | Path | None) -> str:
    """Where an export went, for the audit: an absolute path, or 'standard output'."""
    if path is None or str(path) == "-":
        return "standard output"
    return os.path.abspath(path)


def record_export(study: Study, what: str, where: str | Path | None, **facts: Any) -> str | None:
    """Record an export; returns the note to show once when the study is encrypted and the
    exported file is not. Called once the file is whole and before it appears
    (``Output.before_publish``): a study that stays busy (another program holding its write
    lock through every retry) refuses the export, since ``withdraw`` finds the copies of a
    participant's data by these events. A study that cannot take events at all (a read-only
    file, a coder's server login) is exported unrecorded, as it is opened."""
    detail = {"what": what, "where": export_place(where), **facts}
    if getattr(study, "read_only", None) is None:  # a read-only study is exported, unrecorded
        try:
            _record_best_effort(study, "exported", detail=detail, busy_refuses=True)
        except DBAPIError:
            raise UserError(
                "the study is busy: another program (a window, an import) has been writing "
                "to it all the while, so this export could not be recorded in its audit "
                "trail; nothing was written; export again when it is done",
                source=export_place(where),
            ) from None
    return unencrypted_note(study)


def unencrypted_note(study: Study) -> str | None:
    """The note an export of an encrypted study shows once: its output is not encrypted."""
    return ENCRYPTED_EXPORT_NOTE if study.encrypted else None


def list_events(study: Study, *, kinds: tuple[str, ...] = ()) -> list[StudyEvent]:
    stmt = select(StudyEventRow).order_by(StudyEventRow.id)
    if kinds:
        stmt = stmt.where(StudyEventRow.kind.in_(kinds))
    with study.read() as session:
        rows = session.scalars(stmt).all()
        return [
            StudyEvent(
                id=r.id,
                at=r.at,
                kind=r.kind,
                actor=r.actor,
                role=r.role,
                machine=r.machine,
                detail=json.loads(r.detail or "{}"),
            )
            for r in rows
        ]


def change_counts(study: Study) -> dict[str, int]:
    """How many entries the code-change audit log holds, per action."""
    with study.read() as session:
        rows = session.execute(select(AuditRow.action, func.count()).group_by(AuditRow.action))
        return dict(Counter({action: count for action, count in rows}))
