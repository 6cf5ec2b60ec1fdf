"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialcoder.domain.numbers import NumberRange
from socialcoder.errors import StudyError, UserError

if TYPE_CHECKING:  # opening a study imports SQLAlchemy: only a command that opens one pays
    from socialcoder.services.study import Study
    from socialcoder.services.study_file import StudyFile

Handler = Callable[[argparse.Namespace], int | None]


def add_study_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="study file (.scstudy) or database URL")
    add_passphrase_arg(parser)


def add_passphrase_arg(parser: argparse.ArgumentParser) -> None:
    """``--passphrase-file`` for encrypted studies (the passphrase itself is never an argument:
    the process list would show it)."""
    if any("--passphrase-file" in a.option_strings for a in parser._actions):
        return
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help="encrypted studies: read the passphrase from the first line of FILE "
        "(or set SOCIALCODER_PASSPHRASE; otherwise it is asked for)",
    )


def add_new_passphrase_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--new-passphrase-file",
        type=Path,
        metavar="FILE",
        help="the new passphrase, from the first line of FILE (or set "
        "SOCIALCODER_NEW_PASSPHRASE; otherwise it is asked for twice)",
    )


def add_force_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="replace OUT if it exists (never a study)"
    )


@contextmanager
def study_of(args: argparse.Namespace, *, record: bool = True) -> Iterator[Study]:
    """The command's study, open for the block, refusing before anything is read:

    * on a server study, a coder's login may run only the commands registered with
      ``coder_ok=True`` (a coder's own work: code, memo, complete, show, transcripts, codebook
      show); every other command needs a lead's login (instead of showing a coder's part as if
      it were the study);
    * on a read-only study (a read-only file, folder or mount), a command registered with
      ``writes=True`` (unless run with ``--dry-run``): it says so in one line.

    When the block ends without an error, who used the study from where is recorded (an
    'opened' study event, best effort: left out on a read-only study; a refused command leaves
    the study file exactly as it was)."""
    from socialcoder.services.audit_events import record_opened
    from socialcoder.services.study import open_study

    with open_study(args.study) as study:
        coder = study.login_coder
        if coder is not None and not getattr(args, "coder_ok", False):
            raise UserError(
                f"`socialcoder {args.sc_command}` needs a lead's login: this login belongs to "
                f"coder {coder!r} and sees only that coder's own codes, memos and completions",
                source=study.location,
            )
        wants_to_write = getattr(args, "writes", False) and not getattr(args, "dry_run", False)
        if wants_to_write and study.read_only is not None:
            raise StudyError(
                f"is read-only: {study.read_only}; nothing was changed (this command would "
                "change the study; reading commands such as info, show, reliability and export "
                "work)",
                source=study.location,
            )
        yield study
        if record and study.read_only is None:
            record_opened(study, program=f"socialcoder {args.sc_command}")


@contextmanager
def study_to_read(args: argparse.Namespace) -> Iterator[Study | StudyFile]:
    """For a command that only reads what :class:`~socialcoder.services.study_file.StudyFile`
    offers (``reliability``): a plain study file at the current schema opened without
    SQLAlchemy (issue #14: start-up), recorded as opened as :func:`study_of` records it;
    anything else (a database URL, an encrypted file, a study to upgrade or refuse) is opened
    by :func:`study_of`, with its messages and checks."""
    from socialcoder.services.study_file import open_study_file

    plain = open_study_file(args.study)
    if plain is None:
        with study_of(args) as study:
            yield study
        return
    with plain:
        yield plain
        plain.record_opened(program=f"socialcoder {args.sc_command}")


_noted: set[str] = set()


def note(text: str | None) -> None:
    """Print a note on stderr, once per command run (e.g. that exports are not encrypted)."""
    if text and text not in _noted:
        _noted.add(text)
        print(f"socialcoder: {text}", file=sys.stderr)


def number(limits: NumberRange) -> Callable[[str], Any]:
    """An argparse ``type`` for a numeric option: the number, or one line naming its range
    (every numeric option goes through this; the ranges are in :mod:`socialcoder.domain.numbers`)."""

    def parse(text: str) -> int | float:
        try:
            return limits.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = limits.noun
    return parse


def existing_file(text: str) -> Path:
    return Path(text).expanduser()


def command(
    commands: Any,
    name: str,
    handler: Handler,
    help_text: str,
    *,
    coder_ok: bool = False,
    writes: bool = False,
    **kwargs: Any,
) -> argparse.ArgumentParser:
    """Register a subcommand; ``coder_ok`` lets a coder's login run it, ``writes`` says that it
    changes the study (refused on a read-only one); see :func:`study_of`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help_text.replace("%", "%%"), description=help_text, **kwargs
    )
    command_name = " ".join(parser.prog.split()[1:])
    parser.set_defaults(handler=handler, coder_ok=coder_ok, writes=writes, sc_command=command_name)
    return parser
