"""All reliability figures for one codebook dimension, as one stable JSON-ready item.

:func:`summarize_dimension` takes the ``coders x units`` matrix of one dimension (``np.nan`` =
missing; category positions for binary/nominal/ordinal, numbers for interval/ratio) and returns
a :class:`DimensionReliability` whose :meth:`~DimensionReliability.to_dict` is the item the
command line and the reports print. Floats are returned unrounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from socialcoder.errors import UserError
from socialcoder.reliability import notes as note
from socialcoder.reliability._data import (
    Level,
    as_level,
    as_matrix,
    check_categories,
    table_value_counts,
)
from socialcoder.reliability.alpha import check_ratio, krippendorff_alpha
from socialcoder.reliability.bootstrap import BootstrapCI, bootstrap_alpha, draw_seed
from socialcoder.reliability.kappa import (
    Coefficient,
    category_counts,
    cohen_of,
    fleiss_of,
    gwet_of,
    pair_table,
    percent_of,
    prevalence_of,
)
from socialcoder.reliability.sample_size import SampleSize, sample_size
from socialcoder.reliability.specific import pair_indices_of, specific_of

#: Interval/ratio prevalence is listed per value only up to this many distinct values.
MAX_LISTED_VALUES = 50


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """Agreement of one pair of coders over the units both coded."""

    coders: tuple[str, str]
    kappa: float | None
    weighted_kappa: dict[str, float | None] | None
    percent_agreement: float | None
    units: int
    prevalence_index: float | None = None
    bias_index: float | None = None
    pabak: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "coders": list(self.coders),
            "kappa": self.kappa,
            "weighted_kappa": None if self.weighted_kappa is None else dict(self.weighted_kappa),
            "percent_agreement": self.percent_agreement,
            "units": self.units,
            "prevalence_index": self.prevalence_index,
            "bias_index": self.bias_index,
            "pabak": self.pabak,
        }


@dataclass(frozen=True, slots=True)
class DimensionReliability:
    """Reliability of one dimension; ``to_dict()`` gives the stable JSON item.

    ``units`` counts units with at least one value. ``alpha_ci95`` and ``q_below`` are ``None``
    unless a bootstrap was asked for and the sample is large enough (``sample_size``).
    ``notes`` explains every ``None`` and says how far the figures can be trusted.
    """

    key: str
    level: str
    units: int
    pairable_units: int
    pairable_values: int
    open_pairs: int | None
    implied_values: int
    coders: tuple[str, ...]
    krippendorff_alpha: float | None
    krippendorff_alpha_explicit: float | None
    observed_disagreement: float | None
    expected_disagreement: float | None
    alpha_ci95: tuple[float, float] | None
    bootstrap: BootstrapCI | None
    q_below: dict[str, float] | None
    sample_size: SampleSize
    percent_agreement: float | None
    specific_agreement: dict[str, float | None] | None
    fleiss_kappa: float | None
    gwet_ac1: float | None
    gwet_ac2: dict[str, float | None] | None
    cohen_kappa_pairs: tuple[PairAgreement, ...]
    prevalence: dict[str, float]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON item, keys in a fixed order; floats unrounded."""
        return {
            "key": self.key,
            "level": self.level,
            "units": self.units,
            "pairable_units": self.pairable_units,
            "pairable_values": self.pairable_values,
            "open_pairs": self.open_pairs,
            "implied_values": self.implied_values,
            "coders": list(self.coders),
            "krippendorff_alpha": self.krippendorff_alpha,
            "krippendorff_alpha_explicit": self.krippendorff_alpha_explicit,
            "observed_disagreement": self.observed_disagreement,
            "expected_disagreement": self.expected_disagreement,
            "alpha_ci95": list(self.alpha_ci95) if self.alpha_ci95 is not None else None,
            "bootstrap": self.bootstrap.to_dict() if self.bootstrap is not None else None,
            "q_below": dict(self.q_below) if self.q_below is not None else None,
            "sample_size": self.sample_size.to_dict(),
            "percent_agreement": self.percent_agreement,
            "specific_agreement": (
                dict(self.specific_agreement) if self.specific_agreement is not None else None
            ),
            "fleiss_kappa": self.fleiss_kappa,
            "gwet_ac1": self.gwet_ac1,
            "gwet_ac2": dict(self.gwet_ac2) if self.gwet_ac2 is not None else None,
            "cohen_kappa_pairs": [pair.to_dict() for pair in self.cohen_kappa_pairs],
            "prevalence": dict(self.prevalence),
            "notes": list(self.notes),
        }


