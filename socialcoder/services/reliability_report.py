"""The reliability report of a study: what ``socialcoder reliability`` prints and the GUI shows.

The JSON form (``to_json``) is documented in docs/reliability.md and stable: a top-level
``dimensions`` list whose items are :meth:`DimensionReliability.to_dict` items, each with
``groups`` when a breakdown (by transcript, coder pair or value) was asked for.

Choices made here, for every dimension and group alike:

* **Level**: alpha's level of measurement follows the scale (binary and nominal -> nominal),
  unless ``level`` overrides it for all or some dimensions; a level that makes no sense for a
  scale is refused (:func:`check_level`).
* **Bootstrap**: by default the top level of the data is resampled: participants when sessions
  are nested in participants, otherwise transcripts; within one transcript (``by="transcript"``
  groups) its units. A seed is drawn once per report when none is given, and recorded.
* **Groups**: a coder pair's units are those of the transcripts both coders worked on; a
  value's group compares "this value" with "any other value" as two categories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from socialcoder.domain.codebook import Scale
from socialcoder.domain.serial import record
from socialcoder.errors import Input, Remedy, UserError
from socialcoder.reliability import summarize_dimension
from socialcoder.reliability.bootstrap import draw_seed
from socialcoder.services.reliability_data import (
    DimensionData,
    Selection,
    is_categorical,
    level_for,
    load_dimension_data,
)

if TYPE_CHECKING:  # an open Study or a study file read without SQLAlchemy (issue #14)
    from socialcoder.services.reliability_data import ReadableStudy

BY_CHOICES = ("transcript", "pair", "value")
BOOTSTRAP_BY = ("unit", "transcript", "participant")
LEVELS = ("nominal", "ordinal", "interval", "ratio")
#: The levels of measurement that make sense for each scale.
LEVELS_FOR: dict[Scale, tuple[str, ...]] = {
    Scale.BINARY: ("nominal",),
    Scale.NOMINAL: ("nominal",),
    Scale.ORDINAL: ("nominal", "ordinal", "interval"),
    Scale.INTERVAL: ("nominal", "ordinal", "interval"),
    Scale.RATIO: ("nominal", "ordinal", "interval", "ratio"),
}
OTHER = "other"
Progress = Callable[[int, int, str], None]
Levels = str | dict[str, str] | None


@dataclass(frozen=True, slots=True)
class ReliabilityReport:
    study: str
    codebook_version: str
    selection: Selection
    computed_at: datetime
    by: str | None
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    seed: int | None = None
    bootstrap_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        sel = self.selection
        return record(
            self,
            (
                "study",
                "codebook_version",
                "computed_at",
                "selection",
                "by",
                "seed",
                "bootstrap_by",
                "dimensions",
            ),
            values={
                "selection": record(
                    sel,
                    ("dimensions", "coders", "transcripts", "since", "until"),
                    values={
                        "dimensions": sel.dimensions or None,
                        "coders": sel.coders or None,
                        "transcripts": sel.transcripts or None,
                    },
                )
            },
            timespec="seconds",
        )


def check_level(dimension_key: str, scale: Scale, level: str) -> str:
    """``level`` for a dimension of ``scale``, or a UserError saying why it makes no sense."""
    if level not in LEVELS:
        raise UserError(f"unknown level {level!r} (use one of: {', '.join(LEVELS)})")
    allowed = LEVELS_FOR[scale]
    if level not in allowed:
        raise UserError(
            f"level {level} makes no sense for the {scale} dimension {dimension_key!r} "
            f"(allowed: {', '.join(allowed)})"
        )
    return level


def _level_of(dd: DimensionData, levels: Levels) -> str:
    d = dd.dimension
    wanted = levels.get(d.key) if isinstance(levels, dict) else levels
    if wanted is not None:
        check_level(d.key, d.scale, wanted)
    if d.scale is Scale.BINARY:
        return "binary"  # nominal alpha, with positive and negative specific agreement
    return wanted or level_for(d)


def _as_categories(dd: DimensionData, data: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Numbers of an interval/ratio dimension as positions of its values in numeric order (the
    codebook's values when it lists them, else the values that occur), with their texts."""
    d = dd.dimension
    seen = np.unique(data[~np.isnan(data)])
    listed = np.array(sorted(float(v) for v in d.value_texts)) if d.values else np.array([])
    values = np.union1d(listed, seen)
    positions = np.where(np.isnan(data), np.nan, np.searchsorted(values, data))
    return positions, tuple(dd.value_text(v) or "" for v in values)


@dataclass(frozen=True, slots=True)
class _Options:
    levels: Levels
    bootstrap: int
    seed: int | None
    bootstrap_by: str | None


