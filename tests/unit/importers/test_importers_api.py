"""The public API: read_transcript, sniff_format, parse_speaker_map, limits and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

import socialcoder.importers as importers
from socialcoder.domain.codebook import Role
from socialcoder.domain.transcript import content_hash
from socialcoder.errors import ImportFormatError, UserError
from socialcoder.importers import (
    SUPPORTED_EXTENSIONS,
    parse_speaker_map,
    read_transcript,
    sniff_format,
)

DATA = Path(__file__).parent / "data"
T, P = Role.THERAPIST, Role.PATIENT


def test_supported_extensions():
    assert set(SUPPORTED_EXTENSIONS) >= {".txt", ".vtt", ".srt", ".docx", ".csv"}
    assert all(ext.startswith(".") and ext == ext.lower() for ext in SUPPORTED_EXTENSIONS)


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("session_stamps.txt", "text"),
        ("session.vtt", "vtt"),
        ("session.srt", "srt"),
        ("session.csv", "csv"),
    ],
)
def test_sniff_by_extension_and_by_content(fixture, fmt):
    data = (DATA / fixture).read_bytes()
    assert sniff_format(fixture, data) == fmt
    assert sniff_format("no_extension", data) == fmt
    assert sniff_format("upper." + fixture.rsplit(".", 1)[1].upper(), data) == fmt


def test_content_without_extension_is_imported(tmp_path):
    path = tmp_path / "export"
    path.write_bytes((DATA / "session.vtt").read_bytes())
    tr = read_transcript(path)
    assert tr.format == "vtt"
    assert tr.source_name == "export"
    assert len(tr.segments) == 5


def test_txt_holding_webvtt_is_read_as_webvtt(tmp_path):
    path = tmp_path / "captions.txt"
    path.write_bytes((DATA / "session.vtt").read_bytes())
    assert read_transcript(path).format == "vtt"


def test_unrecognised_content_and_refused_formats(tmp_path):
    with pytest.raises(ImportFormatError, match="unrecognised transcript format"):
        sniff_format("notes.dat", b"just some words\nwithout any speakers\n")
    with pytest.raises(ImportFormatError, match="unrecognised transcript format"):
        sniff_format("blob.bin", bytes(range(256)))
    with pytest.raises(ImportFormatError, match=r"save the file as \.docx"):
        sniff_format("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(ImportFormatError, match="PDF"):
        sniff_format("scan.pdf", b"%PDF-1.7 ...")
    with pytest.raises(ImportFormatError, match="PDF"):
        sniff_format("misnamed.docx", b"%PDF-1.7 ...")
    path = tmp_path / "mystery.xyz"
    path.write_text("hello there\n")
    with pytest.raises(ImportFormatError) as err:
        read_transcript(path)
    assert str(err.value).startswith(f"{path}: unrecognised transcript format")


def test_content_hash_and_source_name():
    path = DATA / "session.csv"
    tr = read_transcript(path)
    assert tr.content_hash == content_hash(path.read_bytes())
    assert len(tr.content_hash) == 64
    assert tr.source_name == "session.csv"
    # same content under another name: same hash
    assert read_transcript(str(path)).content_hash == tr.content_hash


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImportFormatError, match=r"nothere\.txt: cannot read the file"):
        read_transcript(tmp_path / "nothere.txt")
    with pytest.raises(ImportFormatError, match="cannot read the file"):
        read_transcript(tmp_path)


def test_size_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.txt"
    path.write_text("T: hi\nP: hello\n" * 100)
    monkeypatch.setattr(importers, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ImportFormatError, match=r"big\.txt: the file is too large"):
        read_transcript(path)
    with pytest.raises(ImportFormatError, match="too large"):
        importers.parse_bytes(path.read_bytes(), name="big.txt")


def test_default_limit_is_50_mb():
    assert importers.MAX_FILE_BYTES == 50 * 1024 * 1024


def test_parse_speaker_map():
    assert parse_speaker_map("Anna=therapist, Ben=client,Cleo=Patient") == {
        "Anna": T,
        "Ben": P,
        "Cleo": P,
    }
    assert parse_speaker_map("Dr. Who = T,Interviewee=p,") == {"Dr. Who": T, "Interviewee": P}
    assert parse_speaker_map("Dana=counsellor,Eli=pt") == {"Dana": T, "Eli": P}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty speaker map"),
        (" , ", "empty speaker map"),
        ("Anna", "bad speaker map entry 'Anna'"),
        ("=therapist", "bad speaker map entry"),
        ("Anna=", "bad speaker map entry"),
        ("Anna=doctor", "unknown role 'doctor'"),
        ("Anna=therapist,anna=client", "two different roles"),
    ],
)
def test_bad_speaker_map(spec, message):
    with pytest.raises(UserError, match=message):
        parse_speaker_map(spec)


def test_speaker_map_from_cli_is_used_by_read_transcript(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("Anna: a\nBen: b\nAnna: c\nBen: d\n")
    tr = read_transcript(path, speaker_map=parse_speaker_map("anna=therapist,BEN=client"))
    assert [(s.role, s.label) for s in tr.segments] == [(T, "Anna"), (P, "Ben")] * 2
