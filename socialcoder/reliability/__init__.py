"""Inter-rater reliability statistics: pure functions on ``coders x units`` arrays.

No database and no Qt here. Input is a 2-D float array with one row per coder and one column
per unit, ``np.nan`` where a coder gave no value. Binary, nominal and ordinal values are 0-based
category positions in codebook order; interval and ratio values are the numbers themselves.
Undefined results are ``None`` with a reason, never ``nan``.

Main entry point: :func:`summarize_dimension` (everything for one dimension, JSON-ready).
"""

from socialcoder.reliability._data import Level
from socialcoder.reliability.alpha import AlphaResult, coincidence_matrix, krippendorff_alpha
from socialcoder.reliability.bootstrap import BootstrapCI, bootstrap_alpha
from socialcoder.reliability.kappa import (
    Coefficient,
    agreement_weights,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    percent_agreement,
    prevalence,
)
from socialcoder.reliability.sample_size import SampleSize, required_units, sample_size
from socialcoder.reliability.specific import PairIndices, pair_indices, specific_agreement
from socialcoder.reliability.summary import DimensionReliability, PairAgreement, summarize_dimension

__all__ = [
    "AlphaResult",
    "BootstrapCI",
    "Coefficient",
    "DimensionReliability",
    "Level",
    "PairAgreement",
    "PairIndices",
    "SampleSize",
    "agreement_weights",
    "bootstrap_alpha",
    "cohen_kappa",
    "coincidence_matrix",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "krippendorff_alpha",
    "pair_indices",
    "percent_agreement",
    "prevalence",
    "required_units",
    "sample_size",
    "specific_agreement",
    "summarize_dimension",
]
