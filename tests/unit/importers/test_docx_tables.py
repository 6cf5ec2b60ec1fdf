"""Turns inside Word tables, in document order with paragraphs (generated with python-docx)."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml

from socialcoder.domain.codebook import Role
from socialcoder.errors import ImportFormatError, UnknownSpeakersError
from socialcoder.importers import read_transcript

T, P = Role.THERAPIST, Role.PATIENT


def _table(document, rows: list[list[str]]):
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    return table


def _save(document, tmp_path: Path, name: str = "t.docx") -> Path:
    path = tmp_path / name
    document.save(path)
    return path


def _turns(path: Path, **kwargs) -> list[tuple]:
    tr = read_transcript(path, **kwargs)
    return [(s.role, s.label, s.text, s.start) for s in tr.segments]


def test_speaker_and_text_table_between_paragraphs_in_document_order(tmp_path: Path):
    d = docx.Document()
    d.add_paragraph("Fictional transcript, not real data.")
    d.add_paragraph("Therapist: Before the table.")
    _table(d, [["Client", "In the table."], ["Therapist", "Still in it."]])
    d.add_paragraph("Client: After the table.")
    _table(d, [["T", "A second table."]])
    tr = read_transcript(_save(d, tmp_path))
    assert tr.preamble == "Fictional transcript, not real data."
    assert [(s.role, s.label, s.text) for s in tr.segments] == [
        (T, "Therapist", "Before the table."),
        (P, "Client", "In the table."),
        (T, "Therapist", "Still in it."),
        (P, "Client", "After the table."),
        (T, "T", "A second table."),
    ]
    assert tr.warnings == ()


def test_time_speaker_text_without_a_header(tmp_path: Path):
    d = docx.Document()
    _table(
        d,
        [
            ["00:00:05", "Therapist", "Hello."],
            ["[00:00:09]", "Client", "Hi.\nSecond paragraph of the cell."],
            ["00:01:02.5", "Therapist", "Right."],
        ],
    )
    assert _turns(_save(d, tmp_path)) == [
        (T, "Therapist", "Hello.", 5.0),
        (P, "Client", "Hi.\nSecond paragraph of the cell.", 9.0),
        (T, "Therapist", "Right.", 62.5),
    ]


def test_header_row_names_the_columns_in_any_order(tmp_path: Path):
    d = docx.Document()
    _table(
        d,
        [
            ["Utterance", "Time", "Speaker", "End"],
            ["Hello.", "0:05", "T", "0:08"],
            ["Hi.", "0:09", "P", "0:12"],
        ],
    )
    tr = read_transcript(_save(d, tmp_path))
    assert [(s.label, s.text, s.start) for s in tr.segments] == [
        ("T", "Hello.", 5.0),
        ("P", "Hi.", 9.0),
    ]
    assert tr.warnings == (
        "table 1: the end-time column is not read (a turn ends where the next one starts)",
    )


def test_line_numbers_empty_speaker_cells_and_a_heading_row(tmp_path: Path):
    d = docx.Document()
    table = _table(
        d,
        [
            ["1", "Therapist", "How are you?"],
            ["2", "Client", "Tired."],
            ["3", "", "Very tired, to be honest."],  # the same turn goes on
            ["", "Part two", ""],  # replaced by a merged heading below
            ["4", "Therapist", "Let us look at the diary."],
        ],
    )
    heading = table.cell(3, 0).merge(table.cell(3, 2))
    heading.text = "Part two of the session"
    assert _turns(_save(d, tmp_path)) == [
        (T, "Therapist", "How are you?", None),
        (P, "Client", "Tired.\nVery tired, to be honest.\nPart two of the session", None),
        (T, "Therapist", "Let us look at the diary.", None),
    ]


def test_a_vertically_merged_speaker_cell_continues_the_turn(tmp_path: Path):
    d = docx.Document()
    table = _table(d, [["Therapist", "One."], ["", "Two."], ["Client", "Three."]])
    merged = table.cell(0, 0).merge(table.cell(1, 0))
    merged.text = "Therapist"
    assert [(label, text) for _, label, text, _ in _turns(_save(d, tmp_path))] == [
        ("Therapist", "One.\nTwo."),
        ("Client", "Three."),
    ]


def test_unknown_table_speakers_are_listed(tmp_path: Path):
    d = docx.Document()
    _table(d, [["Mum", "Once."], ["Therapist", "Hello."], ["Dr. Smith", "Hi."]])
    path = _save(d, tmp_path)
    with pytest.raises(UnknownSpeakersError) as caught:
        read_transcript(path)
    assert caught.value.labels == ["Mum", "Dr. Smith"]
    assert "(line" not in str(caught.value)  # Word files have no lines to point at
    assert [
        s.label for s in read_transcript(path, speaker_map={"Mum": P, "Dr. Smith": T}).segments
    ] == [
        "Mum",
        "Therapist",
        "Dr. Smith",
    ]


def test_a_lowercase_speaker_cell_is_a_speaker_in_a_table(tmp_path: Path):
    d = docx.Document()
    _table(d, [["interviewer", "Hello."], ["client", "Hi."]])
    assert [
        s.label
        for s in read_transcript(_save(d, tmp_path), speaker_map={"interviewer": T}).segments
    ] == [
        "interviewer",
        "client",
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["Therapist (T)", "Hello."]], "table 1, row 1: the speaker cell 'Therapist (T)' is not"),
        ([["T", "a", "b"], ["P", "c", "d"]], "table 1: cannot tell the speaker column"),
        ([["99:99:99", "T", "a"]], "table 1, row 1: unparseable time"),
    ],
)
def test_tables_that_cannot_be_read_are_refused_by_name(tmp_path: Path, rows, message):
    d = docx.Document()
    d.add_paragraph("T: a paragraph first")
    _table(d, rows)
    with pytest.raises(ImportFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_transcript(_save(d, tmp_path))


def test_a_table_inside_a_cell_is_refused(tmp_path: Path):
    d = docx.Document()
    table = _table(d, [["T", "Hello."], ["P", "Hi."]])
    table.cell(1, 1).add_table(rows=1, cols=2)
    with pytest.raises(ImportFormatError, match="table 1, row 2: a table inside a table cell"):
        read_transcript(_save(d, tmp_path))


def test_text_boxes_are_named_as_not_read(tmp_path: Path):
    d = docx.Document()
    d.add_paragraph("T: Hello.")
    paragraph = d.add_paragraph("P: Hi.")
    paragraph._p.append(
        parse_xml(
            '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:textbox><w:txbxContent>'
            "<w:p><w:r><w:t>T: boxed words</w:t></w:r></w:p>"
            "</w:txbxContent></v:textbox></w:pict></w:r>"
        )
    )
    tr = read_transcript(_save(d, tmp_path))
    assert [s.text for s in tr.segments] == ["Hello.", "Hi."]
    assert tr.warnings == ("1 text box(es) not read (move transcript text out of text boxes)",)
