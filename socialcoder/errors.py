"""Errors that reach the user as one readable line.

Every refusal of bad input raises a :class:`UserError` (or a subclass). The command line prints
``str(error)`` on stderr and exits with status 2; the GUI shows it in a dialog. Nothing else about
the error (no traceback, no transcript text beyond what locates the problem) is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class UserError(Exception):
    """Bad input or a refused action, explained in one line.

    ``source`` names the file (or study) concerned and ``line``/``row`` where the problem is,
    when known; they are folded into the message as ``file:line: message``.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        row: int | None = None,
    ) -> None:
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line
        self.row = row
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.source:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
            elif self.row is not None:
                where += f": row {self.row}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        elif self.row is not None:
            where = f"row {self.row}: "
        return where + self.message


class CodebookError(UserError):
    """A codebook file that cannot be used."""


class ImportFormatError(UserError):
    """A transcript file that cannot be imported."""


class UnknownSpeakersError(ImportFormatError):
    """Speaker labels that map to no role; ``labels`` lists them in order of appearance
    (``lines``, when known, gives the first line of each)."""

    def __init__(
        self,
        labels: list[str],
        *,
        source: str | Path | None = None,
        lines: Mapping[str, int] | None = None,
    ) -> None:
        self.labels = labels
        lines = lines or {}
        shown = ", ".join(
            repr(label) + (f" (line {lines[label]})" if label in lines else "") for label in labels
        )
        example = ",".join(f"{label}=ROLE" for label in labels[:3])
        super().__init__(
            f"unknown speaker label(s) {shown}; say which role each is with --speaker-map "
            f"'{example}' (ROLE: therapist or patient; text for a word that is no speaker)",
            source=source,
        )


class StudyError(UserError):
    """A study that cannot be opened or an action on it that is refused."""


class NoTurnsError(ImportFormatError):
    """A text in which no line reads as a speaker's turn (the REFI-QDA import then offers to
    read it as one speaker's text)."""


class NotFound(StudyError):
    """Something named that the study does not have: ``what`` is its kind (``transcript``,
    ``coder``, ``dimension``, ``segment``) and ``names`` what was asked for."""

    def __init__(
        self,
        message: str,
        *,
        what: str,
        names: tuple[str, ...],
        source: str | Path | None = None,
    ) -> None:
        self.what = what
        self.names = names
        super().__init__(message, source=source)


class Conflict(StudyError):
    """A refused change because something of that name already exists (a study file, a
    mapping file, a login given to another coder)."""


class PermissionDenied(StudyError):
    """The login in use may not do this: a coder's login reaching another coder's work
    (``login`` is that login's coder, ``other`` the one asked for)."""

    def __init__(
        self, message: str, *, login: str, other: str, source: str | Path | None = None
    ) -> None:
        self.login = login
        self.other = other
        super().__init__(message, source=source)
