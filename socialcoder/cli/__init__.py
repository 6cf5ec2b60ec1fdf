"""The ``socialcoder`` command line: subcommands over the study services.

Each command module registers its subcommands with :func:`argparse` and a handler that
returns an exit status. Bad input raises :class:`socialcoder.errors.UserError`, which
:func:`main` prints as one line on stderr with exit status 2 (no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from socialcoder import __version__
from socialcoder.errors import UserError

#: every top-level command and the module (in ``socialcoder.cli``) that registers it. A command
#: run imports only its own module, so that it loads only what it needs (no SQLAlchemy for
#: ``--version``, no pandas for ``info``); ``--help`` and a usage error import them all.
#: tests/cli/test_cli_startup.py checks this table against what the modules register.
COMMANDS: dict[str, str] = {
    "init": "study_cmds",
    "info": "study_cmds",
    "migrate": "study_cmds",
    "settings": "study_cmds",
    "codebook": "study_cmds",
    "import": "transcript_cmds",
    "transcripts": "transcript_cmds",
    "show": "transcript_cmds",
    "media": "media_cmds",
    "coders": "coding_cmds",
    "code": "coding_cmds",
    "memo": "coding_cmds",
    "complete": "coding_cmds",
    "codes": "coding_cmds",
    "reliability": "reliability_cmds",
    "report": "reliability_cmds",
    "disagreements": "reliability_cmds",
    "consensus": "reliability_cmds",
    "adjudicate": "reliability_cmds",
    "assign": "lead_cmds",
    "unassign": "lead_cmds",
    "calibrate": "lead_cmds",
    "progress": "lead_cmds",
    "export": "export_cmds",
    "measures": "export_cmds",
    "import-refi": "export_cmds",
    "analyze": "analysis_cmds",
    "machine": "machine_cmds",
    "encrypt": "privacy_cmds",
    "decrypt": "privacy_cmds",
    "rekey": "privacy_cmds",
    "deidentify": "privacy_cmds",
    "bleep": "privacy_cmds",
    "withdraw": "privacy_cmds",
    "audit": "privacy_cmds",
    "merge": "server_cmds",
    "server": "server_cmds",
    "demo": "demo_cmd",
    "gui": "demo_cmd",
    "desktop": "desktop_cmd",
}
#: the command modules, in the order ``--help`` lists their commands
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(COMMANDS.values()))


def command_modules(argv: Sequence[str] | None = None) -> list[ModuleType]:
    """The command modules a command line needs: the named command's own module; none for a
    bare ``--version``; all of them otherwise (``--help``, no command, an unknown one)."""
    args = list(sys.argv[1:] if argv is None else argv)
    word = next((a for a in args if not a.startswith("-")), None)
    if word in COMMANDS:
        names: Sequence[str] = (COMMANDS[word],)
    elif word is None and "--version" in args and not {"-h", "--help"} & set(args):
        names = ()
    else:
        names = COMMAND_MODULES
    return [importlib.import_module(f"socialcoder.cli.{name}") for name in names]


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2), like every other refusal of bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command-line parser; with ``argv``, only what parsing that command line needs
    (see :func:`command_modules`); without, every command."""
    parser = Parser(
        prog="socialcoder",
        description="Code psychotherapy-session transcripts with several blind coders, "
        "check inter-rater reliability and export for analysis. STUDY is a study file "
        "(e.g. trial.scstudy) or a database URL (postgresql+psycopg://user@host/db).",
    )
    parser.add_argument("--version", action="version", version=f"socialcoder {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in command_modules(argv if argv is not None else ["--help"]):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a one-line usage error (exit 2)
        return exc.code if isinstance(exc.code, int) else 2
    from socialcoder.cli import common
    from socialcoder.cli.passphrase import CliPassphrases
    from socialcoder.services.passphrases import passphrase_source

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
        from socialcoder.cli.errors import describe

        print(f"socialcoder: error: {describe(exc)}", file=sys.stderr)
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
        from socialcoder.cli.errors import describe
        from socialcoder.services.study import busy_refusal

        busy = busy_refusal(exc, getattr(args, "study", None))
        if busy is not None:
            print(f"socialcoder: error: {describe(busy)}", file=sys.stderr)
            return busy.exit_code
        if os.environ.get("SOCIALCODER_DEBUG"):
            raise
        print(
            f"socialcoder: internal error ({type(exc).__name__}: {exc}); the study is unchanged "
            "by the unfinished action. Set SOCIALCODER_DEBUG=1 for details and please report it.",
            file=sys.stderr,
        )
        return 1
