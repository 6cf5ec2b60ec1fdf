"""`socialcoder analyze STUDY correlations|lagged|sequential` on the demo study: the JSON keys
the issue names, the files of --out, and bad input refused in one line (exit 2) with the
study left as it was."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from socialcoder.services.demo import build_demo


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.scstudy"
    build_demo(path)  # as `socialcoder demo` builds it: with the follow-up sessions
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path, study_encryption: str) -> Path:
    if study_encryption == "encrypted":
        pytest.skip("the demo study is plain; encryption is covered by the other CLI tests")
    copy = tmp_path / "demo.scstudy"
    copy.write_bytes(demo_file.read_bytes())
    return copy


def test_correlations_json_and_data_set(cli, demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli(
        "analyze",
        demo,
        "correlations",
        "--x",
        "goal_agreement",
        "--y",
        "concordance_rate,incongruent_principles_rate,resistance_any_rate",
        "--bootstrap",
        "200",
        "--json",
        "--out",
        out,
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["sessions"] == 30 and data["participants"] == 6 and data["codes"] == "final"
    keys = {
        "x",
        "y",
        "n",
        "spearman_rho",
        "pearson_r",
        "ci95",
        "p",
        "p_adjusted",
        "between_r",
        "within_r",
    }
    assert len(data["pairs"]) == 3 and all(keys <= set(p) for p in data["pairs"])
    sessions = pd.read_csv(out / "sessions.csv")
    for pair in data["pairs"]:
        rho = stats.spearmanr(sessions[pair["x"]], sessions[pair["y"]])[0]
        assert pair["spearman_rho"] == pytest.approx(rho, abs=1e-12)
    names = {p.name for p in out.iterdir()}
    assert {
        "sessions.csv",
        "sessions.sav",
        "sessions.dat",
        "sessions.inp",
        "sessions_dictionary.md",
    } <= names


def test_correlations_count_model_json_and_text(cli, demo: Path) -> None:
    args = ("analyze", demo, "correlations", "--x", "goal_agreement", "--y", "resistance_any_rate")
    result = cli(*args, "--bootstrap", "0", "--count-model", "--json")
    assert result.code == 0, result.err
    counts = json.loads(result.out)["count_model"]
    assert counts["family"] == "negbin"
    (fit,) = counts["fits"]
    assert (fit["x"], fit["y"], fit["refusal"]) == ("goal_agreement", "resistance_any_rate", None)
    model = fit["model"]
    assert model["family"] == "negbin" and model["cov_type"] == "cluster (participant)"
    slope = next(t for t in model["terms"] if t["term"] == "goal_agreement")
    assert slope["rate_ratio"] == pytest.approx(math.exp(slope["estimate"]))
    text = cli(*args, "--bootstrap", "0", "--count-model", "poisson")
    assert text.code == 0, text.err
    assert "count model (Poisson; code turns with the applicable turns as exposure)" in text.out
    assert "rate ratio" in text.out and "goal_agreement" in text.out.split("count model")[1]
    plain = cli(*args, "--bootstrap", "0", "--json")
    assert "count_model" not in json.loads(plain.out)
    bad = cli(*args, "--count-model", "logit")
    assert bad.code == 2 and "invalid choice" in bad.err


def test_lagged_json_terms(cli, demo: Path) -> None:
    result = cli(
        "analyze", demo, "lagged", "--outcome", "core_om", "--predictor", "wai_sr", "--json"
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert {"n_observations", "n_participants", "converged", "fixed_effects"} <= set(data)
    assert [e["term"] for e in data["fixed_effects"]] == [
        "predictor_within",
        "predictor_between",
        "control",
        "intercept",
    ]
    assert all({"term", "estimate", "se", "ci95", "p"} <= set(e) for e in data["fixed_effects"])
    for flags in (["--detrend"], ["--random-slope"], ["--control", "calpas_goal"]):
        again = cli(
            "analyze",
            demo,
            "lagged",
            "--outcome",
            "core_om",
            "--predictor",
            "wai_sr",
            "--json",
            *flags,
        )
        assert again.code == 0, again.err


def test_sequential_json_keys_and_files(cli, demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "seq"
    result = cli(
        "analyze",
        demo,
        "sequential",
        "--given",
        "therapist:incongruent_advice",
        "--target",
        "patient:resistance=mild",
        "--lag",
        "1",
        "--json",
        "--bootstrap",
        "100",
        "--out",
        out,
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    (table,) = data["tables"]
    assert list(table["counts"]) == ["a", "b", "c", "d"]
    for key in (
        "transitional_probability",
        "expected",
        "adjusted_residual",
        "yules_q",
        "odds_ratio",
        "odds_ratio_ci95",
    ):
        assert key in table
    assert {"sequential.sds", "sequential_sessions.csv", "sequential_sessions.sav"} <= {
        p.name for p in out.iterdir()
    }
    matrix = cli("analyze", demo, "sequential", "--matrix")
    assert matrix.code == 0, matrix.err
    assert (
        "therapist:incongruent_advice=1" in matrix.out and "patient:resistance=strong" in matrix.out
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["correlations", "--codes", "nobody"], "unknown codes 'nobody'"),
        (["correlations", "--codes", "consensus"], "no completed transcripts"),
        (["lagged", "--outcome", "core_om", "--predictor", "nope"], "unknown variable 'nope'"),
        (["lagged", "--outcome", "core_om", "--predictor", "wai_sr", "--codes", "ana"], "at least"),
        (["sequential", "--given", "nurse:x", "--target", "patient:concordance"], "unknown role"),
        (
            ["sequential", "--given", "patient:goal_agreement", "--target", "patient:concordance"],
            "rated per session",
        ),
        (
            ["sequential", "--given", "therapist:concordance", "--target", "patient:concordance"],
            "not coded on therapist turns",
        ),
        (["sequential", "--matrix", "--codes", "mean"], "turn-by-turn"),
        (["sequential", "--lag", "0", "--matrix"], "lag"),
    ],
)
def test_bad_input_one_line_exit_2(cli, demo: Path, dump, args, needle) -> None:
    before = dump(demo)
    result = cli("analyze", demo, *args)
    assert result.code == 2, (result.out, result.err)
    assert result.err.count("\n") == 1 and needle in result.err, result.err
    assert dump(demo) == before


def test_too_few_sessions(cli, sample_study: Path) -> None:
    """The three-session sample (no measures) is too small for a lagged model."""
    result = cli(
        "analyze",
        sample_study,
        "lagged",
        "--outcome",
        "goal_agreement",
        "--predictor",
        "concordance_rate",
        "--codes",
        "ana",
    )
    assert result.code == 2 and "at least" in result.err, result.err


def test_one_command_each_with_a_plot(cli, demo: Path, tmp_path: Path) -> None:
    """The issue's 'done when': the seed study's table, a Falkenström-style estimate and the
    therapist-to-patient matrix, each with one command that also writes the report with its
    plot (--report) beside the data set (--out)."""
    import re
    import xml.etree.ElementTree as ET

    runs = {
        "correlations": ["correlations", "--x", "goal_agreement", "--y",
                         "concordance_rate,incongruent_principles_rate,resistance_any_rate",
                         "--bootstrap", "200"],
        "lagged": ["lagged", "--outcome", "core_om", "--predictor", "wai_sr"],
        "sequential": ["sequential", "--matrix", "--bootstrap", "200"],
    }  # fmt: skip
    for name, args in runs.items():
        report = tmp_path / f"{name}.html"
        result = cli("analyze", demo, *args, "--json", "--report", report,
                     "--out", tmp_path / name)  # fmt: skip
        assert result.code == 0, result.err
        data = json.loads(result.out)  # the report's line goes to stderr with --json
        assert f"wrote the report (table, plot, settings) to {report}" in result.err
        page = report.read_text(encoding="utf-8")
        svgs = re.findall(r"<svg.*?</svg>", page, re.S)
        assert svgs and all(ET.fromstring(s) is not None for s in svgs)
        assert "What these figures cannot tell" in page
        assert any((tmp_path / name).glob("*.sav"))
        if name == "correlations":
            assert len(svgs) == len(data["pairs"]) == 3
            assert f"<td class='n'>{data['pairs'][0]['spearman_rho']:.2f}</td>" in page
        elif name == "lagged":
            within = data["fixed_effects"][0]
            assert within["term"] == "predictor_within"
            assert f"<td class='n'>{within['estimate']:.3f}</td>" in page
        else:
            assert all(f">{t['adjusted_residual']:.2f}</text>" in svgs[0]
                       for t in data["tables"] if t["adjusted_residual"] is not None)  # fmt: skip
    again = cli("analyze", demo, *runs["lagged"], "--report", tmp_path / "lagged.html")
    assert again.code == 2 and "already exists" in again.err


def _sessions_reliability(cli, study: Path) -> dict:
    result = cli("reliability", study, "--sessions", "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_each_variable_reports_its_session_reliability(cli, demo: Path, tmp_path: Path) -> None:
    """Issue 19: every code rate / rating an analysis uses carries the reliability of its
    session score, the very figures of `reliability --sessions --json` for the same measure
    (a per-value rate `KEY_VALUE_rate` is the measure `KEY_rate[VALUE]`); a questionnaire
    measure is said to have no coder reliability. In the JSON, the text and the report."""
    sessions = _sessions_reliability(cli, demo)
    by_measure = {m["measure"]: m for m in sessions["session_reliability"]}
    change = {m["measure"]: m for m in sessions["within_change_reliability"]}
    report = tmp_path / "corr.html"
    result = cli("analyze", demo, "correlations", "--x", "goal_agreement,wai_sr", "--y",
                 "concordance_rate,resistance_strong_rate", "--bootstrap", "50", "--json",
                 "--report", report)  # fmt: skip
    assert result.code == 0, result.err
    items = {r["variable"]: r for r in json.loads(result.out)["reliability"]}
    assert set(items) == {"goal_agreement", "wai_sr", "concordance_rate", "resistance_strong_rate"}
    assert items["goal_agreement"]["role"] == "x" and items["concordance_rate"]["role"] == "y"
    expected = {
        "goal_agreement": "goal_agreement",
        "concordance_rate": "concordance_rate",
        "resistance_strong_rate": "resistance_rate[strong]",
    }
    estimated = 0
    for variable, measure in expected.items():
        got, want = items[variable], by_measure[measure]
        assert got["measure"] == measure
        for key in ("icc_a1", "icc_ci95", "g_qk", "g_ci95", "n_sessions", "n_double_coded"):
            assert got[key] == want[key], (variable, key)
        assert got["method"] == (want["method"] if got["estimate"] is not None else None)
        estimated += got["estimate"] is not None
    assert estimated, "the demo has double-coded sessions: some figure must be estimated"
    assert items["wai_sr"]["measure"] is None and items["wai_sr"]["estimate"] is None
    assert "no coder reliability" in items["wai_sr"]["note"]
    page = report.read_text(encoding="utf-8")
    assert "Reliability of the analysed scores" in page and "no coder reliability" in page
    text = cli("analyze", demo, "correlations", "--x", "goal_agreement", "--y",
               "concordance_rate", "--bootstrap", "50")  # fmt: skip
    assert text.code == 0, text.err
    assert "reliability of the analysed scores:" in text.out
    g = items["goal_agreement"]
    if g["estimate"] is not None:
        assert f"{g['method']} {g['estimate']:.2f}" in text.out
    lagged = cli("analyze", demo, "lagged", "--outcome", "goal_agreement", "--predictor",
                 "concordance_rate", "--json")  # fmt: skip
    assert lagged.code == 0, lagged.err
    rel = {r["variable"]: r for r in json.loads(lagged.out)["reliability"]}
    assert rel["concordance_rate"]["role"] == "predictor"
    assert rel["goal_agreement"]["role"].startswith("outcome")  # also the default control
    pred = rel["concordance_rate"]
    assert pred["icc_a1"] == by_measure["concordance_rate"]["icc_a1"]
    assert pred["g_qk"] == by_measure["concordance_rate"]["g_qk"]
    assert pred["r_change"] == change["concordance_rate"]["r_change"]
    assert pred["r_change_ci95"] == change["concordance_rate"]["r_change_ci95"]


def test_reliability_not_estimable_without_double_coding(cli, demo: Path) -> None:
    """One coder's codes only (no double-coded session): each coded variable says 'not
    estimable' instead of a figure."""
    from socialcoder.services.analysis import build_session_table, load_inputs
    from socialcoder.services.predictor_reliability import NOT_ESTIMABLE, predictor_reliability
    from socialcoder.services.study import open_study

    with open_study(demo) as study:
        coder = load_inputs(study).coders[0]
        table = build_session_table(load_inputs(study, coder))
        items = predictor_reliability(study, table, [("concordance_rate", "y")], coders=[coder])
    assert items[0].estimate is None and items[0].note == NOT_ESTIMABLE
    assert items[0].text() == NOT_ESTIMABLE
