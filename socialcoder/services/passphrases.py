"""Where passphrases of encrypted study files come from (see :mod:`socialcoder.storage.keys`),
for the command line and the window: this module loads no database library, so that a
command that opens no study (``--version``) or reads one without SQLAlchemy (``info``) does
not pay for it. :mod:`socialcoder.services.encryption` has the use cases."""

from __future__ import annotations

from socialcoder.storage.keys import (
    PASSPHRASE_ENV,
    KeyRequest,
    PassphraseSource,
    passphrase_source,
    set_passphrase_source,
)

__all__ = [
    "PASSPHRASE_ENV",
    "KeyRequest",
    "PassphraseSource",
    "passphrase_source",
    "set_passphrase_source",
]