def _summary(
    dd: DimensionData,
    options: _Options,
    *,
    rows: np.ndarray | None = None,
    cols: np.ndarray | None = None,
    indicator: int | None = None,
    within_transcript: bool = False,
) -> dict[str, Any]:
    """The JSON item for the cells ``rows x cols`` of ``dd`` (everything by default);
    ``indicator``: summarise "value at this position" against "any other value"."""
    d = dd.dimension
    if rows is None and cols is None:  # the whole matrix: no copy (nothing writes into it)
        data, implied = dd.data, dd.implied
    else:
        rows = np.arange(len(dd.coders)) if rows is None else rows
        cols = np.arange(dd.data.shape[1]) if cols is None else cols
        data = dd.data[np.ix_(rows, cols)]
        implied = None if dd.implied is None else dd.implied[np.ix_(rows, cols)]
    level = _level_of(dd, options.levels)
    categories = dd.categories
    positive = None
    if indicator is not None:
        label = dd.categories[indicator] if dd.categories else str(indicator)
        data = np.where(np.isnan(data), np.nan, (data == indicator).astype(float))
        level, categories, positive = "binary", (_other(label), label), 1
    elif d.scale.is_numeric and level in ("nominal", "ordinal"):
        data, categories = _as_categories(dd, data)
    elif not d.scale.is_numeric and level in ("interval", "ratio"):
        categories = None
    elif d.scale is Scale.BINARY:
        positive = d.value_texts.index("1")
    by = options.bootstrap_by or "transcript"
    clusters = None  # labels only for a bootstrap to resample (500,000 objects otherwise)
    if within_transcript or by == "unit":
        by = "unit"
    elif options.bootstrap > 0:
        clusters = dd.clusters(by) if cols is None else dd.clusters(by)[cols]
    empty = d.empty_value
    result = summarize_dimension(
        data,
        key=d.key,
        level=level,
        categories=categories,
        coder_names=list(dd.coders) if rows is None else [dd.coders[r] for r in rows],
        bootstrap=options.bootstrap,
        seed=options.seed,
        implied=implied if empty is not None and implied is not None else None,
        empty_label=d.label_of(empty) if empty is not None else None,
        open_pairs=dd.open_pairs(rows, cols),
        clusters=clusters,
        bootstrap_by=by,
        positive=positive,
    ).to_dict()
    result["label"] = d.label
    result["scale"] = d.scale.value
    result["unit"] = d.unit.value
    return result


def _other(label: str) -> str:
    return OTHER if label != OTHER else f"not {OTHER}"


def _groups(dd: DimensionData, by: str, options: _Options) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    if by == "transcript":
        transcript_of = dd.units.transcript_names()
        for name in sorted(set(transcript_of)):
            cols = np.flatnonzero(transcript_of == name)
            item = _summary(dd, options, cols=cols, within_transcript=True)
            groups.append({"transcript": name, **item})
    elif by == "pair":
        involved = dd.involved if dd.involved is not None else np.ones(dd.data.shape, bool)
        for a, b in combinations(range(len(dd.coders)), 2):
            cols = np.flatnonzero(involved[a] & involved[b])
            item = _summary(dd, options, rows=np.array([a, b]), cols=cols)
            groups.append({"pair": [dd.coders[a], dd.coders[b]], **item})
    elif by == "value" and is_categorical(dd.dimension) and dd.categories:
        for position, label in enumerate(dd.categories):
            item = _summary(dd, options, indicator=position)
            item["categories_note"] = f"{label} vs any other value"
            groups.append(
                {"value": dd.dimension.values[position].value, "value_label": label, **item}
            )
    return groups


def default_bootstrap_by(data: list[DimensionData]) -> str:
    """The top level of the data: ``participant`` when some participant has two or more of the
    transcripts, otherwise ``transcript``."""
    return "participant" if any(dd.nested_sessions() for dd in data) else "transcript"


def reliability_report(
    study: ReadableStudy,
    selection: Selection | None = None,
    *,
    by: str | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    level: Levels = None,
    bootstrap_by: str | None = None,
    progress: Progress | None = None,
) -> ReliabilityReport:
    """Reliability of every selected dimension (and its breakdown ``by`` when asked).

    ``level``: one level for every dimension, or ``{key: level}`` for some; ``bootstrap_by``:
    ``unit``, ``transcript`` or ``participant`` (default: the top level of the data).
    """
    selection = selection or Selection()
    if by is not None and by not in BY_CHOICES:
        raise UserError(f"unknown breakdown {by!r} (use one of: {', '.join(BY_CHOICES)})")
    if bootstrap_by is not None and bootstrap_by not in BOOTSTRAP_BY:
        raise UserError(
            f"unknown bootstrap level {bootstrap_by!r} (use one of: {', '.join(BOOTSTRAP_BY)})"
        )
    if isinstance(level, dict):
        unknown = sorted(set(level) - set(study.codebook.keys))
        if unknown:
            raise UserError(
                f"levels of measurement given for unknown dimension(s): {', '.join(unknown)}",
                remedy=Remedy.change(Input.LEVEL),
            )
    data = load_dimension_data(study, selection)
    for dd in data:
        _level_of(dd, level)  # refuse a senseless level before computing anything
    if bootstrap and seed is None:
        seed = draw_seed()
    resample = bootstrap_by or default_bootstrap_by(data)
    options = _Options(level, bootstrap, seed, resample)
    dims = []
    for i, dd in enumerate(data):
        if progress:
            progress(i, len(data), dd.dimension.key)
        item = _summary(dd, options)
        if by:
            item["groups"] = _groups(dd, by, options)
        dims.append(item)
    if progress:
        progress(len(data), len(data), "done")
    return ReliabilityReport(
        study=study.name,
        codebook_version=study.codebook.version,
        selection=selection,
        computed_at=datetime.now(UTC),
        by=by,
        dimensions=dims,
        seed=seed if bootstrap else None,
        bootstrap_by=resample if bootstrap else None,
    )
