"""Speaker labels -> roles, and raw turns -> :class:`ParsedSegment`.

Labels are matched after :func:`normalize_label` (case-folded, inner whitespace collapsed,
trailing dots removed), so ``"T."``, ``"t"`` and ``"T"`` are the same label. Built-in labels:

* therapist: ``T``, ``Th``, ``Ther``, ``Therapist``, ``Counsellor``, ``Counselor``
* patient: ``P``, ``Pt``, ``C``, ``Cl``, ``Client``, ``Patient``

A ``speaker_map`` (label -> role) overrides and extends them. Every parser collects
:class:`RawTurn` objects and calls :func:`build_segments`, which maps all labels at once and
raises :class:`UnknownSpeakersError` listing every unknown label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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

#: Words that are never taken for speaker labels unless a speaker map names them
#: (``Note: ...`` inside a turn is a remark, not a speaker).
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
    }
)

#: A speaker label as written: starts with a letter; letters, digits, spaces, dots, hyphens,
#: underscores and apostrophes; at most 30 characters. The match is possessive (no
#: backtracking, for speed), so it may end in spaces: strip it. Words are counted separately.
LABEL_PATTERN = r"[^\W\d_][\w.'’\- \t]{0,29}+"
MAX_LABEL_WORDS = 4
_LABEL_RE = re.compile(LABEL_PATTERN)


def normalize_label(label: str) -> str:
    """Key used to match labels: case-folded, whitespace collapsed, trailing dots removed."""
    return " ".join(label.casefold().split()).rstrip(".").rstrip()


def label_key(label: str) -> str | None:
    """:func:`normalize_label` of a candidate label, or None when it has over 4 words."""
    if len(label.split()) > MAX_LABEL_WORDS:
        return None
    return normalize_label(label)


def label_shape_ok(label: str) -> bool:
    """True when ``label`` looks like a speaker name (see :data:`LABEL_PATTERN`)."""
    return (
        label == label.strip()
        and len(label.split()) <= MAX_LABEL_WORDS
        and _LABEL_RE.fullmatch(label) is not None
    )


def role_from_word(word: str) -> Role | None:
    """The role named by ``word`` (``therapist``, ``client``, ``T``, ...), or None."""
    return ROLE_WORDS.get(normalize_label(word))


def parse_speaker_map(spec: str) -> dict[str, Role]:
    """``'LABEL=role,LABEL2=role'`` (as given to ``--speaker-map``) -> ``{label: Role}``.

    Labels keep their spelling (matching ignores case); roles are any of :data:`ROLE_WORDS`.
    Raises :class:`UserError` for an empty or malformed spec, an unknown role word or a label
    given two different roles.
    """
    result: dict[str, Role] = {}
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
                f"unknown role {word!r} in speaker map entry {item!r} (roles: therapist, patient)"
            )
        key = normalize_label(label)
        if key in seen and result[seen[key]] != role:
            raise UserError(f"speaker label {label!r} is given two different roles in the map")
        seen[key] = label
        result[label] = role
    return result


def accepted_labels(counts: Mapping[str, int], resolver: SpeakerResolver) -> set[str]:
    """Keys (normalised labels) that start turns: known or mapped labels, and labels that occur
    at least twice, except remark words like ``Note`` (see :data:`NOT_LABELS`).

    ``counts`` maps each candidate key to how often it begins a line (or cue, or paragraph).
    """
    return {
        key
        for key, n in counts.items()
        if not resolver.is_excluded(key) and (n >= 2 or resolver.is_known(key))
    }


class SpeakerResolver:
    """Maps labels to roles: built-in labels, overridden and extended by a speaker map."""

    def __init__(self, speaker_map: Mapping[str, Role | str] | None = None) -> None:
        self._roles: dict[str, Role] = dict(DEFAULT_LABELS)
        self._mapped: set[str] = set()
        for label, role in (speaker_map or {}).items():
            resolved = role if isinstance(role, Role) else role_from_word(str(role))
            if resolved is None:
                raise UserError(f"unknown role {role!r} for speaker {label!r} in the speaker map")
            key = normalize_label(label)
            self._roles[key] = resolved
            self._mapped.add(key)

    def role_of(self, key: str) -> Role | None:
        """Role of a normalised label (see :func:`normalize_label`), or None when unknown."""
        return self._roles.get(key)

    def is_known(self, key: str) -> bool:
        return key in self._roles

    def is_excluded(self, key: str) -> bool:
        """True for words like ``Note`` that are not labels unless the speaker map names them."""
        return key in NOT_LABELS and key not in self._mapped


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

    def raise_unknown(self, *, source: str) -> None:
        """Raise :class:`UnknownSpeakersError` when any label had no role."""
        if self.unknown:
            raise UnknownSpeakersError(list(self.unknown.values()), source=source)


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
