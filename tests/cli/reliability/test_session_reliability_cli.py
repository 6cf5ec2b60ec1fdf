"""`socialcoder reliability STUDY --sessions` on real study files: the sample study (fully
crossed) and a made study with the rotating design `assign` produces. The figures are checked
against computations done here from the study's own exports (`export --layout sessions|long`):
McGraw & Wong's ICC(A,1) by hand, and Henderson's Method III with dense projection matrices."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from socialcoder.cli import main

CODEBOOK = """\
name: Rotating design test (fictional)
version: "1"
dimensions:
  - {key: concordance, label: Concordance, scale: binary, unit: segment, applies_to: [patient], shortcut: c}
  - key: stance
    label: Stance
    scale: nominal
    unit: segment
    applies_to: [patient]
    shortcut: s
    values: [agree, doubt]
  - {key: alliance, label: Alliance, scale: interval, unit: session, values: [1, 2, 3, 4, 5, 6, 7]}
  - {key: phase, label: Phase, scale: nominal, unit: session, values: [early, late]}
"""
PATIENTS, SESSIONS, TURNS = 5, 4, 24


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> tuple[str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == status, err
    return out, err


def dense_reliability(
    y: np.ndarray, sessions: np.ndarray, coders: np.ndarray, persons: np.ndarray | None = None
) -> float:
    """Henderson's Method III with N x N projection matrices (every expectation from traces),
    then target / (target + coder + residual); target = sessions, or with ``persons`` the
    within-person session component."""

    def dummies(codes: np.ndarray) -> np.ndarray:
        levels = sorted(set(codes))
        return np.array([[float(x == lv) for lv in levels] for x in codes])

    def proj(*blocks: np.ndarray) -> np.ndarray:
        x = np.hstack([np.ones((len(y), 1)), *blocks])
        return x @ np.linalg.pinv(x)

    eye = np.eye(len(y))
    z_s, z_c = dummies(sessions), dummies(coders)
    full, only_s, only_c = proj(z_s, z_c), proj(z_s), proj(z_c)
    forms = [eye - full, full - only_s]
    zs = [z_s, z_c]
    if persons is None:
        forms.append(full - only_c)
    else:
        z_p = dummies(persons)
        forms += [full - proj(z_p, z_c), proj(z_p, z_c) - only_c]
        zs.append(z_p)
    lhs = [[np.trace(a)] + [np.trace(a @ z @ z.T) for z in zs] for a in forms]
    e, target, coder, *_ = np.linalg.solve(np.array(lhs), np.array([y @ a @ y for a in forms]))
    return float(target / (target + coder + e))


def icc_by_hand(matrix: np.ndarray) -> float:
    n, k = matrix.shape
    grand = matrix.mean()
    msr = k * ((matrix.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((matrix.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    resid = matrix - matrix.mean(axis=1, keepdims=True) - matrix.mean(axis=0) + grand
    mse = (resid**2).sum() / ((n - 1) * (k - 1))
    return float((msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n))


def export(capsys: pytest.CaptureFixture[str], study: str, layout: str) -> pd.DataFrame:
    path = Path(study).with_name(f"{layout}.csv")
    path.unlink(missing_ok=True)
    run(capsys, "export", study, str(path), "--layout", layout)
    return pd.read_csv(path, dtype={"value": str})


@pytest.fixture
def rotating_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Five fictional patients x four sessions, coders ana/ben/cleo assigned by `assign` with
    50% overlap, codes drawn from a model with patient, session and coder effects; dan has
    coded one transcript without completing it."""
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    study = str(tmp_path / "rot.scstudy")
    run(capsys, "init", study, "--codebook", str(tmp_path / "cb.yaml"))
    rows = ["file,participant,therapist,session,date"]
    for p in range(1, PATIENTS + 1):
        for s in range(1, SESSIONS + 1):
            name = f"P{p}_s{s}"
            lines = [
                f"{'T' if i % 2 == 0 else 'P'}: fictional turn {i} of {name}" for i in range(TURNS)
            ]
            (tmp_path / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            rows.append(f"{name}.txt,P{p},T1,{s},2024-0{s}-0{p}")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run(capsys, "import", study, "--manifest", str(tmp_path / "manifest.csv"))
    run(capsys, "coders", "add", study, "ana", "ben", "cleo")
    out, _ = run(
        capsys,
        "assign",
        study,
        "--coders",
        "ana,ben,cleo",
        "--overlap",
        "50",
        "--seed",
        "5",
        "--json",
    )
    plan = json.loads(out)
    rng = np.random.default_rng(19)
    patient = {p: rng.normal(0, 1.0) for p in range(1, PATIENTS + 1)}
    session = {
        f"P{p}_s{s}": patient[p] + rng.normal(0, 0.8)
        for p in range(1, PATIENTS + 1)
        for s in range(1, SESSIONS + 1)
    }
    bias = {"ana": 0.0, "ben": 0.4, "cleo": -0.3, "dan": 0.2}
    codes = [("transcript", "segment", "coder", "dimension", "value")]
    for a in plan:
        t, c = a["transcript"], a["coder"]
        latent = session[t] + bias[c]
        for seg in range(2, TURNS + 1, 2):  # the patient's turns (1-based)
            if rng.random() < 1 / (1 + np.exp(-(latent + rng.normal(0, 0.8)))):
                codes.append((t, str(seg), c, "concordance", "1"))
            pick = rng.random()
            if pick < 0.5:
                codes.append(
                    (t, str(seg), c, "stance", "agree" if latent > pick - 0.3 else "doubt")
                )
        rating = int(np.clip(round(4 + 1.2 * latent + rng.normal(0, 0.6)), 1, 7))
        codes.append((t, "", c, "alliance", str(rating)))
        codes.append((t, "", c, "phase", "early" if t.endswith(("s1", "s2")) else "late"))
    with (tmp_path / "codes.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(codes)
    run(capsys, "codes", "import", study, str(tmp_path / "codes.csv"), "--complete")
    with (tmp_path / "dan.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([codes[0], ("P1_s1", "2", "dan", "concordance", "1")])
    run(capsys, "codes", "import", study, str(tmp_path / "dan.csv"), "--add-coders")
    return study


def test_rotating_design_matches_variance_components_done_here(
    rotating_study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = run(capsys, "reliability", rotating_study, "--sessions", "--json")
    report = json.loads(out)
    assert report["coders"] == ["ana", "ben", "cleo", "dan"]
    assert report["incomplete_pairs"] == 1  # dan's uncompleted transcript is left out
    items = {i["measure"]: i for i in report["session_reliability"]}
    assert list(items) == [
        "concordance_rate",
        "stance_rate",
        "stance_rate[agree]",
        "stance_rate[doubt]",
        "alliance",
    ]
    assert report["skipped"][0]["dimension"] == "phase"

    sessions = export(capsys, rotating_study, "sessions")
    sessions = sessions[sessions["completed"].astype(bool)]
    assert "dan" not in set(sessions["coder"])
    long = export(capsys, rotating_study, "long")
    long = long[(long["dimension"] == "stance") & long["completed"].astype(bool)]
    agree = long.assign(agree=long["value"] == "agree").groupby(["transcript", "coder"])
    agree_rate = (100 * agree["agree"].sum() / agree.size()).rename("stance_rate[agree]")
    sessions = sessions.join(agree_rate, on=["transcript", "coder"])
    changes = {c["measure"]: c for c in report["within_change_reliability"]}
    for measure in ("concordance_rate", "stance_rate[agree]", "alliance"):
        item = items[measure]
        y = sessions[measure].to_numpy(dtype=float)
        t = sessions["transcript"].to_numpy()
        c = sessions["coder"].to_numpy()
        assert item["n_sessions"] == PATIENTS * SESSIONS
        assert item["n_double_coded"] == PATIENTS * SESSIONS // 2
        assert item["raters_per_session"] == pytest.approx(1.5)
        assert item["method"] == "G(q,k)" and item["design"] == "incomplete"
        assert item["icc_a1"] is None and "fully crossed" in item["icc_reason"]
        assert item["g_qk"] == pytest.approx(dense_reliability(y, t, c), abs=2e-6)
        lo, hi = item["g_ci95"]
        assert lo < item["g_qk"] < hi
        change = changes[measure]
        assert change["n_patients"] == PATIENTS and change["n_sessions"] == PATIENTS * SESSIONS
        persons = sessions["participant"].to_numpy()
        assert change["r_change"] == pytest.approx(dense_reliability(y, t, c, persons), abs=2e-6)

    text, _ = run(capsys, "reliability", rotating_study, "--sessions")
    assert "Within-patient change" in text and "incomplete" in text
    assert "phase" in text and "category, not a score" in text
    out, _ = run(capsys, "reliability", rotating_study, "--sessions", "--csv")
    rows = list(csv.DictReader(out.splitlines()))
    assert [r["measure"] for r in rows] == list(items)
    assert float(rows[0]["g_qk"]) == pytest.approx(items["concordance_rate"]["g_qk"])


TRIPLE = "P01_session02,P02_session04,P03_session06"


def test_sample_study_is_fully_crossed_and_icc_equals_g(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample's three hand-written sessions are coded by all three coders (the follow-up
    sessions by one coder each, which reliability leaves aside: --transcripts picks the
    three)."""
    study = str(tmp_path / "demo.scstudy")
    run(capsys, "demo", "--no-gui", "--path", study)
    out, _ = run(capsys, "reliability", study, "--sessions", "--json", "--transcripts", TRIPLE)
    report = json.loads(out)
    sessions = export(capsys, study, "sessions")
    sessions = sessions[sessions["transcript"].isin(TRIPLE.split(","))]
    for item in report["session_reliability"]:
        assert item["design"] == "fully crossed" and item["method"] == "ICC(A,1)"
        assert item["n_sessions"] == 3 and item["raters_per_session"] == 3
        assert item["g_qk"] == pytest.approx(item["icc_a1"], abs=1e-6)
        assert item["g_ci95"] == pytest.approx(item["icc_ci95"], abs=1e-6)
        if item["measure"] in sessions:
            matrix = sessions.pivot(index="transcript", columns="coder", values=item["measure"])
            assert item["icc_a1"] == pytest.approx(icc_by_hand(matrix.to_numpy()), abs=1e-6)
    for change in report["within_change_reliability"]:
        assert change["r_change"] is None and "two or more sessions" in change["reason"]
    text, _ = run(
        capsys, "reliability", study, "--sessions", "--dimension", "goal_agreement",
        "--transcripts", TRIPLE,
    )  # fmt: skip
    assert "goal_agreement" in text and "concordance" not in text and "fully crossed" in text
    # all sessions: the follow-ups give within-patient change figures, some with notes of their
    # own (no interval for goal agreement); the text output says what the JSON says
    out, _ = run(capsys, "reliability", study, "--sessions", "--json")
    change_notes = {n for c in json.loads(out)["within_change_reliability"] for n in c["notes"]}
    assert any(n.startswith("no interval") for n in change_notes)
    text, _ = run(capsys, "reliability", study, "--sessions")
    for note in change_notes:
        assert note in text


def test_no_completed_double_coding_gives_null_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    study = str(tmp_path / "s.scstudy")
    run(capsys, "init", study, "--codebook", str(tmp_path / "cb.yaml"))
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text(f"T: hello {name}\nP: fine\nT: so\nP: yes\n", "utf-8")
        run(capsys, "import", study, str(tmp_path / f"{name}.txt"), "--participant", "P1")
    out, _ = run(capsys, "reliability", study, "--sessions", "--json")
    report = json.loads(out)
    assert report["completed_pairs"] == 0
    for item in report["session_reliability"]:
        assert item["g_qk"] is None and item["icc_a1"] is None and item["method"] is None
        assert "no completed scores" in item["reason"]
    text, _ = run(capsys, "reliability", study, "--sessions")
    assert "no completed scores" in text

    # every session completed by one coder only
    run(capsys, "coders", "add", study, "ana", "ben")
    for name, coder in (("a", "ana"), ("b", "ben"), ("c", "ana")):
        run(
            capsys,
            "code",
            study,
            "--coder",
            coder,
            "--transcript",
            name,
            "--dimension",
            "alliance",
            "--value",
            "5",
        )
        run(capsys, "complete", study, "--coder", coder, "--transcript", name)
    out, _ = run(capsys, "reliability", study, "--sessions", "--json")
    for item in json.loads(out)["session_reliability"]:
        assert item["g_qk"] is None
        assert "no session was completed by two or more coders" in item["reason"]


def test_filters_and_bad_options(rotating_study: str, capsys: pytest.CaptureFixture[str]) -> None:
    chosen = "P1_s1,P1_s2,P2_s1,P2_s2,P3_s1,P3_s2"
    out, _ = run(
        capsys,
        "reliability",
        rotating_study,
        "--sessions",
        "--json",
        "--transcripts",
        chosen,
        "--coders",
        "ana,ben",
        "--dimension",
        "alliance",
    )
    report = json.loads(out)
    assert report["coders"] == ["ana", "ben"]
    (item,) = report["session_reliability"]
    assert item["measure"] == "alliance" and set(item["coders"]) <= {"ana", "ben"}
    table = export(capsys, rotating_study, "sessions")
    table = table[table["transcript"].isin(chosen.split(",")) & table["coder"].isin(["ana", "ben"])]
    assert report["completed_pairs"] == len(table)
    assert item["n_sessions"] == table["transcript"].nunique()
    for argv, expected in (
        (("--dimension", "nope"), "unknown dimension"),
        (("--by", "pair"), "--by"),
        (("--coders", "consensus"), "consensus layer"),
        (("--coders", "ana,zed"), "zed"),
        (("--transcripts", "P9_s9"), "P9_s9"),
        (("--since", "2024-01-01"), "--since"),
    ):
        _, err = run(capsys, "reliability", rotating_study, "--sessions", *argv, status=2)
        assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_same_figures_on_postgresql_and_the_study_is_unchanged(
    target_sample: str, sample_study: Path, cli: Callable[..., Any], dump: Callable[..., Any]
) -> None:
    before = dump(target_sample)
    here = cli("reliability", target_sample, "--sessions", "--json")
    assert here.code == 0, here.err
    reference = cli("reliability", sample_study, "--sessions", "--json")
    keys = ("measure", "n_sessions", "icc_a1", "icc_ci95", "g_qk", "g_ci95", "components")
    figures = [
        [{k: item[k] for k in keys} for item in json.loads(r.out)["session_reliability"]]
        for r in (here, reference)
    ]
    assert figures[0] == figures[1] and figures[0]
    assert dump(target_sample) == before
