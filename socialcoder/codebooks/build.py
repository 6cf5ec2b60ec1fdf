"""Codebook text or data -> validated, frozen :class:`~socialcoder.domain.codebook.Codebook`.

Field-by-field checks are the pydantic models of :mod:`socialcoder.codebooks.schema`; this module
turns their errors into one-line :class:`~socialcoder.errors.CodebookError` messages
(``file:line: dimension 'x', field 'scale': reason``) and checks the rules that span fields:
values that fit the scale, unique values, keys and shortcuts. It also fills in the implied binary
values and a default colour for dimensions without one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialcoder.codebooks.fields import plain_codebook
from socialcoder.codebooks.yaml_tree import (
    Path_,
    YamlFloat,
    YamlInt,
    compose_tree,
    format_path,
    read_codebook_text,
)
from socialcoder.domain import keys
from socialcoder.domain.codebook import (
    BINARY_ABSENT,
    BINARY_PRESENT,
    Codebook,
    CodeValue,
    Dimension,
    Scale,
    value_text,
)
from socialcoder.errors import CodebookError

if TYPE_CHECKING:  # pydantic is imported where a codebook is validated, not to read a stored one
    from pydantic import ValidationError

    from socialcoder.codebooks.schema import DimensionModel, ValueModel

#: Colour-blind-safe palette (Okabe & Ito) given, in order, to dimensions without a colour.
DEFAULT_PALETTE: tuple[str, ...] = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#d55e00",
    "#56b4e9",
    "#f0e442",
    "#999999",
)

BINARY_VALUES: tuple[CodeValue, ...] = (
    CodeValue(BINARY_PRESENT, "present"),
    CodeValue(BINARY_ABSENT, "absent"),
)


def load_codebook(path: Path) -> Codebook:
    """Read and validate the codebook YAML file at ``path``; CodebookError says what is wrong."""
    path = Path(path)
    return parse_codebook(read_codebook_text(path), source=str(path))


def parse_codebook(text: str, *, source: str, window_keys: bool = True) -> Codebook:
    """Validate codebook YAML ``text``; ``source`` names it in error messages.

    ``window_keys=False`` accepts shortcuts that the coding window keeps for itself
    (:mod:`socialcoder.domain.keys`): only for reading a codebook a study stored before that
    rule, so that the study still opens; every new codebook is checked."""
    data, lines = compose_tree(text, source=source)
    return _Builder(source, lines, window_keys=window_keys).build(data)


def read_stored_codebook(text: str, *, source: str) -> Codebook:
    """A codebook a study stored (validated when it was recorded), read without the
    field-by-field validation of pydantic: the same YAML reading, the same field conversions
    (:func:`~socialcoder.codebooks.fields.plain_codebook`) and the same building and checks
    that span fields as :func:`parse_codebook` with ``window_keys=False``, which it equals on
    every codebook (tests/unit/codebooks/test_stored.py). For a short command that reads a
    study file without SQLAlchemy or pydantic (issue #14: ``socialcoder reliability``)."""
    data, lines = compose_tree(text, source=source)
    return _Builder(source, lines, window_keys=False).build(data, trusted=True)


def codebook_from_dict(data: Mapping[str, Any], *, source: str = "codebook") -> Codebook:
    """Validate a codebook given as data (the shape of ``codebook_to_dict``, e.g. from JSON)."""
    return _Builder(source, {}).build(dict(data) if isinstance(data, Mapping) else data)


class _Builder:
    def __init__(self, source: str, lines: dict[Path_, int], *, window_keys: bool = True) -> None:
        self.source = source
        self.lines = lines
        self.window_keys = window_keys
        self.data: Any = None

    # -- errors ---------------------------------------------------------------------------------

    def line_of(self, path: Path_) -> int | None:
        """Line of ``path`` or of its nearest enclosing element that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def fail(self, path: Path_, reason: str) -> CodebookError:
        return CodebookError(
            f"{self.describe(path)}{reason}", source=self.source, line=self.line_of(path)
        )

    def describe(self, path: Path_) -> str:
        """``dimension 'x', field 'values[1].label': `` for a path into the data."""
        rest = list(path)
        prefix = ""
        if len(rest) >= 2 and rest[0] == "dimensions" and isinstance(rest[1], int):
            prefix = self._dimension_name(rest[1])
            rest = rest[2:]
        field = format_path(tuple(rest))
        if prefix and field:
            return f"{prefix}, field '{field}': "
        if prefix:
            return f"{prefix}: "
        return f"field '{field}': " if field else ""

    def _dimension_name(self, index: int) -> str:
        dims = self.data.get("dimensions") if isinstance(self.data, dict) else None
        if isinstance(dims, list) and index < len(dims) and isinstance(dims[index], dict):
            key = dims[index].get("key")
            if isinstance(key, str) and key:
                return f"dimension '{key}'"
        return f"dimension {index + 1}"

    def _pydantic_error(self, exc: ValidationError) -> CodebookError:
        from socialcoder.codebooks.schema import FIELDS_BY_LEVEL

        errors = exc.errors(include_url=False)

        def order(err: Any) -> tuple[int, int]:
            return (self.line_of(tuple(err["loc"])) or 0, len(err["loc"]))

        err = min(errors, key=order)
        loc: Path_ = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            allowed = ", ".join(FIELDS_BY_LEVEL[_level(loc[:-1])])
            reason = f"unknown field '{loc[-1]}' (allowed here: {allowed})"
            error = self.fail(loc[:-1], reason)
            return CodebookError(error.message, source=self.source, line=self.line_of(loc))
        if kind == "missing":
            error = self.fail(loc[:-1], f"required field '{loc[-1]}' is missing")
        elif kind == "too_short" and loc == ("dimensions",):
            error = self.fail(loc, "the codebook needs at least one dimension")
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            error = self.fail(loc, "must be a mapping of fields")
        elif kind == "list_type":
            error = self.fail(loc, "must be a list")
        elif kind == "value_error":
            error = self.fail(loc, str(err["ctx"]["error"]))
        else:
            error = self.fail(loc, err["msg"])
        more = len(errors) - 1
        if more:
            suffix = f" (and {more} more problem{'s' if more > 1 else ''})"
            return CodebookError(error.message + suffix, source=self.source, line=error.line)
        return error

    # -- building -------------------------------------------------------------------------------

    def build(self, data: Any, *, trusted: bool = False) -> Codebook:
        """``trusted``: ``data`` was validated field by field before (a stored codebook): its
        fields are converted without pydantic."""
        self.data = data
        if not isinstance(data, dict):
            raise CodebookError(
                f"the top level must be a mapping with name, version and dimensions, not "
                f"{_kind(data)}",
                source=self.source,
                line=self.line_of(()),
            )
        model = plain_codebook(data) if trusted else self._validated(data)
        dimensions = [self._dimension(i, dim) for i, dim in enumerate(model.dimensions)]
        self._check_unique(dimensions)
        if self.window_keys:
            self._check_window_keys(dimensions)
        return Codebook(
            name=model.name,
            version=model.version,
            dimensions=tuple(_with_colors(dimensions)),
            description=model.description,
            references=tuple(model.references),
        )

    def _validated(self, data: dict[str, Any]) -> Any:
        from pydantic import ValidationError

        from socialcoder.codebooks.schema import CodebookModel

        try:
            return CodebookModel.model_validate(data)
        except ValidationError as exc:
            raise self._pydantic_error(exc) from None

    def _dimension(self, index: int, dim: DimensionModel) -> Dimension:
        path: Path_ = ("dimensions", index)
        built = Dimension(
            key=dim.key,
            label=dim.label,
            scale=dim.scale,
            values=self._values(path, dim),
            unit=dim.unit,
            applies_to=dim.applies_to,
            shortcut=dim.shortcut,
            color=dim.color,
            definition=dim.definition,
            include=tuple(dim.include),
            exclude=tuple(dim.exclude),
            examples=tuple(dim.examples),
        )
        if dim.empty_means is None:
            return built
        return replace(built, empty_means=self._empty_means((*path, "empty_means"), built, dim))

    def _empty_means(self, path: Path_, built: Dimension, dim: DimensionModel) -> str:
        """``empty_means`` names one of the values of a nominal or ordinal dimension."""
        if built.scale is Scale.BINARY:
            raise self.fail(
                path,
                "a binary dimension's empty cells already mean 0 (absent) once the coder "
                "completed the transcript; remove 'empty_means'",
            )
        if built.scale not in (Scale.NOMINAL, Scale.ORDINAL):
            raise self.fail(
                path,
                f"'empty_means' is for nominal and ordinal dimensions, not {built.scale}: an "
                "empty rating stays missing",
            )
        assert dim.empty_means is not None
        try:
            return built.parse_value(dim.empty_means)
        except ValueError:
            allowed = ", ".join(built.value_texts)
            raise self.fail(
                path, f"{dim.empty_means!r} is not one of the values (allowed: {allowed})"
            ) from None

    def _values(self, dim_path: Path_, dim: DimensionModel) -> tuple[CodeValue, ...]:
        path = (*dim_path, "values")
        if dim.scale is Scale.BINARY:
            if dim.values is not None:
                raise self.fail(
                    path,
                    "a binary dimension has the implied values 1 (present) and 0 (absent); "
                    "remove 'values' or use scale nominal",
                )
            return BINARY_VALUES
        if dim.values is None:
            if dim.scale.is_numeric:
                return ()
            needs = f"{_article(dim.scale)} {dim.scale} dimension needs"
            raise self.fail(dim_path, f"{needs} 'values' (a list of at least 2)")
        if len(dim.values) < 2:
            raise self.fail(
                path, f"{_article(dim.scale)} {dim.scale} dimension needs at least 2 values"
            )
        result: list[CodeValue] = []
        seen: dict[str, int] = {}
        shortcuts: dict[str, int] = {}
        for i, item in enumerate(dim.values):
            text = self._value_text((*path, i, "value"), dim.scale, item)
            if text in seen:
                raise self.fail(
                    (*path, i), f"value {text!r} is listed twice (first as item {seen[text] + 1})"
                )
            seen[text] = i
            if item.shortcut is not None:
                folded = item.shortcut.casefold()
                if folded in shortcuts:
                    raise self.fail(
                        (*path, i, "shortcut"),
                        f"shortcut {item.shortcut!r} is used by value {shortcuts[folded] + 1} "
                        "of this dimension already",
                    )
                shortcuts[folded] = i
            result.append(CodeValue(text, item.label or text, item.shortcut))
        return tuple(result)

    def _value_text(self, path: Path_, scale: Scale, item: ValueModel) -> str:
        raw = item.value
        if not scale.is_numeric:
            text = value_text(raw)
            if not text:
                raise self.fail(path, "is empty")
            return text
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise self.fail(path, f"{_shown(raw)!r} is not a number ({scale} scale)")
        if not math.isfinite(raw):
            raise self.fail(path, f"{_shown(raw)!r} is not a finite number")
        if scale is Scale.RATIO and raw < 0:
            raise self.fail(path, f"{_shown(raw)!r} is negative on a ratio scale")
        return str(int(raw)) if isinstance(raw, int) else value_text(float(raw))

    def _check_unique(self, dimensions: list[Dimension]) -> None:
        keys: dict[str, int] = {}
        shortcuts: dict[str, int] = {}
        for i, dim in enumerate(dimensions):
            path: Path_ = ("dimensions", i)
            if dim.key in keys:
                first = self.line_of(("dimensions", keys[dim.key]))
                raise self.fail((*path, "key"), f"key {dim.key!r} is used twice{_on_line(first)}")
            keys[dim.key] = i
            if dim.shortcut is not None:
                folded = dim.shortcut.casefold()
                if folded in shortcuts:
                    other = dimensions[shortcuts[folded]].key
                    raise self.fail(
                        (*path, "shortcut"),
                        f"shortcut {dim.shortcut!r} is already used by dimension {other!r}",
                    )
                shortcuts[folded] = i

    def _check_window_keys(self, dimensions: list[Dimension]) -> None:
        """Refuse, all named at once, shortcuts the coding window keeps for itself."""
        found: list[tuple[Path_, str]] = []
        for i, dim in enumerate(dimensions):
            if dim.shortcut and (problem := keys.dimension_key_problem(dim.shortcut)):
                found.append((("dimensions", i, "shortcut"), problem))
            for j, value in enumerate(dim.values):
                if value.shortcut and (problem := keys.value_key_problem(value.shortcut, j + 1)):
                    found.append((("dimensions", i, "values", j, "shortcut"), problem))
        if found:
            first = found[0][0]
            message = "; ".join(f"{self.describe(path)}{problem}" for path, problem in found)
            raise CodebookError(message, source=self.source, line=self.line_of(first))


def _shown(raw: object) -> str:
    """A value as the user wrote it."""
    if isinstance(raw, YamlInt | YamlFloat):
        return raw.raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return value_text(raw)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _on_line(line: int | None) -> str:
    return f" (first on line {line})" if line is not None else ""


def _kind(raw: object) -> str:
    if raw is None:
        return "nothing"
    if isinstance(raw, list):
        return "a list"
    return f"a single value ({type(raw).__name__})"


def _level(loc: Path_) -> str:
    if len(loc) == 0:
        return "codebook"
    if len(loc) == 2:
        return "dimension"
    return "value"


def _with_colors(dimensions: list[Dimension]) -> list[Dimension]:
    """Give each dimension without a colour the next palette colour not already taken."""
    used = {d.color for d in dimensions if d.color}
    free = [c for c in DEFAULT_PALETTE if c not in used] or list(DEFAULT_PALETTE)
    result = []
    n = 0
    for dim in dimensions:
        if dim.color is None:
            dim = replace(dim, color=free[n % len(free)])
            n += 1
        result.append(dim)
    return result
