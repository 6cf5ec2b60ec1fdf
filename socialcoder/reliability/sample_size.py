"""How many units a reliability figure needs: the gate for intervals and the 'too few units' note.

The information in reliability data lies in its rarest value: two coders who agree on 200 turns
of which 3 show the code have shown agreement on 3 instances. Krippendorff (2019, *Content
Analysis*, 4th ed., sec. 12.5.5; after Bloch & Kraemer 1989, eq. 3.7) gives the number of
pairable values two coders need so that alpha can be shown to exceed ``alpha_min`` at
significance level ``p``, given the probability ``P`` of the least frequent value:

    ``N_values = 2 z^2 [ (1 + a)(3 - a) / (4 (1 - a) P (1 - P)) - a ]``,  ``a = alpha_min``,

``z`` the one-sided normal quantile of ``1 - p``. Worked values: four equally likely values
(``P = .25``), ``p = .05``: 139 for ``alpha_min = .80`` and 81 for ``.667``.

SocialCoder counts **pairable units**: ``N_units = N_values / 2`` (the two-coder case; with more
coders per unit the requirement is not lowered, which errs on the safe side). Equivalently, the
expected number of values of the rarest kind, ``N_values * P``, must reach
``2 z^2 [ (1 + a)(3 - a) / (4 (1 - a)(1 - P)) - a P ]`` -- about 16 for ``a = .667`` and 27 for
``a = .80`` when the value is rare, whatever the total.

The **gate** (below it, intervals and ``q`` are withheld) is ``alpha_min = .667`` (the floor for
tentative conclusions) at ``p = .05``. ``P`` is the share of the least frequent value among the
pairable values; for interval and ratio data, whose values are not categories, ``P = .5`` (the
most favourable case, so the gate is a lower bound there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from socialcoder.reliability._data import FloatArray, ValueCounts

#: The smallest acceptable alphas the report gives requirements for; the first is the gate.
ALPHA_MINS = (0.667, 0.8)
GATE_ALPHA = ALPHA_MINS[0]
SIGNIFICANCE = 0.05
#: ``NormalDist().inv_cdf(1 - SIGNIFICANCE)``, written out: every report needs it, and
#: ``statistics`` imports ``fractions`` and ``random`` (issue #14: start-up); a test checks it
Z_AT_SIGNIFICANCE = 1.6448536269514715


def required_values(rarest_share: float, alpha_min: float, p: float = SIGNIFICANCE) -> float:
    """Krippendorff's (2019) required number of pairable values for two coders (unrounded)."""
    if not 0.0 < rarest_share < 1.0:
        raise ValueError("the share of the rarest value must be between 0 and 1")
    if not 0.0 < alpha_min < 1.0:
        raise ValueError("alpha_min must be between 0 and 1")
    z = Z_AT_SIGNIFICANCE if p == SIGNIFICANCE else _normal_quantile(1.0 - p)
    a = alpha_min
    spread = rarest_share * (1.0 - rarest_share)
    return 2.0 * z * z * ((1.0 + a) * (3.0 - a) / (4.0 * (1.0 - a) * spread) - a)


def required_units(rarest_share: float, alpha_min: float, p: float = SIGNIFICANCE) -> int:
    """Pairable units needed: ``ceil(required_values / 2)``."""
    return math.ceil(required_values(rarest_share, alpha_min, p) / 2.0 - 1e-9)


@dataclass(frozen=True, slots=True)
class SampleSize:
    """Whether the pairable units suffice; ``required``/``more_needed`` per ``alpha_min``."""

    pairable_units: int
    rarest_value: str | None  # label of the least frequent value (None for numeric data)
    rarest_share: float | None
    required: dict[str, int | None]  # None: no number of units suffices (one value only)
    more_needed: dict[str, int | None]

    @property
    def enough(self) -> bool:
        """At or above the gate (``alpha_min = .667``, ``p = .05``)."""
        return self.more_needed[_key(GATE_ALPHA)] == 0

    def to_dict(self) -> dict[str, object]:
        return {
            "pairable_units": self.pairable_units,
            "rarest_value": self.rarest_value,
            "rarest_share": self.rarest_share,
            "required_units": dict(self.required),
            "more_units_needed": dict(self.more_needed),
            "enough": self.enough,
        }

    def text(self) -> str:
        """One sentence for notes: what was found and what is needed."""
        need = self.required[_key(GATE_ALPHA)]
        if need is None:
            return (
                f"{self.pairable_units} pairable unit(s) in which only one value occurs "
                f"('{self.rarest_value}'): however many more such units, they cannot show "
                "agreement on any other value"
            )
        if self.rarest_value is None:
            basis = "even for values spread as evenly as possible"
        else:
            share = self.rarest_share or 0.0
            basis = f"with the rarest value '{self.rarest_value}' at {share:.1%} of values"
        more = ", ".join(f"{n} more for {k}" for k, n in self.more_needed.items() if n)
        return (
            f"{self.pairable_units} pairable unit(s) where {need} are needed {basis} "
            f"(Krippendorff 2019: alpha_min .667, p .05); {more}"
        )


def _key(alpha_min: float) -> str:
    return f"{alpha_min:g}"


def sample_size(
    matrix: FloatArray,
    *,
    categorical: bool,
    labels: list[str] | None = None,
    counts: ValueCounts | None = None,
) -> SampleSize:
    """The sample-size check for a ``coders x units`` matrix (category positions when
    ``categorical``; ``labels`` name them); ``counts``: its
    :func:`~socialcoder.reliability._data.value_counts`, if already built."""
    label: str | None = None
    share: float | None = None
    basis: float | None = 0.5
    if counts is not None and counts.counts is not None:
        keep = counts.pairable
    else:
        present = ~np.isnan(matrix)
        keep = present.sum(axis=0) >= 2
    units = int(keep.sum())
    if categorical:
        if counts is not None and counts.counts is not None:
            positions, found = _pairable_value_counts(counts)
        else:
            positions, found = _value_counts(matrix[present & keep])
        if len(positions):
            i = int(np.argmin(found))
            position = int(positions[i])
            label = labels[position] if labels and position < len(labels) else str(position)
            share = float(found[i] / found.sum())
            basis = share if len(positions) >= 2 else None
    required: dict[str, int | None] = {
        _key(a): None if basis is None else required_units(basis, a) for a in ALPHA_MINS
    }
    more = {key: None if n is None else max(0, n - units) for key, n in required.items()}
    return SampleSize(
        pairable_units=units,
        rarest_value=label,
        rarest_share=share,
        required=required,
        more_needed=more,
    )


def _pairable_value_counts(counts: ValueCounts) -> tuple[FloatArray, np.ndarray]:
    """:func:`_value_counts` of the values in pairable units, from the units x V counts
    (:meth:`~socialcoder.reliability._data.ValueCounts.pairable_totals`)."""
    totals = counts.pairable_totals()
    used = np.flatnonzero(totals)
    return counts.values[used], totals[used]


def _value_counts(values: FloatArray) -> tuple[FloatArray, np.ndarray]:
    """``np.unique(values, return_counts=True)``; category positions (small whole numbers)
    counted in one pass (``np.bincount``) instead of sorted."""
    if (
        values.size
        and values.min() >= 0
        and values.max() < 65536
        and bool(np.all(values == np.floor(values)))
    ):
        counts = np.bincount(values.astype(np.int64))
        positions = np.flatnonzero(counts)
        return positions.astype(np.float64), counts[positions]
    return np.unique(values, return_counts=True)


def _normal_quantile(q: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(q)
