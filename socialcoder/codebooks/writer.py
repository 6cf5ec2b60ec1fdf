"""Codebook -> plain data (JSON-ready) and -> YAML text that :func:`parse_codebook` reads back.

The data use the field names of the YAML format (see docs/codebook-format.md). Fields that are
empty or implied are left out (``description``, ``references``, ``values`` of a binary dimension,
``empty_means`` when not set, ``shortcut``, ``definition``, ``include``, ``exclude``, ``examples``); ``unit``, ``applies_to`` and
``color`` are always written so that the data say everything about a dimension.
"""

from __future__ import annotations

from typing import Any

import yaml

from socialcoder.codebooks.yaml_tree import resolve_plain
from socialcoder.domain.codebook import Codebook, CodeValue, Dimension, Role, Scale


def codebook_to_dict(cb: Codebook) -> dict[str, Any]:
    """The codebook as ``{"name", "version", ["description"], ["references"], "dimensions"}``."""
    data: dict[str, Any] = {"name": cb.name, "version": cb.version}
    if cb.description:
        data["description"] = cb.description
    if cb.references:
        data["references"] = list(cb.references)
    data["dimensions"] = [_dimension_to_dict(d) for d in cb.dimensions]
    return data


def _dimension_to_dict(dim: Dimension) -> dict[str, Any]:
    data: dict[str, Any] = {"key": dim.key, "label": dim.label, "scale": dim.scale.value}
    if dim.scale is not Scale.BINARY and dim.values:
        data["values"] = [_value_to_dict(dim.scale, v) for v in dim.values]
    if dim.empty_means is not None:
        data["empty_means"] = dim.empty_means
    data["unit"] = dim.unit.value
    data["applies_to"] = [r.value for r in Role if r in dim.applies_to]
    if dim.shortcut is not None:
        data["shortcut"] = dim.shortcut
    if dim.color is not None:
        data["color"] = dim.color
    if dim.definition:
        data["definition"] = dim.definition
    for name in ("include", "exclude", "examples"):
        items = getattr(dim, name)
        if items:
            data[name] = list(items)
    return data


def _value_to_dict(scale: Scale, value: CodeValue) -> dict[str, Any]:
    raw: Any = value.value
    if scale.is_numeric:
        is_int = value.value.lstrip("+-").isdigit()
        raw = int(value.value) if is_int else float(value.value)
    data: dict[str, Any] = {"value": raw, "label": value.label}
    if value.shortcut is not None:
        data["shortcut"] = value.shortcut
    return data


class _CodebookDumper(yaml.SafeDumper):
    """Writes text so that the codebook reader (YAML 1.2 core schema) reads it back as text."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # indent list items under their key


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:str"
    if "\n" in text:
        return dumper.represent_scalar(tag, text, style="|")
    try:
        plain_is_text = isinstance(resolve_plain(text), str)
    except ValueError:
        plain_is_text = False
    return dumper.represent_scalar(tag, text, style=None if plain_is_text else "'")


_CodebookDumper.add_representer(str, _represent_str)


def codebook_to_yaml(cb: Codebook) -> str:
    """The codebook as YAML text; ``parse_codebook(codebook_to_yaml(cb), ...) == cb``."""
    return yaml.dump(
        codebook_to_dict(cb),
        Dumper=_CodebookDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
