"""`socialcoder calibrate`: a trainee's accuracy against a gold-standard coder over several
practice transcripts (issue #11 item 11). Expected figures come from scikit-learn and
statsmodels on vectors built here from the codes written into the study."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, precision_score, recall_score
from statsmodels.stats.inter_rater import cohens_kappa

from socialcoder.cli import main

SESSIONS, TURNS = 4, 50
RESISTANCE = ["none", "mild", "strong"]


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == status, err
    return out if status == 0 else err


@pytest.fixture
def one_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "cal.scstudy")
    run(capsys, "init", path)
    practice = tmp_path / "practice.txt"
    practice.write_text(
        "T: How did the routine go?\n"
        "P: It makes sense to me, I kept to the same times every day.\n"
        "T: And on the good day?\n"
        "P: I did loads and then I was in bed for two days.\n"
        "T: What do you make of that?\n"
        "P: I don't see why I should push myself when I feel ill.\n",
        encoding="utf-8",
    )
    run(capsys, "import", path, str(practice))
    run(capsys, "coders", "add", path, "gold", "trainee")
    for coder, segment, key, value in [
        ("gold", 2, "concordance", "1"),
        ("gold", 6, "resistance", "strong"),
        ("trainee", 2, "concordance", "1"),
        ("trainee", 6, "resistance", "mild"),
    ]:
        run(
            capsys, "code", path, "--coder", coder, "--transcript", "practice",
            "--segment", str(segment), "--dimension", key, "--value", value,
        )  # fmt: skip
    return path


def test_one_short_session_cannot_pass_anyone(
    one_session: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("calibrate", one_session, "--trainee", "trainee", "--gold", "gold")
    err = run(capsys, *args, "--transcript", "practice", status=2)
    assert "complete" in err
    for coder in ("gold", "trainee"):
        run(capsys, "complete", one_session, "--coder", coder, "--transcript", "practice")
    result = json.loads(run(capsys, *args, "--transcript", "practice", "--json"))
    by_key = {d["key"]: d for d in result["dimensions"]}
    # Both agree on concordance in 3 of 3 turns: formerly a pass. Now: not assessable.
    concordance = by_key["concordance"]
    assert concordance["units"] == 3 and concordance["result"] == "not assessable"
    assert concordance["passed"] is None
    # Neither coder used incongruent principles: it cannot be judged, and says why.
    incongruent = by_key["incongruent_principles"]
    assert incongruent["result"] == "not assessable"
    assert any("not assessable for 'present'" in n for n in incongruent["notes"])
    assert result["passed"] is False and result["verdict"] == "NOT ASSESSABLE"
    assert by_key["resistance"]["result"] == "not assessable"
    assert result["differences"] == [
        {
            "dimension": "resistance",
            "transcript": "practice",
            "segment": 6,
            "text": "I don't see why I should push myself when I feel ill.",
            "trainee": "mild",
            "gold": "strong",
        }
    ]
    text = run(capsys, *args, "--transcript", "practice")
    assert "you mild, gold strong" in text and "not assessable" in text


def _practice(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Gold and trainee positions over SESSIONS x TURNS patient turns (row 0 gold)."""
    n = SESSIONS * TURNS
    concordance = (rng.random(n) < 0.4).astype(int)
    trainee_c = np.where(rng.random(n) < 0.02, 1 - concordance, concordance)
    incongruent = (rng.random(n) < 0.3).astype(int)
    trainee_i = np.where(rng.random(n) < 0.2, 1 - incongruent, incongruent)
    resistance = rng.choice(3, size=n, p=[0.6, 0.25, 0.15])
    trainee_r = np.where(rng.random(n) < 0.45, rng.integers(0, 3, n), resistance)
    return {
        "concordance": np.vstack((concordance, trainee_c)),
        "incongruent_principles": np.vstack((incongruent, trainee_i)),
        "resistance": np.vstack((resistance, trainee_r)),
    }


