"""Every bad input: exit status 2, one line on stderr naming the file (and line or row), no
traceback, and the study exactly as it was (every table compared before and after)."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from sqlalchemy import text

from socialcoder.storage import db

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"
GOOD_TEXT = "T: How was the week?\nP: Better than I expected.\nT: Good.\nP: I walked every day.\n"


def assert_refused(result, *needles: str) -> None:
    """Exit status 2, exactly one line on stderr containing every needle, no traceback."""
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err
    assert result.err.endswith("\n") and result.err.count("\n") == 1, result.err
    for needle in needles:
        assert needle in result.err, (needle, result.err)


def _docx_bytes() -> bytes:
    document = docx.Document()
    for line in GOOD_TEXT.splitlines() * 20:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _write(content: str | bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return write


BAD_TRANSCRIPTS = {
    "empty": ("empty.txt", _write(""), ()),
    "whitespace only": ("blank.txt", _write("  \n\t\r\n   \n"), ()),
    "binary": ("noise.txt", _write(bytes(range(256)) * 8), ("binary",)),
    "no speaker turns": (
        "prose.txt",
        _write("We met on Tuesday.\nIt went well.\n"),
        ("no speaker turns",),
    ),
    "truncated docx": ("cut.docx", lambda p: p.write_bytes(_docx_bytes()[:1500]), ()),
    "docx that is not a zip": ("fake.docx", _write("T: hello\nP: hi\n"), ()),
    "vtt bad header": (
        "header.vtt",
        _write("WEBVTX\n\n00:01.000 --> 00:02.000\n<v T>Hi\n"),
        ("header.vtt:1",),
    ),
    "vtt end before start": (
        "order.vtt",
        _write(
            "WEBVTT\n\n00:00:05.000 --> 00:00:09.000\n<v T>Hi\n\n00:00:12.000 --> 00:00:10.000\n<v P>Hi\n"
        ),
        ("order.vtt:6",),
    ),
    "vtt unparseable time": (
        "time.vtt",
        _write("WEBVTT\n\n00:0x:05.000 --> 00:00:09.000\n<v T>Hi\n"),
        (),
    ),
    "srt end before start": (
        "order.srt",
        _write("1\n00:00:05,000 --> 00:00:01,000\nT: Hi\n\n"),
        ("order.srt:2",),
    ),
    "csv without needed columns": (
        "turns.csv",
        _write("who,said\nT,Hello\nP,Hi\n"),
        ("speaker", "text"),
    ),
    "unknown speaker labels": (
        "labels.txt",
        _write("Dr Jones: Hello.\nSam: Hi.\nDr Jones: How was it?\nSam: Fine.\n"),
        ("--speaker-map", "Dr Jones", "Sam"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_TRANSCRIPTS))
def test_bad_transcript_is_refused(cli, target_study, dump, tmp_path: Path, case: str):
    name, write, needles = BAD_TRANSCRIPTS[case]
    path = tmp_path / name
    write(path)
    before = dump(target_study)
    result = cli("import", target_study, path)
    assert_refused(result, name, *needles)
    assert dump(target_study) == before


def test_one_bad_file_in_a_batch_stores_nothing(cli, target_study, dump, tmp_path: Path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("", encoding="utf-8")
    before = dump(target_study)
    result = cli("import", target_study, SAMPLES / "P01_session02.txt", good, bad)
    assert_refused(result, "bad.txt")
    assert dump(target_study) == before


def test_bad_manifest_row_is_named(cli, target_study, dump, tmp_path: Path):
    (tmp_path / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,participant,therapist,session,date\na.txt,P1,T1,1,2024-01-01\na.txt,P1,T1,two,2024-01-08\n",
        encoding="utf-8",
    )
    before = dump(target_study)
    assert_refused(
        cli("import", target_study, "--manifest", manifest), "manifest.csv", "row 3", "two"
    )
    assert dump(target_study) == before


def test_duplicate_content_is_refused(cli, target_sample, dump, tmp_path: Path):
    copy = tmp_path / "again.txt"
    copy.write_bytes((SAMPLES / "P01_session02.txt").read_bytes())
    before = dump(target_sample)
    assert_refused(cli("import", target_sample, copy), "again.txt", "duplicate", "P01_session02")
    assert dump(target_sample) == before


def test_duplicate_content_within_one_batch_is_refused(cli, target_study, dump, tmp_path: Path):
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text(GOOD_TEXT, encoding="utf-8")
    two.write_text(GOOD_TEXT, encoding="utf-8")
    before = dump(target_study)
    assert_refused(cli("import", target_study, one, two), "two.txt", "duplicate")
    assert dump(target_study) == before


def test_duplicate_name_is_refused(cli, target_sample, dump, tmp_path: Path):
    other = tmp_path / "other.txt"
    other.write_text(GOOD_TEXT, encoding="utf-8")
    before = dump(target_sample)
    assert_refused(
        cli("import", target_sample, other, "--name", "P01_session02"),
        "other.txt",
        "--name",
        "P01_session02",
    )
    assert dump(target_sample) == before


# ---- a study path that is not a study --------------------------------------------------------


def test_a_text_file_is_not_a_study(cli, tmp_path: Path):
    path = tmp_path / "notes.scstudy"
    path.write_text("just notes\n", encoding="utf-8")
    for args in (
        ("info", path),
        ("transcripts", path, "--json"),
        ("import", path, SAMPLES / "P01_session02.txt"),
    ):
        assert_refused(cli(*args), "notes.scstudy", "not a SocialCoder study")
    assert path.read_text(encoding="utf-8") == "just notes\n"


def test_a_foreign_sqlite_database_is_not_a_study(cli, tmp_path: Path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE things (x INTEGER)")
        conn.execute("INSERT INTO things VALUES (42)")
    conn.close()
    content = path.read_bytes()
    assert_refused(cli("info", path), "other.db", "not a SocialCoder study")
    assert_refused(cli("migrate", path), "other.db", "not a SocialCoder study")
    assert path.read_bytes() == content


def test_a_missing_study(cli, tmp_path: Path):
    assert_refused(cli("info", tmp_path / "nope.scstudy"), "nope.scstudy", "no such study")
    assert not (tmp_path / "nope.scstudy").exists()


def test_a_study_from_a_newer_version_is_refused(cli, target_sample, dump, tmp_path: Path):
    engine = db.make_engine(target_sample)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    before = dump(target_sample)
    for args in (
        ("info", target_sample),
        ("migrate", target_sample),
        ("transcripts", target_sample),
    ):
        assert_refused(cli(*args), "newer version", "9999_from_the_future")
    good = tmp_path / "good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    assert_refused(cli("import", target_sample, good), "newer version")
    assert dump(target_sample) == before


# ---- codes CSV: one bad row among many good ones -----------------------------------------------

HEADER = ["transcript", "segment", "coder", "dimension", "value", "memo"]


def _patient_and_therapist_segment(cli, target) -> tuple[int, int]:
    import json

    segments = json.loads(cli("show", target, "P01_session02", "--json").out)["segments"]
    patient = next(s["index"] for s in segments if s["role"] == "patient")
    therapist = next(s["index"] for s in segments if s["role"] == "therapist")
    return patient, therapist


@pytest.fixture
def codes_rows(cli, target_sample, tmp_path: Path) -> list[list[str]]:
    """Good rows for a new coder 'dora' (added first), built from ana's exported codes."""
    export = tmp_path / "export.csv"
    assert cli("codes", "export", target_sample, export).code == 0
    assert cli("coders", "add", target_sample, "dora").code == 0
    rows = list(csv.reader(export.open(encoding="utf-8")))[1:]
    return [[t, s, "dora", d, v, m] for t, s, c, d, v, m in rows if c == "ana"]


