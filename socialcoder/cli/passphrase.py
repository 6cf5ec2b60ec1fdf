"""Where the command line gets passphrases of encrypted studies.

In order: ``--passphrase-file FILE`` (its first line), ``SOCIALCODER_PASSPHRASE``, else an
interactive prompt on the terminal (up to three tries). A new passphrase (``init --encrypt``,
``encrypt``, ``rekey``, an encrypted ``deidentify`` copy) comes from ``--new-passphrase-file`` /
``SOCIALCODER_NEW_PASSPHRASE``, then (except for ``rekey``) from the sources above, else from
a prompt typed twice. A passphrase is never an argument of its own (the process list would show
it), and is kept only in this process's memory.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from socialcoder.errors import UserError
from socialcoder.services.passphrases import PASSPHRASE_ENV, KeyRequest

NEW_PASSPHRASE_ENV = "SOCIALCODER_NEW_PASSPHRASE"


def read_passphrase_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(
            f"cannot read the passphrase file: {exc.strerror or exc}", source=path
        ) from None
    except UnicodeDecodeError:
        raise UserError("the passphrase file is not UTF-8 text", source=path) from None
    line = text.splitlines()[0] if text else ""
    if not line:
        raise UserError("the passphrase file is empty", source=path)
    return line


@dataclass
class CliPassphrases:
    """The command line's passphrase source (see the module doc)."""

    file: Path | None = None
    new_file: Path | None = None
    rekey: bool = False
    interactive: bool = field(default_factory=lambda: sys.stdin.isatty())
    _remembered: dict[Path, str] = field(default_factory=dict, repr=False)

    def __call__(self, request: KeyRequest) -> str | None:
        if request.purpose == "new":
            return self._new(request.path)
        key = request.path.resolve()
        if request.attempt == 1 and key in self._remembered:
            return self._remembered[key]
        given = self._given(request.attempt)
        if given is not None:
            return given
        if not self.interactive or (request.attempt > 1 and self._scripted()):
            return None
        if request.attempt > 1:
            print("socialcoder: wrong passphrase, try again", file=sys.stderr)
        value = getpass.getpass(f"Passphrase for {request.path.name}: ")
        if value:
            self._remembered[key] = value
        return value or None

    def _scripted(self) -> bool:
        return self.file is not None or bool(os.environ.get(PASSPHRASE_ENV))

    def _given(self, attempt: int) -> str | None:
        if attempt > 1:
            return None
        if self.file is not None:
            return read_passphrase_file(self.file)
        return os.environ.get(PASSPHRASE_ENV) or None

    def _new(self, path: Path) -> str | None:
        if self.new_file is not None:
            return read_passphrase_file(self.new_file)
        if os.environ.get(NEW_PASSPHRASE_ENV):
            return os.environ[NEW_PASSPHRASE_ENV]
        if not self.rekey:
            given = self._given(1)
            if given is not None:
                return given
        if not self.interactive:
            return None
        first = getpass.getpass(f"New passphrase for {path.name}: ")
        if not first:
            return None
        if getpass.getpass("Type it again: ") != first:
            raise UserError("the two passphrases differ; nothing was changed")
        self._remembered[path.resolve()] = first
        return first
