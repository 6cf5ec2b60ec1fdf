"""Plain-text transcripts: real files in tests/unit/importers/data plus files written here."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from socialcoder.domain.codebook import Role
from socialcoder.domain.transcript import content_hash
from socialcoder.errors import ImportFormatError, Input, UnknownSpeakersError
from socialcoder.importers import TEXT, parse_text, read_transcript

DATA = Path(__file__).parent / "data"
T, P = Role.THERAPIST, Role.PATIENT


def turns(transcript_or_segments):
    segments = getattr(transcript_or_segments, "segments", transcript_or_segments)
    return [(s.role, s.label, s.text) for s in segments]


def test_stamped_transcript_with_continuation_lines():
    path = DATA / "session_stamps.txt"
    tr = read_transcript(path)
    assert tr.format == "text"
    assert tr.source_name == "session_stamps.txt"
    assert tr.content_hash == content_hash(path.read_bytes())
    assert tr.preamble == (
        "Fictional practice transcript - not real patient data.\n"
        "Session 4, recorded for coder training"
    )
    assert turns(tr) == [
        (T, "T", "Good morning. How has the week been since we last met?"),
        (
            P,
            "P",
            "Not great, honestly.\nI tried the activity diary but I kept forgetting it.\n"
            "Note: patient laughs",
        ),
        (T, "T", "That happens a lot at the start."),
        (T, "T", "What got in the way, do you think?"),
        (P, "P", "Mostly being tired in the evenings.\nThen I just went to bed."),
        (T, "Therapist", "So evenings are hard."),
        (P, "Client", "Yes. At 10:30 I am already exhausted."),
    ]
    starts = [s.start for s in tr.segments]
    ends = [s.end for s in tr.segments]
    assert starts == [5.0, 9.0, 21.0, 24.0, 62.5, None, 4530.0]
    # end = next turn's start when known
    assert ends == [9.0, 21.0, 24.0, 62.5, None, None, None]


def test_crlf_utf8_bom_file():
    raw = (DATA / "crlf_bom.txt").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and raw.count(b"\r\n") == 6  # fixture intact
    tr = read_transcript(DATA / "crlf_bom.txt")
    assert tr.preamble == "Fictional example (not real data)"
    assert turns(tr) == [
        (T, "T", "Hello and welcome."),
        (P, "P", "Thanks.\nIt’s good to be here."),
        (T, "T", "Let’s begin."),
    ]
    assert all("\ufeff" not in s.text and "\r" not in s.text for s in tr.segments)
    assert "\ufeff" not in tr.preamble


def test_windows_1252_curly_quotes():
    raw = (DATA / "cp1252_quotes.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is not UTF-8
    tr = read_transcript(DATA / "cp1252_quotes.txt")
    assert turns(tr) == [
        (T, "Therapist", "You said “I can’t” twice – fictional."),
        (P, "Client", "Yes… I don’t know why."),
        (T, "Therapist", "Café or not, it’s fine."),
    ]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    text = "T: Grüß dich – fictional.\r\nP: Hallo.\rT: Tschüss.\n"
    path = tmp_path / "utf16.txt"
    path.write_bytes(bom + text.encode(codec))
    tr = read_transcript(path)
    assert turns(tr) == [
        (T, "T", "Grüß dich – fictional."),
        (P, "P", "Hallo."),
        (T, "T", "Tschüss."),
    ]


def test_utf16_written_by_python_codec(tmp_path):
    path = tmp_path / "u.txt"
    path.write_text("Therapist: one\nClient: two\n", encoding="utf-16")  # BOM + native order
    assert turns(read_transcript(path)) == [(T, "Therapist", "one"), (P, "Client", "two")]


def test_timestamp_forms():
    text = (
        "[00:00:01] T: a\n"
        "(00:00:02.5) P: b\n"
        "00:00:03 T: c\n"
        "T: [1:04] d\n"
        "P: (00:00:05,25) e\n"
        "[01:02:03.125] T: f\n"
        "[00:00:09]\n"
        "P: g\n"
    )
    segments, preamble = parse_text(text, source_name="x.txt")
    assert preamble == ""
    assert [s.text for s in segments] == list("abcdefg")
    assert [s.start for s in segments] == [1.0, 2.5, 3.0, 64.0, 5.25, 3723.125, 9.0]
    # 3723.125 -> 9.0 goes backwards: no end is invented
    assert [s.end for s in segments] == [2.5, 3.0, 64.0, None, 3723.125, None, None]


def test_labels_ignore_case_and_trailing_dots():
    text = "t.: a\nTH: b\npt. c\nPT.: d\nCounsellor: e\nCL: f\nPatient: g\n"
    segments, _ = parse_text(text, source_name="x.txt")
    # "pt. c" has no colon: continuation of the previous turn
    assert [(s.role, s.label, s.text) for s in segments] == [
        (T, "t.", "a"),
        (T, "TH", "b\npt. c"),
        (P, "PT.", "d"),
        (T, "Counsellor", "e"),
        (P, "CL", "f"),
        (P, "Patient", "g"),
    ]


def test_label_rule_name_like_words_start_turns_unless_mapped_to_text():
    text = (
        "Anna: Hello.\n"
        "Ben: Hi Anna.\n"
        "Remember: this is fictional.\n"  # name-like, once: a label that needs a role
        "Anna: Shall we start?\n"
        "Ben: Yes. Here is the list:\n"
        "http://example.org/x\n"
        "Ben: That was all.\n"
    )
    with pytest.raises(UnknownSpeakersError, match=r"'Remember' \(line 3\)"):
        parse_text(text, source_name="x.txt", speaker_map={"anna": T, "BEN": P})
    segments, _ = parse_text(
        text, source_name="x.txt", speaker_map={"anna": T, "BEN": P, "remember": TEXT}
    )
    assert [(s.role, s.label, s.text) for s in segments] == [
        (T, "Anna", "Hello."),
        (P, "Ben", "Hi Anna.\nRemember: this is fictional."),
        (T, "Anna", "Shall we start?"),
        (P, "Ben", "Yes. Here is the list:\nhttp://example.org/x"),
        (P, "Ben", "That was all."),
    ]


def test_note_lines_stay_text_even_when_repeated():
    text = "T: one\nNote: laughs\nP: two\nNote: pause\nNB: x\n"
    segments, _ = parse_text(text, source_name="x.txt")
    assert [s.text for s in segments] == ["one\nNote: laughs", "two\nNote: pause\nNB: x"]


def test_speaker_map_can_name_a_note_word_and_a_one_off_speaker():
    text = "T: one\nNote: spoken by the note taker\nMother: a one-off remark\nP: two\n"
    segments, _ = parse_text(text, source_name="x.txt", speaker_map={"Mother": P, "note": T})
    assert [s.label for s in segments] == ["T", "Note", "Mother", "P"]


def test_speaker_map_overrides_builtin_labels():
    segments, _ = parse_text("T: a\nP: b\n", source_name="x.txt", speaker_map={"t": P, "p": T})
    assert [s.role for s in segments] == [P, T]


def test_multiword_labels_and_long_candidates():
    text = (
        "Dr. Mary O'Neil-Smith: hello\n"
        "Dr. Mary O'Neil-Smith: again\n"
        "This sentence has far too many words: so it is text\n"
        "This sentence has far too many words: so it is text\n"
    )
    segments, _ = parse_text(text, source_name="x.txt", speaker_map={"dr. mary o'neil-smith": T})
    assert len(segments) == 2
    assert segments[1].text.count("far too many words") == 2


def test_consecutive_same_speaker_turns_stay_separate():
    segments, _ = parse_text("P: one\nP: two\nP: three\nT: four\n", source_name="x.txt")
    assert [s.text for s in segments] == ["one", "two", "three", "four"]


def test_unknown_labels_are_all_listed():
    text = "Zed: a\nBen: b\nZed: c\nBen: d\nT: e\nAnna: f\nAnna: g\n"
    with pytest.raises(UnknownSpeakersError) as err:
        parse_text(text, source_name="x.txt")
    assert err.value.labels == ["Zed", "Ben", "Anna"]  # in order of appearance
    assert "x.txt" in str(err.value) and err.value.remedies[0].inputs == (Input.SPEAKER_MAP,)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\t\r\n  ", "empty"),
        (b"Just some prose.\nNo speakers at all.\n", "no speaker turns"),
        (b"Anna: only once\nBen: also once\n", "'Anna' (line 1), 'Ben' (line 2)"),
        (b"and then he said: no\nso I asked: why\n", "look(s) like prose"),
        (b"T: fine\nP:\nT: again\n", "has no text"),
        (b"T: fine\n[00:61] P: bad\n", "unparseable time"),
        (b"T: fine\n[00:00:99] P: bad\n", "unparseable time"),
        (b"\x00\x01\x02\x03binary\x00\xff\xfe\x00" * 20, "binary"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_bad_text_files(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ImportFormatError) as err:
        read_transcript(path)
    text = str(err.value)
    assert message in text
    assert str(path) in text
    assert "\n" not in text


def test_error_names_the_line(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("Preamble\n\nT: fine\nmore\n\nP: also fine\n(1:99) T: bad stamp\n")
    with pytest.raises(ImportFormatError, match=r"lines\.txt:7: unparseable time"):
        read_transcript(path)
    path.write_text("T: fine\n\n\nP:\n\nT: x\n")
    with pytest.raises(ImportFormatError, match=r"lines\.txt:4: the turn of 'P' has no text"):
        read_transcript(path)


def test_bad_stamp_on_its_own_line_names_that_line(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("T: fine\n[00:75]\n\nP: stamped by the line above\n")
    with pytest.raises(ImportFormatError, match=r"s\.txt:2: unparseable time"):
        read_transcript(path)


def test_stamp_only_lines_not_before_a_turn_are_text():
    segments, _ = parse_text(
        "T: a\n[00:10]\nmore\n[00:20]\n[00:30] P: b\n[00:40]", source_name="x.txt"
    )
    assert [(s.text, s.start) for s in segments] == [
        ("a\n[00:10]\nmore\n[00:20]", None),
        ("b\n[00:40]", 30.0),
    ]


def test_parse_text_strips_bom_and_handles_cr_only():
    segments, preamble = parse_text("\ufeffHeader\rT: a\rP: b\r", source_name="x.txt")
    assert preamble == "Header"
    assert [s.text for s in segments] == ["a", "b"]


def test_labels_are_not_times_or_urls():
    segments, _ = parse_text(
        "T: The session starts\n10:30: is not a label\nhttps://x.org: nor this\n",
        source_name="x.txt",
    )
    assert len(segments) == 1


def test_utf16_without_bom_is_recognised(tmp_path):
    path = tmp_path / "nobom.txt"
    path.write_bytes("T: ohne BOM\nP: gut – fictional\n".encode("utf-16-le"))
    assert turns(read_transcript(path)) == [(T, "T", "ohne BOM"), (P, "P", "gut – fictional")]


def test_bad_byte_order_mark_content(tmp_path):
    path = tmp_path / "badbom.txt"
    path.write_bytes(b"\xef\xbb\xbfT: caf\xe9\n")  # UTF-8 mark, then a Latin-1 byte
    with pytest.raises(ImportFormatError, match="UTF-8 byte-order mark but is not valid UTF-8"):
        read_transcript(path)
