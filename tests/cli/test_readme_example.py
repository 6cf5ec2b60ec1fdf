"""The README's command-line example runs as written on the sample files (issue #10, 'Done
when'), and every dependency in pyproject is bounded above (item 4)."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]


def _example() -> list[list[str]]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A study from the command line", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "no example in the README section"
    lines = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "socialcoder", line
            lines.append(words[1:])
    return lines


def test_the_readme_example_runs_as_written(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # as from the repository's root, with its sample_transcripts/
    (tmp_path / "sample_transcripts").symlink_to(REPO / "sample_transcripts")
    steps = _example()
    assert steps[0][0] == "init" and steps[-1][0] == "gui"
    for args in steps[:-1]:
        result = cli(*args)
        assert result.code == 0, (args, result.err)
    assert "Transcripts: 3 (197 segments)" in cli("info", "trial.scstudy").out
    codes = pd.read_csv(tmp_path / "trial-long.csv", dtype={"value": str, "segment": "Int64"})
    coded = codes[(codes["segment"] == 5) & (codes["dimension"] == "concordance")]
    assert sorted(coded["value"]) == ["1", "1"]
    # the window line names a coder and a transcript that exist (the window itself is
    # tested in tests/gui)
    gui = steps[-1]
    coder, transcript = gui[gui.index("--coder") + 1], gui[gui.index("--transcript") + 1]
    assert cli("show", gui[1], transcript, "--coder", coder).code == 0


@pytest.mark.parametrize("group", ["dependencies", "postgres", "test"])
def test_every_dependency_has_an_upper_bound(group: str) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = (
        project["dependencies"]
        if group == "dependencies"
        else project["optional-dependencies"][group]
    )
    for text in requirements:
        requirement = Requirement(text)
        assert any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement.specifier), (
            f"{text}: bound it to the major versions the tests passed on"
        )
