"""Errors that reach the user as one readable line.

Every refusal of bad input raises a :class:`UserError` (or a subclass). Its message says what is
wrong in no front end's words ("a segment is needed", "that name is taken"); what the user can
change to get past it is a :class:`Remedy`: which :class:`Input` (a key such as ``segment``,
``name``, ``force``) and what to do with it (:class:`Fix`). Each front end words the remedy from
its one table: the command line (``socialcoder.cli.errors``) as its flag ("give --segment N"),
prints the line on stderr and exits with status 2; the GUI (``socialcoder.gui.errors``) as a
neutral sentence in a dialog. ``str(error)`` is the located message without a remedy. Nothing
else about the error (no traceback, no transcript text beyond what locates the problem) is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Input(StrEnum):
    """Something the user gives or chooses, named once for every front end (each words it)."""

    ADD_CODER = "add_coder"  # (an action) add a coder to the study
    ADD_CODERS = "add_coders"  # let a codes import add coders it does not know
    AFTER_DAYS = "after_days"  # days before a retest pass
    BLEEP = "bleep"  # (an action) make a bleeped recording for a de-identified copy
    ALLOW_REORDER = "allow_reorder"  # allow a codebook update to move existing values
    ANCHORS = "anchors"  # how many anchor transcripts a design draws
    CODEBOOK = "codebook"  # a codebook file for a REFI-QDA import
    CODEBOOK_UPDATE = "codebook_update"  # (an action) record a new codebook version
    CODERS = "coders"  # the coders (or layers) an action is about
    CODES = "codes"  # which codes the analyses read (final, consensus, mean, a coder)
    ENCRYPT = "encrypt"  # (an action) encrypt a study file
    END = "end"  # where a recording's excerpt ends
    FOLDS = "folds"  # cross-validation folds
    FORCE = "force"  # replace an existing output file
    FORMAT = "format"  # an export's file format
    GIVEN = "given"  # the given codes of a sequential analysis
    LEVEL = "level"  # a dimension's level of measurement for reliability
    LIST_TRANSCRIPTS = "list_transcripts"  # (an action) see the study's transcripts
    MATRIX = "matrix"  # the whole lag-sequential matrix
    MIGRATE = "migrate"  # (an action) upgrade a study file's schema
    NAME = "name"  # a new transcript's name
    NEW_PASSPHRASE = "new_passphrase"  # a passphrase for a file about to be encrypted
    ONE_SPEAKER = "one_speaker"  # whose text a text without speaker labels is
    ORIGINAL_TEXT = "original_text"  # train on the original text although a copy exists
    OVERLAP = "overlap"  # the percentage of transcripts coded twice
    PASSPHRASE = "passphrase"  # an encrypted study's passphrase
    REASON = "reason"  # why the lead decided (goes in the audit log)
    REKEY = "rekey"  # (an action) change an encrypted study's passphrase
    REMOVE_LOGIN = "remove_login"  # (an action) take a lab server login away from its coder
    RENAME_CODER = "rename_coder"  # (an action) rename a coder
    RETEST_PERCENT = "retest_percent"  # the percentage of completed work coded again
    REVIEW_FILE = "review_file"  # the de-identification review file
    SAMPLE_PATH = "sample_path"  # where the sample study is written
    SEGMENT = "segment"  # the segment a code is for
    SERVER_SETUP = "server_setup"  # (an action) set up a lab server database
    SPEAKER_MAP = "speaker_map"  # the role of each speaker label
    START = "start"  # where a recording's excerpt starts
    TARGET = "target"  # the target codes of a sequential analysis
    THRESHOLD = "threshold"  # the lowest probability of a disagreement shown
    TRAIN_MACHINE = "train_machine"  # (an action) train a machine coder


class Fix(StrEnum):
    """What to do with a remedy's inputs."""

    GIVE = "give"  # it is missing: give it
    ANOTHER = "another"  # the value given is taken or refused there: choose another
    CHANGE = "change"  # the value given is out of range: change it
    SWITCH = "switch"  # a switch that allows what was refused: turn it on
    OMIT = "omit"  # it does not go with the rest: leave it out
    RUN = "run"  # an action to take (its input is the action's key)


@dataclass(frozen=True)
class Remedy:
    """One way past a refusal: ``fix`` the ``inputs`` (all of them together). ``example`` is a
    value in the input's own syntax (``A,B``, ``'P1=ROLE'``) that a front end may show."""

    fix: Fix
    inputs: tuple[Input, ...]
    example: str = ""

    @classmethod
    def give(cls, *inputs: Input, example: str = "") -> Remedy:
        return cls(Fix.GIVE, inputs, example)

    @classmethod
    def another(cls, *inputs: Input) -> Remedy:
        return cls(Fix.ANOTHER, inputs)

    @classmethod
    def change(cls, *inputs: Input) -> Remedy:
        return cls(Fix.CHANGE, inputs)

    @classmethod
    def switch(cls, *inputs: Input) -> Remedy:
        return cls(Fix.SWITCH, inputs)

    @classmethod
    def omit(cls, *inputs: Input) -> Remedy:
        return cls(Fix.OMIT, inputs)

    @classmethod
    def run(cls, action: Input, example: str = "") -> Remedy:
        return cls(Fix.RUN, (action,), example)


def remedies_of(remedy: Remedy | Sequence[Remedy] | None) -> tuple[Remedy, ...]:
    """``remedy`` as a tuple of alternatives (any one of them will do)."""
    if remedy is None:
        return ()
    if isinstance(remedy, Remedy):
        return (remedy,)
    return tuple(remedy)


class UserError(Exception):
    """Bad input or a refused action, explained in one line.

    ``source`` names the file (or study) concerned and ``line``/``row`` where the problem is,
    when known; they are folded into the message as ``file:line: message``. ``remedy`` (one
    :class:`Remedy`, or several alternatives) says what the user can change; the front ends
    word it, so the message itself names no flag, option or control.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        row: int | None = None,
        remedy: Remedy | Sequence[Remedy] | None = None,
    ) -> None:
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line
        self.row = row
        self.remedies = remedies_of(remedy)
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
            f"unknown speaker label(s) {shown}: say which role each is (therapist or patient; "
            "text for a word that is no speaker)",
            source=source,
            remedy=Remedy.give(Input.SPEAKER_MAP, example=f"'{example}'"),
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
        remedy: Remedy | Sequence[Remedy] | None = None,
    ) -> None:
        self.what = what
        self.names = names
        super().__init__(message, source=source, remedy=remedy)


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
