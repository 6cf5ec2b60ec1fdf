"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from socialcoder.services.study import Study, open_study

Handler = Callable[[argparse.Namespace], int | None]


def add_study_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("study", metavar="STUDY", help="study file (.scstudy) or database URL")


def add_force_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="replace OUT if it exists (never a study)"
    )


def study_of(args: argparse.Namespace) -> Study:
    return open_study(args.study)


def existing_file(text: str) -> Path:
    return Path(text).expanduser()


def command(
    commands: Any, name: str, handler: Handler, help_text: str, **kwargs: Any
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help_text, description=help_text, **kwargs
    )
    parser.set_defaults(handler=handler)
    return parser
