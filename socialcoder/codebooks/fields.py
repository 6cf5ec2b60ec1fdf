"""The field-by-field rules of a codebook as plain functions, without pydantic.

:mod:`socialcoder.codebooks.schema` attaches them to its pydantic models (which validate a new
codebook and say where it is wrong); :func:`plain_codebook` applies the same functions, with the
same defaults, to a codebook a study stored, which was validated when it was recorded, so that
reading it back needs no pydantic (whose import and model building cost more than the rest of a
short command, issue #14). Every function raises ``ValueError`` with a short reason.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from socialcoder.codebooks.yaml_tree import YamlFloat, YamlInt
from socialcoder.domain.codebook import Role, Scale, Unit, value_text

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_KEY_LENGTH = 64
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
ROLE_WORDS = {"therapist": Role.THERAPIST, "patient": Role.PATIENT, "client": Role.PATIENT}


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
        if word not in ROLE_WORDS:
            raise ValueError(f"{word!r} is not a speaker role (use therapist and/or patient)")
        roles.add(ROLE_WORDS[word])
    if not roles:
        raise ValueError("names no role (use therapist and/or patient)")
    return frozenset(roles)


#: the defaults of the fields a codebook may leave out (the pydantic models use them too)
DEFAULT_UNIT = Unit.SEGMENT
DEFAULT_ROLES: frozenset[Role] = frozenset(Role)


def _plain_value(raw: Any) -> SimpleNamespace:
    data = raw if isinstance(raw, dict) else {"value": raw}
    label = data.get("label")
    return SimpleNamespace(
        value=data["value"],
        label=None if label is None else _required_text(label),
        shortcut=_shortcut(data.get("shortcut")),
    )


def _texts(raw: object) -> list[str]:
    items = _text_list(raw)
    assert isinstance(items, list)  # a stored codebook's lists are lists
    return [_required_text(item) for item in items]


def _plain_dimension(data: dict[str, Any]) -> SimpleNamespace:
    values = data.get("values")
    return SimpleNamespace(
        key=_key(data["key"]),
        label=_required_text(data["label"]),
        scale=_scale(data["scale"]),
        values=None if values is None else [_plain_value(v) for v in values],
        empty_means=_empty_means(data.get("empty_means")),
        unit=_unit(data["unit"]) if "unit" in data else DEFAULT_UNIT,
        applies_to=_roles(data["applies_to"]) if "applies_to" in data else DEFAULT_ROLES,
        shortcut=_shortcut(data.get("shortcut")),
        color=_color(data["color"]) if "color" in data else None,
        definition=_optional_text(data.get("definition")),
        include=_texts(data.get("include")),
        exclude=_texts(data.get("exclude")),
        examples=_texts(data.get("examples")),
    )


def plain_codebook(data: dict[str, Any]) -> SimpleNamespace:
    """A stored (already validated) codebook's data with every field converted as the pydantic
    models convert it: the attributes :class:`~socialcoder.codebooks.build` builds from."""
    return SimpleNamespace(
        name=_required_text(data["name"]),
        version=_required_text(data["version"]),
        description=_optional_text(data.get("description")),
        references=_texts(data.get("references")),
        dimensions=[_plain_dimension(d) for d in data["dimensions"]],
    )
