"""Issue #11 items 2, 6 and 10 through the command line: value groups as two categories, coder
pairs over their own transcripts, group notes in text and CSV, per-dimension levels, seeds.

Expected figures are computed here from the codes written into the study."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest

CODEBOOK = """\
name: Groups test codebook
version: "1"
dimensions:
  - {key: flag, label: Flag, scale: binary, applies_to: [patient], shortcut: f}
  - key: topic
    label: Topic
    scale: nominal
    values: [activity, sleep, symptoms, other_topic]
    applies_to: [patient]
    shortcut: t
  - {key: rating, label: Rating, scale: interval, unit: session, shortcut: r}
"""
TOPICS = ["activity", "sleep", "symptoms", "other_topic"]
UNITS = 40


def _coded() -> dict[str, np.ndarray]:
    """Two coders x 40 patient turns: topic positions and flag (1 = present)."""
    rng = np.random.default_rng(12)
    truth = rng.choice(4, size=UNITS, p=[0.55, 0.25, 0.12, 0.08])
    topic = np.vstack([np.where(rng.random(UNITS) < 0.2, rng.integers(0, 4, UNITS), truth)] * 2)
    topic[1] = np.where(rng.random(UNITS) < 0.2, rng.integers(0, 4, UNITS), truth)
    flag_truth = (rng.random(UNITS) < 0.25).astype(int)
    flag = np.vstack([np.where(rng.random(UNITS) < 0.1, 1 - flag_truth, flag_truth)] * 2)
    flag[1] = np.where(rng.random(UNITS) < 0.1, 1 - flag_truth, flag_truth)
    return {"topic": topic, "flag": flag}


@pytest.fixture
def study(tmp_path: Path, cli) -> str:
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    path = str(tmp_path / "g.scstudy")
    assert cli("init", path, "--codebook", tmp_path / "cb.yaml").code == 0
    for name in ("one", "two"):
        turns = "\n".join(f"T: {name} q{i}\nP: a{i}" for i in range(UNITS // 2))
        (tmp_path / f"{name}.txt").write_text(turns + "\n", encoding="utf-8")
    assert cli("import", path, tmp_path / "one.txt", tmp_path / "two.txt").code == 0
    coded = _coded()
    rows = [("transcript", "segment", "coder", "dimension", "value")]
    for c, coder in enumerate(("ana", "ben")):
        for u in range(UNITS):
            transcript, turn = ("one", u) if u < UNITS // 2 else ("two", u - UNITS // 2)
            rows.append((transcript, 2 * turn + 2, coder, "topic", TOPICS[coded["topic"][c, u]]))
            if coded["flag"][c, u]:
                rows.append((transcript, 2 * turn + 2, coder, "flag", "1"))
        rows.append(("one", "", coder, "rating", str(3 + c)))
    # cleo double-codes only transcript two (topic), so the pair ana/cleo has 20 units.
    for u in range(UNITS // 2, UNITS):
        rows.append(
            ("two", 2 * (u - UNITS // 2) + 2, "cleo", "topic", TOPICS[coded["topic"][0, u]])
        )
    with (tmp_path / "codes.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    result = cli("codes", "import", path, tmp_path / "codes.csv", "--add-coders", "--complete")
    assert result.code == 0, result.err
    return path


def _two_category_ac1(indicator: np.ndarray) -> float:
    """Gwet's AC1 with q = 2 for two coders without missing values."""
    pa = float((indicator[0] == indicator[1]).mean())
    pi = float(indicator.mean())
    pe = 2 * pi * (1 - pi)
    return (pa - pe) / (1 - pe)


def test_value_groups_are_two_categories(study: str, cli) -> None:
    out = cli("reliability", study, "--by", "value", "--json", "--coders", "ana,ben").out
    dims = {d["key"]: d for d in json.loads(out)["dimensions"]}
    topic = _coded()["topic"]
    for group in dims["topic"]["groups"]:
        position = TOPICS.index(group["value"])
        indicator = (topic == position).astype(float)
        assert group["gwet_ac1"] == pytest.approx(_two_category_ac1(indicator))
        share = float(indicator.mean())
        assert group["prevalence"] == {
            "other": pytest.approx(1 - share),
            group["value_label"]: pytest.approx(share),
        }
        alpha = krippendorff.alpha(reliability_data=indicator, level_of_measurement="nominal")
        assert group["krippendorff_alpha"] == pytest.approx(alpha)
        assert set(group["specific_agreement"]) == {"positive", "negative"}
    flag = _coded()["flag"]
    present = next(g for g in dims["flag"]["groups"] if g["value"] == "1")
    assert present["prevalence"]["present"] == pytest.approx(float(flag.mean()))
    assert present["prevalence"]["other"] == pytest.approx(1 - float(flag.mean()))


def test_pair_units_are_the_transcripts_both_coded(study: str, cli) -> None:
    out = cli("reliability", study, "--dimension", "topic", "--by", "pair", "--json").out
    groups = {tuple(g["pair"]): g for g in json.loads(out)["dimensions"][0]["groups"]}
    assert groups[("ana", "ben")]["units"] == UNITS
    assert groups[("ana", "cleo")]["units"] == UNITS // 2  # cleo coded transcript two only
    assert groups[("ana", "cleo")]["pairable_units"] == UNITS // 2


def test_group_notes_in_text_and_csv(study: str, cli) -> None:
    text = cli("reliability", study, "--dimension", "rating", "--by", "transcript").out
    # One session rating per transcript: alpha undefined, with its reason, for the group.
    assert "rating [one]: krippendorff_alpha undefined: fewer than 2 pairable units" in text
    assert "pairable units" in text and "pairable values" in text
    out = cli("reliability", study, "--dimension", "rating", "--by", "transcript", "--csv").out
    rows = list(csv.DictReader(out.splitlines()))
    one = next(r for r in rows if r["group"] == "one")
    assert one["pairable_units"] == "1" and one["krippendorff_alpha"] == ""
    assert "fewer than 2 pairable units" in one["notes"]


def test_level_per_dimension_and_refusals(study: str, cli) -> None:
    out = cli("reliability", study, "--json", "--level", "rating=ordinal").out
    dims = {d["key"]: d for d in json.loads(out)["dimensions"]}
    assert dims["rating"]["level"] == "ordinal" and dims["topic"]["level"] == "nominal"
    refused = cli("reliability", study, "--level", "topic=ordinal")
    assert refused.code == 2
    assert "level ordinal makes no sense for the nominal dimension 'topic'" in refused.err
    everywhere = cli("reliability", study, "--level", "interval")
    assert everywhere.code == 2 and "makes no sense" in everywhere.err
    bad = cli("reliability", study, "--level", "topic=cardinal")
    assert bad.code == 2 and "KEY=LEVEL" in bad.err
    unknown = cli("reliability", study, "--level", "nope=nominal")
    assert unknown.code == 2 and "nope" in unknown.err


def test_a_drawn_seed_is_recorded_and_reproduces_the_interval(study: str, cli) -> None:
    out = cli("reliability", study, "--dimension", "topic", "--bootstrap", "300", "--json").out
    report = json.loads(out)
    seed = report["seed"]
    assert isinstance(seed, int)
    first = report["dimensions"][0]
    assert first["bootstrap"]["seed"] == seed
    again = cli(
        "reliability",
        study,
        "--dimension",
        "topic",
        "--bootstrap",
        "300",
        "--seed",
        str(seed),
        "--json",
    ).out
    assert json.loads(again)["dimensions"][0]["alpha_ci95"] == first["alpha_ci95"]
