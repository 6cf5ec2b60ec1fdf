"""Property tests for the plain-text importer: render random turns, parse them back."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from socialcoder.domain.codebook import Role
from socialcoder.errors import UnknownSpeakersError
from socialcoder.importers import parse_bytes, parse_text
from socialcoder.importers.speakers import DEFAULT_LABELS, NOT_LABELS, TEXT, normalize_label
from socialcoder.importers.times import format_clock

T, P = Role.THERAPIST, Role.PATIENT
BUILT_IN = ["T", "P", "Therapist", "Client", "Patient", "Th", "Pt", "C", "Counsellor", "t."]
NAMES = {"Anna Berg": T, "Dr. O'Neil": T, "Ben-Luca": P, "Zoë": P, "Speaker 2": P}
SPEAKER_MAP = dict(NAMES)


def _role(label: str) -> Role:
    return NAMES.get(label) or DEFAULT_LABELS[normalize_label(label)]


# Characters of any script, no controls or surrogates; lines are stripped and non-empty.
_chars = st.characters(blacklist_categories=("Cs", "Cc"))
_line = st.text(_chars, min_size=1, max_size=40).map(str.strip).filter(bool)
# A continuation line must not itself look like a turn line or a lone time stamp.
_continuation = _line.filter(lambda s: ":" not in s[:45] and s[0] not in "[(0123456789")
_first_line = _line.filter(lambda s: s[0] not in "[(")


@dataclass(frozen=True)
class Turn:
    label: str
    lines: tuple[str, ...]
    start: float | None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_turn = st.builds(
    Turn,
    label=st.sampled_from(BUILT_IN + list(NAMES)),
    lines=st.tuples(_first_line).flatmap(
        lambda first: st.lists(_continuation, max_size=3).map(lambda rest: (*first, *rest))
    ),
    start=st.none() | st.integers(0, 5 * 3600 * 1000).map(lambda ms: ms / 1000),
)


def render(turns: list[Turn], *, blank_lines: bool = False) -> str:
    out: list[str] = []
    for turn in turns:
        stamp = f"[{format_clock(turn.start)}] " if turn.start is not None else ""
        out.append(f"{stamp}{turn.label}: {turn.lines[0]}")
        for line in turn.lines[1:]:
            if blank_lines:
                out.append("")
            out.append(line)
    return "\n".join(out) + "\n"


def expected(turns: list[Turn]) -> list[tuple]:
    rows = []
    for i, turn in enumerate(turns):
        nxt = turns[i + 1].start if i + 1 < len(turns) else None
        end = nxt if turn.start is not None and nxt is not None and nxt >= turn.start else None
        rows.append((_role(turn.label), turn.label, turn.text, turn.start, end))
    return rows


def actual(segments) -> list[tuple]:
    return [(s.role, s.label, s.text, s.start, s.end) for s in segments]


@settings(max_examples=100, deadline=None)
@given(st.lists(_turn, min_size=1, max_size=12), st.booleans())
def test_render_and_parse_back(turns, blank_lines):
    segments, preamble = parse_text(
        render(turns, blank_lines=blank_lines), source_name="p.txt", speaker_map=SPEAKER_MAP
    )
    assert preamble == ""
    assert actual(segments) == expected(turns)


_encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


@settings(max_examples=60, deadline=None)
@given(st.lists(_turn, min_size=1, max_size=8), _encodings, st.sampled_from(["\n", "\r\n", "\r"]))
def test_encodings_and_line_ends_give_the_same_turns_and_no_bom(turns, encoding, newline):
    data = encode(render(turns).replace("\n", newline), encoding)
    tr = parse_bytes(data, name="p.txt", speaker_map=SPEAKER_MAP)
    assert actual(tr.segments) == expected(turns)
    assert not any(s.text.startswith("\ufeff") or "\r" in s.text for s in tr.segments)


_remark_word = st.text(
    st.characters(whitelist_categories=("Lu", "Ll")), min_size=4, max_size=12
).filter(
    lambda w: normalize_label(w) not in DEFAULT_LABELS and normalize_label(w) not in NOT_LABELS
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(_turn, min_size=1, max_size=8),
    st.lists(_remark_word, min_size=1, max_size=6, unique_by=normalize_label),
    st.data(),
)
def test_one_off_label_lines_stop_the_import_or_stay_text_when_mapped(turns, words, data):
    """A line 'Word: ...' with an unmapped name-like word is never silently merged into the
    turn above: the import stops listing every such word at once; mapped to ``text`` it stays
    text of its turn, mapped to a role it starts a turn."""
    names = {normalize_label(n) for n in NAMES}
    words = [w[0].upper() + w[1:] for w in words if normalize_label(w) not in names]
    words = [w for w in words if w[0].isupper()]  # name-like (some letters have no capital)
    assume(words and len({normalize_label(w) for w in words}) == len(words))
    turns = list(turns)
    for word in words:
        i = data.draw(st.integers(0, len(turns) - 1))
        turn = turns[i]
        turns[i] = Turn(turn.label, (*turn.lines, f"{word}: remark"), turn.start)
    text = render(turns)
    with pytest.raises(UnknownSpeakersError) as caught:
        parse_text(text, source_name="p.txt", speaker_map=SPEAKER_MAP)
    assert {normalize_label(w) for w in caught.value.labels} == {normalize_label(w) for w in words}
    as_text = {**SPEAKER_MAP, **dict.fromkeys(words, TEXT)}
    segments, _ = parse_text(text, source_name="p.txt", speaker_map=as_text)
    assert actual(segments) == expected(turns)
    as_roles = {**SPEAKER_MAP, **dict.fromkeys(words, P)}
    segments, _ = parse_text(text, source_name="p.txt", speaker_map=as_roles)
    assert len(segments) == len(turns) + sum(
        1 for t in turns for line in t.lines if line.endswith(": remark")
    )


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(BUILT_IN + list(NAMES)), st.lists(_first_line, min_size=2, max_size=20))
def test_consecutive_same_speaker_turns_stay_separate(label, texts):
    turns = [Turn(label, (text,), None) for text in texts]
    segments, _ = parse_text(render(turns), source_name="p.txt", speaker_map=SPEAKER_MAP)
    assert [s.text for s in segments] == texts
    assert {s.label for s in segments} == {label}
