"""Plain-text transcripts: one turn per speaker label at the start of a line.

Shape of a turn line (``[...]`` parts optional)::

    [stamp] LABEL: [stamp] text

where ``stamp`` is ``[hh:mm:ss]``, ``[mm:ss]``, ``(hh:mm:ss)``, ``(mm:ss)`` (optionally with a
fraction), or a bare ``hh:mm:ss`` before the label. A *label* is a name-like token: it starts
with a letter, holds letters, digits, spaces, dots, hyphens, underscores and apostrophes, is at
most 30 characters and 4 words long, and its colon is followed by whitespace or the line end (so
``10:30`` or ``http://`` never make a label).

**Which candidates are labels.** A line that has this shape starts a turn when its label (case
and trailing dots ignored)

* is a built-in role label (``T``, ``Therapist``, ``Client``, ...) or in the speaker map, or
* occurs at the start of at least two lines of the file,

and is not a remark word such as ``Note`` or ``NB`` (unless the speaker map names it). So a
one-off ``Note: inaudible`` inside a turn stays text of that turn, while ``Anna:`` speaking
several times is a speaker (to be mapped to a role with the speaker map). A speaker who speaks
only once must be named in the speaker map.

Lines without a label continue the previous turn, joined with ``\\n``; empty lines are skipped;
each line is stripped. A line holding only a stamp gives the start time of the next turn. Text
before the first turn is the preamble. A turn's end is the next turn's start, when known.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from socialcoder.domain.codebook import Role
from socialcoder.domain.transcript import ParsedSegment
from socialcoder.errors import ImportFormatError
from socialcoder.importers.speakers import (
    LABEL_PATTERN,
    LabelRoles,
    SpeakerResolver,
    accepted_labels,
    label_key,
)
from socialcoder.importers.times import (
    CLOCK_GROUPS_PATTERN,
    CLOCK_PATTERN,
    clock_seconds,
    parse_clock,
)

_C = CLOCK_PATTERN
_END = r"(?:[ \t]++|(?=\n)|\Z)"  # whitespace, or the end of the line
# Both passes search for "\n" + a line (the text gets a leading "\n"): a literal first
# character lets the regex engine jump from line to line. Possessive quantifiers keep failed
# attempts (continuation lines) from backtracking.
_CANDIDATE_RE = re.compile(rf"\n[ \t]*+(?:[\[(]?{_C}[\])]?[ \t]*+)?({LABEL_PATTERN}):{_END}")
# Groups of a turn line: a stamp before the label (4 groups, see CLOCK_GROUPS_PATTERN), the
# label, a bracketed stamp after the colon (4 groups). The label alternation is built per file.
_G = CLOCK_GROUPS_PATTERN
_TURN_TEMPLATE = (
    rf"\n[ \t]*+(?:[\[(]?{_G}[\])]?[ \t]*+)?(LABELS)[ \t]*:{_END}"
    rf"(?:[\[(]{_G}[\])]{_END})?"
)
_GROUPS = 9
_STAMP_ONLY_RE = re.compile(rf"[\[(]?({_C})[\])]?")


def _turn_regex(labels: list[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    return re.compile(_TURN_TEMPLATE.replace("LABELS", alternation))


def _lines(chunk: str) -> tuple[list[str], str | None]:
    """Non-empty stripped lines of a multi-line chunk, and a stamp-only last line if any
    (kept apart: it may be the start of the next turn)."""
    lines = [line for line in map(str.strip, chunk.split("\n")) if line]
    if lines and lines[-1][0] in "[(0123456789" and _STAMP_ONLY_RE.fullmatch(lines[-1]):
        return lines[:-1], lines[-1]
    return lines, None


def _stamp_seconds(line: str) -> float:
    """Seconds of a stamp-only line (as returned by :func:`_lines`)."""
    m = _STAMP_ONLY_RE.fullmatch(line)
    assert m is not None
    return parse_clock(m.group(1))


def _turn_position(pattern: re.Pattern[str], text: str, index: int) -> int:
    """Position of the ``index``-th turn line's leading newline (slow; for messages only)."""
    for i, m in enumerate(pattern.finditer(text)):
        if i == index:
            return m.start()
    return 0


def _line_at(text: str, position: int, first_line: int) -> int:
    """Line number of ``position`` in ``text`` (which starts with an extra newline)."""
    return text.count("\n", 0, position + 1) - 1 + first_line


