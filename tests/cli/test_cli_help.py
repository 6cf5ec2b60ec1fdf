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
    shown = " ".join(capsys.readouterr().out.split())
    assert "kappa with its 95% interval" in shown and "%%" not in shown


def test_each_command_has_help(capsys) -> None:
    for command in _commands():
        assert main([command, "--help"]) == 0, command
        assert "usage:" in capsys.readouterr().out


def test_every_help_string_expands() -> None:
    """Each command's and option's help goes through argparse's %-formatting without error
    (a bare '%' fails only when that text is shown)."""

    def walk(parser: argparse.ArgumentParser) -> None:
        formatter = parser._get_formatter()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    formatter._expand_help(choice)
                for sub in action.choices.values():
                    walk(sub)
            elif action.help:
                formatter._expand_help(action)

    walk(build_parser())