BAD_ROWS = {
    "unknown transcript": (
        lambda p, t: ["P09_session01", str(p), "dora", "concordance", "1", ""],
        "unknown transcript",
    ),
    "segment out of range": (
        lambda p, t: ["P01_session02", "999", "dora", "concordance", "1", ""],
        "no segment 999",
    ),
    "segment zero": (
        lambda p, t: ["P01_session02", "0", "dora", "concordance", "1", ""],
        "segment '0' is not a segment number",
    ),
    "unknown dimension": (
        lambda p, t: ["P01_session02", str(p), "dora", "warmth", "1", ""],
        "unknown dimension",
    ),
    "value outside the scale": (
        lambda p, t: ["P01_session02", str(p), "dora", "resistance", "extreme", ""],
        "extreme",
    ),
    "binary value outside the scale": (
        lambda p, t: ["P01_session02", str(p), "dora", "concordance", "2", ""],
        "'2'",
    ),
    "session value outside the scale": (
        lambda p, t: ["P01_session02", "", "dora", "goal_agreement", "9", ""],
        "'9'",
    ),
    "wrong speaker role": (
        lambda p, t: ["P01_session02", str(t), "dora", "concordance", "1", ""],
        "therapist",
    ),
    "unknown coder": (
        lambda p, t: ["P01_session02", str(p), "zed", "concordance", "1", ""],
        "--add-coders",
    ),
    "segment for a session-level dimension": (
        lambda p, t: ["P01_session02", str(p), "dora", "goal_agreement", "5", ""],
        "session-level",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_codes_csv_with_one_bad_row_stores_nothing(
    cli, target_sample, dump, codes_rows, tmp_path: Path, case
):
    patient, therapist = _patient_and_therapist_segment(cli, target_sample)
    make, needle = BAD_ROWS[case]
    rows = list(codes_rows)
    middle = len(rows) // 2
    rows.insert(middle, make(patient, therapist))
    path = tmp_path / "codes.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    before = dump(target_sample)
    row_number = middle + 2  # the header is row 1
    assert_refused(
        cli("codes", "import", target_sample, path), "codes.csv", f"row {row_number}", needle
    )
    assert dump(target_sample) == before


def test_codes_csv_duplicate_unit_names_both_rows(
    cli, target_sample, dump, codes_rows, tmp_path: Path
):
    rows = list(codes_rows)
    duplicate = list(rows[3])
    rows.insert(10, duplicate)
    path = tmp_path / "codes.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    before = dump(target_sample)
    assert_refused(cli("codes", "import", target_sample, path), "codes.csv", "row 12", "row 5")
    assert dump(target_sample) == before


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("", "empty"),
        ("transcript,coder,value\nP01_session02,dora,1\n", "missing column(s) segment, dimension"),
        (b"\x00\x01\x02PK\x03\x04" * 50, "codes.csv"),
    ],
)
def test_codes_csv_unusable_file(cli, target_sample, dump, tmp_path: Path, content, needle):
    path = tmp_path / "codes.csv"
    _write(content)(path)
    before = dump(target_sample)
    assert_refused(cli("codes", "import", target_sample, path), "codes.csv", needle)
    assert dump(target_sample) == before


