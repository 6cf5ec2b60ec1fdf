"""`socialcoder assign`, `progress`, `coders rename/deactivate` on real study files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from socialcoder.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == status, err
    return out if status == 0 else err


@pytest.fixture
def study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "s.scstudy")
    run(capsys, "init", path)
    files = []
    for i in range(10):
        f = tmp_path / f"t{i:02d}.txt"
        f.write_text(f"T: hello {i}\nP: patient turn {i}\nT: bye {i}\n", encoding="utf-8")
        files.append(str(f))
    run(capsys, "import", path, *files)
    run(capsys, "coders", "add", path, "ana", "ben", "cleo")
    return path


def plan(capsys: pytest.CaptureFixture[str], study: str, *extra: str) -> list[dict[str, str]]:
    return json.loads(run(capsys, "assign", study, "--coders", "ana,ben,cleo", "--json", *extra))


def test_plan_is_balanced_seeded_and_covers_every_transcript(
    study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = plan(capsys, study, "--overlap", "30", "--seed", "5", "--dry-run")
    again = plan(capsys, study, "--overlap", "30", "--seed", "5", "--dry-run")
    assert first == again
    primary = [a for a in first if a["purpose"] == "primary"]
    second = [a for a in first if a["purpose"] == "reliability"]
    assert sorted(a["transcript"] for a in primary) == [f"t{i:02d}" for i in range(10)]
    assert len(second) == 3
    for a in second:
        assert a["coder"] != next(p["coder"] for p in primary if p["transcript"] == a["transcript"])
    load = Counter(a["coder"] for a in first)
    assert max(load.values()) - min(load.values()) <= 1


def test_existing_assignments_and_codes_are_never_disturbed(
    study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "assign", study, "--coder", "cleo", "--transcript", "t03")
    run(
        capsys,
        "code",
        study,
        "--coder",
        "cleo",
        "--transcript",
        "t03",
        "--segment",
        "2",
        "--dimension",
        "concordance",
        "--value",
        "1",
    )
    stored = plan(capsys, study, "--overlap", "20", "--seed", "1")
    assert all(not (a["transcript"] == "t03" and a["purpose"] == "primary") for a in stored)
    again = plan(capsys, study, "--overlap", "20", "--seed", "1")
    assert again == []  # everything is assigned; nothing changes
    entries = json.loads(run(capsys, "progress", study, "--json"))
    t03 = [e for e in entries if e["transcript"] == "t03" and e["coder"] == "cleo"]
    assert t03 == [
        {
            "coder": "cleo",
            "transcript": "t03",
            "purpose": "primary",
            "status": "in progress",
            "fraction": 1.0,
        }
    ]
    assert {e["status"] for e in entries} <= {"not started", "in progress", "complete"}
    assert len({e["transcript"] for e in entries}) == 10


def test_rename_deactivate_and_bad_input(study: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "coders", "rename", study, "cleo", "clio")
    run(capsys, "coders", "deactivate", study, "clio")
    err = run(capsys, "assign", study, "--coders", "ana,clio", status=2)
    assert "deactivated" in err
    err = run(capsys, "assign", study, "--coders", "ana,zed", status=2)
    assert "zed" in err
    err = run(capsys, "assign", study, "--coders", "ana,ben", "--overlap", "150", status=2)
    assert "percentage" in err
    err = run(capsys, "coders", "rename", study, "ana", "ben", status=2)
    assert "already exists" in err


def test_unassign_keeps_codes_and_says_what_was_not_assigned(
    study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from socialcoder.services.assignments import list_assignments
    from socialcoder.services.coding import set_code
    from socialcoder.services.study import open_study

    run(capsys, "assign", study, "--coder", "ana", "--transcript", "t00")
    run(capsys, "assign", study, "--coder", "ana", "--transcript", "t01", "--reliability")
    with open_study(study) as s:
        set_code(s, coder="ana", transcript="t00", segment=2, dimension="concordance", value="1")
    out = run(capsys, "unassign", study, "--coder", "ana", "--transcript", "t00,t02")
    assert out.splitlines() == [
        "t00 no longer assigned to ana (was primary; codes kept)",
        "t02 was not assigned to ana",
    ]
    removed = json.loads(
        run(capsys, "unassign", study, "--coder", "ana", "--transcript", "t01", "--json")
    )
    assert removed == [{"coder": "ana", "transcript": "t01", "purpose": "reliability"}]
    with open_study(study) as s:
        assert list_assignments(s) == []
    shown = json.loads(run(capsys, "show", study, "t00", "--coder", "ana", "--json"))
    assert "concordance" in json.dumps(shown)  # the code is still there
    audit = json.loads(run(capsys, "audit", study, "--json"))
    assert audit["code_changes"]["unassign"] == 2  # one audit entry per assignment taken back
    err = run(capsys, "unassign", study, "--coder", "zoe", "--transcript", "t00", status=2)
    assert "zoe" in err and err.count("\n") == 1