def _value_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _labels(level: Level, categories: Sequence[str] | None, matrix: np.ndarray) -> list[str]:
    """Category labels in position order (positions as text when no list is given)."""
    if categories is not None:
        labels = [str(label) for label in categories]
        if len(set(labels)) != len(labels):
            raise UserError("category labels must be distinct")
        if level is Level.BINARY and len(labels) != 2:
            raise UserError(f"a binary dimension has 2 categories, got {len(labels)}")
        check_categories(matrix, len(labels), name="reliability data")
        return labels
    if level is Level.BINARY:
        check_categories(matrix, 2, name="reliability data")
        return ["0", "1"]
    return [str(i) for i in range(check_categories(matrix, None, name="reliability data"))]


def _numeric_prevalence(matrix: np.ndarray) -> dict[str, float]:
    present = matrix[~np.isnan(matrix)]
    values, counts = np.unique(present, return_counts=True)
    if values.size == 0 or values.size > MAX_LISTED_VALUES:
        return {}
    return {_value_text(v): float(c) / present.size for v, c in zip(values, counts, strict=True)}


def _pairs(
    matrix: np.ndarray,
    names: Sequence[str],
    level: Level,
    n_categories: int | None,
    positive: int | None,
) -> tuple[list[PairAgreement], list[str]]:
    """Cohen's kappa (and PI, BI, PABAK) for every pair of coders sharing at least one unit."""
    pairs: list[PairAgreement] = []
    notes: list[str] = []
    for i, j in combinations(range(matrix.shape[0]), 2):
        kappa: float | None = None
        weighted: dict[str, float | None] | None = None
        label = f"{names[i]} / {names[j]}"
        indices = None
        if level.is_categorical and n_categories is not None:
            # the pair's k x k table, built once: its diagonal over its total is the share
            # of units they agree on (the same float as the mean of the equal pairs)
            table = pair_table(matrix[i], matrix[j], n_categories)
            units = int(table.sum())
            if units == 0:
                continue
            agreement = int(np.trace(table)) / units
            result = cohen_of(matrix[i], matrix[j], n_categories, table=table)
            kappa = result.value
            if result.value is None:
                notes.append(f"cohen_kappa {label} undefined: {result.reason}")
            if level is Level.ORDINAL:
                weighted = {}
                for scheme in ("linear", "quadratic"):
                    w = cohen_of(matrix[i], matrix[j], n_categories, scheme, table)
                    weighted[scheme] = w.value
                    if w.value is None:
                        notes.append(f"weighted_kappa ({scheme}) {label} undefined: {w.reason}")
            indices = pair_indices_of(table, positive=positive)
        else:
            both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
            units = int(both.sum())
            if units == 0:
                continue
            agreement = float((matrix[i, both] == matrix[j, both]).mean())
        pairs.append(
            PairAgreement(
                coders=(names[i], names[j]),
                kappa=kappa,
                weighted_kappa=weighted,
                percent_agreement=agreement,
                units=units,
                prevalence_index=indices.prevalence_index if indices else None,
                bias_index=indices.bias_index if indices else None,
                pabak=indices.pabak if indices else None,
            )
        )
    return pairs, notes


def _positive(level: Level, labels: list[str], positive: int | None) -> int | None:
    """Position of the 'present' value of binary data (``None`` for other levels)."""
    if level is not Level.BINARY:
        return None
    if positive is not None:
        if positive not in (0, 1):
            raise UserError(f"positive must be the position 0 or 1, got {positive}")
        return positive
    return labels.index("present") if "present" in labels else 1


