"""Writing the audit log of the changes to codes, memos, completions and assignments: one entry
per change (:func:`audit`), or, where the server writes the audit log itself (server mode),
only the reason, which its trigger records with the change (:func:`state_audit` before bulk
changes)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from socialcoder.services.study import now
from socialcoder.storage import server_api
from socialcoder.storage.models import AuditRow


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    coder_id: int,
    transcript_id: int | None,
    segment_idx: int | None = None,
    dimension_key: str | None = None,
    old_value: str | None = None,
    new_value: str | None = None,
    reason: str | None = None,
) -> None:
    """Record one change just made in ``session`` (pending or flushed). Where the server
    writes the audit log itself, say why and flush: its trigger records the change, with the
    server's time and the login as actor (``actor`` and the time given here are not used)."""
    connection = session.connection()
    if server_api.server_audits(connection):
        server_api.state_reason(connection, action, reason)
        session.flush()
        return
    session.add(
        AuditRow(
            at=now(),
            actor=actor,
            action=action,
            coder_id=coder_id,
            transcript_id=transcript_id,
            segment_idx=segment_idx,
            dimension_key=dimension_key,
            old_value=old_value,
            new_value=new_value,
            reason=reason,
        )
    )


def state_audit(session: Session, action: str, reason: str | None = None) -> bool:
    """Before bulk changes made without :func:`audit`: where the server writes the audit log,
    tell it why and return True (the caller then writes no audit rows of its own)."""
    connection = session.connection()
    if not server_api.server_audits(connection):
        return False
    session.flush()
    server_api.state_reason(connection, action, reason)
    return True
