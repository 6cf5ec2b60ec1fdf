"""WebVTT and SubRip transcripts."""

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


def test_vtt_with_and_without_hours_voice_tags_and_prefixes():
    tr = read_transcript(DATA / "session.vtt")
    assert tr.format == "vtt"
    assert tr.preamble == ""
    assert rows(tr) == [
        (T, "Therapist", "Welcome back. How are you today?", 1.0, 4.5),
        (P, "Client", "I'm okay, I think & a bit tired.", 4.5, 7.25),
        (P, "Client", "Really tired, actually.", 7.25, 9.0),
        (T, "Therapist", "Tell me more about that.", 69.0, 72.0),
        # no speaker in the cue: the previous cue's speaker, still a turn of its own
        (T, "Therapist", "And how long has it been like this?", 3612.0, 3615.0),
    ]


def test_srt_with_prefixes_and_a_cue_without_speaker():
    tr = read_transcript(DATA / "session.srt")
    assert tr.format == "srt"
    assert rows(tr) == [
        (T, "T", "Hello, fictional client.", 1.0, 3.0),
        (P, "C", "Hello. It has been a long week.", 3.5, 6.0),
        (P, "C", "And the weekend too.", 6.0, 8.25),
        (T, "T", "Let's start there.", 9.0, 12.0),
    ]


def test_vtt_cue_with_two_voices_gives_two_turns(tmp_path):
    path = tmp_path / "two.vtt"
    path.write_text(
        "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Therapist>Ready?</v>\n<v Client>Yes.</v>\n",
        encoding="utf-8",
    )
    assert rows(read_transcript(path)) == [
        (T, "Therapist", "Ready?", 1.0, 3.0),
        (P, "Client", "Yes.", 1.0, 3.0),
    ]


def test_vtt_unknown_voice_needs_a_speaker_map(tmp_path):
    path = tmp_path / "names.vtt"
    path.write_text(
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Dana>Hi.\n\n"
        "00:02.000 --> 00:03.000\n<v Eli>Hello.\n",
        encoding="utf-8",
    )
    with pytest.raises(UnknownSpeakersError) as err:
        read_transcript(path)
    assert err.value.labels == ["Dana", "Eli"]
    tr = read_transcript(path, speaker_map={"dana": T, "eli": P})
    assert [s.role for s in tr.segments] == [T, P]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.vtt", "WEBVTTX\n\n00:01.000 --> 00:02.000\nT: hi\n", ":1: not a WebVTT file"),
        ("a.vtt", "1\n00:00:01,000 --> 00:00:02,000\nT: hi\n", ":1: not a WebVTT file"),
        ("a.vtt", "WEBVTT\n\n00:02.000 --> 00:01.000\nT: hi\n", ":3: cue ends"),
        ("a.vtt", "WEBVTT\n\n00:01.000 -> 00:02.000\nT: hi\n", ":3: expected a cue timing"),
        (
            "a.vtt",
            "WEBVTT\n\nid\n00:01.0a0 --> 00:02.000\nT: hi\n",
            ":4: unparseable time '00:01.0a0'",
        ),
        ("a.vtt", "WEBVTT\n\n00:01.000 --> 00:99.000\nT: hi\n", ":3: unparseable time"),
        ("a.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nno speaker\n", ":3: the first cue names"),
        ("a.vtt", "WEBVTT\n\nNOTE only a note\n", ": no cues with text"),
        ("a.vtt", "WEBVTT\n\n00:01.000-->00:02.000\nT: hi\n", ":3: malformed cue timing"),
        ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\nhello\n", ":2: the first cue names"),
        ("a.srt", "1\n00:00:03,000 --> 00:00:02,000\nT: hi\n", ":2: cue ends"),
        ("a.srt", "1\nT: hi\n", ":2: expected a cue timing line"),
        ("a.srt", "one\n00:00:01,000 --> 00:00:02,000\nT: hi\n", ":1: expected a cue number"),
        (
            "a.srt",
            "1\n00:00:01,000 --> 00:00:0x,000\nT: hi\n",
            ":2: unparseable time '00:00:0x,000'",
        ),
        (
            "a.srt",
            "1\n00:00:01,000 --> 00:00:02,000\nT: hi\n\n2\n00:00:02,000 --> 00:00:61,000\nP: x\n",
            ":6: unparseable time",
        ),
    ],
)
def test_malformed_subtitles(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError) as err:
        read_transcript(path)
    assert str(path) + message in str(err.value)


def test_srt_crlf_and_bom(tmp_path):
    path = tmp_path / "w.srt"
    content = (
        "1\r\n00:00:01,000 --> 00:00:02,000\r\nT: hi\r\n\r\n"
        "2\r\n00:00:02,000 --> 00:00:03,000\r\nP: yo\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))
    assert rows(read_transcript(path)) == [(T, "T", "hi", 1.0, 2.0), (P, "P", "yo", 2.0, 3.0)]
