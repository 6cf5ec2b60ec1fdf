"""A count model for rare codes (Atkins, Baldwin, Zheng, Gallop & Neighbors 2013).

Rates of rare codes (resistance in 3% of turns) are poorly served by correlations of
proportions: most sessions have 0 or 1 such turn. The count model takes, per session, the
number of turns with the code (``count`` column of the code rate) and the number of
applicable turns (``turns``) as exposure::

    log E[count] = log(turns) + b0 + b1 * predictor1 + ...

``family`` is ``negbin`` (negative binomial, NB2, with its dispersion ``alpha`` estimated by
maximum likelihood; the default, as rare-code counts are usually overdispersed) or
``poisson``. Sessions of one participant are not independent: standard errors are
cluster-robust by participant (sandwich) unless ``cluster=False`` or there are too few
participants. ``exp(estimate)`` is the rate ratio per unit of the predictor.

This is a population-averaged model; a mixed-effects count model (a random intercept per
participant, e.g. ``lme4::glmer.nb``) is the alternative Atkins et al. discuss.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.analysis._common import Interval, as_list, interval, num
from socialcoder.analysis.errors import (
    AnalysisInputError,
    ConstantVariableError,
    TooFewUnitsError,
)
from socialcoder.analysis.inputs import CODE_RATE, SessionTable

FAMILIES = ("negbin", "poisson")
#: Cluster-robust standard errors need at least this many participants.
MIN_CLUSTERS = 5
#: Below this many participants, cluster-robust standard errors tend to be too small.
FEW_CLUSTERS = 20
#: A negative binomial dispersion below this is at the boundary 0 (no overdispersion).
ALPHA_AT_ZERO = 1e-4


@dataclass(frozen=True, slots=True)
class CountTerm:
    """One coefficient on the log scale, with its rate ratio ``exp(estimate)``."""

    term: str
    estimate: float | None
    se: float | None
    ci95: Interval | None
    p: float | None

    @property
    def rate_ratio(self) -> float | None:
        return None if self.estimate is None else math.exp(self.estimate)

    def to_dict(self) -> dict[str, Any]:
        ci = self.ci95
        return {
            "term": self.term,
            "estimate": self.estimate,
            "se": self.se,
            "ci95": as_list(ci),
            "p": self.p,
            "rate_ratio": self.rate_ratio,
            "rate_ratio_ci95": None if ci is None else [math.exp(ci[0]), math.exp(ci[1])],
        }


@dataclass(frozen=True, slots=True)
class CountModelResult:
    code: str
    family: str
    n_observations: int
    n_participants: int
    total_count: int
    total_turns: int
    converged: bool
    cov_type: str
    terms: tuple[CountTerm, ...]
    alpha: float | None
    pearson_dispersion: float | None
    log_likelihood: float | None
    notes: tuple[str, ...] = field(default=())

    def term(self, name: str) -> CountTerm:
        for t in self.terms:
            if t.term == name:
                return t
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "family": self.family,
            "n_observations": self.n_observations,
            "n_participants": self.n_participants,
            "total_count": self.total_count,
            "total_turns": self.total_turns,
            "converged": self.converged,
            "cov_type": self.cov_type,
            "alpha": self.alpha,
            "pearson_dispersion": self.pearson_dispersion,
            "log_likelihood": self.log_likelihood,
            "terms": [t.to_dict() for t in self.terms],
            "notes": list(self.notes),
        }


def count_model(
    table: SessionTable,
    code: str,
    predictors: Sequence[str],
    *,
    family: str = "negbin",
    cluster: bool = True,
) -> CountModelResult:
    """Fit the count model of code rate ``code`` on ``predictors`` (see the module doc)."""
    import statsmodels.api as sm

    if family not in FAMILIES:
        raise AnalysisInputError(f"unknown family {family!r} (use one of: {', '.join(FAMILIES)})")
    var = table.variable(code)
    if var.kind != CODE_RATE or var.count is None or var.turns is None:
        raise AnalysisInputError(f"{code!r} is not a code rate; a count model needs one")
    if not predictors:
        raise AnalysisInputError("a count model needs at least one predictor")
    for p in predictors:
        table.variable(p)
    cols = ["participant", var.count, var.turns, *predictors]
    data = table.frame[cols].dropna()
    data = data[data[var.turns] > 0]
    n = len(data)
    k = int(data["participant"].nunique())
    needed = len(predictors) + 3
    if n < needed:
        raise TooFewUnitsError(
            f"count model of {code}",
            "sessions with the code's turns and every predictor",
            n,
            needed,
        )
    counts = data[var.count].to_numpy(dtype=float)
    if counts.sum() == 0:
        raise ConstantVariableError(f"count model of {code}", var.count, "the sessions (all 0)")
    for p in predictors:
        if np.ptp(data[p].to_numpy(dtype=float)) == 0:
            raise ConstantVariableError(f"count model of {code}", p)
    exog = sm.add_constant(data[list(predictors)].astype(float), has_constant="add")
    exposure = data[var.turns].to_numpy(dtype=float)
    notes: list[str] = []
    if family == "negbin":
        model = sm.NegativeBinomial(counts, exog, exposure=exposure, loglike_method="nb2")
    else:
        model = sm.Poisson(counts, exog, exposure=exposure)
    fit_kw: dict[str, Any] = {"disp": 0, "maxiter": 500}
    cov_type = "nonrobust"
    if cluster and k >= MIN_CLUSTERS:
        fit_kw |= {
            "cov_type": "cluster",
            "cov_kwds": {"groups": pd.factorize(data["participant"])[0]},
        }
        cov_type = "cluster (participant)"
        if k < FEW_CLUSTERS:
            notes.append(
                f"{k} participants: cluster-robust standard errors may be too small "
                f"with fewer than {FEW_CLUSTERS}"
            )
    elif cluster:
        notes.append(
            f"{k} participants: too few for cluster-robust standard errors "
            f"(at least {MIN_CLUSTERS}); sessions treated as independent"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(**fit_kw)
    converged = bool(res.mle_retvals.get("converged", False))
    for w in caught:
        text = str(w.message).splitlines()[0]
        if text not in notes:
            notes.append(text)
    params, bse = res.params, res.bse
    conf = np.asarray(res.conf_int())
    pvalues = res.pvalues
    names = list(exog.columns)
    terms = []
    for i, name in enumerate(names):
        terms.append(
            CountTerm(
                term="intercept" if name == "const" else name,
                estimate=num(params.iloc[i] if hasattr(params, "iloc") else params[i]),
                se=num(bse.iloc[i] if hasattr(bse, "iloc") else bse[i]),
                ci95=interval(conf[i, 0], conf[i, 1]),
                p=num(pvalues.iloc[i] if hasattr(pvalues, "iloc") else pvalues[i]),
            )
        )
    alpha = None
    if family == "negbin":
        alpha = num(np.asarray(params)[-1])
        if alpha is not None and alpha < ALPHA_AT_ZERO:
            # NB2 at the edge of its parameter space: statsmodels' "Inverting hessian failed"
            # would read as if no standard errors existed; say what it means instead
            notes = [n for n in notes if not n.startswith("Inverting hessian failed")]
            notes.append(
                f"alpha {alpha:.1g} is at its lower bound 0 (the counts are not overdispersed): "
                "the negative binomial model reduces to the Poisson model and its standard "
                "errors are unreliable there; use the Poisson model"
            )
    mu = np.asarray(res.predict(exog, exposure=exposure))
    var_fn = mu if family == "poisson" else mu + (alpha or 0.0) * mu * mu
    resid_df = n - len(names)
    dispersion = num(((counts - mu) ** 2 / var_fn).sum() / resid_df) if resid_df > 0 else None
    if family == "poisson" and dispersion is not None and dispersion > 1.5:
        notes.append(
            f"Pearson dispersion {dispersion:.2f} > 1.5: the counts are overdispersed; "
            "use the negative binomial model"
        )
    if not converged:
        notes.append("the fit did not converge; the estimates are not to be used")
    return CountModelResult(
        code=code,
        family=family,
        n_observations=n,
        n_participants=k,
        total_count=int(counts.sum()),
        total_turns=int(exposure.sum()),
        converged=converged,
        cov_type=cov_type,
        terms=tuple(terms),
        alpha=alpha,
        pearson_dispersion=dispersion,
        log_likelihood=num(res.llf),
        notes=tuple(notes),
    )
