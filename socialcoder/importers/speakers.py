"""Speaker labels -> roles, and raw turns -> :class:`ParsedSegment`.

Labels are matched after :func:`normalize_label` (case-folded, inner whitespace collapsed,
trailing dots removed), so ``"T."``, ``"t"`` and ``"T"`` are the same label. Built-in labels:

* therapist: ``T``, ``Th``, ``Ther``, ``Therapist``, ``Counsellor``, ``Counselor``
* patient: ``P``, ``Pt``, ``C``, ``Cl``, ``Client``, ``Patient``

A ``speaker_map`` (label -> role) overrides and extends them; it may also say that a
label-shaped word is no speaker at all (``Homework=text``: its lines stay text of the turn they
are in). Every parser collects :class:`RawTurn` objects and calls :func:`build_segments`, which
maps all labels at once and raises :class:`UnknownSpeakersError` listing every unknown label.

Which ``Label:`` at the start of a line (or cue, or table row) starts a turn is decided by
:func:`starts_turn`, one rule for every format (documented for users in docs/transcripts.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from socialcoder.domain.codebook import Role
from socialcoder.domain.transcript import ParsedSegment
from socialcoder.errors import ImportFormatError, UnknownSpeakersError, UserError

DEFAULT_LABELS: dict[str, Role] = {
    **dict.fromkeys(("t", "th", "ther", "therapist", "counsellor", "counselor"), Role.THERAPIST),
    **dict.fromkeys(("p", "pt", "c", "cl", "client", "patient"), Role.PATIENT),
}

#: Words accepted for a role on the right-hand side of a speaker map (``LABEL=role``).
ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(
        ("therapist", "t", "th", "ther", "counsellor", "counselor", "clinician", "interviewer"),
        Role.THERAPIST,
    ),
    **dict.fromkeys(
        ("patient", "p", "pt", "client", "c", "cl", "interviewee", "participant"), Role.PATIENT
    ),
}


class NotSpeaker(Enum):
    """Speaker-map value for a label-shaped word that is no speaker (``Homework=text``)."""

    TEXT = "text"


TEXT = NotSpeaker.TEXT
SpeakerRole = Role | NotSpeaker
TEXT_WORDS = frozenset({"text", "not a speaker", "none"})

#: Words that are never taken for speaker labels unless a speaker map names them
#: (``Note: ...`` inside a turn is a remark, not a speaker; ``Date: ...`` in a header is
#: metadata).
NOT_LABELS: frozenset[str] = frozenset(
    {
        "note",
        "notes",
        "nb",
        "n.b",
        "ps",
        "p.s",
        "comment",
        "comments",
        "remark",
        "edit",
        "update",
        "e.g",
        "eg",
        "i.e",
        "ie",
        "example",
        "transcriber's note",
        "translator's note",
        "http",
        "https",
        "date",
        "time",
        "duration",
        "length",
        "location",
        "place",
        "session",
        "recording",
        "recorded",
        "file",
        "filename",
        "transcript",
        "transcribed by",
        "transcriber",
        "project",
        "study",
        "title",
        "page",
    }
)

#: A label candidate as written: starts with a letter; letters (with combining accents, as in
#: decomposed ``Thérapeute``), digits, spaces, dots, hyphens, underscores and apostrophes; at
#: most 100 characters (what a speaker map may name). The match is possessive (no backtracking,
#: for speed), so it may end in spaces: strip it.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
LABEL_PATTERN = rf"[^\W\d_][\w{_MARKS}.'’\- \t]{{0,99}}+"
#: An unmapped label starts a turn only up to this length (characters / words).
MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 4
_LABEL_RE = re.compile(LABEL_PATTERN)


def normalize_label(label: str) -> str:
    """Key used to match labels: composed (NFC), case-folded, whitespace collapsed, trailing
    dots removed."""
    return " ".join(unicodedata.normalize("NFC", label).casefold().split()).rstrip(".").rstrip()


def label_key(label: str) -> str:
    """:func:`normalize_label` of a candidate label (as found by :data:`LABEL_PATTERN`)."""
    return normalize_label(label)


def short_label(label: str) -> bool:
    """True when ``label`` is within :data:`MAX_LABEL_CHARS` and :data:`MAX_LABEL_WORDS`."""
    label = label.strip()
    return len(label) <= MAX_LABEL_CHARS and len(label.split()) <= MAX_LABEL_WORDS


def label_shape_ok(label: str) -> bool:
    """True when ``label`` looks like a short speaker name (see :data:`LABEL_PATTERN`)."""
    return label == label.strip() and short_label(label) and _LABEL_RE.fullmatch(label) is not None


def name_like(label: str) -> bool:
    """Every word starts with a capital letter or a digit (``Mum``, ``Dr. Smith``, ``P1``,
    ``Speaker 2``, ``Thérapeute``), unlike prose (``so``, ``and then I said``)."""
    return all(w[0].isupper() or w[0].isdigit() for w in label.split())


def starts_turn(spellings: Iterable[str], count: int, resolver: SpeakerResolver) -> bool:
    """Whether a ``Label:`` at the start of a line starts a turn; the one rule for text,
    Word and subtitle prefixes. ``spellings`` are the ways the label is written in the file
    (same :func:`normalize_label` key), ``count`` how many lines it begins.

    1. a speaker map entry decides (a role: a turn; ``text``: no turn);
    2. remark and header words (:data:`NOT_LABELS`: ``Note``, ``NB``, ``Date``...) are text;
    3. built-in labels (``T``, ``Therapist``, ``Client``...) start a turn;
    4. any other label of at most 40 characters and 4 words starts a turn when it is
       name-like (:func:`name_like`) or begins at least two lines. It must then be given a
       role: the import stops listing every such label.
    """
    spellings = list(spellings)
    key = normalize_label(spellings[0])
    if resolver.is_excluded(key):
        return False
    if resolver.is_known(key):
        return True
    short = [label for label in spellings if short_label(label)]
    return bool(short) and (count >= 2 or any(name_like(label) for label in short))


def role_from_word(word: str) -> SpeakerRole | None:
    """The role named by ``word`` (``therapist``, ``client``, ``T``, ...), :data:`TEXT` for
    ``text`` (no speaker), or None."""
    key = normalize_label(word)
    return TEXT if key in TEXT_WORDS else ROLE_WORDS.get(key)


def parse_speaker_map(spec: str) -> dict[str, SpeakerRole]:
    """``'LABEL=role,LABEL2=role'`` (as given to ``--speaker-map``) -> ``{label: role}``.

    Labels keep their spelling (matching ignores case); roles are any of :data:`ROLE_WORDS`,
    or ``text`` for a label-shaped word that is no speaker. Raises :class:`UserError` for an
    empty or malformed spec, an unknown role word or a label given two different roles.
    """
    result: dict[str, SpeakerRole] = {}
    seen: dict[str, str] = {}
    items = [item.strip() for item in spec.split(",")]
    if not any(items):
        raise UserError("empty speaker map; write it as 'LABEL=role,...', e.g. 'Anna=therapist'")
    for item in items:
        if not item:
            continue
        label, sep, word = item.partition("=")
        label, word = label.strip(), word.strip()
        if not sep or not label or not word:
            raise UserError(
                f"bad speaker map entry {item!r}; write it as 'LABEL=role', e.g. 'Anna=therapist'"
            )
        role = role_from_word(word)
        if role is None:
            raise UserError(
                f"unknown role {word!r} in speaker map entry {item!r} (roles: therapist, "
                "patient; or text for a word that is no speaker)"
            )
        key = normalize_label(label)
        if key in seen and result[seen[key]] != role:
            raise UserError(f"speaker label {label!r} is given two different roles in the map")
        seen[key] = label
        result[label] = role
    return result


def accepted_labels(
    spellings: Mapping[str, Iterable[str]], counts: Mapping[str, int], resolver: SpeakerResolver
) -> set[str]:
    """Keys (normalised labels) that start turns by :func:`starts_turn`; ``spellings`` maps
    each key to the ways it is written, ``counts`` to how many lines (cues, paragraphs) it
    begins."""
    return {
        key for key, written in spellings.items() if starts_turn(written, counts[key], resolver)
    }


class SpeakerResolver:
    """Maps labels to roles: built-in labels, overridden and extended by a speaker map."""

    def __init__(self, speaker_map: Mapping[str, SpeakerRole | str] | None = None) -> None:
        self._roles: dict[str, Role] = dict(DEFAULT_LABELS)
        self._mapped: set[str] = set()
        self._text: set[str] = set()
        for label, role in (speaker_map or {}).items():
            resolved = role if isinstance(role, Role | NotSpeaker) else role_from_word(str(role))
            if resolved is None:
                raise UserError(f"unknown role {role!r} for speaker {label!r} in the speaker map")
            key = normalize_label(label)
            self._mapped.add(key)
            if resolved is TEXT:
                self._text.add(key)
                self._roles.pop(key, None)
            else:
                assert isinstance(resolved, Role)
                self._roles[key] = resolved

    def role_of(self, key: str) -> Role | None:
        """Role of a normalised label (see :func:`normalize_label`), or None when unknown."""
        return self._roles.get(key)

    def is_known(self, key: str) -> bool:
        return key in self._roles

    def is_excluded(self, key: str) -> bool:
        """True for words mapped to ``text``, and words like ``Note`` that are not labels
        unless the speaker map names them."""
        return key in self._text or (key in NOT_LABELS and key not in self._mapped)


class LabelRoles:
    """Memo of label as written -> role for one file; collects unknown labels in order.

    Hot loops do ``roles.get(label)`` on :attr:`roles` and call :meth:`resolve` on a miss.
    """

    def __init__(self, resolver: SpeakerResolver) -> None:
        self.resolver = resolver
        self.roles: dict[str, Role] = {}
        self.unknown: dict[str, str] = {}

    def resolve(self, label: str) -> Role | None:
        key = normalize_label(label)
        role = self.resolver.role_of(key)
        if role is None:
            self.unknown.setdefault(key, label)
        else:
            self.roles[label] = role
        return role

    def raise_unknown(self, *, source: str, lines: Mapping[str, int] | None = None) -> None:
        """Raise :class:`UnknownSpeakersError` when any label had no role (``lines``: the
        first line of each label as written, when known)."""
        if self.unknown:
            raise UnknownSpeakersError(list(self.unknown.values()), source=source, lines=lines)


@dataclass(slots=True)
class RawTurn:
    """A turn as found in a file, before roles are assigned. ``line`` locates it for errors."""

    label: str
    text: str
    start: float | None = None
    end: float | None = None
    line: int | None = None
    row: int | None = None


def build_segments(
    turns: Iterable[RawTurn], resolver: SpeakerResolver, *, source: str, infer_ends: bool = True
) -> list[ParsedSegment]:
    """Assign roles and produce segments, one per turn (same-speaker turns are never merged).

    When ``infer_ends`` is set, a turn without an end ends where the next turn starts, if that
    start is known and not earlier than its own. An explicit end before the start is refused.
    Raises :class:`UnknownSpeakersError` naming every label without a role.
    """
    turns = list(turns)
    memo = LabelRoles(resolver)
    roles = memo.roles
    for turn in turns:
        if turn.label not in roles:
            memo.resolve(turn.label)
    memo.raise_unknown(source=source)
    bad: RawTurn | None = None
    segments: list[ParsedSegment] = []
    append = segments.append
    following: float | None = None
    # Backwards, so that each turn sees the next turn's start.
    for turn in reversed(turns):
        start, end = turn.start, turn.end
        if end is None:
            if infer_ends and start is not None and following is not None and following >= start:
                end = following
        elif start is not None and end < start:
            bad = turn  # the earliest bad turn is reported
        following = start
        append(ParsedSegment(roles[turn.label], turn.label, turn.text, start, end))
    if bad is not None:
        raise ImportFormatError(
            f"turn ends ({bad.end:g} s) before it starts ({bad.start:g} s)",
            source=source,
            line=bad.line,
            row=bad.row,
        )
    segments.reverse()
    return segments