def test_codebook_update_with_a_broken_codebook(cli, target_sample, dump, tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text(
        "name: x\nversion: '2'\ndimensions:\n  - key: a\n    scale: shiny\n", encoding="utf-8"
    )
    before = dump(target_sample)
    assert_refused(cli("codebook", "update", target_sample, path), "broken.yaml")
    assert dump(target_sample) == before


def test_a_study_kept_busy_by_another_program_is_one_line_not_an_internal_error(
    cli, study_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Another program (a window, a long import) holding the study's write lock through every
    retry ended a write command with 'internal error (OperationalError: (sqlite3.
    OperationalError) database is locked [SQL: BEGIN IMMEDIATE] (Background on this error at:
    https://sqlalche.me/...)) ... please report it', exit 1, over three lines. It is a refusal:
    one line, exit 2, the study unchanged."""
    from socialcoder.storage import plain

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 100)  # 0.1 s per attempt instead of 15 s
    monkeypatch.setattr(plain, "BUSY_TIMEOUT_MS", 100)
    from socialcoder.services.study import open_study

    # the other program: a write transaction held open on its own connection (plain or
    # encrypted study alike)
    with open_study(study_path) as other, other.write() as session:
        session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is taken
        result = cli("coders", "add", study_path, "ana")
    assert_refused(result, str(study_path), "busy", "nothing was changed")
    assert "internal error" not in result.err
    assert cli("coders", "list", study_path).out.count("ana") == 0
    assert cli("coders", "add", study_path, "ana").code == 0
