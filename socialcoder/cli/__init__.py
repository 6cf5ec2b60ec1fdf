"""The ``socialcoder`` command line: subcommands over the study services.

Each command module registers its subcommands with :func:`argparse` and a handler that
returns an exit status. Bad input raises :class:`socialcoder.errors.UserError`, which
:func:`main` prints as one line on stderr with exit status 2 (no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from socialcoder import __version__
from socialcoder.cli import (
    coding_cmds,
    demo_cmd,
    desktop_cmd,
    export_cmds,
    lead_cmds,
    machine_cmds,
    media_cmds,
    privacy_cmds,
    reliability_cmds,
    server_cmds,
    study_cmds,
    transcript_cmds,
)
from socialcoder.errors import UserError

COMMAND_MODULES = (
    study_cmds,
    transcript_cmds,
    media_cmds,
    coding_cmds,
    reliability_cmds,
    lead_cmds,
    export_cmds,
    machine_cmds,
    privacy_cmds,
    server_cmds,
    demo_cmd,
    desktop_cmd,
)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2), like every other refusal of bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="socialcoder",
        description="Code psychotherapy-session transcripts with several blind coders, "
        "check inter-rater reliability and export for analysis. STUDY is a study file "
        "(e.g. trial.scstudy) or a database URL (postgresql+psycopg://user@host/db).",
    )
    parser.add_argument("--version", action="version", version=f"socialcoder {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from socialcoder.cli import common
    from socialcoder.cli.passphrase import CliPassphrases
    from socialcoder.services.encryption import passphrase_source

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a one-line usage error (exit 2)
        return exc.code if isinstance(exc.code, int) else 2
    common._noted.clear()
    source = CliPassphrases(
        file=getattr(args, "passphrase_file", None),
        new_file=getattr(args, "new_passphrase_file", None),
        rekey=args.command == "rekey",
    )
    try:
        with passphrase_source(source):
            return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"socialcoder: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "socialcoder: interrupted; the study is unchanged by the unfinished action",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error: one line, details only on request
        if os.environ.get("SOCIALCODER_DEBUG"):
            raise
        print(
            f"socialcoder: internal error ({type(exc).__name__}: {exc}); the study is unchanged "
            "by the unfinished action. Set SOCIALCODER_DEBUG=1 for details and please report it.",
            file=sys.stderr,
        )
        return 1
