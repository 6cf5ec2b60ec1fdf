"""Pydantic models that check the fields of a codebook one by one.

They validate the plain data made by :mod:`socialcoder.codebooks.yaml_tree` (or a dict from
:func:`socialcoder.codebooks.codebook_to_dict`). Rules that involve several fields (values that fit
the scale, unique keys and shortcuts) are checked afterwards in :mod:`socialcoder.codebooks.build`.
Every validator raises ``ValueError`` with a short reason; the caller adds file, line and field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from socialcoder.codebooks.fields import (
    DEFAULT_ROLES,
    DEFAULT_UNIT,
    _color,
    _empty_means,
    _key,
    _kind,
    _optional_text,
    _required_text,
    _roles,
    _scale,
    _shortcut,
    _text_list,
    _unit,
)
from socialcoder.domain.codebook import Role, Scale, Unit

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
    unit: UnitField = DEFAULT_UNIT
    applies_to: RolesField = DEFAULT_ROLES
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
