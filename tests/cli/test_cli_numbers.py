"""Numbers out of range, on the command line and in CSV files: one clear line, exit 2, the
study unchanged (issue #10, item 8). The ranges live in socialcoder.domain.numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcoder.domain.numbers import PERCENT, REPLICATES, SEED, SEGMENT, SESSION, SHARE

HUGE = "99999999999999999999"
SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"


def _one_line(result, *needles: str) -> None:
    assert result.code == 2, (result.out, result.err)
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert "internal error" not in result.err
    for needle in needles:
        assert needle in result.err, result.err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("reliability", "{s}", "--seed", "-1"), "seed '-1' is not a valid seed"),
        (("reliability", "{s}", "--seed", HUGE, "--bootstrap", "10"), "4,294,967,295"),
        (("reliability", "{s}", "--bootstrap", "-5"), "replicates '-5'"),
        (("reliability", "{s}", "--bootstrap", "1e9"), "replicates '1e9'"),
        (
            (
                "adjudicate",
                "{s}",
                "--transcript",
                "P01_session02",
                "--segment",
                HUGE,
                "--dimension",
                "concordance",
                "--value",
                "1",
                "--reason",
                "x",
            ),
            f"segment '{HUGE}' is not a segment number",
        ),
        (
            (
                "code",
                "{s}",
                "--coder",
                "ana",
                "--transcript",
                "P01_session02",
                "--segment",
                HUGE,
                "--dimension",
                "concordance",
                "--value",
                "1",
            ),
            "2,147,483,647",
        ),
        (
            (
                "memo",
                "{s}",
                "--coder",
                "ana",
                "--transcript",
                "P01_session02",
                "--segment",
                "0",
                "--text",
                "x",
            ),
            "segment '0' is not a segment number",
        ),
        (("assign", "{s}", "--coders", "ana,ben", "--seed", "-3"), "seed '-3'"),
        (("assign", "{s}", "--coders", "ana,ben", "--overlap", "nan"), "overlap 'nan'"),
        (("assign", "{s}", "--coders", "ana,ben", "--overlap", "101"), "percentage"),
        (
            (
                "calibrate",
                "{s}",
                "--trainee",
                "ana",
                "--gold",
                "ben",
                "--transcript",
                "P01_session02",
                "--threshold",
                "inf",
            ),
            "threshold 'inf'",
        ),
        (
            ("import", "{s}", str(SAMPLES / "P01_session02.txt"), "--session", HUGE),
            f"session '{HUGE}' is not a session number",
        ),
        (("import", "{s}", str(SAMPLES / "P01_session02.txt"), "--session", "-1"), "session"),
    ],
)
def test_numeric_options_are_range_checked(cli, sample_study: Path, dump, args, needle) -> None:
    before = dump(sample_study)
    result = cli(*(a.format(s=sample_study) for a in args))
    _one_line(result, needle)
    assert dump(sample_study) == before


@pytest.mark.parametrize("segment", [HUGE, "-1", "0", "2147483648", "1.5"])
def test_codes_csv_segment_is_range_checked(
    cli, sample_study: Path, dump, tmp_path: Path, segment: str
) -> None:
    codes = tmp_path / "codes.csv"
    codes.write_text(
        "transcript,segment,coder,dimension,value,memo\n"
        "P01_session02,5,ana,concordance,1,\n"
        f"P01_session02,{segment},ana,concordance,1,\n",
        encoding="utf-8",
    )
    before = dump(sample_study)
    result = cli("codes", "import", sample_study, codes)
    _one_line(result, "row 3", f"segment '{segment}' is not a segment number")
    assert dump(sample_study) == before


def test_manifest_and_measures_sessions_are_range_checked(
    cli, study_path: Path, sample_study: Path, dump, tmp_path: Path
) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,participant,therapist,session,date\n"
        f"{SAMPLES / 'P01_session02.txt'},P01,T01,{HUGE},2024-03-12\n",
        encoding="utf-8",
    )
    before = dump(study_path)
    _one_line(cli("import", study_path, "--manifest", manifest), "row 2", f"session '{HUGE}'")
    assert dump(study_path) == before
    measures = tmp_path / "measures.csv"
    measures.write_text(f"participant,session,calpas\nP01,{HUGE},4\n", encoding="utf-8")
    before = dump(sample_study)
    _one_line(cli("measures", "import", sample_study, measures), "row 2", f"session '{HUGE}'")
    assert dump(sample_study) == before


def test_the_limits_are_what_the_docs_say() -> None:
    assert (SEGMENT.low, SEGMENT.high) == (1, 2**31 - 1)
    assert (SESSION.low, SESSION.high) == (0, 2**31 - 1)
    assert (SEED.low, SEED.high) == (0, 2**32 - 1)
    assert (REPLICATES.low, REPLICATES.high) == (0, 1_000_000)
    assert (PERCENT.low, PERCENT.high, SHARE.low, SHARE.high) == (0, 100, 0, 1)
    assert SEGMENT.parse(" 7 ") == 7 and PERCENT.parse("12.5") == 12.5
    for text in ("", "x", "nan", "1.0"):
        with pytest.raises(ValueError, match="segment"):
            SEGMENT.parse(text)


def test_values_at_the_limits_are_accepted(cli, sample_study: Path) -> None:
    result = cli("reliability", sample_study, "--seed", str(2**32 - 1), "--bootstrap", "20")
    assert result.code == 0, result.err
    result = cli("reliability", sample_study, "--seed", "0", "--json")
    assert result.code == 0, result.err
