"""The lagged within/between model against a direct statsmodels fit written here, on
simulated data with known effects, and its refusals; the R script for reviewers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialcoder.analysis import (
    AnalysisInputError,
    ConstantVariableError,
    TooFewUnitsError,
    lagged_dataset,
    lagged_model,
    r_script,
    riclpm_wide,
    write_dataset,
)
from socialcoder.analysis.datasets import Provenance

TRUE_WITHIN, TRUE_BETWEEN, TRUE_CONTROL = 0.5, -0.8, 0.3


def _simulate(
    seed: int,
    participants: int = 60,
    sessions: int = 10,
    exogenous: bool = False,
    u_sd: float = 0.3,
) -> pd.DataFrame:
    """y[t+1] = 1 + 0.5 (x[t] - m) - 0.8 m + 0.3 c[t] + u + e, with m the patient's observed
    mean of x and c = y (or, when ``exogenous``, an independent covariate z).

    The between effect is defined on the observed mean, as the model estimates it: on a
    latent mean it would be attenuated by the sampling error of the mean (Lüdtke et al. 2008).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(participants):
        mu = rng.normal(0, 1)
        u = rng.normal(0, u_sd)
        x = mu + rng.normal(0, 1, sessions)
        m = x.mean()
        z = rng.normal(0, 1, sessions)
        y = np.empty(sessions)
        y[0] = rng.normal(0, 1)
        for t in range(1, sessions):
            ctrl = z[t - 1] if exogenous else y[t - 1]
            y[t] = (
                1
                + TRUE_WITHIN * (x[t - 1] - m)
                + TRUE_BETWEEN * m
                + TRUE_CONTROL * ctrl
                + u
                + rng.normal(0, 0.5)
            )
        rows += [
            {
                "participant": f"P{i:02d}",
                "therapist": f"T{i % 6}",
                "session": t + 1,
                "x": x[t],
                "y": y[t],
                "z": z[t],
            }
            for t in range(sessions)
        ]
    return pd.DataFrame(rows)


def _direct_fit(frame: pd.DataFrame):
    """The design built independently: person means, deviations, next-session outcome by
    shifting within patient and keeping only consecutive session numbers."""
    import statsmodels.formula.api as smf

    d = frame.sort_values(["participant", "session"]).copy()
    d["xb"] = d.groupby("participant")["x"].transform("mean")
    d["xw"] = d["x"] - d["xb"]
    d["y_next"] = d.groupby("participant")["y"].shift(-1)
    d["s_next"] = d.groupby("participant")["session"].shift(-1)
    d = d[d["s_next"] == d["session"] + 1].dropna(subset=["y_next", "xw", "y"])
    fit = smf.mixedlm("y_next ~ xw + xb + y", d, groups=d["participant"]).fit(reml=True)
    return fit, d


def test_matches_a_direct_statsmodels_fit_with_gaps_in_the_sessions() -> None:
    frame = _simulate(2, participants=25, sessions=7)
    frame = frame[~((frame["participant"] == "P03") & (frame["session"] == 4))]  # a gap
    frame.loc[(frame["participant"] == "P05") & (frame["session"] == 2), "y"] = np.nan
    got = lagged_model(frame, "y", "x")
    fit, d = _direct_fit(frame)
    assert got.n_observations == len(d)
    assert got.n_participants == d["participant"].nunique()
    for term, name in (
        ("predictor_within", "xw"),
        ("predictor_between", "xb"),
        ("control", "y"),
        ("intercept", "Intercept"),
    ):
        fe = got.effect(term)
        assert fe.estimate == pytest.approx(fit.fe_params[name], rel=1e-5, abs=1e-8)
        assert fe.se == pytest.approx(fit.bse_fe[name], rel=1e-4)
        assert fe.p == pytest.approx(fit.pvalues[name], rel=1e-3, abs=1e-12)
    assert got.converged
    assert got.random_effects["participant_intercept_var"] == pytest.approx(
        float(fit.cov_re.iloc[0, 0]), rel=1e-4
    )
    p03 = got.data[got.data["participant"] == "P03"]
    assert set(zip(p03["session"], p03["session_next"], strict=True)) == {
        (1, 2),
        (2, 3),
        (5, 6),
        (6, 7),
    }


@pytest.mark.parametrize("seed", [11, 12])
def test_recovers_known_within_and_between_effects(seed: int) -> None:
    got = lagged_model(_simulate(seed), "y", "x")
    for term, truth in (("predictor_within", TRUE_WITHIN), ("predictor_between", TRUE_BETWEEN)):
        lo, hi = got.effect(term).ci95
        assert lo < truth < hi, (term, lo, hi)


def test_recovers_every_effect_with_an_exogenous_control() -> None:
    got = lagged_model(_simulate(21, exogenous=True), "y", "x", control="z")
    assert got.spec.control == "z"
    for term, truth in (
        ("predictor_within", TRUE_WITHIN),
        ("predictor_between", TRUE_BETWEEN),
        ("control", TRUE_CONTROL),
        ("intercept", 1.0),
    ):
        lo, hi = got.effect(term).ci95
        assert lo < truth < hi, (term, lo, hi)


