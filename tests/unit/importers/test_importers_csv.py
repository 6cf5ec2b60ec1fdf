"""CSV transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcoder.domain.codebook import Role
from socialcoder.errors import ImportFormatError, UnknownSpeakersError
from socialcoder.importers import read_transcript

DATA = Path(__file__).parent / "data"
T, P = Role.THERAPIST, Role.PATIENT


def rows(tr):
    return [(s.role, s.label, s.text, s.start, s.end) for s in tr.segments]


def test_csv_fixture():
    tr = read_transcript(DATA / "session.csv")
    assert tr.format == "csv"
    assert rows(tr) == [
        (T, "therapist", "Fictional opening question, with a comma?", 5.0, 9.5),
        (P, "client", "First line\nsecond line of the same turn", 9.5, 20.0),  # end inferred
        (P, "client", "Still me.", 20.0, 22.0),
        (T, "Ther.", "Okay.", None, None),
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_and_aliases(tmp_path, delimiter):
    lines = [
        ["Interlocutor", "Timestamp", "Utterance_Text", "extra"],
        ["therapist", "00:00:01", "Hello, fictional; with\tdelimiters inside", "x"],
        ["client", "1:02.5", "Hi.", "y"],
    ]
    path = tmp_path / "alias.csv"

    def quote(cell: str) -> str:
        return f'"{cell}"' if any(c in cell for c in ",;\t") else cell

    path.write_text("\n".join(delimiter.join(map(quote, line)) for line in lines) + "\n")
    assert rows(read_transcript(path)) == [
        (T, "therapist", "Hello, fictional; with\tdelimiters inside", 1.0, 62.5),
        (P, "client", "Hi.", 62.5, None),
    ]


def test_tsv_extension_and_blank_rows(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("speaker\ttext\n\nT\tone\n\t\nP\ttwo\n")
    assert [s.text for s in read_transcript(path).segments] == ["one", "two"]


def test_unknown_speakers_listed(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("speaker,text\nAnna,a\nT,b\nBen,c\nAnna,d\n")
    with pytest.raises(UnknownSpeakersError) as err:
        read_transcript(path)
    assert err.value.labels == ["Anna", "Ben"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("who,what\nT,hi\n", "row 1: missing column(s) speaker, text"),
        ("speaker,words\nT,hi\n", "row 1: missing column(s) text"),
        ("speaker,text\nT,hi\n,hello\n", "row 3: empty speaker cell"),
        ("speaker,text\nT,hi\nP,  \n", "row 3: empty text cell"),
        ("speaker,text,start\nT,hi,00:09:025\n", "row 2: start: unparseable time '00:09:025'"),
        ("speaker,text,start\nT,hi,soon\n", "row 2: start: unparseable time 'soon'"),
        ("speaker,text,start,end\nT,hi,5,4\n", "row 2: the turn ends (4) before it starts (5)"),
        ("speaker,text\n", "no rows with turns"),
    ],
)
def test_bad_csv(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ImportFormatError) as err:
        read_transcript(path)
    assert f"{path}: {message}" in str(err.value)


def test_blank_end_cell_of_stamped_turn_is_no_end(tmp_path):
    # an end cell of spaces after a start: no end (it crashed comparing None with the start)
    path = tmp_path / "b.csv"
    path.write_text("speaker,text,start,end\nT,hi,5, \nP,yes,7,8\n")
    assert [(s.start, s.end) for s in read_transcript(path).segments] == [(5.0, 7.0), (7.0, 8.0)]


def test_columns_and_cells_not_read_are_reported(tmp_path):
    """AnnoMI's own CSV has eleven columns; a transcript CSV reads four. The others (and a
    note column a user added) were dropped without a word; the import summary now names every
    column that holds text and is not read, and rows with cells beyond the header."""
    path = tmp_path / "annomi_like.csv"
    path.write_text(
        "transcript_id,interlocutor,utterance_text,timestamp,client_talk_type,empty,note\n"
        "7,therapist,Fictional question?,00:00:49,n/a,,\n"
        "7,client,Fictional answer.,00:00:58,change,,my note\n"
        "7,therapist,Fictional reply.,00:01:05,n/a,,,stray cell\n",
        encoding="utf-8",
    )
    tr = read_transcript(path)
    assert [s.text for s in tr.segments] == [
        "Fictional question?",
        "Fictional answer.",
        "Fictional reply.",
    ]
    assert tr.warnings == (
        "column(s) 'transcript_id', 'client_talk_type', 'note' not read (a CSV transcript "
        "reads speaker, text, start and end): their cells are not in the study",
        "1 row(s) have more cells than the header (first: row 4): the cells beyond it were "
        "not read",
    )


def test_a_csv_whose_columns_are_all_read_has_no_warning(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("speaker,text,start,end,\nT,Fictional.,1,2,\nP,Also fictional.,3,4,\n")
    assert read_transcript(path).warnings == ()
