"""Passphrases and keys for encrypted studies (SQLCipher 4).

Where a passphrase comes from is not storage's business: the command line and the window each
install a *passphrase source* (:func:`set_passphrase_source`), a function that receives a
:class:`KeyRequest` (which file, to open it or to set a new passphrase, which attempt) and
returns the passphrase or ``None`` (none available: the open is refused). Without one, the
passphrase is read from ``SOCIALCODER_PASSPHRASE`` (scripts and library use).

A passphrase becomes a key as SQLCipher 4 itself derives it (PBKDF2-HMAC-SHA512, 256,000
iterations, 32 bytes, the 16-byte salt at the start of the file), computed here once per
passphrase and file salt and kept in this process's memory only, so that each connection opens
with the raw key instead of paying the derivation (~0.6 s) again. The files stay standard
SQLCipher 4 files: any SQLCipher 4 tool opens them with the passphrase. Nothing here writes a
passphrase or key anywhere, and the key's ``repr`` shows no key material.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

PASSPHRASE_ENV = "SOCIALCODER_PASSPHRASE"
KDF_ITERATIONS = 256_000  # SQLCipher 4's default; production and tests alike
KEY_BYTES = 32
SALT_BYTES = 16
MAX_ATTEMPTS = 3

Purpose = Literal["open", "new"]


@dataclass(frozen=True, slots=True)
class KeyRequest:
    """What a passphrase source is asked: the passphrase of ``path`` (``purpose='open'``;
    ``attempt`` > 1 after a wrong one) or a new passphrase for it (``purpose='new'``)."""

    path: Path
    purpose: Purpose = "open"
    attempt: int = 1


PassphraseSource = Callable[[KeyRequest], str | None]


def environment_source(request: KeyRequest) -> str | None:
    """The default source: ``SOCIALCODER_PASSPHRASE``, once (a retry gets nothing)."""
    if request.attempt > 1:
        return None
    value = os.environ.get(PASSPHRASE_ENV)
    return value if value else None


_source: PassphraseSource = environment_source


def set_passphrase_source(source: PassphraseSource | None) -> PassphraseSource:
    """Install where passphrases come from (None: back to the environment); returns the
    previous source."""
    global _source
    previous = _source
    _source = source or environment_source
    return previous


@contextmanager
def passphrase_source(source: PassphraseSource) -> Iterator[None]:
    """Use ``source`` within the block."""
    previous = set_passphrase_source(source)
    try:
        yield
    finally:
        set_passphrase_source(previous)


def ask(request: KeyRequest) -> str | None:
    return _source(request)


@dataclass(frozen=True, slots=True)
class Key:
    """A raw SQLCipher key and the salt it was derived with; never printed."""

    raw: bytes = field(repr=False)
    salt: bytes = field(repr=False)

    def __repr__(self) -> str:
        return "Key(<hidden>)"

    def pragma_value(self, *, with_salt: bool = False) -> str:
        """The blob literal for ``PRAGMA key`` / ``ATTACH ... KEY`` (raw key; with the salt
        for a new file, which SQLCipher then writes into its header)."""
        data = self.raw + self.salt if with_salt else self.raw
        return f"\"x'{data.hex()}'\""


_derived: dict[tuple[bytes, bytes], bytes] = {}


def derive(passphrase: str, salt: bytes) -> Key:
    """SQLCipher 4's key derivation, memoised in memory for this process."""
    if len(salt) != SALT_BYTES:
        raise ValueError("an SQLCipher salt has 16 bytes")
    import hashlib  # here: every command sets a passphrase source; few derive a key

    secret = passphrase.encode("utf-8")
    memo = (salt, hashlib.sha256(salt + secret).digest())
    raw = _derived.get(memo)
    if raw is None:
        raw = hashlib.pbkdf2_hmac("sha512", secret, salt, KDF_ITERATIONS, KEY_BYTES)
        _derived[memo] = raw
    return Key(raw, salt)


def new_salt() -> bytes:
    import secrets

    return secrets.token_bytes(SALT_BYTES)


def forget_derived_keys() -> None:
    """Drop every memoised key (tests; a window that locks its studies)."""
    _derived.clear()