@pytest.fixture
def practice_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, dict]:
    path = str(tmp_path / "practice.scstudy")
    run(capsys, "init", path)
    files = []
    for s in range(SESSIONS):
        source = tmp_path / f"practice{s}.txt"
        source.write_text(
            "".join(f"T: session {s} question {i}\nP: answer {i}\n" for i in range(TURNS)),
            encoding="utf-8",
        )
        files.append(str(source))
    run(capsys, "import", path, *files)
    coded = _practice(np.random.default_rng(11))
    rows = [("transcript", "segment", "coder", "dimension", "value")]
    for key, matrix in coded.items():
        for r, coder in enumerate(("gold", "trainee")):
            for u in range(SESSIONS * TURNS):
                s, turn = divmod(u, TURNS)
                value = matrix[r, u]
                if key == "resistance":
                    if value:  # only mild/strong entered; 'none' is implied after completion
                        rows.append((f"practice{s}", 2 * turn + 2, coder, key, RESISTANCE[value]))
                elif value:
                    rows.append((f"practice{s}", 2 * turn + 2, coder, key, "1"))
    for s in range(SESSIONS):
        rows.append((f"practice{s}", "", "gold", "goal_agreement", str(4 + s % 3)))
        rows.append((f"practice{s}", "", "trainee", "goal_agreement", str(4 + s % 3 + s % 2)))
    with (tmp_path / "codes.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    run(capsys, "codes", "import", path, str(tmp_path / "codes.csv"), "--add-coders", "--complete")
    return path, coded


def test_several_sessions_judged_on_the_interval(practice_study, capsys) -> None:
    path, coded = practice_study
    names = ",".join(f"practice{s}" for s in range(SESSIONS))
    out = run(
        capsys, "calibrate", path, "--trainee", "trainee", "--gold", "gold",
        "--transcripts", names, "--json",
    )  # fmt: skip
    result = json.loads(out)
    assert result["transcripts"] == names.split(",")
    dims = {d["key"]: d for d in result["dimensions"]}
    for key, weights in (
        ("concordance", None),
        ("incongruent_principles", None),
        ("resistance", "linear"),
    ):
        gold, trainee = coded[key]
        if key != "resistance":  # codebook order: present (1) first, absent (0) second
            gold, trainee = 1 - gold, 1 - trainee
        d = dims[key]
        assert d["sessions"] == SESSIONS and d["units"] == SESSIONS * TURNS
        assert d["estimate"] == pytest.approx(cohen_kappa_score(gold, trainee, weights=weights))
        table = np.zeros((len(d["values"]),) * 2)
        for g, t in zip(gold, trainee, strict=True):
            table[g, t] += 1
        reference = cohens_kappa(table, wt=weights)
        assert d["ci95"] == pytest.approx([reference.kappa_low, min(1.0, reference.kappa_upp)])
        labels = list(range(len(d["values"])))
        recall = recall_score(gold, trainee, labels=labels, average=None, zero_division=0)
        precision = precision_score(gold, trainee, labels=labels, average=None, zero_division=0)
        for position, value in enumerate(d["values"]):
            assert value["sensitivity"] == pytest.approx(recall[position])
            assert value["ppv"] == pytest.approx(precision[position])
            assert value["assessable"] is True
        expected = (
            "pass"
            if reference.kappa_low >= 0.8
            else "fail"
            if reference.kappa < 0.8
            else "not yet shown"
        )
        assert d["result"] == expected
    assert dims["concordance"]["result"] == "pass"
    assert dims["resistance"]["result"] == "fail"
    goal = dims["goal_agreement"]
    # 4 of 4 sessions within one point: the Wilson interval still reaches far below 0.8.
    assert goal["estimate"] == 1.0 and goal["result"] == "not yet shown"
    assert result["verdict"] == "NOT YET" and result["passed"] is False
    text = run(
        capsys, "calibrate", path, "--trainee", "trainee", "--gold", "gold", "--transcripts", names
    )
    assert "sensitivity" in text and "PPV" in text and "NOT YET" in text


def test_calibration_settings_kept_in_the_study(practice_study, capsys) -> None:
    """Issue #18: gold coder, practice transcripts and pass mark are study settings, so
    `calibrate` needs only the trainee and every computer sees the same."""
    path, _ = practice_study
    states = json.loads(run(capsys, "settings", path, "--json"))["settings"]
    kept = {s["name"]: (s["value"], s["stored"]) for s in states}
    assert kept["calibration_threshold"] == (0.8, True)  # a new study stores the defaults
    assert kept["calibration_gold"] == ("", True)
    assert kept["calibration_practice"] == ("", True)
    err = run(capsys, "calibrate", path, "--trainee", "trainee", status=2)
    assert "calibration_gold" in err
    names = ",".join(f"practice{s}" for s in range(SESSIONS))
    run(capsys, "settings", path, "calibration_gold", "gold")
    run(capsys, "settings", path, "calibration_practice", names.replace(",", ", "))
    run(capsys, "settings", path, "calibration_threshold", "0.6")
    out = run(capsys, "settings", path, "calibration_practice")
    assert out.startswith(f"calibration_practice: {names}  - ")
    assert run(capsys, "settings", path, "calibration_threshold").startswith(
        "calibration_threshold: 0.6  - "
    )
    kept_run = json.loads(run(capsys, "calibrate", path, "--trainee", "trainee", "--json"))
    argv = ("calibrate", path, "--trainee", "trainee", "--gold", "gold", "--transcripts", names)
    explicit = json.loads(run(capsys, *argv, "--threshold", "0.6", "--json"))
    assert kept_run == explicit and kept_run["threshold"] == 0.6
    assert kept_run["transcripts"] == names.split(",")
    # an option still overrides the study's setting
    strict = json.loads(
        run(capsys, "calibrate", path, "--trainee", "trainee", "--threshold", "0.95", "--json")
    )
    assert strict["threshold"] == 0.95
    # refused: a threshold outside (0, 1), an unknown coder or transcript; nothing changes
    for name, bad, why in (
        ("calibration_threshold", "1.5", "between 0 and 1"),
        ("calibration_threshold", "high", "between 0 and 1"),
        ("calibration_gold", "nobody", "nobody"),
        ("calibration_practice", "practice0,missing", "missing"),
    ):
        assert why in run(capsys, "settings", path, name, bad, status=2)
    states = json.loads(run(capsys, "settings", path, "--json"))["settings"]
    kept = {s["name"]: s["value"] for s in states}
    assert kept["calibration_threshold"] == 0.6 and kept["calibration_gold"] == "gold"
    assert kept["calibration_practice"] == names


def test_calibration_settings_on_sqlite_and_postgresql(target_sample: str, cli) -> None:
    """The same settings, kept in the study, on both storage back ends."""
    assert cli("settings", target_sample, "calibration_gold", "ana").code == 0
    names = "P01_session02,P02_session04"
    assert cli("settings", target_sample, "calibration_practice", names).code == 0
    assert cli("settings", target_sample, "calibration_threshold", "0.7").code == 0
    states = json.loads(cli("settings", target_sample, "--json").out)["settings"]
    kept = {s["name"]: (s["value"], s["stored"]) for s in states}
    assert kept["calibration_gold"] == ("ana", True)
    assert kept["calibration_practice"] == (names, True)
    assert kept["calibration_threshold"] == (0.7, True)
    bad = cli("settings", target_sample, "calibration_practice", "P01_session02,nowhere")
    assert bad.code == 2 and "nowhere" in bad.err
    result = cli("calibrate", target_sample, "--trainee", "ben", "--json")
    if result.code == 0:  # both completed the practice transcripts
        data = json.loads(result.out)
        assert (data["gold"], data["threshold"]) == ("ana", 0.7)
        assert data["transcripts"] == names.split(",")
    else:  # the sample's coders have not: the refusal names the kept transcripts
        assert result.code == 2 and "P01_session02" in result.err
