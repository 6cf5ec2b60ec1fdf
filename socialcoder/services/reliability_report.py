"""The reliability report of a study: what ``socialcoder reliability`` prints and the GUI shows.

The JSON form (``to_json``) is documented in docs/reliability.md and stable: a top-level
``dimensions`` list whose items are :meth:`DimensionReliability.to_dict` items, each with
``groups`` when a breakdown (by transcript, coder pair or value) was asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

import numpy as np

from socialcoder.reliability import summarize_dimension
from socialcoder.services.reliability_data import (
    DimensionData,
    Selection,
    is_categorical,
    level_for,
    load_dimension_data,
)
from socialcoder.services.study import Study

BY_CHOICES = ("transcript", "pair", "value")
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class ReliabilityReport:
    study: str
    codebook_version: str
    selection: Selection
    computed_at: datetime
    by: str | None
    dimensions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        sel = self.selection
        return {
            "study": self.study,
            "codebook_version": self.codebook_version,
            "computed_at": self.computed_at.isoformat(timespec="seconds"),
            "selection": {
                "dimensions": list(sel.dimensions) if sel.dimensions else None,
                "coders": list(sel.coders) if sel.coders else None,
                "transcripts": list(sel.transcripts) if sel.transcripts else None,
                "since": sel.since.isoformat() if sel.since else None,
                "until": sel.until.isoformat() if sel.until else None,
            },
            "by": self.by,
            "dimensions": self.dimensions,
        }


def _summary(
    dd: DimensionData,
    data: np.ndarray,
    coders: tuple[str, ...],
    level: str | None,
    bootstrap: int,
    seed: int | None,
) -> dict[str, Any]:
    d = dd.dimension
    lvl = level or level_for(d)
    result = summarize_dimension(
        data,
        key=d.key,
        level=lvl,
        categories=dd.categories,
        coder_names=coders,
        bootstrap=bootstrap,
        seed=seed,
    ).to_dict()
    result["label"] = d.label
    result["scale"] = d.scale.value
    result["unit"] = d.unit.value
    return result


def _groups(
    dd: DimensionData, by: str, level: str | None, bootstrap: int, seed: int | None
) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    if by == "transcript":
        transcript_of = dd.units.transcript_names()
        names = sorted(set(transcript_of))
        for name in names:
            cols = transcript_of == name
            item = _summary(dd, dd.data[:, cols], dd.coders, level, bootstrap, seed)
            groups.append({"transcript": name, **item})
    elif by == "pair":
        for a, b in combinations(range(len(dd.coders)), 2):
            item = _summary(
                dd, dd.data[[a, b], :], (dd.coders[a], dd.coders[b]), level, bootstrap, seed
            )
            groups.append({"pair": [dd.coders[a], dd.coders[b]], **item})
    elif by == "value" and is_categorical(dd.dimension) and dd.categories:
        for position, label in enumerate(dd.categories):
            indicator = np.where(np.isnan(dd.data), np.nan, (dd.data == position).astype(float))
            item = _summary(dd, indicator, dd.coders, "nominal", bootstrap, seed)
            item["categories_note"] = f"{label} vs any other value"
            groups.append(
                {"value": dd.dimension.values[position].value, "value_label": label, **item}
            )
    return groups


def reliability_report(
    study: Study,
    selection: Selection | None = None,
    *,
    by: str | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    level: str | None = None,
    progress: Progress | None = None,
) -> ReliabilityReport:
    """Reliability of every selected dimension (and its breakdown ``by`` when asked)."""
    selection = selection or Selection()
    data = load_dimension_data(study, selection)
    dims = []
    for i, dd in enumerate(data):
        if progress:
            progress(i, len(data), dd.dimension.key)
        item = _summary(dd, dd.data, dd.coders, level, bootstrap, seed)
        if by:
            item["groups"] = _groups(dd, by, level, bootstrap, seed)
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
    )
