"""Typed service errors (socialcoder/errors.py): the services raise NotFound / Conflict with
fields, and the command line still prints the same one line and exits with status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.errors import Conflict, NotFound, StudyError
from socialcoder.services.coding import set_code
from socialcoder.services.study import create_study, open_study

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"
T1 = "P01_session02"


@pytest.fixture
def coded(cli, target_study) -> str:
    assert cli("import", target_study, SAMPLES / "P01_session02.txt").code == 0
    assert cli("coders", "add", target_study, "ana").code == 0
    return target_study


def _code(target: str, **given: object) -> None:
    args: dict[str, object] = {
        "coder": "ana",
        "transcript": T1,
        "segment": 2,
        "dimension": "concordance",
        "value": "1",
    }
    args.update(given)
    with open_study(target) as study:
        set_code(study, **args)


@pytest.mark.parametrize(
    ("given", "what", "names", "line"),
    [
        (
            {"transcript": "nope"},
            "transcript",
            ("nope",),
            "no transcript named 'nope' in this study",
        ),
        (
            {"coder": "zed"},
            "coder",
            ("zed",),
            "unknown coder 'zed' (coders: ana); run `socialcoder coders add`",
        ),
        ({"dimension": "warmth"}, "dimension", ("warmth",), "unknown dimension 'warmth' ("),
        ({"segment": 999}, "segment", ("999",), "there is no segment 999"),
    ],
)
def test_not_found_is_typed_and_worded_as_before(cli, coded, given, what, names, line):
    with pytest.raises(NotFound) as raised:
        _code(coded, **given)
    assert isinstance(raised.value, StudyError)  # callers catching StudyError still catch it
    assert (raised.value.what, raised.value.names) == (what, names)
    flags = {"coder": "--coder", "transcript": "--transcript", "segment": "--segment"}
    args = {"--coder": "ana", "--transcript": T1, "--segment": "2", "--dimension": "concordance"}
    for key, value in given.items():
        args[flags.get(key, "--dimension")] = str(value)
    result = cli("code", coded, *[x for kv in args.items() for x in kv], "--value", "1")
    assert result.code == 2
    assert line in result.err and result.err.count("\n") == 1


def test_existing_study_is_a_conflict(cli, tmp_path):
    path = tmp_path / "taken.scstudy"
    path.write_bytes(b"")
    with pytest.raises(Conflict):
        create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH)
    result = cli("init", path)
    assert result.code == 2
    assert "already exists; SocialCoder never overwrites a study" in result.err
