"""The command line loads only what a command needs (issue #14: start-up).

What a process imported is read from ``sys.modules`` in a fresh interpreter: a correctness
check that later work cannot silently make ``--version`` or ``info`` load pandas, SQLAlchemy
or Qt (the speed itself is measured in benchmarks/, never here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from socialcoder.cli import COMMAND_MODULES, COMMANDS, Parser, build_parser, main

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "scipy", "PySide6", "matplotlib", "pyarrow", "openpyxl")
SCHEMA_TOOLS = ("alembic", "pydantic", "yaml")


def imported_by(code: str, *, whole: bool = False) -> set[str]:
    """The top-level packages (``whole``: the modules) a fresh interpreter has imported after
    running ``code``."""
    probe = f"import sys\n{code}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    names = json.loads(done.stdout.strip().splitlines()[-1])
    return set(names) if whole else {name.split(".")[0] for name in names}


def test_importing_the_command_line_loads_no_database_data_or_qt_library():
    loaded = imported_by("import socialcoder.cli")
    assert not loaded & {*HEAVY, *SCHEMA_TOOLS, "sqlalchemy"}


def test_version_loads_no_database_data_or_qt_library():
    loaded = imported_by("from socialcoder.cli import main\nassert main(['--version']) == 0")
    assert not loaded & {*HEAVY, *SCHEMA_TOOLS, "sqlalchemy"}


def test_info_on_a_study_file_loads_no_database_library(sample_study: Path, study_encryption: str):
    if study_encryption == "encrypted":
        pytest.skip("an encrypted study is opened by the engine (its passphrase asked for once)")
    loaded = imported_by(
        f"from socialcoder.cli import main\nassert main(['info', {str(sample_study)!r}]) == 0"
    )
    # read by plain SQL (services/study_summary.py): no SQLAlchemy, no data or Qt library, no
    # migration tool, and the codebook is not parsed (YAML, pydantic)
    assert not loaded & {*HEAVY, *SCHEMA_TOOLS, "sqlalchemy"}


def test_reliability_on_a_study_file_loads_no_database_or_schema_library(
    sample_study: Path, study_encryption: str
):
    if study_encryption == "encrypted":
        pytest.skip("an encrypted study is opened by the engine (its passphrase asked for once)")
    loaded = imported_by(
        "from socialcoder.cli import main\n"
        f"assert main(['reliability', {str(sample_study)!r}, '--json']) == 0",
        whole=True,
    )
    packages = {name.split(".")[0] for name in loaded}
    # read by plain SQL (services/study_file.py, services/reliability_data.py), the codebook
    # read back without pydantic, the figures by numpy alone
    assert not packages & {"sqlalchemy", "alembic", "pydantic", "pandas", "scipy", "PySide6"}
    assert not packages & {"matplotlib", "pyarrow", "openpyxl", "psycopg"}
    assert "numpy" in packages
    assert not {m for m in loaded if m.startswith("socialcoder.storage.")} - {
        "socialcoder.storage.access",
        "socialcoder.storage.encryption",
        "socialcoder.storage.keys",
        "socialcoder.storage.migrate",
        "socialcoder.storage.plain",
    }  # no mapped models, no engine
    # nor what only a bootstrap, a new key or another command needs (issue #14: start-up):
    # secrets, hashlib, statistics' fractions and random, numpy.ma (np.unique's first call)
    assert not loaded & {"secrets", "hashlib", "statistics", "fractions", "numpy.ma"}


def test_info_on_a_study_to_upgrade_opens_it_with_the_engine(
    sample_study: Path, study_encryption: str
):
    import sqlite3

    if study_encryption == "encrypted":
        pytest.skip("the revision is changed with the plain sqlite3 module")
    from socialcoder.storage import migrate

    older = migrate.revision_chain()[-2]
    with sqlite3.connect(sample_study) as conn:  # only the revision: open_study is not run
        conn.execute("UPDATE alembic_version SET version_num = ?", (older,))
    conn.close()
    loaded = imported_by(
        "from socialcoder.storage import migrate\n"
        "migrate.upgrade = lambda engine, revision='head': print('upgrade')\n"
        f"from socialcoder.cli import main\nmain(['info', {str(sample_study)!r}])"
    )
    assert "sqlalchemy" in loaded  # left to open_study, which upgrades it
    assert not loaded & set(HEAVY)


def test_the_command_table_names_what_each_module_registers():
    for module_name in COMMAND_MODULES:
        parser = Parser(prog="socialcoder")
        commands = parser.add_subparsers()
        module = __import__(f"socialcoder.cli.{module_name}", fromlist=["register"])
        module.register(commands)
        assert {c for c, m in COMMANDS.items() if m == module_name} == set(commands.choices)


def test_a_command_line_builds_only_its_own_command():
    only_info = build_parser(["info", "x.scstudy"])
    subcommands = next(a for a in only_info._actions if a.dest == "command")
    assert set(subcommands.choices) == {c for c, m in COMMANDS.items() if m == "study_cmds"}
    every = build_parser()
    subcommands = next(a for a in every._actions if a.dest == "command")
    assert list(subcommands.choices) == list(COMMANDS)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]):
    # a help text with '95% interval' once broke `socialcoder --help` (argparse % formatting)
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)
    assert "Judge a trainee" in out  # the help that holds "95% interval"


def test_unknown_command_is_one_line_naming_the_commands(capsys: pytest.CaptureFixture[str]):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice" in err and "reliability" in err
