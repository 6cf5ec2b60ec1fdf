"""Attack suite, issue #20 item 9: lead-only commands run with a coder's login refuse (exit 2,
one line) instead of printing the coder's part as if it were the whole study; a coder's own
commands act on her own work only."""

from __future__ import annotations

import argparse

import pytest

from socialcoder.cli import build_parser
from socialcoder.cli import main as cli_main
from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.study import open_study

T = "P01_session02"
CODER_COMMANDS = {"code", "memo", "complete", "transcripts", "show", "codebook show"}


@pytest.fixture
def lab(make_lab):
    lab = make_lab()
    with open_study(lab.url("ben")) as ben:
        set_code(ben, coder="ben", transcript=T, segment=2, dimension="concordance", value="1")
        set_completed(ben, coder="ben", transcript=T)
    with open_study(lab.url("ana")) as ana:
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="0")
    return lab


@pytest.mark.parametrize(
    "args",
    [
        ["disagreements", "{url}"],
        ["reliability", "{url}"],
        ["coders", "list", "{url}"],
        ["info", "{url}"],
        ["progress", "{url}"],
        ["consensus", "{url}", "--coders", "ana,ben"],
        ["adjudicate", "{url}", "--transcript", T, "--segment", "2", "--dimension", "concordance",
         "--value", "1", "--reason", "mine"],
        ["codes", "export", "{url}", "{tmp}/codes.csv"],
        ["export", "{url}", "{tmp}/long.csv"],
        ["assign", "{url}", "--coder", "ana", "--transcript", T],
        ["calibrate", "{url}", "--trainee", "ana", "--gold", "ben", "--transcript", T],
    ],
)  # fmt: skip
def test_lead_only_commands_refuse_a_coders_login(lab, tmp_path, capsys, args):
    argv = [a.format(url=lab.url("ana"), tmp=tmp_path) for a in args]
    assert cli_main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "needs a lead's login: this login belongs to coder 'ana'" in captured.err
    assert captured.err.count("\n") == 1
    assert not list(tmp_path.iterdir())  # no file written either


def test_a_coder_cannot_act_for_another_coder(lab, capsys):
    url = lab.url("ana")
    for argv in (
        ["complete", url, "--coder", "ben", "--transcript", T, "--reopen"],
        ["code", url, "--coder", "ben", "--transcript", T, "--segment", "2",
         "--dimension", "concordance", "--clear"],
        ["show", url, T, "--coder", "ben"],
    ):  # fmt: skip
        assert cli_main(argv) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "belongs to coder 'ana': it can neither see nor change the work of 'ben'" in (
            captured.err
        )
    assert lab.sql("admin", "SELECT count(*) FROM completions") == [(1,)]  # ben's, untouched


def test_a_coders_own_commands_work_on_her_work(lab, capsys):
    url = lab.url("ana")
    assert cli_main(["show", url, T, "--coder", "ana"]) == 0
    assert "concordance=0" in capsys.readouterr().out
    assert cli_main(["complete", url, "--coder", "ana", "--transcript", T]) == 0
    assert f"{T} is complete for ana." in capsys.readouterr().out
    assert cli_main(["transcripts", url]) == 0
    listing = capsys.readouterr().out
    assert "ana done" in listing and "ben" not in listing
    assert cli_main(["codebook", "show", url]) == 0


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, bool]:
    """Every runnable command -> whether a coder's login may run it."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix} {name}".strip()
                defaults = sub._defaults
                if "handler" in defaults:
                    found[full] = bool(defaults.get("coder_ok"))
                found.update(_commands(sub, full))
    return found


def test_every_command_but_a_coders_own_is_lead_only():
    """New commands are lead-only unless registered otherwise."""
    commands = _commands(build_parser())
    assert {name for name, ok in commands.items() if ok} == CODER_COMMANDS
    assert len(commands) > 20
