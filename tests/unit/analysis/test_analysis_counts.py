"""The count model against a direct statsmodels GLM and simulated data with a known rate
ratio."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from socialcoder.analysis import ConstantVariableError, count_model, session_table
from socialcoder.analysis.inputs import CODE_RATE, MEASURE, SessionTable, Variable
from socialcoder.export.tables import build_long, build_sessions


def _simulated(
    seed: int, participants: int = 40, sessions: int = 6, beta: float = 0.4, alpha: float = 0.5
) -> SessionTable:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(participants):
        u = rng.normal(0, 0.2)
        for s in range(1, sessions + 1):
            x = rng.normal(0, 1)
            turns = int(rng.integers(20, 60))
            mu = turns * math.exp(-3.0 + beta * x + u)
            lam = rng.gamma(1 / alpha, alpha * mu)  # NB2: var = mu + alpha mu^2
            rows.append(
                {
                    "transcript": f"p{p}s{s}",
                    "participant": f"p{p}",
                    "therapist": None,
                    "session": s,
                    "res_turns": turns,
                    "res_n": rng.poisson(lam),
                    "x": x,
                }
            )
    frame = pd.DataFrame(rows)
    frame["res_rate"] = 100 * frame["res_n"] / frame["res_turns"]
    variables = (
        Variable("res_rate", "resistance", CODE_RATE, "res", "1", "res_n", "res_turns"),
        Variable("x", "x", MEASURE),
    )
    return SessionTable(frame, variables)


def test_poisson_matches_a_glm_with_log_turns_offset() -> None:
    import statsmodels.api as sm

    table = _simulated(1, alpha=0.01)
    got = count_model(table, "res_rate", ["x"], family="poisson", cluster=False)
    f = table.frame
    glm = sm.GLM(
        f["res_n"],
        sm.add_constant(f[["x"]]),
        family=sm.families.Poisson(),
        offset=np.log(f["res_turns"]),
    ).fit()
    for term, name in (("intercept", "const"), ("x", "x")):
        assert got.term(term).estimate == pytest.approx(glm.params[name], rel=1e-5)
        assert got.term(term).se == pytest.approx(glm.bse[name], rel=1e-4)
        assert got.term(term).p == pytest.approx(glm.pvalues[name], rel=1e-3, abs=1e-12)
    assert got.converged and got.cov_type == "nonrobust"
    assert got.term("x").rate_ratio == pytest.approx(math.exp(glm.params["x"]))


def test_negative_binomial_recovers_a_known_rate_ratio() -> None:
    table = _simulated(7, participants=60, beta=0.4, alpha=0.5)
    got = count_model(table, "res_rate", ["x"])
    lo, hi = got.term("x").ci95
    assert lo < 0.4 < hi
    assert got.alpha is not None and 0.1 < got.alpha < 1.5
    assert got.cov_type == "cluster (participant)"
    item = got.to_dict()
    json.dumps(item, allow_nan=False)
    rr_lo, rr_hi = item["terms"][1]["rate_ratio_ci95"]
    assert rr_lo == pytest.approx(math.exp(lo)) and rr_hi == pytest.approx(math.exp(hi))


def test_poisson_on_overdispersed_counts_says_so() -> None:
    table = _simulated(3, alpha=1.0)
    got = count_model(table, "res_rate", ["x"], family="poisson")
    assert got.pearson_dispersion > 1.5
    assert any("overdispersed" in n for n in got.notes)


def test_negative_binomial_at_alpha_zero_says_use_poisson() -> None:
    """Counts that are not overdispersed put the NB2 dispersion at its bound 0, where
    statsmodels' Hessian cannot be inverted; the note says so in words (fails without: the
    note was statsmodels' "Inverting hessian failed, no bse or cov_params available")."""
    table = _simulated(2, alpha=1e-6)
    f = table.frame
    f["res_n"] = np.round(f["res_turns"] * np.exp(-3.0 + 0.4 * f["x"])).astype(int)
    got = count_model(table, "res_rate", ["x"])
    assert got.alpha is not None and got.alpha < 1e-4
    assert not any(n.startswith("Inverting hessian") for n in got.notes)
    assert any("lower bound 0" in n and "use the Poisson model" in n for n in got.notes)
    poisson = count_model(table, "res_rate", ["x"], family="poisson")
    assert not any("lower bound" in n for n in poisson.notes)
    assert got.term("x").estimate == pytest.approx(poisson.term("x").estimate, rel=1e-3)


def test_count_model_on_the_export_tables(make_study) -> None:
    data = make_study(seed=4, participants=10, sessions=4)
    table = session_table(build_sessions(data).frame, data.codebook, long=build_long(data).frame)
    got = count_model(table, "resistance_strong_rate", ["goal_agreement"])
    assert got.n_observations == 40
    assert got.total_turns == int(table.frame["resistance_turns"].sum())
    assert got.total_count == int(table.frame["resistance_strong_n"].sum())


def test_all_zero_counts_and_constant_predictors_are_refused() -> None:
    table = _simulated(2)
    table.frame["res_n"] = 0
    with pytest.raises(ConstantVariableError):
        count_model(table, "res_rate", ["x"])
    table = _simulated(2)
    table.frame["x"] = 1.0
    with pytest.raises(ConstantVariableError) as err:
        count_model(table, "res_rate", ["x"])
    assert err.value.variable == "x"