def _withheld(
    requested: int, seed: int, clusters: np.ndarray | None, by: str | None, keep: np.ndarray
) -> BootstrapCI:
    """The bootstrap record when the sample is too small for an interval."""
    from socialcoder.reliability.bootstrap import CLUSTER_METHOD, METHOD

    if clusters is None:
        return BootstrapCI(
            low=None,
            high=None,
            n_replicates=0,
            method=METHOD,
            seed=seed,
            reason="too few units",
            requested=requested,
            clusters=int(keep.sum()),
        )
    name = by or "cluster"
    return BootstrapCI(
        low=None,
        high=None,
        n_replicates=0,
        method=CLUSTER_METHOD.format(by=name),
        seed=seed,
        reason="too few units",
        requested=requested,
        by=name,
        clusters=len(np.unique(clusters[keep])),
    )


def summarize_dimension(
    data: ArrayLike,
    *,
    key: str,
    level: str | Level,
    categories: Sequence[str] | None = None,
    coder_names: Sequence[str],
    bootstrap: int = 0,
    seed: int | None = None,
    implied: ArrayLike | None = None,
    empty_label: str | None = None,
    open_pairs: int | None = None,
    clusters: ArrayLike | None = None,
    bootstrap_by: str | None = None,
    positive: int | None = None,
) -> DimensionReliability:
    """Every reliability figure for one dimension.

    ``data``: ``coders x units`` float matrix, ``np.nan`` = missing; binary/nominal/ordinal
    values are 0-based category positions in codebook order (``categories`` gives the labels,
    and its length the number of categories), interval/ratio values are the numbers.
    ``coder_names``: one name per row. ``bootstrap``: number of bootstrap replicates for the
    alpha interval (0 = none); ``seed`` (drawn and recorded when not given). ``clusters``: one
    label per unit to resample clusters (named ``bootstrap_by``, e.g. ``"transcript"``) instead
    of units. ``implied``: a ``coders x units`` mask of values filled in by a completion rule
    (``empty_label`` names the value), so that alpha is also reported without them.
    ``open_pairs``: how many (coder, transcript) pairs behind the data are still open (a note
    when the dimension has a completion rule, i.e. ``implied`` is given).
    ``positive``: position of the 'present' value of binary data (default: the label
    ``present``, else position 1). Kappa-type coefficients are for categorical levels only.
    """
    parsed = as_level(level)
    matrix = as_matrix(data, name=f"dimension {key}")
    names = tuple(str(name) for name in coder_names)
    if len(names) != matrix.shape[0]:
        raise UserError(
            f"dimension {key}: {len(names)} coder name(s) for {matrix.shape[0]} row(s) of data"
        )
    if len(set(names)) != len(names):
        raise UserError(f"dimension {key}: coder names must be distinct")
    if bootstrap < 0:
        raise UserError(f"bootstrap replicates must be 0 or more, got {bootstrap}")
    check_ratio(matrix, parsed)
    present = ~np.isnan(matrix)
    keep = present.sum(axis=0) >= 2
    cluster_labels = None if clusters is None else np.asarray(clusters)
    if cluster_labels is not None and cluster_labels.shape != (matrix.shape[1],):
        raise UserError(f"dimension {key}: one cluster label per unit expected")
    notes: list[str] = []

    def record(name: str, result: Coefficient) -> float | None:
        if result.value is None:
            notes.append(f"{name} undefined: {result.reason}")
        return result.value

    categorical = parsed.is_categorical
    labels = _labels(parsed, categories, matrix) if categorical else []
    # categorical data: one units x categories table for every coefficient (alpha's value
    # counts, the sample size, Fleiss, AC1/AC2, PS, prevalence) instead of a pass each
    table = category_counts(matrix, len(labels)) if categorical else None
    counts = None if table is None else table_value_counts(table.table, table.per_unit)
    alpha = krippendorff_alpha(matrix, parsed, counts=counts)
    if alpha.alpha is None:
        notes.append(f"krippendorff_alpha undefined: {alpha.reason}")
    size = sample_size(matrix, categorical=categorical, labels=labels, counts=counts)
    if alpha.pairable_units > 0 and not size.enough:
        notes.append(f"too few units for a trustworthy figure: {size.text()}")

    implied_count, explicit = 0, None
    if implied is not None:
        mask = np.asarray(implied, dtype=bool)
        if mask.shape != matrix.shape:
            raise UserError(f"dimension {key}: the implied-values mask must match the data")
        mask = mask & present
        implied_count = int(mask[:, keep].sum())
        without = krippendorff_alpha(np.where(mask, np.nan, matrix), parsed)
        explicit = without.alpha
        text = note.implied_note(
            implied_count, alpha.pairable_values, empty_label, explicit, without.reason
        )
        if text:
            notes.append(text)

    ci: tuple[float, float] | None = None
    boot: BootstrapCI | None = None
    q: dict[str, float] | None = None
    if bootstrap > 0:
        seed = draw_seed() if seed is None else seed
        if alpha.alpha is not None and not size.enough:
            boot = _withheld(bootstrap, seed, cluster_labels, bootstrap_by, keep)
            notes.append("alpha_ci95 and q_below withheld: too few units (see above)")
        else:
            boot = bootstrap_alpha(
                matrix,
                parsed,
                replicates=bootstrap,
                seed=seed,
                clusters=cluster_labels,
                by=bootstrap_by,
            )
            if boot.low is not None and boot.high is not None:
                ci, q = (boot.low, boot.high), boot.q_below
                for text in (
                    note.dropped_note(boot.dropped, bootstrap),
                    note.few_clusters_note(boot.clusters, boot.by),
                ):
                    if text:
                        notes.append(text)
            else:
                notes.append(f"alpha_ci95 undefined: {boot.reason}")

    # the matrix is checked once (as_matrix above; category positions in _labels), so the
    # coefficients below are the *_of forms, which do not check it again
    agreement = record("percent_agreement", percent_of(matrix, table))
    fleiss = ac1 = None
    ac2: dict[str, float | None] | None = None
    specific: dict[str, float | None] | None = None
    if table is not None:
        k = len(labels)
        fleiss = record("fleiss_kappa", fleiss_of(matrix, k, table))
        ac1 = record("gwet_ac1", gwet_of(matrix, k, None, table))
        if parsed is Level.ORDINAL:
            ac2 = {}
            for scheme in ("ordinal", "quadratic"):
                ac2[scheme] = record(
                    f"gwet_ac2 ({scheme} weights)",
                    gwet_of(matrix, k, scheme, table),
                )
        positive = _positive(parsed, labels, positive)
        per_value = specific_of(matrix, k, table)
        by_label = dict(zip(labels, per_value, strict=True))
        if positive is not None:
            specific = {"positive": per_value[positive], "negative": per_value[1 - positive]}
        else:
            specific = by_label
        pairs, pair_notes = _pairs(matrix, names, parsed, k, positive)
        notes.extend(pair_notes)
        shares = dict(zip(labels, prevalence_of(matrix, k, table), strict=False))
        exact = {"fleiss_kappa (unweighted)": fleiss}
        if parsed is not Level.ORDINAL:
            exact = {"krippendorff_alpha": alpha.alpha, "fleiss_kappa": fleiss}
        notes.extend(note.prevalence_notes(agreement, exact, shares, by_label))
        single = note.single_category_note(ac1, shares)
        if single:
            notes.append(single)
    else:
        notes.append(
            f"Fleiss' kappa, Gwet's AC1 and Cohen's kappa are for categorical data; "
            f"not computed for {parsed.value} data"
        )
        pairs, _ = _pairs(matrix, names, parsed, None, None)
        shares = _numeric_prevalence(matrix)
    if open_pairs and implied is not None:  # only where a completed blank means something
        text = note.open_pairs_note(open_pairs)
        if text:
            notes.append(text)
    return DimensionReliability(
        key=key,
        level=Level.NOMINAL.value if parsed is Level.BINARY else parsed.value,
        units=alpha.units,
        pairable_units=alpha.pairable_units,
        pairable_values=alpha.pairable_values,
        open_pairs=open_pairs,
        implied_values=implied_count,
        coders=names,
        krippendorff_alpha=alpha.alpha,
        krippendorff_alpha_explicit=explicit,
        observed_disagreement=alpha.observed_disagreement,
        expected_disagreement=alpha.expected_disagreement,
        alpha_ci95=ci,
        bootstrap=boot,
        q_below=q,
        sample_size=size,
        percent_agreement=agreement,
        specific_agreement=specific,
        fleiss_kappa=fleiss,
        gwet_ac1=ac1,
        gwet_ac2=ac2,
        cohen_kappa_pairs=tuple(pairs),
        prevalence=shares,
        notes=tuple(notes),
    )
