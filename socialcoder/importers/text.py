"""Plain-text transcripts: one turn per speaker label at the start of a line.

Shape of a turn line (``[...]`` parts optional)::

    [stamp] LABEL: [stamp] text

where ``stamp`` is ``[hh:mm:ss]``, ``[mm:ss]``, ``(hh:mm:ss)``, ``(mm:ss)`` (optionally with a
fraction), or a bare ``hh:mm:ss`` before the label. A *label* starts with a letter and holds
letters, digits, spaces, dots, hyphens, underscores and apostrophes; its colon is followed by
whitespace or the line end (so ``10:30`` or ``http://`` never make a label).

**Which labels start turns** is :func:`socialcoder.importers.speakers.starts_turn`, the one
rule for every format (docs/transcripts.md): a speaker map entry decides; remark and header
words (``Note``, ``NB``, ``Date``...) are text; built-in labels start turns; any other label of
at most 40 characters and 4 words starts a turn when it is name-like (every word capitalised
or a number: ``Mum``, ``Dr. Smith``, ``P1``, ``Thérapeute``) or begins at least two lines.
A label that starts a turn needs a role: unknown ones stop the import, all listed at once.

Lines without a label continue the previous turn, joined with ``\n``; empty lines are skipped;
each line is stripped. A line holding only a stamp gives the start time of the next turn. Text
before the first turn is the preamble. A turn's end is the next turn's start, when known.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping

from socialcoder.domain.transcript import ParsedSegment
from socialcoder.errors import ImportFormatError, Input, NoTurnsError, Remedy
from socialcoder.importers.speakers import (
    LABEL_PATTERN,
    LabelRoles,
    SpeakerResolver,
    SpeakerRole,
    accepted_labels,
    label_key,
    short_label,
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
    text: str,
    *,
    source: str,
    resolver: SpeakerResolver,
    first_line: int = 1,
    speakers: Collection[str] = (),
    line_numbers: bool = True,
) -> tuple[list[ParsedSegment], str]:
    """Decoded text (LF line ends) -> (segments, preamble); see the module doc for rules.

    ``first_line`` is the number of the text's first line, for messages; ``speakers`` are
    labels known to be speakers whatever their shape (a Word table's speaker cells);
    ``line_numbers`` says whether lines of ``text`` are lines of the file (for messages). Raises
    :class:`ImportFormatError` for a turn without text, a bad stamp or no turns at all, and
    :class:`~socialcoder.errors.UnknownSpeakersError` for labels without a role.
    """
    text = "\n" + text
    counts: dict[str, int] = {}
    spellings: dict[str, list[str]] = {}
    keys: dict[str, str] = {}
    for label, n in Counter(_CANDIDATE_RE.findall(text)).items():
        key = keys[label] = label_key(label)
        counts[key] = counts.get(key, 0) + n
        spellings.setdefault(key, []).append(label.rstrip())
    accepted = accepted_labels(spellings, counts, resolver)
    accepted |= {k for k in map(label_key, speakers) if k in counts and not resolver.is_excluded(k)}
    # labels as kept (no trailing spaces), in order of first appearance
    matched = list(dict.fromkeys(label.rstrip() for label, key in keys.items() if key in accepted))
    if not matched:
        message, prose = _no_turns(spellings, resolver)
        remedy = Remedy.give(Input.SPEAKER_MAP) if prose else None
        raise NoTurnsError(message, source=source, remedy=remedy)
    memo = LabelRoles(resolver)
    for label in matched:
        memo.resolve(label)
    if memo.unknown:
        first = _first_lines(text, memo.unknown, first_line) if line_numbers else None
        memo.raise_unknown(source=source, lines=first)
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


def _first_lines(text: str, unknown: Mapping[str, str], first_line: int) -> dict[str, int]:
    """Line of the first turn line of each unknown label (as written), for the message."""
    wanted = set(unknown)
    lines: dict[str, int] = {}
    for m in _CANDIDATE_RE.finditer(text):
        key = label_key(m.group(1))
        if key in wanted and unknown[key] not in lines:
            lines[unknown[key]] = _line_at(text, m.start(), first_line)
    return lines


def _no_turns(spellings: dict[str, list[str]], resolver: SpeakerResolver) -> tuple[str, bool]:
    """The message for a text without turns, and whether labels looked like prose."""
    prose = [
        written[0]
        for key, written in spellings.items()
        if not resolver.is_excluded(key) and any(short_label(w) for w in written)
    ]
    hint = ""
    if prose:
        shown = ", ".join(repr(label) for label in prose[:3])
        hint = f"; {shown} look(s) like prose unless named as speakers"
    message = "no speaker turns found (expected lines like 'T: ...' or 'Therapist: ...')"
    return message + hint, bool(prose)


def normalize_newlines(text: str) -> str:
    """Drop a leading BOM and turn CRLF/CR into LF."""
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def parse_text(
    text: str, *, source_name: str, speaker_map: Mapping[str, SpeakerRole] | None = None
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
    return m is not None and short_label(m.group(1))
