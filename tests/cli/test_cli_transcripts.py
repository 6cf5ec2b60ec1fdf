"""`socialcoder import`, `transcripts --json` and `show --json`: the documented JSON fields."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"

TRANSCRIPT_FIELDS = {
    "name",
    "id",
    "participant",
    "therapist",
    "session",
    "date",
    "segments",
    "progress",
}
SEGMENT_FIELDS = {
    "index",
    "role",
    "label",
    "start",
    "end",
    "start_estimated",
    "end_estimated",
    "text",
}

CLINIC_TEXT = """Clinic note: fictional test transcript.
[00:00:01] Dr Jones: Good morning. How was the week?
[00:00:04] Sam: Tiring, but I kept to the plan.
[00:00:09] Dr Jones: Tell me more about the plan.
and how it went on the worst day.
[00:00:15] Sam: I walked ten minutes each day.
[00:00:20] Sam: Even on Thursday.
"""


def _transcripts(cli, target) -> list[dict]:
    result = cli("transcripts", target, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_import_files_with_metadata(cli, target_study):
    result = cli(
        "import",
        target_study,
        SAMPLES / "P01_session02.txt",
        "--participant",
        "P01",
        "--therapist",
        "T01",
        "--session",
        "2",
        "--date",
        "2024-03-12",
        "--name",
        "first",
    )
    assert result.code == 0, result.err
    assert "Imported 1 transcript(s)" in result.out
    [t] = _transcripts(cli, target_study)
    assert set(t) >= TRANSCRIPT_FIELDS
    assert (t["name"], t["participant"], t["therapist"], t["session"], t["date"]) == (
        "first",
        "P01",
        "T01",
        2,
        "2024-03-12",
    )
    assert isinstance(t["id"], int)
    assert t["segments"] > 40
    assert t["progress"] == {}


def test_import_several_files_defaults_name_to_file_stem(cli, target_study):
    result = cli(
        "import", target_study, SAMPLES / "P01_session02.txt", SAMPLES / "P02_session04.vtt"
    )
    assert result.code == 0, result.err
    names = [t["name"] for t in _transcripts(cli, target_study)]
    assert names == ["P01_session02", "P02_session04"]


def test_import_manifest(cli, target_study):
    result = cli("import", target_study, "--manifest", SAMPLES / "manifest.csv")
    assert result.code == 0, result.err
    listed = {t["name"]: t for t in _transcripts(cli, target_study)}
    assert set(listed) == {"P01_session02", "P02_session04", "P03_session06"}
    p02 = listed["P02_session04"]
    assert (p02["participant"], p02["therapist"], p02["session"], p02["date"]) == (
        "P02",
        "T02",
        4,
        "2024-04-09",
    )


def test_import_with_speaker_map(cli, target_study, tmp_path: Path):
    path = tmp_path / "clinic.txt"
    path.write_text(CLINIC_TEXT, encoding="utf-8")
    refused = cli("import", target_study, path)
    assert refused.code == 2
    assert "--speaker-map" in refused.err and "Dr Jones" in refused.err
    result = cli("import", target_study, path, "--speaker-map", "Dr Jones=therapist,Sam=patient")
    assert result.code == 0, result.err
    shown = json.loads(cli("show", target_study, "clinic", "--json").out)
    segments = shown["segments"]
    assert [(s["index"], s["role"], s["label"]) for s in segments] == [
        (1, "therapist", "Dr Jones"),
        (2, "patient", "Sam"),
        (3, "therapist", "Dr Jones"),
        (4, "patient", "Sam"),
        (5, "patient", "Sam"),  # a second turn by the same speaker stays a segment of its own
    ]
    assert segments[2][
        "text"
    ] == "Tell me more about the plan.\nand how it went on the worst day." or (
        segments[2]["text"] == "Tell me more about the plan. and how it went on the worst day."
    )
    assert segments[0]["start"] == 1.0


def test_show_json_fields(cli, target_sample):
    result = cli("show", target_sample, "P02_session04", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert set(data["transcript"]) >= TRANSCRIPT_FIELDS
    assert data["transcript"]["name"] == "P02_session04"
    segments = data["segments"]
    assert len(segments) == data["transcript"]["segments"]
    assert [s["index"] for s in segments] == list(range(1, len(segments) + 1))
    for s in segments:
        assert set(s) >= SEGMENT_FIELDS
        assert "codes" not in s and "memo" not in s
        assert s["role"] in ("therapist", "patient")
        assert s["text"]
    first = segments[0]
    assert (first["label"], first["role"], first["start"], first["end"]) == (
        "Therapist",
        "therapist",
        3.0,
        9.709,
    )


def test_show_json_with_coder_has_codes_and_memo(cli, target_sample):
    cli(
        "memo",
        target_sample,
        "--coder",
        "ana",
        "--transcript",
        "P01_session02",
        "--segment",
        "5",
        "--text",
        "clear agreement",
    )
    data = json.loads(cli("show", target_sample, "P01_session02", "--json", "--coder", "ana").out)
    segments = data["segments"]
    for s in segments:
        assert {"codes", "memo"} <= set(s)
    assert segments[4]["codes"] == {"concordance": "1"}
    assert segments[4]["memo"] == "clear agreement"
    assert segments[0]["codes"] == {} and segments[0]["memo"] is None


def test_show_text(cli, target_sample):
    result = cli("show", target_sample, "P01_session02", "--coder", "ana")
    assert result.code == 0, result.err
    assert "concordance=1" in result.out
    assert "Hello, come in" in result.out


def test_show_unknown_transcript(cli, target_sample):
    result = cli("show", target_sample, "nope")
    assert result.code == 2
    assert "'nope'" in result.err and "Traceback" not in result.err


def test_transcripts_progress(cli, target_sample):
    listed = {t["name"]: t for t in _transcripts(cli, target_sample)}
    progress = listed["P01_session02"]["progress"]
    assert set(progress) == {"ana", "ben", "cleo"}
    for entry in progress.values():
        assert {"fraction", "completed"} <= set(entry)
        assert 0 < entry["fraction"] <= 1
        assert entry["completed"] is True


def test_transcripts_progress_counts_coded_segments(cli, target_study):
    cli("import", target_study, SAMPLES / "P01_session02.txt")
    cli("coders", "add", target_study, "dora")
    shown = json.loads(cli("show", target_study, "P01_session02", "--json").out)
    patient = [s["index"] for s in shown["segments"] if s["role"] == "patient"]
    for index in patient[:2]:
        assert (
            cli(
                "code",
                target_study,
                "--coder",
                "dora",
                "--transcript",
                "P01_session02",
                "--segment",
                index,
                "--dimension",
                "concordance",
                "--value",
                "1",
            ).code
            == 0
        )
    [t] = _transcripts(cli, target_study)
    entry = t["progress"]["dora"]
    assert entry["fraction"] == pytest.approx(2 / len(patient), abs=1e-4)
    assert entry["completed"] is False


def test_transcripts_text_and_empty(cli, target_study):
    empty = cli("transcripts", target_study)
    assert empty.code == 0 and "No transcripts yet" in empty.out
    assert _transcripts(cli, target_study) == []


def test_import_copies_of_sample_in_other_formats(cli, target_study, tmp_path: Path):
    """A .txt renamed with upper-case extension and moved still imports by content."""
    copy = tmp_path / "Session.TXT"
    shutil.copyfile(SAMPLES / "P03_session06.txt", copy)
    result = cli("import", target_study, copy)
    assert result.code == 0, result.err
    assert _transcripts(cli, target_study)[0]["name"] == "Session"
