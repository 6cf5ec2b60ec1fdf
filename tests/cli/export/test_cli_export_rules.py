"""Exports follow the completion rule of ``domain/rules.py`` (issue #12): a study without coders
exports empty tables; an empty cell of a completed transcript is the dimension's empty value
(binary ``0``, nominal/ordinal ``empty_means``) and says so in the long table's ``implied``
column; selections of names in ``calibrate`` and ``reliability --sessions`` read double quotes
as every other selection does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from socialcoder.cli import main

TRANSCRIPT = (
    "T: Fictional opening question about the week?\n"
    "P: I kept to the routine most days.\n"
    "T: And the bad day?\n"
    "P: I don't see why I should push when I feel ill.\n"
    "T: What would help?\n"
    "P: Maybe shorter walks.\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: object, status: int = 0) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == status, err
    return out if status == 0 else err


@pytest.fixture
def study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "rules.scstudy")
    run(capsys, "init", path)
    (tmp_path / "s1.txt").write_text(TRANSCRIPT, encoding="utf-8")
    run(capsys, "import", path, tmp_path / "s1.txt")
    return path


@pytest.mark.parametrize("layout", ["sessions", "long", "wide"])
def test_export_of_a_study_without_coders(
    study: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: str
) -> None:
    out = tmp_path / f"{layout}.csv"
    run(capsys, "export", study, out, "--layout", layout)
    frame = pd.read_csv(out)
    assert "transcript" in frame.columns
    assert len(frame) == (3 * 0 if layout != "wide" else 6)  # wide: one row per turn


def code(capsys: pytest.CaptureFixture[str], study: str, coder: str, *where: object) -> None:
    run(capsys, "code", study, "--coder", coder, "--transcript", "s1", *where)


def test_long_export_fills_every_empty_value_and_marks_it_implied(
    study: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "coders", "add", study, "ana")
    code(capsys, study, "ana", "--segment", 4, "--dimension", "resistance", "--value", "mild")
    code(capsys, study, "ana", "--segment", 2, "--dimension", "concordance", "--value", "1")
    out = tmp_path / "long.csv"

    def long() -> pd.DataFrame:
        out.unlink(missing_ok=True)
        run(capsys, "export", study, out)
        return pd.read_csv(out, dtype={"value": str}).set_index(["dimension", "segment"])

    before = long()  # not completed: uncoded turns are not coded yet
    assert before.loc[("resistance", 6), "value"] != before.loc[("resistance", 6), "value"]
    assert not before["implied"].any()
    run(capsys, "complete", study, "--coder", "ana", "--transcript", "s1")
    after = long()
    resistance = after.loc["resistance"]
    assert list(resistance.index) == [2, 4, 6]  # patient turns only
    assert list(resistance["value"]) == ["none", "mild", "none"]
    assert list(resistance["implied"]) == [1, 0, 1]
    assert list(resistance["value_numeric"]) == [0.0, 1.0, 0.0]
    concordance = after.loc["concordance"]
    assert list(concordance.loc[[2, 4, 6], "value"]) == ["1", "0", "0"]
    assert list(concordance.loc[[2, 4, 6], "implied"]) == [0, 1, 1]

    sessions = tmp_path / "sessions.csv"
    run(capsys, "export", study, sessions, "--layout", "sessions")
    row = pd.read_csv(sessions).iloc[0]
    # an implied none and an entered none count alike: turns coded other than none
    assert row["resistance_n"] == 1 and row["resistance_turns"] == 3
    assert row["resistance_mean"] == pytest.approx(1 / 3)
    assert row["concordance_n"] == 1


def test_calibrate_reads_quoted_transcript_names(
    study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "coders", "add", study, "gold", "trainee")
    for who in ("gold", "trainee"):
        code(capsys, study, who, "--segment", 2, "--dimension", "concordance", "--value", "1")
        run(capsys, "complete", study, "--coder", who, "--transcript", "s1")
    out = run(
        capsys, "calibrate", study, "--trainee", "trainee", "--gold", "gold",
        "--transcripts", '"s1"',
    )  # fmt: skip
    assert "on s1:" in out


def test_session_reliability_reads_quoted_names(
    study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "coders", "add", study, "ana", "ben")
    out = run(
        capsys, "reliability", study, "--sessions", "--json",
        "--coders", '"ana","ben"', "--transcripts", '"s1"',
    )  # fmt: skip
    assert '"ana"' in out and '"s1"' in out
