"""Session table and correlations, checked against scipy, statsmodels and hand computations
on tables built by the export code."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from socialcoder.analysis import (
    AmbiguousLayerError,
    UnknownVariableError,
    correlations,
    plain_table,
    rmcorr,
    session_table,
)
from socialcoder.analysis._common import benjamini_hochberg, weighted_pearson, weighted_ranks
from socialcoder.export.tables import build_long, build_sessions


def _tables(data):
    return build_sessions(data).frame, build_long(data).frame


def test_rates_per_100_and_proportion_from_the_export_tables(make_study) -> None:
    data = make_study(seed=3)
    sessions, long = _tables(data)
    table = session_table(sessions, data.codebook, long=long)
    frame = table.frame.set_index("transcript")
    # by hand from the long table: resistance 'mild' turns over the patient turns
    seg = long[long["unit"] == "segment"]
    res = seg[seg["dimension"] == "resistance"]
    mild = res.groupby("transcript")["value"].apply(lambda v: (v == "mild").sum())
    turns = res.groupby("transcript").size()
    assert np.allclose(frame["resistance_mild_rate"], 100 * mild / turns)
    above = res.groupby("transcript")["value"].apply(lambda v: v.isin(["mild", "strong"]).sum())
    assert np.allclose(frame["resistance_any_rate"], 100 * above / turns)
    # binary rates equal the export's own rate column
    exported = sessions.set_index("transcript")["concordance_rate"]
    assert np.allclose(frame["concordance_rate"], exported.reindex(frame.index))
    assert "resistance_none_rate" not in frame  # complement of resistance_any_rate
    prop = session_table(sessions, data.codebook, long=long, rate="proportion").frame
    assert np.allclose(prop["concordance_prop"] * 100, table.frame["concordance_rate"])


def test_rates_without_the_long_table_use_binary_counts_and_means(make_study) -> None:
    data = make_study(seed=3)
    sessions, _ = _tables(data)
    table = session_table(sessions, data.codebook)
    assert table.names("code_rate") == ["concordance_rate", "incongruent_principles_rate"]
    assert table.names("code_mean") == ["resistance_mean"]
    assert table.names("rating") == ["goal_agreement"]
    assert table.names("measure") == ["calpas", "core_om"]


def test_zero_applicable_turns_give_a_missing_rate_not_zero(make_study) -> None:
    data = make_study(seed=1, participants=2, sessions=2)
    sessions, _ = _tables(data)
    sessions.loc[0, ["concordance_n", "concordance_turns"]] = 0
    table = session_table(sessions, data.codebook)
    assert np.isnan(table.frame.loc[0, "concordance_rate"])


def test_only_completed_transcripts_and_one_layer(make_study) -> None:
    data = make_study(seed=2, coders=("ana", "ben"), incomplete=3)
    sessions, long = _tables(data)
    with pytest.raises(AmbiguousLayerError) as err:
        session_table(sessions, data.codebook)
    assert err.value.layers == ("ana", "ben")
    table = session_table(sessions, data.codebook, long=long, coder="ana")
    assert table.excluded_incomplete == 3
    assert len(table.frame) == len(data.transcripts) - 3


def test_correlations_match_scipy_on_the_same_table(make_study) -> None:
    data = make_study(seed=5, participants=10, sessions=5)
    sessions, long = _tables(data)
    table = session_table(sessions, data.codebook, long=long)
    result = correlations(table, seed=11, n_boot=400)
    assert result.sessions == 50 and result.participants == 10
    frame = table.frame
    for pair in result.pairs:
        sub = frame[[pair.x, pair.y]].dropna()
        rho = stats.spearmanr(sub[pair.x], sub[pair.y])
        r = stats.pearsonr(sub[pair.x], sub[pair.y])
        assert pair.n == len(sub)
        assert pair.spearman_rho == pytest.approx(rho.statistic)
        assert pair.p == pytest.approx(rho.pvalue)
        assert pair.pearson_r == pytest.approx(r.statistic)
        assert pair.pearson_p == pytest.approx(r.pvalue)
        means = frame.groupby("participant")[[pair.x, pair.y]].mean()
        assert pair.between_r == pytest.approx(stats.pearsonr(means[pair.x], means[pair.y])[0])
        assert pair.ci95 is not None and pair.ci95[0] <= pair.ci95[1]
    json.dumps(result.to_dict(), allow_nan=False)


def test_benjamini_hochberg_over_the_pairs_matches_statsmodels(make_study) -> None:
    from statsmodels.stats.multitest import multipletests

    data = make_study(seed=6)
    sessions, long = _tables(data)
    result = correlations(session_table(sessions, data.codebook, long=long), n_boot=0)
    p = [pc.p for pc in result.pairs]
    expected = multipletests(p, method="fdr_bh")[1]
    assert [pc.p_adjusted for pc in result.pairs] == pytest.approx(list(expected))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0.0, 1.0)), min_size=1, max_size=30))
def test_benjamini_hochberg_property(p: list[float | None]) -> None:
    from statsmodels.stats.multitest import multipletests

    out = benjamini_hochberg(p)
    defined = [v for v in p if v is not None]
    assert [o is None for o in out] == [v is None for v in p]
    if defined:
        expected = multipletests(defined, method="fdr_bh")[1]
        assert [o for o in out if o is not None] == pytest.approx(list(expected))


def _ancova_rmcorr(frame: pd.DataFrame) -> tuple[float, int, float]:
    import statsmodels.formula.api as smf

    fit = smf.ols("y ~ C(p) + x", data=frame).fit()
    t = fit.tvalues["x"]
    df = int(fit.df_resid)
    return float(np.sign(t) * np.sqrt(t * t / (t * t + df))), df, float(fit.pvalues["x"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rmcorr_matches_an_ancova_with_participant_as_factor(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(12):
        level = rng.normal(0, 3)
        n = rng.integers(2, 7)
        x = rng.normal(level, 1, n)
        y = -2 * level + 0.6 * (x - level) + rng.normal(0, 1, n)
        rows += [{"p": f"p{p}", "x": a, "y": b} for a, b in zip(x, y, strict=True)]
    frame = pd.DataFrame(rows)
    r, df, p = _ancova_rmcorr(frame)
    got = rmcorr(frame["x"], frame["y"], frame["p"])
    assert got.r == pytest.approx(r)
    assert got.df == df
    assert got.p == pytest.approx(p)
    lo, hi = got.ci95
    assert lo < got.r < hi
    z = np.arctanh(r)
    assert np.tanh(z + 1.959963984540054 / np.sqrt(df - 1)) == pytest.approx(hi)


def test_within_and_between_can_differ_in_sign() -> None:
    """Simpson's pattern: across patients x and y go together, within patients they oppose."""
    rng = np.random.default_rng(4)
    rows = []
    for p in range(15):
        level = p * 2.0
        x = level + rng.normal(0, 1, 6)
        y = level - 0.8 * (x - level) + rng.normal(0, 0.3, 6)
        rows += [{"participant": f"p{p}", "x": a, "y": b} for a, b in zip(x, y, strict=True)]
    table = plain_table(pd.DataFrame(rows), ["x", "y"])
    pair = correlations(table, [("x", "y")], seed=1, n_boot=200).pairs[0]
    assert pair.between_r > 0.9
    assert pair.within_r < -0.8


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 4), min_size=3, max_size=12),
    st.lists(st.integers(0, 3), min_size=3, max_size=12),
    st.integers(0, 2**31 - 1),
)
def test_weighted_ranks_equal_spearman_on_the_expanded_sample(xs, ws, seed) -> None:
    n = min(len(xs), len(ws))
    rng = np.random.default_rng(seed)
    x = np.array(xs[:n], dtype=float)
    y = rng.integers(0, 3, n).astype(float)
    w = np.array(ws[:n])
    if w.sum() < 2:
        return
    expanded_x, expanded_y = np.repeat(x, w), np.repeat(y, w)
    ranks = weighted_ranks(x, w[None, :])[0]
    assert np.allclose(np.repeat(ranks, w), stats.rankdata(expanded_x))
    got = weighted_pearson(ranks[None, :], weighted_ranks(y, w[None, :]), w[None, :])[0]
    if np.ptp(expanded_x) == 0 or np.ptp(expanded_y) == 0:
        assert np.isnan(got)
    else:
        assert got == pytest.approx(stats.spearmanr(expanded_x, expanded_y).statistic)