def test_detrended_within_is_the_residual_of_each_patients_trend() -> None:
    frame = _simulate(5, participants=12, sessions=6)
    frame["x"] = frame["x"] + 0.3 * frame["session"]
    got = lagged_model(frame, "y", "x", detrend=True)
    for pid, part in frame.groupby("participant"):
        a = np.column_stack([np.ones(len(part)), part["session"].to_numpy(float)])
        coef, *_ = np.linalg.lstsq(a, part["x"].to_numpy(), rcond=None)
        resid = pd.Series(part["x"].to_numpy() - a @ coef, index=part["session"].to_numpy())
        rows = got.data[got.data["participant"] == pid]
        assert np.allclose(rows["predictor_within"], resid.loc[rows["session"]].to_numpy())
        assert np.allclose(rows["predictor_between"], part["x"].mean())


def test_refuses_too_few_patients_or_sessions() -> None:
    frame = _simulate(1, participants=4, sessions=5)
    with pytest.raises(TooFewUnitsError) as err:
        lagged_model(frame, "y", "x")
    assert (err.value.found, err.value.required) == (4, 5)
    assert "participants with at least 2" in err.value.unit
    two_sessions = _simulate(1, participants=10, sessions=2)
    with pytest.raises(TooFewUnitsError) as err:
        lagged_model(two_sessions, "y", "x")
    assert err.value.found == 0


def test_refuses_constant_predictors_and_duplicate_sessions() -> None:
    frame = _simulate(1, participants=8, sessions=5)
    with pytest.raises(ConstantVariableError) as err:
        lagged_model(frame.assign(x=2.0), "y", "x")
    assert "within" in err.value.variable
    same_means = frame.assign(x=frame.groupby("participant")["x"].transform(lambda v: v - v.mean()))
    with pytest.raises(ConstantVariableError) as err:
        lagged_model(same_means, "y", "x")
    assert err.value.over == "patients"
    with pytest.raises(AnalysisInputError, match="session 1 more than once"):
        lagged_model(pd.concat([frame, frame.iloc[:1]]), "y", "x")


def test_random_slope_and_therapist_level_report_convergence() -> None:
    frame = _simulate(9, participants=30, sessions=8)
    got = lagged_model(frame, "y", "x", random_slope=True, therapist=True)
    item = got.to_dict()
    json.dumps(item, allow_nan=False)
    assert isinstance(item["converged"], bool)
    assert {"therapist_intercept_var", "participant_intercept_var", "within_slope_var"} <= set(
        item["random_effects"]
    )
    assert [fe["term"] for fe in item["fixed_effects"]] == [
        "predictor_within",
        "predictor_between",
        "control",
        "intercept",
    ]
    assert got.n_therapists == 6
    assert "Nickell" in item["dynamic_panel_note"]
    slope = lagged_model(frame, "y", "x", random_slope=True)
    assert "within_slope_var" in slope.random_effects


def test_r_script_and_data_sets(tmp_path: Path) -> None:
    frame = _simulate(3, participants=20, sessions=5)
    got = lagged_model(frame, "y", "x")
    wide = riclpm_wide(frame, "y", "x")
    assert list(wide.columns) == [
        "participant",
        *[f"x_{s}" for s in range(1, 6)],
        *[f"y_{s}" for s in range(1, 6)],
    ]
    waves = list(range(1, 6))
    text = r_script(
        got.spec,
        data_file="lagged.csv",
        wide_file="wide.csv",
        waves=waves,
        provenance={"codebook": "Socialization 1.0"},
    )
    assert (
        "lmer(outcome_next ~ predictor_within + predictor_between + control + (1 | participant)"
    ) in text
    assert "wy5 ~ b*wx4 + d*wy4" in text and "RIx =~ 1*x_1 + 1*x_2" in text
    provenance = Provenance("fictional", "Socialization", "1.0", "lagged")
    write_dataset(lagged_dataset(got), tmp_path, provenance, stem="lagged", formats=("csv",))
    wide.to_csv(tmp_path / "wide.csv", index=False)
    (tmp_path / "analysis.R").write_text(text, encoding="utf-8")
    if shutil.which("Rscript") is None:
        pytest.skip("R is not installed: the script was checked as text only")
    probe = subprocess.run(
        ["Rscript", "-e", "library(lme4); library(lavaan)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("R lacks lme4 or lavaan")
    run = subprocess.run(
        [
            "Rscript",
            "-e",
            'source("analysis.R"); write.csv(data.frame(t(lme4::fixef(m1))), '
            '"fixef.csv", row.names = FALSE); cat(lavaan::lavInspect(fit, "converged"))',
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().endswith("TRUE")
    fixef = pd.read_csv(tmp_path / "fixef.csv").iloc[0]
    for term, name in (
        ("predictor_within", "predictor_within"),
        ("predictor_between", "predictor_between"),
        ("control", "control"),
        ("intercept", "X.Intercept."),
    ):
        assert got.effect(term).estimate == pytest.approx(fixef[name], rel=1e-3, abs=1e-4)
