"""`socialcoder --help` and every command's `--help` print their text (a help string with a bare
'%' made argparse fail with a traceback instead)."""

from __future__ import annotations

import argparse

from socialcoder.cli import build_parser, main


def _commands() -> list[str]:
    parser = build_parser()
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(found[0].choices)


def test_top_level_help_prints(capsys) -> None:
    assert main(["--help"]) == 0
    assert "usage:" in capsys.readouterr().out


def test_each_command_has_help(capsys) -> None:
    for command in _commands():
        assert main([command, "--help"]) == 0, command
        assert "usage:" in capsys.readouterr().out
