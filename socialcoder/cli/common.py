"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from socialcoder.domain.numbers import NumberRange
from socialcoder.errors import StudyError, UserError
from socialcoder.services.study import Study, open_study

Handler = Callable[[argparse.Namespace], int | None]


def add_study_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="study file (.scstudy) or database URL")


def add_force_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="replace OUT if it exists (never a study)"
    )


def study_of(args: argparse.Namespace) -> Study:
    """Open the command's study, refusing before anything is read:

    * on a server study, a coder's login may run only the commands registered with
      ``coder_ok=True`` (a coder's own work: code, memo, complete, show, transcripts, codebook
      show); every other command needs a lead's login (instead of showing a coder's part as if
      it were the study);
    * on a read-only study (a read-only file, folder or mount), a command registered with
      ``writes=True`` (unless run with ``--dry-run``): it says so in one line.
    """
    study = open_study(args.study)
    coder = study.login_coder
    if coder is not None and not getattr(args, "coder_ok", False):
        study.close()
        raise UserError(
            f"`socialcoder {args.sc_command}` needs a lead's login: this login belongs to coder "
            f"{coder!r} and sees only that coder's own codes, memos and completions",
            source=study.location,
        )
    wants_to_write = getattr(args, "writes", False) and not getattr(args, "dry_run", False)
    if wants_to_write and study.read_only is not None:
        study.close()
        raise StudyError(
            f"is read-only: {study.read_only}; nothing was changed (this command would change "
            "the study; reading commands such as info, show, reliability and export work)",
            source=study.location,
        )
    return study


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
        name, help=help_text, description=help_text, **kwargs
    )
    command_name = " ".join(parser.prog.split()[1:])
    parser.set_defaults(handler=handler, coder_ok=coder_ok, writes=writes, sc_command=command_name)
    return parser
