"""`socialcoder machine train|evaluate` on a real study file built with the CLI.

Fictional transcripts: each patient turn carries (most of the time) a key phrase of its
``talk`` value. ana codes and completes all twelve transcripts, ben (noisier) the first four,
dan has codes on one transcript he has not completed. The figures the commands print are checked
against computations done here from the study's own long export (the krippendorff package for
alpha, plain counting for the training data); nothing in the study may change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from machine_support import TRANSCRIPTS, TURNS, VALUES, build_machine_study

from socialcoder.cli import main

Dump = Callable[[str | Path], dict[str, list[tuple[object, ...]]]]


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> tuple[str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == status, err
    return out, err


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_machine_study(tmp_path_factory.mktemp("machine"))


@pytest.fixture
def study(built: Path, tmp_path: Path) -> str:
    copy = tmp_path / "m.scstudy"
    copy.write_bytes(built.read_bytes())
    return str(copy)


@pytest.fixture(scope="module")
def long(built: Path) -> pd.DataFrame:
    frame = pd.read_csv(built.with_name("long.csv"), dtype={"value": str})
    return frame[(frame["dimension"] == "talk") & frame["completed"].astype(bool)]


def _alpha(*rows: pd.Series) -> float:
    position = {v: float(i) for i, v in enumerate(VALUES)}
    data = np.vstack([r.map(position).to_numpy(dtype=float) for r in rows])
    return float(
        krippendorff.alpha(
            reliability_data=data, level_of_measurement="nominal", value_domain=[0.0, 1.0, 2.0]
        )
    )


def test_evaluate_compares_the_machine_with_single_humans(
    study: str, long: pd.DataFrame, capsys: pytest.CaptureFixture[str], dump: Dump
) -> None:
    before = dump(study)
    out, _ = run(
        capsys, "machine", "evaluate", study, "--dimension", "talk", "--folds", "3", "--json"
    )
    report = json.loads(out)
    wide = long.pivot(index=["transcript", "segment"], columns="coder", values="value")
    # every completed human-coded patient turn is evaluated; dan's open transcript is left out
    assert report["units"] == len(wide) == TRANSCRIPTS * TURNS // 2
    assert report["inputs"]["open_pairs_left_out"] == [{"coder": "dan", "transcript": "s05"}]
    assert set(report["by_coder"]) == {"ana", "ben"}
    # the reference human is the first coder by name (ana codes every turn): her value counts
    counts = wide["ana"].value_counts()
    for value in VALUES:
        assert report["per_value"][value]["human"] == counts[value]
    # the humans' own agreement on the turns both coded, from the export, by the package
    both = wide.dropna()
    assert report["overlap"]["units"] == len(both) == 4 * TURNS // 2
    assert report["alpha_human_human"] == pytest.approx(_alpha(both["ana"], both["ben"]), abs=1e-12)
    # grouped folds keep a participant's two sessions together; the signal is learnt
    assert report["grouping"]["by"] in ("participant and therapist", "participant")
    assert report["folds"] == len(report["by_fold"]) == 3
    assert sum(f["units"] for f in report["by_fold"]) == report["units"]
    assert report["alpha_machine_human"] > 0.7
    assert report["by_coder"]["ana"]["units"] == report["units"]
    assert report["by_coder"]["ben"]["units"] == len(both)
    assert dump(study) == before  # read only


def test_evaluate_prints_the_figures(study: str, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = run(capsys, "machine", "evaluate", study, "--dimension", "talk", "--folds", "3")
    assert "alpha(machine, human)" in out
    assert "alpha(human, human)" in out and "on the 40 turns two or more humans coded" in out
    assert "sustain" in out and "recall" in out
    assert "left out (transcript not completed by the coder): dan on s05" in out


def test_train_learns_from_the_settled_codes_and_stores_the_model(
    study: str, long: pd.DataFrame, capsys: pytest.CaptureFixture[str], dump: Dump
) -> None:
    before = dump(study)
    out, _ = run(capsys, "machine", "train", study, "--dimension", "talk", "--json")
    report = json.loads(out)
    wide = long.pivot(index=["transcript", "segment"], columns="coder", values="value")
    disagree = wide["ben"].notna() & (wide["ben"] != wide["ana"])
    settled = wide.loc[~disagree, "ana"]
    info = report["training"]
    assert info["source"] == "consensus"
    assert info["unsettled"] == int(disagree.sum()) > 0
    assert info["units"] == len(settled)
    assert info["counts"] == {v: int((settled == v).sum()) for v in VALUES}
    assert info["transcripts"] == TRANSCRIPTS
    assert len(info["data_hash"]) == 64
    assert report["version"] == 1 and report["text"] == "original"
    assert report["model_bytes"] > 0
    assert set(report["versions"]) >= {"scikit-learn", "numpy", "socialcoder"}
    out, _ = run(
        capsys, "machine", "train", study, "--dimension", "talk", "--from", "ben", "--json"
    )
    assert json.loads(out)["training"]["units"] == int(wide["ben"].notna().sum())
    out, _ = run(capsys, "machine", "train", study, "--dimension", "talk")
    assert "trained on consensus" in out and "stored in the study as talk v3" in out
    after = dump(study)
    # only the models were added: nothing else in the study changed
    assert len(after["machine_models"]) == 3
    assert {k: v for k, v in after.items() if k != "machine_models"} == {
        k: v for k, v in before.items() if k != "machine_models"
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("train", "--dimension", "mood"), "unknown dimension 'mood'"),
        (("train", "--dimension", "alliance"), "rated once per session"),
        (("train", "--dimension", "talk", "--from", "cleo"), "unknown coder(s) 'cleo'"),
        (
            ("evaluate", "--dimension", "talk", "--from", "dan"),
            "coder 'dan' has codes of 'talk' only on transcripts not completed yet (s05)",
        ),
        # no turn was coded 'present': on completed transcripts every turn is absent
        (("train", "--dimension", "concordance"), "hold only one value ('0': 120 units)"),
        (
            ("evaluate", "--dimension", "talk", "--folds", "13"),
            "12 groups of sessions with coded turns, at least 13 needed",
        ),
        (
            ("evaluate", "--dimension", "talk", "--folds", "1"),
            "needs at least 2 folds (got 1); change --folds",
        ),
    ],
)
def test_bad_requests_are_refused_in_one_line(
    study: str, capsys: pytest.CaptureFixture[str], dump: Dump, argv: tuple[str, ...], message: str
) -> None:
    before = dump(study)
    command, *rest = argv
    _, err = run(capsys, "machine", command, study, *rest, status=2)
    assert message in err
    assert err.count("\n") == 1 and err.startswith("socialcoder: error:")
    assert dump(study) == before


def test_on_the_sample_study_the_humans_alpha_is_the_reliability_commands(
    target_sample: str, capsys: pytest.CaptureFixture[str], dump: Dump
) -> None:
    """SQLite and PostgreSQL: on the sample study (every coder completed every transcript)
    alpha(human, human) is the figure `reliability` reports for the same turns."""
    before = dump(target_sample)
    out, _ = run(capsys, "reliability", target_sample, "--json")
    expected = {d["key"]: d for d in json.loads(out)["dimensions"]}["concordance"]
    out, _ = run(
        capsys,
        "machine",
        "evaluate",
        target_sample,
        "--dimension",
        "concordance",
        "--folds",
        "3",
        "--json",
    )
    report = json.loads(out)
    assert report["alpha_human_human"] == pytest.approx(expected["krippendorff_alpha"], abs=1e-12)
    assert report["overlap"]["units"] == report["units"] == expected["units"]
    assert set(report["by_coder"]) == set(expected["coders"])
    # three sessions are far too few to learn from: the figure says so, nothing hides it
    assert report["alpha_machine_human"] < report["alpha_human_human"]
    assert dump(target_sample) == before
