"""Which values two coders gave the same units: the confusion matrix of a pair on one dimension,
over the units both coded (the units the reliability engine pairs). The counting is in
``reliability/confusion.py``; here the data are read and the values labelled."""

from __future__ import annotations

from dataclasses import replace

from socialcoder.reliability.confusion import ConfusionMatrix, confusion_counts
from socialcoder.services.reliability_data import Selection, load_dimension_data
from socialcoder.services.study import Study


def confusion_matrix(
    study: Study,
    dimension: str,
    coder_a: str,
    coder_b: str,
    selection: Selection | None = None,
) -> ConfusionMatrix:
    """Cross-table of two coders' values on one dimension, over the units both coded (the same
    units the reliability engine uses for this pair)."""
    base = selection or Selection()
    sel = replace(base, dimensions=(dimension,), coders=(coder_a, coder_b))
    dd = load_dimension_data(study, sel)[0]
    dim = dd.dimension
    if dd.categories is not None:
        _, counts = confusion_counts(dd.data[0], dd.data[1], n_categories=len(dim.values))
        values = tuple(v.value for v in dim.values)
    else:
        levels, counts = confusion_counts(dd.data[0], dd.data[1])
        values = tuple(dd.value_text(x) or "" for x in levels.tolist())
    labels = tuple(dim.shown(v) for v in values)
    return ConfusionMatrix(
        dimension=dimension,
        coder_a=coder_a,
        coder_b=coder_b,
        values=values,
        labels=labels,
        counts=tuple(tuple(int(n) for n in row) for row in counts.tolist()),
    )
