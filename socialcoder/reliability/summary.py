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
from socialcoder.reliability._data import Level, as_level, as_matrix, check_categories
from socialcoder.reliability.alpha import krippendorff_alpha
from socialcoder.reliability.bootstrap import BootstrapCI, bootstrap_alpha
from socialcoder.reliability.kappa import (
    Coefficient,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    percent_agreement,
    prevalence,
)

#: Fewer pairable units than this earns a note.
FEW_UNITS = 10
#: Prevalence-paradox thresholds: high raw agreement, low chance-corrected agreement, rare value.
PARADOX_AGREEMENT = 0.8
PARADOX_COEFFICIENT = 0.4
PARADOX_RARE_SHARE = 0.10
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "coders": list(self.coders),
            "kappa": self.kappa,
            "weighted_kappa": None if self.weighted_kappa is None else dict(self.weighted_kappa),
            "percent_agreement": self.percent_agreement,
            "units": self.units,
        }


@dataclass(frozen=True, slots=True)
class DimensionReliability:
    """Reliability of one dimension; ``to_dict()`` gives the stable JSON item.

    ``units`` counts units with at least one value. ``alpha_ci95`` and ``bootstrap`` are
    ``None`` unless a bootstrap was asked for. ``notes`` explains every ``None`` coefficient and
    flags few pairable units and the prevalence paradox.
    """

    key: str
    level: str
    units: int
    pairable_units: int
    pairable_values: int
    coders: tuple[str, ...]
    krippendorff_alpha: float | None
    observed_disagreement: float | None
    expected_disagreement: float | None
    alpha_ci95: tuple[float, float] | None
    bootstrap: BootstrapCI | None
    percent_agreement: float | None
    fleiss_kappa: float | None
    gwet_ac1: float | None
    cohen_kappa_pairs: tuple[PairAgreement, ...]
    prevalence: dict[str, float]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON item, keys in a fixed order; floats unrounded."""
        boot = self.bootstrap
        return {
            "key": self.key,
            "level": self.level,
            "units": self.units,
            "pairable_units": self.pairable_units,
            "pairable_values": self.pairable_values,
            "coders": list(self.coders),
            "krippendorff_alpha": self.krippendorff_alpha,
            "observed_disagreement": self.observed_disagreement,
            "expected_disagreement": self.expected_disagreement,
            "alpha_ci95": list(self.alpha_ci95) if self.alpha_ci95 is not None else None,
            "bootstrap": (
                {"replicates": boot.n_replicates, "method": boot.method, "seed": boot.seed}
                if boot is not None
                else None
            ),
            "percent_agreement": self.percent_agreement,
            "fleiss_kappa": self.fleiss_kappa,
            "gwet_ac1": self.gwet_ac1,
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
    matrix: np.ndarray, names: Sequence[str], level: Level, n_categories: int | None
) -> tuple[list[PairAgreement], list[str]]:
    """Cohen's kappa for every pair of coders that share at least one unit."""
    pairs: list[PairAgreement] = []
    notes: list[str] = []
    for i, j in combinations(range(matrix.shape[0]), 2):
        both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
        units = int(both.sum())
        if units == 0:
            continue
        agreement = float((matrix[i, both] == matrix[j, both]).mean())
        kappa: float | None = None
        weighted: dict[str, float | None] | None = None
        label = f"{names[i]} / {names[j]}"
        if level.is_categorical:
            result = cohen_kappa(matrix[i], matrix[j], n_categories=n_categories)
            kappa = result.value
            if result.value is None:
                notes.append(f"cohen_kappa {label} undefined: {result.reason}")
            if level is Level.ORDINAL:
                weighted = {}
                for scheme in ("linear", "quadratic"):
                    w = cohen_kappa(matrix[i], matrix[j], n_categories=n_categories, weights=scheme)
                    weighted[scheme] = w.value
                    if w.value is None:
                        notes.append(f"weighted_kappa ({scheme}) {label} undefined: {w.reason}")
        pairs.append(PairAgreement((names[i], names[j]), kappa, weighted, agreement, units))
    return pairs, notes


