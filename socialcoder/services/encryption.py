"""Encrypting, rekeying and decrypting study files (the use cases; the work is in
:mod:`socialcoder.storage.conversion`, which also gets the passphrases: services never see a
key). Each records a study event in the study it leaves behind: ``encrypted`` / ``rekeyed`` are
written into the new file before it replaces the old one, so the event and the change are one;
``decrypted`` (a plain copy made) is recorded in the encrypted study.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from socialcoder.errors import StudyError
from socialcoder.services.audit_events import export_place, record_event, record_event_in
from socialcoder.services.study import open_study
from socialcoder.storage import conversion, db
from socialcoder.storage.keys import (
    PASSPHRASE_ENV,
    KeyRequest,
    PassphraseSource,
    passphrase_source,
    set_passphrase_source,
)

__all__ = [
    "PASSPHRASE_ENV",
    "EncryptionResult",
    "KeyRequest",
    "PassphraseSource",
    "decrypt_copy",
    "encrypt_study",
    "passphrase_source",
    "rekey_study",
    "set_passphrase_source",
]


@dataclass(frozen=True, slots=True)
class EncryptionResult:
    path: Path
    tables: int
    rows: int


def _file(target: str | Path) -> Path:
    if db.is_url(target):
        raise StudyError(
            "only study files can be encrypted; a database server protects its data by its own "
            "means (disk encryption, TLS, roles)",
            source=db.describe(target),
        )
    return Path(target).expanduser()


def _event(kind: str, **detail: object) -> conversion.BeforePublish:
    def write(engine: Engine) -> None:
        record_event_in(engine, kind, detail=dict(detail))

    return write


def encrypt_study(target: str | Path) -> EncryptionResult:
    path = _file(target)
    with open_study(path):  # a study (upgraded if older) before it is converted
        pass
    done = conversion.encrypt_in_place(
        path, before_publish=_event("encrypted", cipher="SQLCipher 4")
    )
    return EncryptionResult(done.path, done.tables, done.rows)


def rekey_study(target: str | Path) -> EncryptionResult:
    path = _file(target)
    done = conversion.rekey_in_place(path, before_publish=_event("rekeyed"))
    return EncryptionResult(done.path, done.tables, done.rows)


def decrypt_copy(target: str | Path, out: str | Path) -> EncryptionResult:
    """A plain (unencrypted) copy of an encrypted study at ``out``, which must not exist."""
    path = _file(target)
    destination = Path(out).expanduser()
    with open_study(path) as study:
        if not study.encrypted:
            raise StudyError("is not encrypted; copy the file itself", source=study.location)
    done = conversion.copy_study(path, destination, encrypt=False)
    with open_study(path) as study:
        record_event(study, "decrypted", detail={"where": export_place(destination)})
    return EncryptionResult(done.path, done.tables, done.rows)
