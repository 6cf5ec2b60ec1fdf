"""`socialcoder calibrate`: a trainee against a gold-standard coder on a practice transcript."""

from __future__ import annotations

import json
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
    path = str(tmp_path / "cal.scstudy")
    run(capsys, "init", path)
    practice = tmp_path / "practice.txt"
    practice.write_text(
        "T: How did the routine go?\n"
        "P: It makes sense to me, I kept to the same times every day.\n"
        "T: And on the good day?\n"
        "P: I did loads and then I was in bed for two days.\n"
        "T: What do you make of that?\n"
        "P: I don't see why I should push myself when I feel ill.\n",
        encoding="utf-8",
    )
    run(capsys, "import", path, str(practice))
    run(capsys, "coders", "add", path, "gold", "trainee")
    codes = [
        ("gold", 2, "concordance", "1"),
        ("gold", 4, "incongruent_principles", "1"),
        ("gold", 6, "resistance", "strong"),
        ("trainee", 2, "concordance", "1"),
        ("trainee", 4, "incongruent_principles", "1"),
        ("trainee", 6, "resistance", "mild"),
    ]
    for coder, segment, key, value in codes:
        run(
            capsys,
            "code",
            path,
            "--coder",
            coder,
            "--transcript",
            "practice",
            "--segment",
            str(segment),
            "--dimension",
            key,
            "--value",
            value,
        )
    return path


def test_calibration_needs_completion_then_reports_differences(
    study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = run(
        capsys,
        "calibrate",
        study,
        "--trainee",
        "trainee",
        "--gold",
        "gold",
        "--transcript",
        "practice",
        status=2,
    )
    assert "complete" in err
    for coder in ("gold", "trainee"):
        run(capsys, "complete", study, "--coder", coder, "--transcript", "practice")
    result = json.loads(
        run(
            capsys,
            "calibrate",
            study,
            "--trainee",
            "trainee",
            "--gold",
            "gold",
            "--transcript",
            "practice",
            "--json",
        )
    )
    by_key = {d["key"]: d for d in result["dimensions"]}
    assert by_key["concordance"]["passed"] is True and by_key["concordance"]["units"] == 3
    assert by_key["resistance"]["passed"] is False
    assert result["passed"] is False
    assert result["differences"] == [
        {
            "dimension": "resistance",
            "segment": 6,
            "text": "I don't see why I should push myself when I feel ill.",
            "trainee": "mild",
            "gold": "strong",
        }
    ]
    text = run(
        capsys,
        "calibrate",
        study,
        "--trainee",
        "trainee",
        "--gold",
        "gold",
        "--transcript",
        "practice",
    )
    assert "NOT YET" in text and "you mild, gold strong" in text
