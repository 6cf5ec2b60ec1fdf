"""`socialcoder coders`, `code`, `memo`, `complete` and `codes import/export`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"
T1 = "P01_session02"


def _segments(cli, target, name=T1, coder=None) -> list[dict]:
    args = ["show", target, name, "--json"] + (["--coder", coder] if coder else [])
    result = cli(*args)
    assert result.code == 0, result.err
    return json.loads(result.out)["segments"]


def _first(cli, target, role: str) -> int:
    return next(s["index"] for s in _segments(cli, target) if s["role"] == role)


@pytest.fixture
def coded(cli, target_study) -> str:
    """A study with the first sample transcript and coders ana and ben."""
    assert cli("import", target_study, SAMPLES / "P01_session02.txt").code == 0
    assert cli("coders", "add", target_study, "ana", "ben").code == 0
    return target_study


def test_coders_add_and_list(cli, target_study):
    result = cli("coders", "add", target_study, "ana", "ben")
    assert result.code == 0, result.err
    assert "ana, ben" in result.out
    listed = json.loads(cli("coders", "list", target_study, "--json").out)
    assert [c["name"] for c in listed] == ["ana", "ben"]
    assert all(c["codes"] == 0 and c["completed"] == 0 for c in listed)
    text = cli("coders", "list", target_study)
    assert "ana" in text.out and "ben" in text.out


def test_coders_add_refuses_duplicates_and_adds_none(cli, target_study, dump):
    cli("coders", "add", target_study, "ana")
    before = dump(target_study)
    result = cli("coders", "add", target_study, "zoe", "ANA")
    assert result.code == 2
    assert "already exists" in result.err
    assert dump(target_study) == before


def test_coders_list_empty(cli, target_study):
    result = cli("coders", "list", target_study)
    assert result.code == 0 and "No coders yet" in result.out


@pytest.mark.parametrize("written", ["1", "yes", "true", "TRUE", "present"])
def test_code_binary_value_matched_by_text_form(cli, coded, written):
    seg = _first(cli, coded, "patient")
    result = cli(
        "code",
        coded,
        "--coder",
        "ana",
        "--transcript",
        T1,
        "--segment",
        seg,
        "--dimension",
        "concordance",
        "--value",
        written,
    )
    assert result.code == 0, result.err
    assert _segments(cli, coded, coder="ana")[seg - 1]["codes"] == {"concordance": "1"}


def test_code_set_change_and_clear(cli, coded):
    seg = _first(cli, coded, "patient")
    base = [
        "code",
        coded,
        "--coder",
        "ana",
        "--transcript",
        T1,
        "--segment",
        seg,
        "--dimension",
        "resistance",
    ]
    first = cli(*base, "--value", "mild", "--memo", "sighs")
    assert first.code == 0, first.err
    assert "- -> mild" in first.out
    again = cli(*base, "--value", "MILD")
    assert "unchanged" in again.out
    changed = cli(*base, "--value", "strong")
    assert "mild -> strong" in changed.out
    assert _segments(cli, coded, coder="ana")[seg - 1]["codes"] == {"resistance": "strong"}
    cleared = cli(*base, "--clear")
    assert cleared.code == 0, cleared.err
    assert "strong -> -" in cleared.out
    assert _segments(cli, coded, coder="ana")[seg - 1]["codes"] == {}
    # blind coding: ben sees none of ana's codes
    cli(*base, "--value", "none")
    assert all(s["codes"] == {} for s in _segments(cli, coded, coder="ben"))


def test_code_session_level(cli, coded):
    result = cli(
        "code",
        coded,
        "--coder",
        "ana",
        "--transcript",
        T1,
        "--dimension",
        "goal_agreement",
        "--value",
        "6.0",
    )
    assert result.code == 0, result.err
    shown = json.loads(cli("show", coded, T1, "--json", "--coder", "ana").out)
    assert shown["session_codes"] == {"goal_agreement": "6"}
    refused = cli(
        "code",
        coded,
        "--coder",
        "ana",
        "--transcript",
        T1,
        "--segment",
        "1",
        "--dimension",
        "goal_agreement",
        "--value",
        "6",
    )
    assert refused.code == 2 and "session-level" in refused.err


@pytest.mark.parametrize(
    ("dimension", "segment_role", "value", "message"),
    [
        ("concordance", "therapist", "1", "therapist turn"),
        ("concordance", "patient", "maybe", "not a binary value"),
        ("resistance", "patient", "extreme", "allowed: none, mild, strong"),
        ("goal_agreement", None, "8", "'8' is not a value"),
        ("warmth", "patient", "1", "unknown dimension 'warmth'"),
        ("concordance", None, "1", "--segment"),
    ],
)
def test_code_refusals(cli, coded, dump, dimension, segment_role, value, message):
    before = dump(coded)
    args = [
        "code",
        coded,
        "--coder",
        "ana",
        "--transcript",
        T1,
        "--dimension",
        dimension,
        "--value",
        value,
    ]
    if segment_role:
        args += ["--segment", _first(cli, coded, segment_role)]
    result = cli(*args)
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert dump(coded) == before


def test_code_refuses_unknown_coder_transcript_and_segment(cli, coded, dump):
    before = dump(coded)
    base = ["--dimension", "concordance", "--value", "1"]
    unknown_coder = cli(
        "code", coded, "--coder", "zed", "--transcript", T1, "--segment", "2", *base
    )
    assert unknown_coder.code == 2 and "unknown coder 'zed'" in unknown_coder.err
    unknown_t = cli(
        "code", coded, "--coder", "ana", "--transcript", "nope", "--segment", "2", *base
    )
    assert unknown_t.code == 2 and "'nope'" in unknown_t.err
    out_of_range = cli(
        "code", coded, "--coder", "ana", "--transcript", T1, "--segment", "999", *base
    )
    assert out_of_range.code == 2 and "no segment 999" in out_of_range.err
    assert dump(coded) == before


def test_memo_set_and_remove(cli, coded):
    result = cli(
        "memo",
        coded,
        "--coder",
        "ben",
        "--transcript",
        T1,
        "--segment",
        "3",
        "--text",
        "unclear audio",
    )
    assert result.code == 0 and "Memo saved" in result.out
    assert _segments(cli, coded, coder="ben")[2]["memo"] == "unclear audio"
    assert _segments(cli, coded, coder="ana")[2]["memo"] is None
    removed = cli(
        "memo", coded, "--coder", "ben", "--transcript", T1, "--segment", "3", "--text", ""
    )
    assert removed.code == 0 and "Memo removed" in removed.out
    assert _segments(cli, coded, coder="ben")[2]["memo"] is None


def _progress(cli, target, coder):
    [t] = json.loads(cli("transcripts", target, "--json").out)
    return t["progress"].get(coder)


def test_complete_and_reopen(cli, coded):
    result = cli("complete", coded, "--coder", "ana", "--transcript", T1)
    assert result.code == 0, result.err
    assert "complete for ana" in result.out
    assert _progress(cli, coded, "ana")["completed"] is True
    again = cli("complete", coded, "--coder", "ana", "--transcript", T1)
    assert "(already)" in again.out
    reopened = cli("complete", coded, "--coder", "ana", "--transcript", T1, "--reopen")
    assert reopened.code == 0 and "reopened" in reopened.out
    progress = _progress(cli, coded, "ana")
    assert progress is None or progress["completed"] is False


def test_codes_export_import_round_trip(cli, target_sample, study_target, tmp_path: Path):
    cli(
        "memo",
        target_sample,
        "--coder",
        "cleo",
        "--transcript",
        T1,
        "--segment",
        "2",
        "--text",
        'says "maybe", then yes',
    )
    first = tmp_path / "first.csv"
    result = cli("codes", "export", target_sample, first)
    assert result.code == 0, result.err
    rows = list(csv.DictReader(first.open(encoding="utf-8")))
    assert len(rows) > 200
    assert {r["value"] for r in rows if r["dimension"] == "concordance"} <= {"0", "1"}

    fresh = str(tmp_path / "fresh.scstudy")
    assert cli("init", fresh).code == 0
    assert cli("import", fresh, "--manifest", SAMPLES / "manifest.csv").code == 0
    imported = cli("codes", "import", fresh, first, "--add-coders")
    assert imported.code == 0, imported.err
    assert f"{len(rows)} row(s)" in imported.out
    second = tmp_path / "second.csv"
    assert cli("codes", "export", fresh, second).code == 0
    assert second.read_bytes() == first.read_bytes()


def test_codes_import_twice_reports_unchanged(cli, target_sample, tmp_path: Path):
    path = tmp_path / "codes.csv"
    cli("codes", "export", target_sample, path)
    result = cli("codes", "import", target_sample, path)
    assert result.code == 0, result.err
    assert "0 new, 0 changed" in result.out


def test_codes_import_complete_marks_pairs(cli, coded, tmp_path: Path):
    seg = _first(cli, coded, "patient")
    path = tmp_path / "codes.csv"
    path.write_text(
        "transcript,segment,coder,dimension,value,memo\n"
        f"{T1},{seg},ana,concordance,yes,\n"
        f"{T1},,ana,goal_agreement,5,\n"
        f"{T1},{seg},newbie,resistance,none,a memo\n",
        encoding="utf-8",
    )
    result = cli("codes", "import", coded, path, "--complete", "--add-coders")
    assert result.code == 0, result.err
    assert "Added coder(s): newbie" in result.out
    assert "2 (coder, transcript) pair(s) complete" in result.out
    assert _progress(cli, coded, "ana")["completed"] is True
    assert _progress(cli, coded, "newbie")["completed"] is True
    assert _progress(cli, coded, "ben") is None


def test_codes_export_of_a_study_without_codes_is_just_the_header(
    cli, target_study, tmp_path: Path
):
    path = tmp_path / "none.csv"
    result = cli("codes", "export", target_study, path)
    assert result.code == 0, result.err
    assert path.read_text(encoding="utf-8").splitlines() == [
        "transcript,segment,coder,dimension,value,memo"
    ]


def test_demo_no_gui_with_path(cli, tmp_path: Path):
    path = tmp_path / "demo" / "sample.scstudy"
    result = cli("demo", "--no-gui", "--path", path)
    assert result.code == 0, result.err
    assert f"Built the sample study at {path}" in result.out
    assert "30 fictional transcripts" in result.out
    listed = json.loads(cli("coders", "list", path, "--json").out)
    assert [c["name"] for c in listed] == ["ana", "ben", "cleo"]
    assert all(c["codes"] > 0 for c in listed)
    again = cli("demo", "--no-gui", "--path", path)
    assert again.code == 0 and "Using the sample study" in again.out
