"""Pydantic models that check the fields of a codebook one by one.

They validate the plain data made by :mod:`socialcoder.codebooks.yaml_tree` (or a dict from
:func:`socialcoder.codebooks.codebook_to_dict`). Rules that involve several fields (values that fit
the scale, unique keys and shortcuts) are checked afterwards in :mod:`socialcoder.codebooks.build`.
Every validator raises ``ValueError`` with a short reason; the caller adds file, line and field.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from socialcoder.codebooks.yaml_tree import YamlFloat, YamlInt
from socialcoder.domain.codebook import Role, Scale, Unit, value_text

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_KEY_LENGTH = 64
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_ROLE_WORDS = {"therapist": Role.THERAPIST, "patient": Role.PATIENT, "client": Role.PATIENT}


def _kind(raw: object) -> str:
    if isinstance(raw, dict):
        return "a mapping"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, int | float):
        return "a number"
    return "nothing" if raw is None else type(raw).__name__


def to_text(raw: object) -> str:
    """Text form of a scalar field; numbers keep the text they were written as."""
    if isinstance(raw, YamlInt | YamlFloat):
        return raw.raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, str | int | float):
        return value_text(raw)
    raise ValueError(f"must be text, not {_kind(raw)}")


def _required_text(raw: object) -> str:
    if raw is None:
        raise ValueError("is empty")
    text = to_text(raw)
    if not text:
        raise ValueError("is empty")
    return text


def _optional_text(raw: object) -> str:
    return "" if raw is None else to_text(raw)


def _text_list(raw: object) -> object:
    if raw is None:
        return []
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict):
        raise ValueError("must be text or a list of texts, not a mapping")
    return [raw]


def _key(raw: object) -> str:
    if not isinstance(raw, str) or not raw:
        raise ValueError("must be a word such as 'concordance'")
    if len(raw) > MAX_KEY_LENGTH:
        raise ValueError(f"is longer than {MAX_KEY_LENGTH} characters")
    if not KEY_PATTERN.match(raw):
        raise ValueError(
            f"{raw!r} is not a valid key (lowercase letters, digits and underscores, "
            "starting with a letter)"
        )
    return raw


def _shortcut(raw: object) -> str | None:
    if raw is None:
        return None
    text = to_text(raw)
    if len(text) != 1 or not text.isalnum() or not text.isprintable():
        raise ValueError(f"{text!r} is not a single letter or digit")
    return text


def _color(raw: object) -> str:
    if raw is None:
        raise ValueError(
            'is empty; quote the colour, e.g. color: "#0072b2" (an unquoted # starts a comment)'
        )
    text = to_text(raw)
    if not _COLOR.match(text):
        raise ValueError(f"{text!r} is not a colour of the form #RRGGBB or #RGB")
    digits = text[1:].lower()
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits


def _empty_means(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, dict | list):
        raise ValueError(f"must be one of the dimension's values, not {_kind(raw)}")
    text = to_text(raw)
    if not text:
        raise ValueError("is empty")
    return text


def _enum_word(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"must be a word, not {_kind(raw)}")
    return raw.strip().lower()


def _scale(raw: object) -> Scale:
    word = _enum_word(raw)
    try:
        return Scale(word)
    except ValueError:
        allowed = ", ".join(s.value for s in Scale)
        raise ValueError(f"{word!r} is not a scale (use one of: {allowed})") from None


def _unit(raw: object) -> Unit:
    word = _enum_word(raw)
    try:
        return Unit(word)
    except ValueError:
        raise ValueError(f"{word!r} is not a unit (use segment or session)") from None


def _roles(raw: object) -> frozenset[Role]:
    items = raw if isinstance(raw, list) else [raw]
    roles: set[Role] = set()
    for item in items:
        word = _enum_word(item)
        if word not in _ROLE_WORDS:
            raise ValueError(f"{word!r} is not a speaker role (use therapist and/or patient)")
        roles.add(_ROLE_WORDS[word])
    if not roles:
        raise ValueError("names no role (use therapist and/or patient)")
    return frozenset(roles)


Text = Annotated[str, BeforeValidator(_required_text)]
OptionalText = Annotated[str, BeforeValidator(_optional_text)]
TextList = Annotated[list[Text], BeforeValidator(_text_list)]
Key = Annotated[str, BeforeValidator(_key)]
Shortcut = Annotated[str | None, BeforeValidator(_shortcut)]
Color = Annotated[str | None, BeforeValidator(_color)]
ScaleField = Annotated[Scale, BeforeValidator(_scale)]
UnitField = Annotated[Unit, BeforeValidator(_unit)]
RolesField = Annotated[frozenset[Role], BeforeValidator(_roles)]
EmptyMeans = Annotated[str | None, BeforeValidator(_empty_means)]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class ValueModel(BaseModel):
    """One allowed value: written as a plain value or as ``{value, label, shortcut}``."""

    model_config = _STRICT

    value: Any
    label: Text | None = None
    shortcut: Shortcut = None

    @model_validator(mode="before")
    @classmethod
    def _plain_value(cls, data: Any) -> Any:
        return data if isinstance(data, dict) else {"value": data}

    @field_validator("value", mode="before")
    @classmethod
    def _scalar(cls, raw: Any) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise ValueError("is empty")
        if isinstance(raw, dict | list):
            raise ValueError(f"must be a single value, not {_kind(raw)}")
        return raw


class DimensionModel(BaseModel):
    """One dimension (category) as written in the file."""

    model_config = _STRICT

    key: Key
    label: Text
    scale: ScaleField
    values: list[ValueModel] | None = None
    empty_means: EmptyMeans = None
    unit: UnitField = Unit.SEGMENT
    applies_to: RolesField = frozenset(Role)
    shortcut: Shortcut = None
    color: Color = None
    definition: OptionalText = ""
    include: TextList = Field(default_factory=list)
    exclude: TextList = Field(default_factory=list)
    examples: TextList = Field(default_factory=list)


class CodebookModel(BaseModel):
    """The whole file."""

    model_config = _STRICT

    name: Text
    version: Text
    description: OptionalText = ""
    references: TextList = Field(default_factory=list)
    dimensions: Annotated[list[DimensionModel], Field(min_length=1)]


FIELDS_BY_LEVEL: dict[str, tuple[str, ...]] = {
    "codebook": tuple(CodebookModel.model_fields),
    "dimension": tuple(DimensionModel.model_fields),
    "value": tuple(ValueModel.model_fields),
}
