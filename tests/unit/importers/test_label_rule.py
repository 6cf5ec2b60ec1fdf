"""The rule that decides which `Label:` lines start a turn (docs/transcripts.md): one-line
speakers are never merged into the turn above, prose with a colon stays text."""

from __future__ import annotations

import pytest

from socialcoder.domain.codebook import Role
from socialcoder.errors import Input, Remedy, UnknownSpeakersError
from socialcoder.importers import TEXT, parse_bytes, parse_speaker_map, parse_text

T, P = Role.THERAPIST, Role.PATIENT


def _turns(text: str, **speakers: Role) -> list[tuple[str, str]]:
    segments, _ = parse_text(text, source_name="x.txt", speaker_map=speakers)
    return [(s.label, s.text) for s in segments]


ONE_LINERS = ["Interviewer", "Mum", "Dr. Smith", "Thérapeute", "P1", "Speaker 2", "Zoë O'Neil"]


@pytest.mark.parametrize("label", ONE_LINERS)
def test_a_speaker_seen_once_starts_a_turn(label: str):
    text = f"T: How was the week?\nP: Tiring.\n{label}: She hardly slept.\nT: I see.\n"
    with pytest.raises(UnknownSpeakersError):  # never merged into 'Tiring.' without a word
        parse_text(text, source_name="x.txt")
    segments, _ = parse_text(text, source_name="x.txt", speaker_map={label: P})
    assert [(s.label, s.text) for s in segments] == [
        ("T", "How was the week?"),
        ("P", "Tiring."),
        (label, "She hardly slept."),
        ("T", "I see."),
    ]


def test_every_unknown_one_liner_is_listed_at_once_with_its_line():
    text = "T: Hello.\n" + "".join(f"{label}: a line.\n" for label in ONE_LINERS)
    with pytest.raises(UnknownSpeakersError) as caught:
        parse_text(text, source_name="x.txt")
    assert caught.value.labels == ONE_LINERS
    message = str(caught.value)
    assert "'Interviewer' (line 2)" in message and '"Zoë O\'Neil" (line 8)' in message
    (remedy,) = caught.value.remedies
    assert remedy == Remedy.give(
        Input.SPEAKER_MAP, example="'Interviewer=ROLE,Mum=ROLE,Dr. Smith=ROLE'"
    )
    assert "=patient" not in remedy.example and "=therapist" not in remedy.example


def test_labels_up_to_40_characters_and_4_words():
    forty = "Interviewer Alexandra Smith-Jonesworth"  # 38 characters, 3 words
    assert len(forty) <= 40
    assert _turns(f"T: a\n{forty}: b\n", **{forty: T}) == [("T", "a"), (forty, "b")]
    longer = "Interviewer Alexandra Smith-Jonesworth III"  # 42 characters: text...
    assert _turns(f"T: a\n{longer}: b\n") == [("T", f"a\n{longer}: b")]
    # ... unless the speaker map names it (up to 100 characters)
    assert _turns(f"T: a\n{longer}: b\n", **{longer: P}) == [("T", "a"), (longer, "b")]
    five = "Dr Anna Maria Berg Smith"  # 5 words
    assert _turns(f"T: a\n{five}: b\n") == [("T", f"a\n{five}: b")]


def test_a_long_label_at_the_start_is_reported_as_preamble_not_lost(tmp_path):
    long = "Interviewer Alexandra Smith-Jonesworth III"
    data = f"{long}: Welcome.\nT: Hello.\nP: Hi.\n".encode()
    tr = parse_bytes(data, name="x.txt")
    assert tr.preamble == f"{long}: Welcome."
    tr = parse_bytes(data, name="x.txt", speaker_map={long: T})
    assert [s.label for s in tr.segments] == [long, "T", "P"]


@pytest.mark.parametrize(
    "line",
    [
        "10:30: we met then",  # a time, not a label
        "At 10:30 we met",
        "at 10:30: we met",
        "Note: she laughs",  # remark words
        "NB: inaudible",
        "https://example.org: a link",  # URLs
        "http://example.org",
        "see: https://example.org",  # one lowercase word: prose
        "and then I said: no way",  # prose: lowercase words
        "so: that was it",
        "Then I said to him: no",  # words not all capitalised
        "Date: 3 March",  # header words
        "Session: 4",
        "Transcribed by: J. Doe",
        "Time: 14:00",
        "Ratio 3:1 is fine",
        "It was 3: 1 to them",
    ],
)
def test_prose_with_a_colon_stays_text(line: str):
    assert _turns(f"T: first\n{line}\nP: second\n") == [("T", f"first\n{line}"), ("P", "second")]


def test_lowercase_prose_repeated_is_a_label_and_needs_a_role():
    text = "T: a\nyou know: b\nP: c\nyou know: d\n"
    with pytest.raises(UnknownSpeakersError, match="'you know' \\(line 2\\)"):
        parse_text(text, source_name="x.txt")
    assert _turns(text, **{"you know": TEXT}) == [("T", "a\nyou know: b"), ("P", "c\nyou know: d")]


def test_speaker_map_text_keeps_a_name_like_word_as_text():
    text = "T: Here is the plan.\nMonday: walk.\nTuesday: rest.\nP: Fine.\n"
    with pytest.raises(UnknownSpeakersError) as caught:
        parse_text(text, source_name="x.txt")
    assert caught.value.labels == ["Monday", "Tuesday"]
    speakers = parse_speaker_map("Monday=text,Tuesday=text")
    segments, _ = parse_text(text, source_name="x.txt", speaker_map=speakers)
    assert [(s.label, s.text) for s in segments] == [
        ("T", "Here is the plan.\nMonday: walk.\nTuesday: rest."),
        ("P", "Fine."),
    ]


def test_a_note_word_in_the_speaker_map_is_a_speaker():
    assert _turns("T: a\nNote: b\n", Note=P) == [("T", "a"), ("Note", "b")]


def test_subtitle_prefixes_follow_the_same_rule():
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nT: Hello.\n\n"
        "00:00:02.000 --> 00:00:03.000\nMum: Once only.\n\n"
        "00:00:03.000 --> 00:00:04.000\nso: prose stays with the speaker\n"
    )
    with pytest.raises(UnknownSpeakersError, match="'Mum'"):
        parse_bytes(vtt.encode(), name="x.vtt")
    tr = parse_bytes(vtt.encode(), name="x.vtt", speaker_map={"Mum": P})
    assert [(s.label, s.text) for s in tr.segments] == [
        ("T", "Hello."),
        ("Mum", "Once only."),
        ("Mum", "so: prose stays with the speaker"),
    ]


def test_a_decomposed_accent_is_part_of_the_label():
    """A file written on macOS may hold 'e' + U+0301 instead of 'é'."""
    text = "T: Bonjour.\nThe\u0301rapeute: Bonjour.\n"
    with pytest.raises(UnknownSpeakersError, match="rapeute' \\(line 2\\)"):
        parse_text(text, source_name="x.txt")
    assert _turns(text, **{"Thérapeute": T}) == [
        ("T", "Bonjour."),
        ("The\u0301rapeute", "Bonjour."),
    ]
