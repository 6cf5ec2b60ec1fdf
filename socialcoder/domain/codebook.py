"""The codebook: dimensions (categories) with their scale, values, unit and speaker roles.

A :class:`Codebook` is an immutable value object. It is built from YAML by
:mod:`socialcoder.codebooks` and stored with every study. Code values are kept in their
*text form* (``"1"``, ``"mild"``), which is how the command line, CSV files and the database
refer to them; :meth:`Dimension.parse_value` turns what a user typed into that canonical form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Scale(StrEnum):
    """Measurement scale of a dimension."""

    BINARY = "binary"
    NOMINAL = "nominal"
    ORDINAL = "ordinal"
    INTERVAL = "interval"
    RATIO = "ratio"

    @property
    def is_numeric(self) -> bool:
        return self in (Scale.INTERVAL, Scale.RATIO)


class Unit(StrEnum):
    """What one code is about: a segment (speaker turn) or the whole session (transcript)."""

    SEGMENT = "segment"
    SESSION = "session"


class Role(StrEnum):
    """Speaker role of a segment."""

    THERAPIST = "therapist"
    PATIENT = "patient"


BINARY_PRESENT = "1"
BINARY_ABSENT = "0"
_BINARY_WORDS = {
    "1": BINARY_PRESENT,
    "true": BINARY_PRESENT,
    "yes": BINARY_PRESENT,
    "y": BINARY_PRESENT,
    "present": BINARY_PRESENT,
    "0": BINARY_ABSENT,
    "false": BINARY_ABSENT,
    "no": BINARY_ABSENT,
    "n": BINARY_ABSENT,
    "absent": BINARY_ABSENT,
}


def value_text(raw: object) -> str:
    """The text form of a value as written in a codebook (``1`` -> ``"1"``, ``2.5`` -> ``"2.5"``)."""
    if isinstance(raw, bool):
        return BINARY_PRESENT if raw else BINARY_ABSENT
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


@dataclass(frozen=True, slots=True)
class CodeValue:
    """One allowed value of a dimension, in codebook order."""

    value: str
    label: str
    shortcut: str | None = None


@dataclass(frozen=True, slots=True)
class Dimension:
    """A category of the codebook."""

    key: str
    label: str
    scale: Scale
    values: tuple[CodeValue, ...] = ()
    unit: Unit = Unit.SEGMENT
    applies_to: frozenset[Role] = frozenset(Role)
    shortcut: str | None = None
    color: str | None = None
    definition: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    #: Nominal/ordinal: the value an empty cell means once a coder has completed the transcript.
    empty_means: str | None = None

    @property
    def enumerated(self) -> bool:
        """True when the allowed values are a fixed list (always for binary/nominal/ordinal)."""
        return bool(self.values)

    @property
    def value_texts(self) -> tuple[str, ...]:
        return tuple(v.value for v in self.values)

    @property
    def empty_value(self) -> str | None:
        """What an applicable cell left empty means once its coder has completed the transcript:
        ``"0"`` (absent) for a binary dimension, the codebook's ``empty_means`` for a nominal or
        ordinal one, otherwise ``None`` (the cell stays missing). Before completion an empty
        cell is always missing ("not coded yet")."""
        if self.scale is Scale.BINARY:
            return BINARY_ABSENT
        return self.empty_means

    def applies(self, role: Role | str) -> bool:
        return Role(role) in self.applies_to

    def label_of(self, value: str) -> str:
        """The label of a stored value (the value itself when it has no label)."""
        for v in self.values:
            if v.value == value:
                return v.label
        return value

    def shown(self, value: str) -> str:
        """A stored value as the lead's views and reports show it: the label of a binary or
        named value (``present``, ``mild``), a numbered value with its label
        (``4 (partial agreement)``), a value without a label as it is."""
        label = self.label_of(value)
        if label == value or self.scale is Scale.BINARY or not value[:1].isdigit():
            return label
        return f"{value} ({label})"

    def parse_value(self, raw: object) -> str:
        """Canonical text form of ``raw`` for this dimension, or ``ValueError`` saying why not.

        Binary accepts 1/0, true/false, yes/no, present/absent. Enumerated values match by their
        text form, then case-insensitively, then by label. Numeric values must be numbers (and
        non-negative on a ratio scale).
        """
        text = value_text(raw)
        if not text:
            raise ValueError(f"no value given for {self.key!r}")
        if self.scale is Scale.BINARY:
            word = _BINARY_WORDS.get(text.lower())
            if word is None:
                raise ValueError(f"{text!r} is not a binary value for {self.key!r} (use 1 or 0)")
            return word
        if self.values:
            return self._match_enumerated(text)
        return self._parse_number(text)

    def _match_enumerated(self, text: str) -> str:
        for v in self.values:
            if v.value == text:
                return v.value
        folded = text.casefold()
        for v in self.values:
            if v.value.casefold() == folded:
                return v.value
        for v in self.values:
            if v.label.casefold() == folded:
                return v.value
        if self.scale.is_numeric:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            for v in self.values:
                try:
                    if float(v.value) == number:
                        return v.value
                except ValueError:
                    continue
        allowed = ", ".join(self.value_texts)
        raise ValueError(f"{text!r} is not a value of {self.key!r} (allowed: {allowed})")

    def _parse_number(self, text: str) -> str:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number ({self.key!r} is {self.scale})") from None
        if not math.isfinite(number):
            raise ValueError(f"{text!r} is not a finite number")
        if self.scale is Scale.RATIO and number < 0:
            raise ValueError(f"{text!r} is negative; {self.key!r} is on a ratio scale")
        return value_text(number)

    def numeric(self, value: str) -> float:
        """Position (ordinal: 0, 1, ...) or number (interval/ratio) of a stored value."""
        if self.scale is Scale.ORDINAL:
            return float(self.value_texts.index(value))
        return float(value)


@dataclass(frozen=True, slots=True)
class Codebook:
    """A named, versioned list of dimensions."""

    name: str
    version: str
    dimensions: tuple[Dimension, ...]
    description: str = ""
    references: tuple[str, ...] = ()
    _by_key: dict[str, Dimension] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {d.key: d for d in self.dimensions})

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.dimensions)

    def dimension(self, key: str) -> Dimension:
        try:
            return self._by_key[key]
        except KeyError:
            known = ", ".join(self.keys)
            raise KeyError(f"unknown dimension {key!r} (this codebook has: {known})") from None

    def has(self, key: str) -> bool:
        return key in self._by_key

    def segment_dimensions(self, role: Role | str | None = None) -> tuple[Dimension, ...]:
        """Segment-level dimensions, only those applying to ``role`` when given."""
        return tuple(
            d
            for d in self.dimensions
            if d.unit is Unit.SEGMENT and (role is None or d.applies(role))
        )

    def session_dimensions(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.unit is Unit.SESSION)

    def select(self, keys: Iterable[str] | None) -> tuple[Dimension, ...]:
        if keys is None:
            return self.dimensions
        return tuple(self.dimension(k) for k in keys)