def _paradox_note(
    agreement: float | None,
    coefficients: dict[str, float | None],
    shares: dict[str, float],
    ac1: float | None,
) -> str | None:
    """Explain high raw agreement with low chance-corrected agreement on a rare value."""
    used = {label: share for label, share in shares.items() if share > 0}
    low = {name: value for name, value in coefficients.items() if value is not None}
    if agreement is None or agreement < PARADOX_AGREEMENT or len(used) < 2 or not low:
        return None
    name, value = min(low.items(), key=lambda item: item[1])
    rare_label, rare_share = min(used.items(), key=lambda item: item[1])
    if value >= PARADOX_COEFFICIENT or rare_share >= PARADOX_RARE_SHARE:
        return None
    ac1_text = ""
    if ac1 is not None:
        ac1_text = f"; Gwet's AC1, which is less sensitive to prevalence, is {ac1:.3f}"
    return (
        f"prevalence paradox: coders agree on {agreement:.1%} of pairs but {name} is only "
        f"{value:.3f}, because '{rare_label}' makes up only {rare_share:.1%} of values; when "
        "one value dominates, chance agreement is high and chance-corrected coefficients "
        f"collapse although coders mostly agree{ac1_text}. "
        f"Check agreement on '{rare_label}' itself."
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
) -> DimensionReliability:
    """Every reliability figure for one dimension.

    ``data``: ``coders x units`` float matrix, ``np.nan`` = missing; binary/nominal/ordinal
    values are 0-based category positions in codebook order (``categories`` gives the labels,
    and its length the number of categories), interval/ratio values are the numbers.
    ``coder_names``: one name per row. ``bootstrap``: number of bootstrap replicates for the
    alpha interval (0 = none). Kappa-type coefficients are computed for categorical levels only.
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
    notes: list[str] = []

    def record(name: str, result: Coefficient) -> float | None:
        if result.value is None:
            notes.append(f"{name} undefined: {result.reason}")
        return result.value

    alpha = krippendorff_alpha(matrix, parsed)
    if alpha.alpha is None:
        notes.append(f"krippendorff_alpha undefined: {alpha.reason}")
    ci: tuple[float, float] | None = None
    boot: BootstrapCI | None = None
    if bootstrap > 0:
        boot = bootstrap_alpha(matrix, parsed, replicates=bootstrap, seed=seed)
        if boot.low is not None and boot.high is not None:
            ci = (boot.low, boot.high)
        else:
            notes.append(f"alpha_ci95 undefined: {boot.reason}")
    agreement = record("percent_agreement", percent_agreement(matrix))
    fleiss = ac1 = None
    pairs: list[PairAgreement] = []
    if parsed.is_categorical:
        labels = _labels(parsed, categories, matrix)
        k = len(labels)
        fleiss = record("fleiss_kappa", fleiss_kappa(matrix, n_categories=k))
        ac1 = record("gwet_ac1", gwet_ac1(matrix, n_categories=k))
        pairs, pair_notes = _pairs(matrix, names, parsed, k)
        notes.extend(pair_notes)
        shares = dict(zip(labels, prevalence(matrix, n_categories=k), strict=False))
    else:
        notes.append(
            f"Fleiss' kappa, Gwet's AC1 and Cohen's kappa are for categorical data; "
            f"not computed for {parsed.value} data"
        )
        pairs, _ = _pairs(matrix, names, parsed, None)
        shares = _numeric_prevalence(matrix)
    if 0 < alpha.pairable_units < FEW_UNITS:
        notes.append(
            f"few units: only {alpha.pairable_units} pairable unit(s) (fewer than {FEW_UNITS}); "
            "coefficients are unstable"
        )
    if parsed.is_categorical:
        paradox = _paradox_note(
            agreement, {"krippendorff_alpha": alpha.alpha, "fleiss_kappa": fleiss}, shares, ac1
        )
        if paradox:
            notes.append(paradox)
    return DimensionReliability(
        key=key,
        level=parsed.value,
        units=alpha.units,
        pairable_units=alpha.pairable_units,
        pairable_values=alpha.pairable_values,
        coders=names,
        krippendorff_alpha=alpha.alpha,
        observed_disagreement=alpha.observed_disagreement,
        expected_disagreement=alpha.expected_disagreement,
        alpha_ci95=ci,
        bootstrap=boot,
        percent_agreement=agreement,
        fleiss_kappa=fleiss,
        gwet_ac1=ac1,
        cohen_kappa_pairs=tuple(pairs),
        prevalence=shares,
        notes=tuple(notes),
    )