def text_segments(
    text: str, *, source: str, resolver: SpeakerResolver, first_line: int = 1
) -> tuple[list[ParsedSegment], str]:
    """Decoded text (LF line ends) -> (segments, preamble); see the module doc for rules.

    ``first_line`` is the number of the text's first line, for messages. Raises
    :class:`ImportFormatError` for a turn without text, a bad stamp or no turns at all, and
    :class:`~socialcoder.errors.UnknownSpeakersError` for labels without a role.
    """
    text = "\n" + text
    counts: dict[str, int] = {}
    keys: dict[str, str | None] = {}
    for label, n in Counter(_CANDIDATE_RE.findall(text)).items():
        key = keys[label] = label_key(label)
        if key is not None:
            counts[key] = counts.get(key, 0) + n
    accepted = accepted_labels(counts, resolver)
    # labels as kept (no trailing spaces), in order of first appearance
    matched = list(dict.fromkeys(label.rstrip() for label, key in keys.items() if key in accepted))
    if not matched:
        raise ImportFormatError(_no_turns(keys, accepted, resolver), source=source)
    memo = LabelRoles(resolver)
    for label in matched:
        memo.resolve(label)
    memo.raise_unknown(source=source)
    roles = memo.roles
    pattern = _turn_regex(matched)

    parts = pattern.split(text)
    preamble_lines, pending = _lines(parts[0])
    # Columns, turned into segments at the end (one C-level map instead of a Python loop).
    labels: list[str] = parts[_GROUPS // 2 + 1 :: _GROUPS + 1]
    texts: list[str] = []
    starts: list[float | None] = []
    add_text = texts.append
    add_start = starts.append
    it = iter(parts)
    next(it)
    rows = zip(*([it] * (_GROUPS + 1)), strict=True)
    for index, (h, m, s, f, label, h2, m2, s2, f2, chunk) in enumerate(rows):
        if s is None and s2 is None and pending is None:
            add_start(None)
        else:
            try:
                if s is not None:
                    start: float | None = clock_seconds(h, m, s, f)
                elif s2 is not None:
                    start = clock_seconds(h2, m2, s2, f2)
                else:
                    assert pending is not None
                    start = _stamp_seconds(pending)
            except ValueError as exc:
                at = _turn_position(pattern, text, index)
                if s is None and s2 is None and pending is not None:
                    at = text.rfind(pending, 0, at)
                raise ImportFormatError(
                    str(exc), source=source, line=_line_at(text, at, first_line)
                ) from None
            if pending is not None and (s is not None or s2 is not None):
                # a stamp-only line followed by a stamped turn is text of what came before
                if texts:
                    texts[-1] += "\n" + pending
                else:
                    preamble_lines.append(pending)
            add_start(start)
        if "\n" in chunk:
            lines, pending = _lines(chunk)
            body = "\n".join(lines)
        else:
            pending = None
            body = chunk.strip()
        if not body:
            raise ImportFormatError(
                f"the turn of {label!r} has no text",
                source=source,
                line=_line_at(text, _turn_position(pattern, text, index), first_line),
            )
        add_text(body)
    if pending is not None:
        texts[-1] += "\n" + pending
    following = starts[1:]
    following.append(None)
    ends = [
        b if a is not None and b is not None and b >= a else None
        for a, b in zip(starts, following, strict=True)
    ]
    segments = list(map(ParsedSegment, map(roles.__getitem__, labels), labels, texts, starts, ends))
    return segments, "\n".join(preamble_lines)


def _no_turns(keys: dict[str, str | None], accepted: set[str], resolver: SpeakerResolver) -> str:
    once = [
        label.rstrip()
        for label, key in keys.items()
        if key is not None and key not in accepted and not resolver.is_excluded(key)
    ]
    hint = ""
    if once:
        shown = ", ".join(repr(label) for label in once[:3])
        hint = f"; {shown} appear(s) only once - name speakers with --speaker-map"
    return "no speaker turns found (expected lines like 'T: ...' or 'Therapist: ...')" + hint


def normalize_newlines(text: str) -> str:
    """Drop a leading BOM and turn CRLF/CR into LF."""
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def parse_text(
    text: str, *, source_name: str, speaker_map: Mapping[str, Role] | None = None
) -> tuple[list[ParsedSegment], str]:
    """Already-decoded transcript text -> (segments in order, preamble).

    Raises :class:`ImportFormatError` (or :class:`UnknownSpeakersError`) naming ``source_name``.
    """
    text = normalize_newlines(text)
    if not text.strip():
        raise ImportFormatError("the file is empty", source=source_name)
    return text_segments(text, source=source_name, resolver=SpeakerResolver(speaker_map))


def looks_like_turn_line(line: str) -> bool:
    """True when ``line`` has the shape of a turn line (used for format sniffing)."""
    m = _CANDIDATE_RE.match("\n" + line)
    return m is not None and label_key(m.group(1)) is not None
