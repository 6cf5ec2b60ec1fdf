"""Study-level audit events and the withdrawal guard (revision 0009).

``study_events`` records what happened to the study as a whole, beside ``audit_log`` (which
records every change to codes, memos and completion): opened (by whom, in which role, from
which machine), exported (what, where), de-identified, encrypted, rekeyed, decrypted copy,
merged, withdrawn. ``detail`` is a JSON object; it never holds a passphrase, transcript text or
an identifier removed by de-identification. The table is append-only (triggers refuse UPDATE and
DELETE).

``audit_redactions`` is empty except inside the transaction of a participant's withdrawal: the
audit log's delete trigger lets through exactly the entries of the transcripts listed there, and
nothing else (see docs/privacy.md, 'Withdrawal and the audit log').
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from socialcoder.storage.models import Base

EVENT_KINDS = (
    "opened",
    "exported",
    "deidentified",
    "encrypted",
    "rekeyed",
    "decrypted",
    "merged",
    "withdrawn",
    "created",
)


class StudyEventRow(Base):
    __tablename__ = "study_events"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    machine: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str] = mapped_column(Text, server_default="{}")


class AuditRedactionRow(Base):
    __tablename__ = "audit_redactions"

    transcript_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