def test_bootstrap_is_reproducible_and_resamples_participants(make_study) -> None:
    data = make_study(seed=8)
    sessions, long = _tables(data)
    table = session_table(sessions, data.codebook, long=long)
    a = correlations(table, [("goal_agreement", "concordance_rate")], seed=3, n_boot=300)
    b = correlations(table, [("goal_agreement", "concordance_rate")], seed=3, n_boot=300)
    assert a.pairs[0].ci95 == b.pairs[0].ci95
    assert a.pairs[0].bootstrap_replicates == 300


def test_bad_input_gives_none_with_a_reason_never_nan() -> None:
    frame = pd.DataFrame(
        {
            "participant": ["a", "a", "b", "b", "c", "c"],
            "x": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "z": [1.0, np.nan, np.nan, np.nan, np.nan, 2.0],
        }
    )
    table = plain_table(frame, ["x", "y", "z"])
    result = correlations(table, [("x", "y"), ("z", "y")], seed=1)
    constant, few = result.pairs
    assert constant.spearman_rho is None and "x does not vary" in constant.notes[0]
    assert few.n == 2 and few.spearman_rho is None and "at least 3" in few.notes[0]
    assert constant.p_adjusted is None
    json.dumps(result.to_dict(), allow_nan=False)
    with pytest.raises(UnknownVariableError) as err:
        correlations(table, [("x", "nope")])
    assert err.value.name == "nope"


def test_too_few_participants_for_a_bootstrap_interval() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "participant": np.repeat(["a", "b", "c"], 5),
            "x": rng.normal(size=15),
            "y": rng.normal(size=15),
        }
    )
    pair = correlations(plain_table(frame, ["x", "y"]), [("x", "y")], seed=1).pairs[0]
    assert pair.spearman_rho is not None
    assert pair.ci95 is None
    assert any("3 participants" in n for n in pair.notes)


def test_an_empty_layer_is_refused(make_study) -> None:
    from socialcoder.analysis import TooFewUnitsError

    data = make_study(seed=1, participants=2, sessions=1, incomplete=2)
    sessions, _ = _tables(data)
    with pytest.raises(TooFewUnitsError) as err:
        session_table(sessions, data.codebook)
    assert (err.value.found, err.value.required) == (0, 1)
