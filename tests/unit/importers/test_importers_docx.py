"""Word .docx transcripts, generated here with python-docx."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

import socialcoder.importers.docx as docx_module
from socialcoder.domain.codebook import Role
from socialcoder.errors import ImportFormatError
from socialcoder.importers import read_transcript

T, P = Role.THERAPIST, Role.PATIENT


def _labelled(document, label: str, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(text)


def make_docx(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Fictional training transcript", level=1)
    d.add_paragraph("Not real patient data.")
    _labelled(d, "Therapist", "\tHow was your week?")  # bold label, no colon
    _labelled(d, "Client:", " Busy.")  # colon inside the bold run
    p = d.add_paragraph("Very busy, and ")
    p.add_run("really").bold = True  # bold inside a turn is not a label
    p.add_run(" tiring.")
    _labelled(d, "Client", " And then")
    d.paragraphs[-1].add_run().add_break()  # soft line break inside the paragraph
    d.paragraphs[-1].add_run("more.")
    _labelled(d, "No", " way, I said.")  # a bold word once: text of the turn
    d.add_paragraph("Therapist: plain label with colon.")
    _labelled(d, "Therapist", "")  # bold label alone; the text is in the next paragraph
    d.add_paragraph("Okay.")
    d.save(path)
    return path


def test_docx_with_bold_labels(tmp_path):
    tr = read_transcript(make_docx(tmp_path / "session.docx"))
    assert tr.format == "docx"
    assert tr.preamble == "Fictional training transcript\nNot real patient data."
    assert [(s.role, s.label, s.text) for s in tr.segments] == [
        (T, "Therapist", "How was your week?"),
        (P, "Client", "Busy.\nVery busy, and really tiring."),
        (P, "Client", "And then\nmore.\nNo way, I said."),
        (T, "Therapist", "plain label with colon."),
        (T, "Therapist", "Okay."),
    ]


def test_docx_bold_unknown_names_repeated_are_speakers(tmp_path):
    d = docx.Document()
    for name, text in [("Dana", " one"), ("Eli", " two"), ("Dana", " three"), ("Eli", " four")]:
        _labelled(d, name, text)
    path = tmp_path / "names.docx"
    d.save(path)
    tr = read_transcript(path, speaker_map={"Dana": T, "Eli": P})
    assert [(s.label, s.text) for s in tr.segments] == [
        ("Dana", "one"),
        ("Eli", "two"),
        ("Dana", "three"),
        ("Eli", "four"),
    ]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_truncated_docx(tmp_path):
    good = make_docx(tmp_path / "good.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ImportFormatError, match="damaged or truncated"):
        read_transcript(path)


def test_docx_that_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.docx"
    path.write_text("T: I am text in disguise\n")
    with pytest.raises(ImportFormatError, match=r"fake\.docx: not a readable \.docx"):
        read_transcript(path)


def test_zip_without_document_part(tmp_path):
    path = tmp_path / "other.docx"
    path.write_bytes(_zip({"hello.txt": b"hello"}))
    with pytest.raises(ImportFormatError, match=r"word/document\.xml is missing"):
        read_transcript(path)


def test_broken_document_xml(tmp_path):
    good = make_docx(tmp_path / "good.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["word/document.xml"] = b"<w:document><unclosed"
    path = tmp_path / "broken.docx"
    path.write_bytes(_zip(entries))
    with pytest.raises(ImportFormatError, match=r"broken\.docx: not a readable \.docx file"):
        read_transcript(path)


def test_zip_bomb_entry_is_refused(tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(_zip({"word/document.xml": b"<x/>", "word/media/zeros.bin": bytes(4 << 20)}))
    with pytest.raises(ImportFormatError, match="zip bomb"):
        read_transcript(path)


def test_too_large_uncompressed_and_too_many_entries(tmp_path, monkeypatch):
    path = make_docx(tmp_path / "good.docx")
    monkeypatch.setattr(docx_module, "MAX_UNCOMPRESSED", 1000)
    with pytest.raises(ImportFormatError, match="would expand to"):
        read_transcript(path)
    monkeypatch.setattr(docx_module, "MAX_UNCOMPRESSED", 200 << 20)
    monkeypatch.setattr(docx_module, "MAX_ENTRIES", 3)
    with pytest.raises(ImportFormatError, match="zip entries"):
        read_transcript(path)


def test_docx_without_turns(tmp_path):
    d = docx.Document()
    d.add_paragraph("Only prose, fictional.")
    path = tmp_path / "prose.docx"
    d.save(path)
    with pytest.raises(ImportFormatError, match="no speaker turns"):
        read_transcript(path)
