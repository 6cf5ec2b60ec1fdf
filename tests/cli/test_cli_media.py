"""`socialcoder import --media / --no-transcript`, `media attach|status|relink|folders`:
messages, exit codes, documented JSON keys, and a refused command leaves the study unchanged."""

from __future__ import annotations

import json
import shutil

import pytest
from media_support import tone_wav

STATUS_FIELDS = {
    "transcript",
    "path",
    "file_name",
    "kind",
    "format",
    "size",
    "duration",
    "sha256",
    "excerpt",
    "status",
    "found_at",
    "detail",
}
TEXT = "T: Hello.\nP: Hi there.\nT: How are you?\n"


@pytest.fixture
def files(tmp_path):
    (tmp_path / "rec").mkdir()
    text = tmp_path / "s1.txt"
    text.write_text(TEXT, encoding="utf-8")
    return text, tone_wav(tmp_path / "rec" / "s1.wav", [(0.5, 1.0)], 90.0)


def test_import_with_media_then_status_json(cli, study_path, files):
    text, wav = files
    r = cli("import", study_path, text, "--media", wav)
    assert r.code == 0, r.err
    r = cli("media", "status", study_path, "--json")
    assert r.code == 0, r.err
    [row] = json.loads(r.out)
    assert set(row) == STATUS_FIELDS
    assert (row["transcript"], row["status"], row["kind"], row["duration"]) == (
        "s1",
        "found",
        "audio",
        90.0,
    )


def test_manifest_media_column_relative_to_the_manifest(cli, study_path, files, tmp_path):
    _text, _wav = files
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "file,participant,session,media\ns1.txt,P1,1,rec/s1.wav\n", encoding="utf-8"
    )
    assert cli("import", study_path, "--manifest", manifest).code == 0
    r = cli("media", "status", study_path)
    assert "s1" in r.out and "found" in r.out and r.code == 0


def test_missing_then_relink_exit_codes(cli, study_path, files, tmp_path):
    text, wav = files
    cli("import", study_path, text, "--media", wav)
    target = tmp_path / "archive" / "2026"
    target.mkdir(parents=True)
    shutil.move(wav, target / "renamed.wav")
    r = cli("media", "status", study_path)
    assert r.code == 3 and "missing" in r.out
    r = cli("media", "relink", study_path, tmp_path / "archive")
    assert r.code == 0, r.err
    assert "renamed.wav" in r.out and "Found 1 recording(s)" in r.out
    assert cli("media", "status", study_path).code == 0
    r = cli("media", "relink", study_path, tmp_path / "nowhere")
    assert r.code == 2 and "is not a folder" in r.err


def test_attach_later_replaces_and_says_so(cli, study_path, files, tmp_path):
    text, wav = files
    cli("import", study_path, text)
    r = cli("media", "attach", study_path, "s1", wav)
    assert r.code == 0 and "Attached s1.wav to s1 (audio, wav, 1:30" in r.out
    other = tone_wav(tmp_path / "other.wav", [], 3.0)
    r = cli("media", "attach", study_path, "s1", other)
    assert r.code == 0 and "replaces" in r.out


def test_no_transcript_with_a_random_excerpt_recorded(cli, study_path, files):
    _, wav = files
    r = cli(
        "import", study_path, "--media", wav, "--no-transcript", "--excerpt", "1m", "--seed", "5"
    )
    assert r.code == 0, r.err
    assert "random excerpt, seed 5" in r.out
    [row] = json.loads(cli("media", "status", study_path, "--json").out)
    assert row["excerpt"]["seed"] == 5
    assert row["excerpt"]["end"] - row["excerpt"]["start"] == pytest.approx(60.0)
    shown = json.loads(cli("transcripts", study_path, "--json").out)
    assert [(t["name"], t["format"], t["segments"]) for t in shown] == [("s1", "recording", 0)]


def test_no_transcript_from_to(cli, study_path, files):
    _, wav = files
    r = cli(
        "import", study_path, "--media", wav, "--no-transcript", "--from", "0:10", "--to", "1:10"
    )
    assert r.code == 0, r.err
    [row] = json.loads(cli("media", "status", study_path, "--json").out)
    assert row["excerpt"] == {"start": 10.0, "end": 70.0, "seed": None}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--no-transcript"], "needs the recording: --media FILE"),
        (["--from", "0:10"], "go with --no-transcript"),
        (
            ["--media", "{wav}", "--no-transcript", "--excerpt", "5m", "--from", "0:01"],
            "either --excerpt",
        ),
        (["--media", "{wav}", "--no-transcript", "--excerpt", "5m"], "longer than the recording"),
        (["--media", "{wav}", "--no-transcript", "--from", "1:75"], "is not a time"),
        (["--media", "{wav}", "--no-transcript", "--to", "9:00"], "after the end of the recording"),
        (["--media", "{wav}", "--no-transcript", "--seed", "3"], "--seed goes with --excerpt"),
        (["--media", "{wav}", "--no-transcript", "--excerpt", "soon"], "is not a length"),
        (["{text}", "--media", "{missing}"], "no such recording"),
        (["{text}", "--media", "{text}"], "not a recording SocialCoder can play"),
    ],
)
def test_bad_input_one_line_exit_2_study_unchanged(
    cli, study_path, files, dump, extra, message, tmp_path
):
    text, wav = files
    before = dump(study_path)
    args = [a.format(wav=wav, text=text, missing=tmp_path / "gone.wav") for a in extra]
    r = cli("import", study_path, *args)
    assert r.code == 2 and message in r.err and len(r.err.strip().splitlines()) == 1, r.err
    assert dump(study_path) == before


def test_media_folders_are_this_machines(cli, study_path, tmp_path):
    r = cli("media", "folders", "--add", tmp_path)
    assert r.code == 0 and str(tmp_path) in r.out
    r = cli("media", "folders", "--remove", tmp_path)
    assert r.code == 0 and "(none" in r.out
    assert cli("media", "folders", "--remove", tmp_path).code == 2
