"""services/analysis.py and services/analysis_files.py on the demo study: each analysis
checked against an independent computation on the files it exported (scipy, a direct
statsmodels fit, hand-counted 2x2 tables from the export's long table), the code layers, and
the refusals."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from socialcoder.errors import StudyError, UserError
from socialcoder.services import analysis as A
from socialcoder.services.analysis_files import write_analysis_files
from socialcoder.services.demo import build_demo
from socialcoder.services.exporting import build_export_table
from socialcoder.services.study import open_study


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.scstudy"
    build_demo(path)  # as `socialcoder demo` builds it: with the follow-up sessions
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_correlations_match_scipy_on_the_exported_session_table(
    demo_path: Path, tmp_path: Path
) -> None:
    with open_study(demo_path) as study:
        run = A.run_correlations(
            study, x=["calpas_goal", "goal_agreement"], y=["concordance_rate"], n_boot=300
        )
        write_analysis_files(study, run, tmp_path)
    data = pd.read_csv(tmp_path / "sessions.csv")
    assert len(data) == run.result.sessions == 30
    assert data["participant"].nunique() == 6
    assert set(data["coder"]) <= {"ana", "ben", "cleo"}  # the primary coder behind each value
    for pair in run.result.pairs:
        both = data[[pair.x, pair.y, "participant"]].dropna()
        rho, p = stats.spearmanr(both[pair.x], both[pair.y])
        r, _ = stats.pearsonr(both[pair.x], both[pair.y])
        assert pair.n == len(both)
        assert pair.spearman_rho == pytest.approx(rho, abs=1e-12)
        assert pair.p == pytest.approx(p, rel=1e-9)
        assert pair.pearson_r == pytest.approx(r, abs=1e-12)
        means = both.groupby("participant")[[pair.x, pair.y]].mean()
        assert pair.between_r == pytest.approx(
            stats.pearsonr(means[pair.x], means[pair.y])[0], abs=1e-12
        )
        # rmcorr: Pearson r of the participant-centred values (Bakdash & Marusich 2017)
        centred = both[[pair.x, pair.y]] - both.groupby("participant")[[pair.x, pair.y]].transform(
            "mean"
        )
        num = (centred[pair.x] * centred[pair.y]).sum()
        den = np.sqrt((centred[pair.x] ** 2).sum() * (centred[pair.y] ** 2).sum())
        assert pair.within_r == pytest.approx(num / den, abs=1e-12)
        assert pair.ci95 is not None and pair.ci95[0] <= pair.spearman_rho <= pair.ci95[1]
    # the rates in the data set are the counts over the applicable (patient) turns
    assert np.allclose(
        data["concordance_rate"], 100 * data["concordance_n"] / data["concordance_turns"]
    )
    dictionary = (tmp_path / "sessions_dictionary.md").read_text(encoding="utf-8")
    assert "version 1.1-sample" in dictionary and "Seeds: bootstrap = 1" in dictionary
    assert "statsmodels" in dictionary and "sessions.sav" in dictionary


def test_lagged_matches_a_direct_statsmodels_fit_of_the_exported_data(
    demo_path: Path, tmp_path: Path
) -> None:
    import statsmodels.formula.api as smf

    with open_study(demo_path) as study:
        run = A.run_lagged(study, outcome="core_om", predictor="wai_sr")
        written = write_analysis_files(study, run, tmp_path)
    names = {p.name for p in written.files}
    assert {"lagged.csv", "lagged.sav", "lagged.dat", "lagged.inp", "lagged.R"} <= names
    d = pd.read_csv(tmp_path / "lagged.csv")
    sessions = pd.read_csv(tmp_path.parent / tmp_path.name / "lagged.csv")
    assert (sessions["session_next"] == sessions["session"] + 1).all()
    # the split, recomputed: within = value - the patient's mean over their sessions
    fit = smf.mixedlm(
        "outcome_next ~ predictor_within + predictor_between + control",
        d,
        groups=d["participant"].astype(str),
    ).fit(reml=True)
    got = {e.term: e for e in run.result.fixed_effects}
    for term, raw in (
        ("predictor_within", "predictor_within"),
        ("predictor_between", "predictor_between"),
        ("control", "control"),
        ("intercept", "Intercept"),
    ):
        assert got[term].estimate == pytest.approx(fit.fe_params[raw], rel=1e-6, abs=1e-9)
        assert got[term].se == pytest.approx(fit.bse_fe[raw], rel=1e-5)
    assert run.result.converged
    # the sample's planted within-patient effect (alliance lowers next-session distress)
    assert got["predictor_within"].ci95[1] < 0
    script = (tmp_path / "lagged.R").read_text(encoding="utf-8")
    assert "lmer(" in script and "lavaan" in script and "lagged_riclpm_wide.csv" in script


def test_lagged_within_is_the_deviation_from_the_patient_mean(demo_path: Path) -> None:
    with open_study(demo_path) as study:
        run = A.run_lagged(study, outcome="core_om", predictor="calpas_goal")
        table = run.table.frame
    means = table.groupby("participant")["calpas_goal"].mean()
    d = run.result.data
    assert np.allclose(d["predictor_between"], d["participant"].map(means))
    assert np.allclose(d["predictor_within"], d["predictor"] - d["predictor_between"])


def _pairs_by_hand(long: pd.DataFrame, given: tuple[str, str], target: tuple[str, str]):
    """a, b, c, d from the export's long table: therapist turn t with ``given`` present, the
    next turn a patient turn; completed transcripts only; uncoded = the empty value."""
    seg = long[(long["unit"] == "segment") & long["completed"].astype(bool)]
    turns = seg.pivot_table(
        index=["transcript", "segment", "role"],
        columns="dimension",
        values="value",
        aggfunc="first",
        observed=True,
    ).reset_index()
    a = b = c = d = 0
    for _, part in turns.groupby("transcript"):
        by_seg = part.set_index("segment")
        for seg_no, row in by_seg.iterrows():
            if row["role"] != "therapist" or seg_no + 1 not in by_seg.index:
                continue
            nxt = by_seg.loc[seg_no + 1]
            if nxt["role"] != "patient":
                continue
            g = str(row[given[0]]) == given[1]
            value = nxt[target[0]]
            t = str(value if pd.notna(value) else "none") == target[1]
            a += g and t
            b += g and not t
            c += (not g) and t
            d += (not g) and not t
    return a, b, c, d


def test_sequential_counts_and_statistics_by_hand(demo_path: Path, tmp_path: Path) -> None:
    from statsmodels.stats.contingency_tables import Table2x2

    with open_study(demo_path) as study:
        run = A.run_sequential(
            study,
            given=["therapist:incongruent_advice"],
            target=["patient:resistance=mild", "patient:concordance"],
            n_boot=300,
        )
        long = build_export_table(study, "long", coders="final").frame
        write_analysis_files(study, run, tmp_path)
    for tab, target in zip(
        run.result.tables, [("resistance", "mild"), ("concordance", "1")], strict=True
    ):
        a, b, c, d = _pairs_by_hand(long, ("incongruent_advice", "1"), target)
        got = tab.table
        assert (got.a, got.b, got.c, got.d) == (a, b, c, d)
        assert got.yules_q == pytest.approx((a * d - b * c) / (a * d + b * c))
        n = a + b + c + d
        e = (a + b) * (a + c) / n
        z = (a - e) / np.sqrt(e * (1 - (a + b) / n) * (1 - (a + c) / n))
        assert got.adjusted_residual == pytest.approx(z)
        ref = Table2x2(np.array([[a, b], [c, d]], dtype=float))
        assert got.adjusted_residual == pytest.approx(ref.standardized_resids[0, 0])
        assert got.transitional_probability == pytest.approx(a / (a + b))
    # the per-session file adds up to the pooled table
    per = pd.read_csv(tmp_path / "sequential_sessions.csv")
    first = per[per["target"] == "patient:resistance=mild"]
    t0 = run.result.tables[0].table
    assert tuple(first[list("abcd")].sum()) == (t0.a, t0.b, t0.c, t0.d)
    q = first["yules_q"].dropna()
    assert run.result.tables[0].session_q.mean == pytest.approx(q.mean())
    sds = (tmp_path / "sequential.sds").read_text(encoding="utf-8")
    assert sds.count("/\n") + sds.rstrip().endswith("/") >= 27 and "Multi T P" in sds


def test_the_matrix_covers_every_therapist_by_patient_code(demo_path: Path) -> None:
    with open_study(demo_path) as study:
        run = A.run_sequential(study, matrix=True, n_boot=0)
    z = run.result.residual_matrix()
    assert z.shape == (2, 5)  # 2 therapist codes x (concordance, incongruent, 3 resistance)
    assert z.loc["therapist:incongruent_advice=1", "patient:incongruent_principles=1"] > 1.96


def test_mean_layer_averages_the_coders_scores(demo_path: Path) -> None:
    with open_study(demo_path) as study:
        table = A.build_session_table(A.load_inputs(study, "mean"))
        sessions = build_export_table(study, "sessions", coders="all").frame
    done = sessions[sessions["completed"] & (sessions["coder"] != "consensus")]
    expected = done.groupby("transcript")["concordance_rate"].mean()
    got = table.frame.set_index("transcript")["concordance_rate"]
    assert len(got) == 30
    assert np.allclose(got.sort_index(), expected.reindex(got.index).sort_index())
    ga = done.groupby("transcript")["goal_agreement"].apply(
        lambda s: pd.to_numeric(s.astype(float)).mean()
    )
    assert np.allclose(table.frame.set_index("transcript")["goal_agreement"], ga.reindex(got.index))


def test_one_coder_uses_only_their_completed_transcripts(demo_path: Path) -> None:
    with open_study(demo_path) as study:
        table = A.build_session_table(A.load_inputs(study, "ben"))
        sessions = build_export_table(study, "sessions", coders="ben").frame
    assert set(table.frame["transcript"]) == set(sessions.loc[sessions["completed"], "transcript"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: A.run_correlations(s, codes="nobody"), "unknown codes 'nobody'"),
        (lambda s: A.run_correlations(s, codes="consensus"), "no completed transcripts"),
        (lambda s: A.run_lagged(s, outcome="core_om", predictor="nope"), "unknown variable"),
        (
            lambda s: A.run_sequential(s, given=["nurse:concordance"], target=["p:concordance"]),
            "unknown role",
        ),
        (lambda s: A.run_sequential(s, matrix=True, codes="mean"), "turn-by-turn"),
        (
            lambda s: A.run_lagged(s, outcome="core_om", predictor="wai_sr", codes="ana"),
            "at least",
        ),
    ],
)
def test_bad_input_is_refused_and_the_study_is_unchanged(
    demo_path: Path, call, message: str
) -> None:
    before = _digest(demo_path)
    with open_study(demo_path) as study, pytest.raises(UserError, match=message):
        call(study)
    assert _digest(demo_path) == before


def test_a_coders_login_is_refused() -> None:
    fake = SimpleNamespace(login_coder="ana", location="server")
    with pytest.raises(StudyError, match="lead"):
        A.load_inputs(fake, "final")  # type: ignore[arg-type]  # a stand-in for a coder's login


def test_existing_files_are_not_overwritten_without_force(demo_path: Path, tmp_path: Path) -> None:
    with open_study(demo_path) as study:
        run = A.run_correlations(study, n_boot=0)
        (tmp_path / "sessions.sav").write_bytes(b"mine")
        with pytest.raises(UserError):
            write_analysis_files(study, run, tmp_path)
        assert (tmp_path / "sessions.sav").read_bytes() == b"mine"
        assert not (tmp_path / "sessions.csv").exists()
        write_analysis_files(study, run, tmp_path, force=True)
    assert (tmp_path / "sessions.sav").read_bytes() != b"mine"


def test_html_report_is_refused_over_the_study_and_an_existing_file(
    demo_path: Path, tmp_path: Path
) -> None:
    from socialcoder.services.analysis_report import save_report

    with open_study(demo_path) as study:
        run = A.run_lagged(study, outcome="core_om", predictor="wai_sr")
        link = tmp_path / "report.html"
        link.symlink_to(demo_path)
        before = _digest(demo_path)
        with pytest.raises(UserError, match="is the study itself"):
            save_report(study, run, link, force=True)
        mine = tmp_path / "notes.html"
        mine.write_text("mine", encoding="utf-8")
        with pytest.raises(UserError, match="already exists"):
            save_report(study, run, tmp_path / "notes")
        page = save_report(study, run, mine, force=True).read_text(encoding="utf-8")
    assert _digest(demo_path) == before and "mine" not in page
    within = run.result.effect("predictor_within")
    assert f"<td class='n'>{within.estimate:.3f}</td>" in page
    assert "dynamic-panel" in page and "What these figures cannot tell" in page


def _glm(y: np.ndarray, X: pd.DataFrame, offset: np.ndarray, alpha: float | None):
    """The GLM of the counts with log(turns) as offset: Poisson, or NB2 with a fixed alpha."""
    import statsmodels.api as sm

    family = sm.families.Poisson() if alpha is None else sm.families.NegativeBinomial(alpha=alpha)
    return sm.GLM(y, X, family=family, offset=offset)


@pytest.mark.parametrize("family", ["poisson", "negbin"])
def test_count_model_matches_a_direct_glm_on_the_exported_session_table(
    demo_path: Path, tmp_path: Path, family: str
) -> None:
    """Atkins et al. (2013): the count of a code's turns with log(applicable turns) as
    offset, checked against statsmodels' GLM fitted directly to sessions.csv (for the
    negative binomial, its alpha found by maximising the GLM likelihood over alpha)."""
    import statsmodels.api as sm
    from scipy import optimize

    with open_study(demo_path) as study:
        run = A.run_correlations(
            study,
            x=["goal_agreement"],
            y=["resistance_any_rate", "concordance_rate"],
            n_boot=0,
            count_family=family,
        )
        write_analysis_files(study, run, tmp_path)
    data = pd.read_csv(tmp_path / "sessions.csv")
    assert [(c.x, c.y) for c in run.count_models] == [(p.x, p.y) for p in run.result.pairs]
    columns = {  # the code's count and its applicable turns, as exported
        "resistance_any_rate": ("resistance_any_n", "resistance_turns"),
        "concordance_rate": ("concordance_n", "concordance_turns"),
    }
    for fit in run.count_models:
        assert fit.result is not None, fit.refusal
        count, turns = columns[fit.y]
        rows = data[["participant", "goal_agreement", count, turns]].dropna()
        rows = rows[rows[turns] > 0]
        y = rows[count].to_numpy(float)
        X = sm.add_constant(rows[["goal_agreement"]].astype(float))
        offset = np.log(rows[turns].to_numpy(float))
        groups = pd.factorize(rows["participant"])[0]

        alpha = None
        if family == "negbin":

            def neg_llf(log_alpha: float, y=y, X=X, offset=offset) -> float:
                return -float(_glm(y, X, offset, float(np.exp(log_alpha))).fit().llf)

            best = optimize.minimize_scalar(
                neg_llf,
                bounds=(-12, 4),
                method="bounded",
            )
            # the ML alpha (near 0 for a code that is hardly overdispersed in the sample)
            assert fit.result.alpha == pytest.approx(float(np.exp(best.x)), rel=1e-2, abs=1e-3)
            alpha = fit.result.alpha  # the coefficients given alpha: the GLM's own fit
        ref = _glm(y, X, offset, alpha).fit(cov_type="cluster", cov_kwds={"groups": groups})
        got = fit.result
        assert got.n_observations == len(rows) and got.total_count == int(y.sum())
        assert got.total_turns == int(np.exp(offset).round().sum())
        slope, intercept = got.term("goal_agreement"), got.term("intercept")
        assert slope.estimate == pytest.approx(ref.params["goal_agreement"], rel=1e-4, abs=1e-6)
        assert intercept.estimate == pytest.approx(ref.params["const"], rel=1e-4, abs=1e-6)
        # the rate ratio is exp(slope); cluster-robust SEs by participant, as the GLM's
        assert slope.rate_ratio == pytest.approx(np.exp(ref.params["goal_agreement"]), rel=1e-4)
        if family == "negbin":
            # the model's sandwich has alpha as a third parameter (the GLM holds it fixed):
            # asymptotically orthogonal to the mean's for NB2, but not in 30 sessions with alpha
            # at its bound 0, where the fit says its standard errors are unreliable (3% apart
            # with statsmodels 0.15)
            assert alpha is not None
            if alpha < 1e-4:
                assert any("at its lower bound 0" in n for n in got.notes)
            assert slope.se == pytest.approx(ref.bse["goal_agreement"], rel=0.05)
        else:
            assert slope.se == pytest.approx(ref.bse["goal_agreement"], rel=0.02)
        assert got.cov_type == "cluster (participant)"
    as_json = run.to_dict()["count_model"]
    assert as_json["family"] == family and len(as_json["fits"]) == 2
    assert {"rate_ratio", "rate_ratio_ci95", "p"} <= set(as_json["fits"][0]["model"]["terms"][1])


def test_count_model_keeps_a_pair_it_cannot_fit_with_its_reason(demo_path: Path) -> None:
    with open_study(demo_path) as study:
        run = A.run_correlations(
            study, x=["goal_agreement"], y=["calpas_goal"], n_boot=0, count_family="poisson"
        )
        with pytest.raises(UserError, match="unknown count model"):
            A.run_correlations(study, n_boot=0, count_family="logit")
    (fit,) = run.count_models
    assert fit.result is None and fit.refusal == "calpas_goal is not a code rate"


def test_the_triple_coded_sessions_have_a_primary_coder_in_the_final_layer(
    demo_path: Path,
) -> None:
    """The demo assigns each hand-written, triple-coded session a primary coder (and the two
    others for reliability), so the default final layer has all 30 sessions: the primary's
    codes where no consensus was settled."""
    from socialcoder.services.assignments import list_assignments

    primary = {"P01_session02": "ana", "P02_session04": "ben", "P03_session06": "cleo"}
    with open_study(demo_path) as study:
        assigned = list_assignments(study)
        inputs = A.load_inputs(study, "final")
        final = build_export_table(study, "sessions", coders="final").frame
        by_coder = {
            c: build_export_table(study, "sessions", coders=[c]).frame
            for c in set(primary.values())
        }
    assert {(a.transcript, a.coder) for a in assigned if a.purpose == "primary"} == set(
        primary.items()
    )
    assert {(a.transcript, a.purpose) for a in assigned} == {
        (t, p) for t in primary for p in ("primary", "reliability")
    }
    assert inputs.final_counts is not None
    assert inputs.final_counts.to_json()["transcripts_without_primary"] == []
    assert final["transcript"].nunique() == 30
    final = final.set_index("transcript")
    for transcript, coder in primary.items():
        theirs = by_coder[coder].set_index("transcript").loc[transcript]
        for column in ("concordance_n", "concordance_turns", "resistance_n", "goal_agreement"):
            if column in theirs.index:
                assert final.loc[transcript, column] == theirs[column], (transcript, column)


@pytest.mark.parametrize("codes", ["final", "ben"])
def test_the_analyses_read_the_export_long_table_as_it_is(demo_path: Path, codes: str) -> None:
    """The completion rule has one home (domain/rules.py, applied by the export tables): the
    turns the analyses read are the long export table of the same codes, cell by cell, its
    implied empty values included (resistance ``none`` on an uncoded patient turn of a
    completed transcript); the analyses fill in nothing of their own."""
    from socialcoder.services.final import final_tables

    with open_study(demo_path) as study:
        inputs = A.load_inputs(study, codes)
        if codes == "final":
            expected = final_tables(study).long
        else:
            expected = build_export_table(study, "long", coders=[codes]).frame
    assert inputs.long is not None
    pd.testing.assert_frame_equal(inputs.long, expected)
    implied = expected[expected["implied"].astype(bool)]
    assert set(implied.loc[implied["dimension"] == "resistance", "value"]) == {"none"}
    assert (implied["dimension"] == "concordance").any()
