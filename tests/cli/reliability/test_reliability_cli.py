"""`socialcoder reliability`, `disagreements`, `consensus` and `adjudicate` on real study files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from socialcoder.cli import main

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units,
# with missing values (None). Published alphas: nominal .743, ordinal .815, interval .849,
# ratio .797.
K2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
PUBLISHED = {"k_nominal": 0.743, "k_ordinal": 0.815, "k_interval": 0.849, "k_ratio": 0.797}

CODEBOOK = """\
name: Krippendorff 2011 example
version: "1"
dimensions:
  - {key: k_nominal, label: Nominal, scale: nominal, values: [1, 2, 3, 4, 5], shortcut: a}
  - {key: k_ordinal, label: Ordinal, scale: ordinal, values: [1, 2, 3, 4, 5], shortcut: o}
  - {key: k_interval, label: Interval, scale: interval, shortcut: v}
  - {key: k_ratio, label: Ratio, scale: ratio, shortcut: r}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> tuple[str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == status, err
    return out, err


@pytest.fixture
def k2011_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    (tmp_path / "k.yaml").write_text(CODEBOOK, encoding="utf-8")
    study = str(tmp_path / "k.scstudy")
    run(capsys, "init", study, "--codebook", str(tmp_path / "k.yaml"))
    turns = "\n".join(f"{'T' if i % 2 else 'P'}: unit {i}" for i in range(1, 13))
    (tmp_path / "units.txt").write_text(turns + "\n", encoding="utf-8")
    run(capsys, "import", study, str(tmp_path / "units.txt"))
    with (tmp_path / "codes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("transcript", "segment", "coder", "dimension", "value"))
        for coder, values in K2011.items():
            for unit, value in enumerate(values, start=1):
                if value is not None:
                    for key in PUBLISHED:
                        writer.writerow(("units", unit, coder, key, value))
    run(capsys, "codes", "import", study, str(tmp_path / "codes.csv"), "--add-coders")
    return study


def test_published_alphas_at_all_four_levels(
    k2011_study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = run(capsys, "reliability", k2011_study, "--json")
    report = json.loads(out)
    alphas = {d["key"]: d["krippendorff_alpha"] for d in report["dimensions"]}
    assert {k: round(v, 3) for k, v in alphas.items()} == PUBLISHED
    nominal = report["dimensions"][0]
    assert nominal["level"] == "nominal"
    assert nominal["units"] == 12 and nominal["pairable_values"] == 40
    assert report["dimensions"][1]["level"] == "ordinal"


def test_table_output_and_bootstrap_withheld_on_twelve_units(
    k2011_study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = run(capsys, "reliability", k2011_study, "--dimension", "k_nominal")
    assert "k_nominal" in out and "0.743" in out
    out, _ = run(capsys, "reliability", k2011_study, "--json", "--bootstrap", "200", "--seed", "7")
    a = json.loads(out)["dimensions"][0]
    # 11 pairable units are far below Krippendorff's requirement: no interval, a reason.
    assert a["alpha_ci95"] is None and a["q_below"] is None
    assert a["bootstrap"]["replicates_requested"] == 200
    assert a["bootstrap"]["replicates_used"] == 0 and a["bootstrap"]["seed"] == 7
    assert any(
        n.startswith("too few units for a trustworthy figure: 11 pairable") for n in a["notes"]
    )


def test_breakdowns_and_csv(k2011_study: str, capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = run(
        capsys, "reliability", k2011_study, "--dimension", "k_nominal", "--by", "pair", "--json"
    )
    groups = json.loads(out)["dimensions"][0]["groups"]
    assert len(groups) == 6 and groups[0]["pair"] == ["A", "B"]
    out, _ = run(
        capsys, "reliability", k2011_study, "--dimension", "k_nominal", "--by", "value", "--json"
    )
    values = [g["value"] for g in json.loads(out)["dimensions"][0]["groups"]]
    assert values == ["1", "2", "3", "4", "5"]
    out, _ = run(capsys, "reliability", k2011_study, "--csv")
    rows = list(csv.reader(out.splitlines()))
    assert rows[0][0] == "key" and len(rows) == 5


def test_unknown_coder_and_bad_date_are_clear_errors(
    k2011_study: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, err = run(capsys, "reliability", k2011_study, "--coders", "A,Zed", status=2)
    assert "Zed" in err and "Traceback" not in err
    _, err = run(capsys, "reliability", k2011_study, "--since", "last week", status=2)
    assert "--since" in err


def test_undefined_alpha_is_null_with_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = str(tmp_path / "one.scstudy")
    run(capsys, "init", study)
    (tmp_path / "t.txt").write_text(
        "T: hello\nP: I will try the routine\nT: good\nP: yes\n", encoding="utf-8"
    )
    run(capsys, "import", study, str(tmp_path / "t.txt"))
    run(capsys, "coders", "add", study, "ana", "ben")
    for coder in ("ana", "ben"):
        run(capsys, "complete", study, "--coder", coder, "--transcript", "t")
    out, _ = run(capsys, "reliability", study, "--json", "--dimension", "concordance")
    item = json.loads(out)["dimensions"][0]
    assert item["krippendorff_alpha"] is None
    assert any("alpha" in note.lower() for note in item["notes"])


@pytest.fixture
def sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "demo.scstudy")
    run(capsys, "demo", "--no-gui", "--path", path)
    return path


def test_disagreements_consensus_and_adjudication(
    sample: str, capsys: pytest.CaptureFixture[str], raw_connect
) -> None:
    out, _ = run(capsys, "disagreements", sample, "--dimension", "concordance", "--json")
    items = json.loads(out)
    assert items, "the sample coders disagree somewhere"
    first = items[0]
    assert set(first["values"]) == {"ana", "ben", "cleo"}
    assert len(set(first["values"].values())) > 1
    assert first["role"] == "patient" and first["text"]

    out, _ = run(
        capsys,
        "consensus",
        sample,
        "--coders",
        "ana,ben,cleo",
        "--dimension",
        "concordance",
        "--json",
    )
    result = json.loads(out)
    assert result["agreed"] > 0
    left = result["to_adjudicate"]
    assert len(left) == len(items)

    target = left[0]
    run(
        capsys,
        "adjudicate",
        sample,
        "--transcript",
        target["transcript"],
        "--segment",
        str(target["segment"]),
        "--dimension",
        "concordance",
        "--value",
        "1",
        "--reason",
        "agrees with the rationale in his own words",
    )
    out, _ = run(
        capsys,
        "consensus",
        sample,
        "--coders",
        "ana,ben,cleo",
        "--dimension",
        "concordance",
        "--json",
    )
    again = json.loads(out)
    assert again["agreed"] == 0
    assert len(again["to_adjudicate"]) == len(left) - 1

    # The consensus layer exports like a coder, and is never counted as one.
    export = Path(sample).with_name("codes.csv")
    run(capsys, "codes", "export", sample, str(export))
    assert "consensus" in {row["coder"] for row in csv.DictReader(export.open(encoding="utf-8"))}
    out, _ = run(capsys, "reliability", sample, "--json")
    assert all("consensus" not in d["coders"] for d in json.loads(out)["dimensions"])

    # The decision and its reason are in the audit log.
    con = raw_connect(sample)
    try:
        reasons = [r[0] for r in con.execute("SELECT reason FROM audit_log WHERE actor = 'lead'")]
    finally:
        con.close()
    assert "agrees with the rationale in his own words" in reasons


def test_consensus_takes_each_transcripts_own_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Different pairs double-code different transcripts: consensus with all three coders named
    settles each transcript from the coders who coded it."""
    study = str(tmp_path / "pairs.scstudy")
    run(capsys, "init", study)
    for name in ("one", "two"):
        (tmp_path / f"{name}.txt").write_text(
            f"T: hello {name}\nP: that makes sense\nT: and then?\nP: I rested all week\n",
            encoding="utf-8",
        )
    run(capsys, "import", study, str(tmp_path / "one.txt"), str(tmp_path / "two.txt"))
    rows = ["transcript,segment,coder,dimension,value"]
    rows += [
        "one,2,ana,concordance,1",
        "one,2,ben,concordance,1",
        "one,4,ana,incongruent_principles,1",
    ]
    rows += [
        "two,2,ben,concordance,1",
        "two,2,cleo,concordance,1",
        "two,4,cleo,incongruent_principles,1",
    ]
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    run(capsys, "codes", "import", study, str(tmp_path / "c.csv"), "--add-coders", "--complete")
    out, _ = run(capsys, "consensus", study, "--coders", "ana,ben,cleo", "--json")
    result = json.loads(out)
    # concordance: 2 units per transcript agreed (seg 2 present, seg 4 absent) = 4;
    # incongruent: seg 2 absent agreed in both, seg 4 disputed in both; resistance: both turns
    # empty after completion, so 'none' (the codebook's empty_means) is agreed in both = 4.
    assert result["agreed"] == 10
    left = {(d["transcript"], d["segment"], d["dimension"]) for d in result["to_adjudicate"]}
    assert left == {("one", 4, "incongruent_principles"), ("two", 4, "incongruent_principles")}


def test_an_empty_study_has_no_disagreements_and_undefined_reliability(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = str(tmp_path / "empty.scstudy")
    run(capsys, "init", study)
    out, _ = run(capsys, "disagreements", study, "--json")
    assert json.loads(out) == []
    out, _ = run(capsys, "reliability", study, "--json")
    assert all(
        d["krippendorff_alpha"] is None and d["notes"] for d in json.loads(out)["dimensions"]
    )


def test_a_bootstrap_over_continuous_ratio_values_leaves_the_other_intervals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ratio dimension coded with more than 2,048 distinct numbers (seconds of silence) has no
    bootstrap interval at its level: `reliability --bootstrap` said so for the whole study and
    exited 2, every other dimension's interval lost with it. Now that dimension's interval is
    undefined with the reason, its alpha is printed, and the others have theirs."""
    (tmp_path / "c.yaml").write_text(
        'name: Silence (fictional)\nversion: "1"\ndimensions:\n'
        "  - {key: silence, label: Silence in seconds, scale: ratio, shortcut: s}\n"
        "  - {key: k_interval, label: Seconds again, scale: interval, shortcut: v}\n"
        "  - {key: mood, label: Mood, scale: nominal, values: [low, high], shortcut: o}\n",
        encoding="utf-8",
    )
    study = str(tmp_path / "s.scstudy")
    run(capsys, "init", study, "--codebook", str(tmp_path / "c.yaml"))
    for t in range(2):  # 2 fictional transcripts of 600 turns: 2 x 1,200 distinct seconds
        turns = "\n".join(f"{'T' if i % 2 else 'P'}: turn {i}" for i in range(1, 601))
        (tmp_path / f"t{t}.txt").write_text(f"Fictional test transcript {t}.\n{turns}\n", "utf-8")
    run(capsys, "import", study, *(str(tmp_path / f"t{t}.txt") for t in range(2)))
    rng = np.random.default_rng(5)
    with (tmp_path / "codes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("transcript", "segment", "coder", "dimension", "value"))
        for t in range(2):
            for unit in range(1, 601):
                base = rng.uniform(2, 30)
                for coder in ("ana", "ben"):
                    seconds = f"{abs(base + rng.normal(0, 0.5)):.3f}"
                    writer.writerow((f"t{t}", unit, coder, "silence", seconds))
                    writer.writerow((f"t{t}", unit, coder, "k_interval", seconds))
                    mood = "high" if (base > 16) != (rng.uniform() < 0.1) else "low"
                    writer.writerow((f"t{t}", unit, coder, "mood", mood))
    run(capsys, "codes", "import", study, str(tmp_path / "codes.csv"), "--add-coders")
    out, _ = run(capsys, "reliability", study, "--json", "--bootstrap", "50", "--seed", "3")
    dims = {d["key"]: d for d in json.loads(out)["dimensions"]}
    silence = dims["silence"]
    assert silence["pairable_values"] == 2400
    assert silence["krippendorff_alpha"] > 0.9 and silence["alpha_ci95"] is None
    why = [n for n in silence["notes"] if n.startswith("alpha_ci95 undefined")]
    assert why and "more than 2,048 distinct values" in why[0], silence["notes"]
    for other in ("k_interval", "mood"):  # their intervals are there
        low, high = dims[other]["alpha_ci95"]
        assert low <= dims[other]["krippendorff_alpha"] <= high
