"""Session-level score reliability (socialcoder.reliability.sessions) against independent
computations: the Shrout & Fleiss (1979) worked example, a two-way ANOVA from statsmodels,
McGraw & Wong's interval computed here, Henderson's Method III done with dense projection
matrices, statsmodels' REML variance components, and simulations with known components."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from socialcoder.reliability.sessions import (
    Undefined,
    absolute_agreement,
    change_reliability,
    crossed_components,
    g_qk,
    icc_a1,
    score_reliability,
    within_person_components,
)

# Shrout & Fleiss (1979), Table 2: 6 targets x 4 judges. Published ICC(2,1) = .29, with the
# 95% interval .019 to .761 (the McGraw & Wong / Shrout & Fleiss F-based bounds).
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]],
    dtype=float,
)


def long_form(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """sessions, coders, values of a sessions x coders matrix (NaN cells left out)."""
    n, k = matrix.shape
    s, c = np.repeat(np.arange(n), k), np.tile(np.arange(k), n)
    keep = ~np.isnan(matrix.ravel())
    return s[keep].astype(str), np.array([f"c{j}" for j in c[keep]]), matrix.ravel()[keep]


def anova_icc(matrix: np.ndarray) -> tuple[float, float, float, float, float]:
    """ICC(A,1) and its interval from statsmodels' two-way ANOVA table, with McGraw & Wong's
    (1996, Table 7, case 2A) formulas written out here."""
    n, k = matrix.shape
    s, c, y = long_form(matrix)
    frame = pd.DataFrame({"y": y, "s": s, "c": c})
    table = sm.stats.anova_lm(smf.ols("y ~ C(s) + C(c)", data=frame).fit(), typ=2)
    msr = table.loc["C(s)", "sum_sq"] / table.loc["C(s)", "df"]
    msc = table.loc["C(c)", "sum_sq"] / table.loc["C(c)", "df"]
    mse = table.loc["Residual", "sum_sq"] / table.loc["Residual", "df"]
    icc = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    a = k * icc / (n * (1 - icc))
    b = 1 + k * icc * (n - 1) / (n * (1 - icc))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    f1 = stats.f.ppf(0.975, n - 1, v)
    f2 = stats.f.ppf(0.975, v, n - 1)
    lower = n * (msr - f1 * mse) / (f1 * (k * msc + (k * n - k - n) * mse) + n * msr)
    upper = n * (f2 * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f2 * msr)
    return icc, lower, upper, msr, mse


def dense_henderson(
    y: np.ndarray, sessions: np.ndarray, coders: np.ndarray, persons: np.ndarray | None = None
) -> dict[str, float]:
    """Henderson's Method III with explicit N x N projection matrices: each quadratic form's
    expectation is computed from traces tr(A Z Z') for every component, and the system solved.
    Crossed: residual, session, coder. With persons: residual, within, person, coder."""

    def dummies(codes: np.ndarray) -> np.ndarray:
        levels = sorted(set(codes))
        return np.array([[float(x == lv) for lv in levels] for x in codes])

    def proj(*blocks: np.ndarray) -> np.ndarray:
        x = np.hstack([np.ones((len(y), 1)), *blocks])
        return x @ np.linalg.pinv(x)

    eye = np.eye(len(y))
    z_s, z_c = dummies(sessions), dummies(coders)
    full, only_s, only_c = proj(z_s, z_c), proj(z_s), proj(z_c)
    if persons is None:
        forms = [eye - full, full - only_s, full - only_c]
        zs = {"session": z_s, "coder": z_c}
    else:
        z_p = dummies(persons)
        p_c = proj(z_p, z_c)
        forms = [eye - full, full - only_s, full - p_c, p_c - only_c]
        zs = {"within": z_s, "coder": z_c, "person": z_p}
    lhs = [[np.trace(a)] + [np.trace(a @ z @ z.T) for z in zs.values()] for a in forms]
    rhs = [y @ a @ y for a in forms]
    solution = np.linalg.solve(np.array(lhs), np.array(rhs))
    return {"residual": solution[0], **dict(zip(zs, solution[1:], strict=True))}


def rotating(
    rng: np.random.Generator, n: int, coders: int, share: float, persons: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A design like `assign` makes: every session one coder (rotating), a share of them a
    second, different coder. Returns session, coder, person (index arrays, one per score)."""
    doubled = set(rng.choice(n, round(share * n), replace=False).tolist())
    s, c = [], []
    for i in range(n):
        first = i % coders
        s.append(i)
        c.append(first)
        if i in doubled:
            s.append(i)
            c.append((first + 1 + int(rng.integers(coders - 1))) % coders)
    session, coder = np.array(s), np.array(c)
    person = session % persons if persons else session
    return session, coder, person


def test_shrout_fleiss_worked_example() -> None:
    est = icc_a1(SHROUT_FLEISS)
    assert round(est.value, 2) == 0.29
    assert est.ci95 is not None
    assert (round(est.ci95[0], 3), round(est.ci95[1], 3)) == (0.019, 0.761)


def test_icc_a1_equals_two_way_anova_and_mcgraw_wong_interval() -> None:
    rng = np.random.default_rng(4)
    for n, k in ((6, 4), (12, 2), (30, 3)):
        matrix = rng.normal(0, 1, (n, 1)) + rng.normal(0, 0.6, (1, k)) + rng.normal(0, 0.7, (n, k))
        ref, lower, upper, msr, mse = anova_icc(matrix)
        est = icc_a1(matrix)
        assert est.value == pytest.approx(ref, abs=1e-12)
        assert est.ci95 == pytest.approx((lower, upper), abs=1e-10)
        assert est.components.target_ms.ms == pytest.approx(msr)
        assert est.components.residual == pytest.approx(mse)


def test_fully_crossed_g_equals_icc_a1_even_with_a_negative_coder_component() -> None:
    rng = np.random.default_rng(8)
    for matrix in (
        SHROUT_FLEISS,
        rng.normal(0, 1, (10, 1)) + rng.normal(0, 1, (10, 3)),  # no coder effect: may go < 0
        rng.normal(0, 1, (25, 1)) + rng.normal(0, 2, (1, 5)) + rng.normal(0, 1, (25, 5)),
    ):
        icc = icc_a1(matrix)
        g = absolute_agreement(crossed_components(*long_form(matrix)))
        assert g.value == pytest.approx(icc.value, abs=1e-12)
        assert g.ci95 == pytest.approx(icc.ci95, abs=1e-10)
        assert g_qk(g.components) == pytest.approx(icc.value, abs=1e-12)
        result = score_reliability(*long_form(matrix))
        assert result.fully_crossed and result.method == "ICC(A,1)"
        assert result.icc is not None and result.g is not None
        assert result.g.value == pytest.approx(result.icc.value, abs=1e-12)


def test_g_qk_multiplier() -> None:
    c = crossed_components(*long_form(SHROUT_FLEISS))
    # Putka et al. (2008): q = 0 and k = 4 is the consistency of the mean of 4 (ICC(C,k)).
    k = SHROUT_FLEISS.shape[1]
    msr, mse = c.target_ms.ms, c.residual
    assert g_qk(c, q=0.0, k=k) == pytest.approx((msr - mse) / msr)
    assert g_qk(c, q=1.0, k=1) == pytest.approx(c.target / (c.target + c.coder + c.residual))


def test_incomplete_design_matches_dense_henderson() -> None:
    rng = np.random.default_rng(21)
    session, coder, _ = rotating(rng, 40, 4, 0.3)
    y = (
        rng.normal(0, 1, 40)[session]
        + rng.normal(0, 0.5, 4)[coder]
        + rng.normal(0, 0.6, len(session))
    )
    c = crossed_components(session, coder, y)
    ref = dense_henderson(y, session, coder)
    assert c.target == pytest.approx(ref["session"], abs=1e-9)
    assert c.coder == pytest.approx(ref["coder"], abs=1e-9)
    assert c.residual == pytest.approx(ref["residual"], abs=1e-9)


def test_disconnected_design_matches_dense_henderson() -> None:
    # coders a/b share sessions 0-5, coders c/d share 6-11: two unconnected blocks
    s = np.array([i for i in range(12) for _ in range(2)])
    c = np.array([x for i in range(12) for x in (("a", "b") if i < 6 else ("c", "d"))])
    y = np.random.default_rng(2).normal(size=len(s)) + np.repeat(np.arange(12) % 3, 2)
    comp = crossed_components(s, c, y)
    ref = dense_henderson(y, s, c)
    assert (comp.target, comp.coder, comp.residual) == pytest.approx(
        (ref["session"], ref["coder"], ref["residual"]), abs=1e-9
    )


def test_within_person_matches_dense_henderson() -> None:
    rng = np.random.default_rng(5)
    session, coder, person = rotating(rng, 36, 3, 0.4, persons=6)
    true = rng.normal(0, 1, 6)[person] + rng.normal(0, 0.7, 36)[session]
    y = true + rng.normal(0, 0.4, 3)[coder] + rng.normal(0, 0.5, len(session))
    c = within_person_components(person, session, coder, y)
    ref = dense_henderson(y, session, coder, person)
    assert c.target == pytest.approx(ref["within"], abs=1e-9)
    assert c.coder == pytest.approx(ref["coder"], abs=1e-9)
    assert c.residual == pytest.approx(ref["residual"], abs=1e-9)


def test_within_person_balanced_equals_nested_anova_by_hand() -> None:
    rng = np.random.default_rng(9)
    persons, sessions, k = 5, 4, 3
    scores = rng.normal(0, 1, (persons, 1, 1)) + rng.normal(0, 1, (persons, sessions, 1))
    scores = scores + rng.normal(0, 0.5, (1, 1, k)) + rng.normal(0, 0.5, (persons, sessions, k))
    p, s, c = np.indices(scores.shape).reshape(3, -1)
    y = scores.ravel()
    session_means = scores.mean(axis=2)
    ss_within = k * ((session_means - session_means.mean(axis=1, keepdims=True)) ** 2).sum()
    ms_within = ss_within / (persons * (sessions - 1))
    two_way = scores.reshape(persons * sessions, k)
    resid = two_way - two_way.mean(axis=1, keepdims=True) - two_way.mean(axis=0) + two_way.mean()
    mse = (resid**2).sum() / ((persons * sessions - 1) * (k - 1))
    comp = within_person_components(p, p * sessions + s, c, y)
    assert comp.target_ms.ms == pytest.approx(ms_within)
    assert comp.target == pytest.approx((ms_within - mse) / k)
    assert comp.residual == pytest.approx(mse)


@pytest.mark.slow
def test_incomplete_design_close_to_statsmodels_reml() -> None:
    rng = np.random.default_rng(11)
    session, coder, _ = rotating(rng, 80, 4, 0.5)
    y = (
        rng.normal(0, 1, 80)[session]
        + rng.normal(0, 0.6, 4)[coder]
        + rng.normal(0, 0.7, len(session))
    )
    frame = pd.DataFrame({"y": y, "s": session, "c": coder, "g": 0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.MixedLM.from_formula(
            "y ~ 1",
            groups="g",
            vc_formula={"s": "0 + C(s)", "c": "0 + C(c)"},
            re_formula="0",
            data=frame,
        ).fit(reml=True)
    vc = dict(zip(fit.model.exog_vc.names, fit.vcomp, strict=True))
    reml_g = vc["s"] / (vc["s"] + vc["c"] + fit.scale)
    ours = absolute_agreement(crossed_components(session, coder, y))
    assert ours.value == pytest.approx(reml_g, abs=0.03)
    assert ours.components.residual == pytest.approx(fit.scale, rel=0.15)


def test_simulation_recovers_known_components_and_interval_covers() -> None:
    rng = np.random.default_rng(2026)
    s2t, s2c, s2e = 1.0, 0.3, 0.5
    truth = s2t / (s2t + s2c + s2e)
    estimates, hits, reps = [], 0, 400
    for _ in range(reps):
        session, coder, _ = rotating(rng, 60, 4, 0.3)
        y = (
            rng.normal(0, s2t**0.5, 60)[session]
            + rng.normal(0, s2c**0.5, 4)[coder]
            + rng.normal(0, s2e**0.5, len(session))
        )
        est = absolute_agreement(crossed_components(session, coder, y))
        c = est.components
        estimates.append((c.target, c.coder, c.residual))
        assert est.ci95 is not None
        hits += est.ci95[0] <= truth <= est.ci95[1]
    mean = np.mean(estimates, axis=0)
    # Method III is unbiased: the mean over 400 designs is near the truth.
    assert mean[0] == pytest.approx(s2t, abs=0.06)
    assert mean[1] == pytest.approx(s2c, abs=0.06)
    assert mean[2] == pytest.approx(s2e, abs=0.03)
    assert 0.92 <= hits / reps <= 0.98


def test_simulation_within_change_recovers_truth() -> None:
    rng = np.random.default_rng(7)
    s2p, s2w, s2c, s2e = 1.0, 0.5, 0.2, 0.4
    truth = s2w / (s2w + s2c + s2e)
    values, hits, reps = [], 0, 200
    for _ in range(reps):
        session, coder, person = rotating(rng, 120, 3, 0.3, persons=20)
        true = rng.normal(0, s2p**0.5, 20)[np.arange(120) % 20] + rng.normal(0, s2w**0.5, 120)
        y = (
            true[session]
            + rng.normal(0, s2c**0.5, 3)[coder]
            + rng.normal(0, s2e**0.5, len(session))
        )
        result = change_reliability(person, session, coder, y)
        assert result.estimate is not None and result.estimate.ci95 is not None
        values.append(result.estimate.components.target)
        lo, hi = result.estimate.ci95
        hits += lo <= truth <= hi
    assert np.mean(values) == pytest.approx(s2w, abs=0.05)
    assert 0.90 <= hits / reps <= 0.99


def test_rotating_design_has_g_but_no_icc() -> None:
    rng = np.random.default_rng(3)
    session, coder, _ = rotating(rng, 30, 3, 0.4)
    y = rng.normal(0, 1, 30)[session] + rng.normal(0, 0.5, len(session))
    result = score_reliability(session, coder, y)
    assert result.method == "G(q,k)" and not result.fully_crossed
    assert result.icc is None and result.icc_reason and "fully crossed" in result.icc_reason
    assert result.g is not None and result.g_reason is None
    assert result.n_sessions == 30 and result.n_double_coded == 12
    assert result.raters_per_session == pytest.approx(42 / 30)


def test_single_coded_sessions_with_one_fixed_pair() -> None:
    # ana and ben double-code 8 sessions; 12 more sessions are coded by one of them
    rng = np.random.default_rng(12)
    s = [*[i for i in range(8) for _ in range(2)], *range(8, 20)]
    c = [*["ana", "ben"] * 8, *(["ana", "ben"] * 6)]
    y = rng.normal(0, 1, 20)[s] + rng.normal(0, 0.4, len(s))
    result = score_reliability(s, c, y)
    assert result.method == "G(q,k)" and result.icc_sessions == 8
    matrix = np.array(y[:16]).reshape(8, 2)
    assert result.icc is not None and result.icc.value == pytest.approx(icc_a1(matrix).value)
    ref = dense_henderson(np.asarray(y), np.asarray(s), np.asarray(c))
    assert result.g is not None
    assert result.g.value == pytest.approx(
        ref["session"] / (ref["session"] + ref["coder"] + ref["residual"]), abs=1e-9
    )


@pytest.mark.parametrize(
    ("sessions", "coders", "values", "reason"),
    [
        ([], [], [], "no completed scores"),
        (["a", "b", "c"], ["x", "y", "x"], [1.0, 2.0, 3.0], "no session was completed by two"),
        (["a", "a", "b", "b"], ["x", "y", "x", "y"], [1.0, 2.0, 3.0, 3.0], "only 2 session(s)"),
        (["a", "a", "b", "b", "c", "c"], ["x", "y"] * 3, [2.0] * 6, "no variance"),
        (["a", "a", "b", "b", "c"], ["x", "y"] * 2 + ["x"], [1, np.nan, 2, 3, 4], "only 1"),
    ],
)
def test_undefined_figures_are_null_with_a_reason(
    sessions: list[str], coders: list[str], values: list[float], reason: str
) -> None:
    result = score_reliability(sessions, coders, values)
    assert result.g is None and result.icc is None and result.method is None
    assert result.g_reason is not None and reason in result.g_reason
    assert change_reliability(sessions, sessions, coders, values).estimate is None


def test_exact_agreement_is_one_without_an_interval() -> None:
    matrix = np.array([[1.0, 1.0], [3.0, 3.0], [2.0, 2.0], [5.0, 5.0]])
    result = score_reliability(*long_form(matrix))
    assert result.g is not None and result.g.value == pytest.approx(1.0)
    assert result.g.ci95 is None
    assert any("agree exactly" in n for n in result.notes)


def test_change_needs_repeated_patients() -> None:
    matrix = SHROUT_FLEISS
    s, c, y = long_form(matrix)
    result = change_reliability(s, s, c, y)  # every session its own patient
    assert result.estimate is None and result.reason is not None
    assert "two or more sessions" in result.reason


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="more than one score"):
        crossed_components(["a", "a"], ["x", "x"], [1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        crossed_components(["a"], ["x", "y"], [1.0])
    with pytest.raises(ValueError, match="more than one person"):
        within_person_components(["p", "q"], ["a", "a"], ["x", "y"], [1.0, 2.0])


def _icc_a1_by_hand(x: np.ndarray) -> float:
    """McGraw & Wong's ICC(A,1) from the two-way ANOVA mean squares, computed here."""
    n, k = x.shape
    grand = x.mean()
    msr = k * ((x.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((x.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    sse = ((x - grand) ** 2).sum() - msr * (n - 1) - msc * (k - 1)
    mse = sse / ((n - 1) * (k - 1))
    return float((msr - mse) / (msr + (k - 1) * mse + k / n * (msc - mse)))


def test_an_interval_encloses_its_estimate_or_is_not_reported() -> None:
    # negative variance components put ICC(A,1) at -1.8; the old code clipped its bounds to
    # (-1.0, 0.77) and printed an interval that left out its own estimate
    x = np.array([[4.0, 1.0], [2.0, 4.0], [3.0, 4.0]])
    est = icc_a1(x)
    assert est.value == pytest.approx(_icc_a1_by_hand(x))
    assert est.ci95 is not None and est.ci95[0] <= est.value <= est.ci95[1]
    # and where the F-based bounds cannot enclose it, no interval, with the reason
    c = icc_a1(x).components
    broken = replace(c, coder_ms=replace(c.coder_ms, ms=-50.0))
    odd = absolute_agreement(broken)
    assert odd.ci95 is None or odd.ci95[0] <= odd.value <= odd.ci95[1]


def test_every_reported_interval_encloses_its_estimate() -> None:
    rng = np.random.default_rng(7)
    reported = 0
    for _ in range(3000):
        n, k = int(rng.integers(3, 9)), int(rng.integers(2, 4))
        x = rng.integers(0, 5, (n, k)).astype(float)
        try:
            est = icc_a1(x)
        except Undefined:
            continue
        assert est.value == pytest.approx(_icc_a1_by_hand(x))
        if est.ci95 is not None:
            reported += 1
            assert est.ci95[0] - 1e-9 <= est.value <= est.ci95[1] + 1e-9, (x, est)
    assert reported > 1000


def test_a_coder_component_at_rounding_error_earns_no_negative_note() -> None:
    """The sample study's incongruent advice gave a coder component of -2.6e-16, and the
    report said 'the coder variance estimate is negative (-2.59e-16)': a numerical zero."""
    comps = crossed_components(*long_form(SHROUT_FLEISS))
    scale = comps.target + comps.residual
    at_zero = absolute_agreement(replace(comps, coder=-2.6e-16 * scale))
    assert not any("negative" in n for n in at_zero.notes)
    below = absolute_agreement(replace(comps, coder=-0.05 * scale))
    assert any("coder variance estimate is negative" in n for n in below.notes)
