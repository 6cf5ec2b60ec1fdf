"""The per-dimension JSON item: its keys, notes and flags."""

from __future__ import annotations

import json

import numpy as np
import pytest

from socialcoder.errors import UserError
from socialcoder.reliability import krippendorff_alpha, summarize_dimension

NAN = np.nan

KEYS = [
    "key",
    "level",
    "units",
    "pairable_units",
    "pairable_values",
    "open_pairs",
    "implied_values",
    "coders",
    "krippendorff_alpha",
    "krippendorff_alpha_explicit",
    "observed_disagreement",
    "expected_disagreement",
    "alpha_ci95",
    "bootstrap",
    "q_below",
    "sample_size",
    "percent_agreement",
    "specific_agreement",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "cohen_kappa_pairs",
    "prevalence",
    "notes",
]


def _ordinal_example() -> np.ndarray:
    rng = np.random.default_rng(8)
    truth = rng.integers(0, 4, size=60)
    data = np.clip(np.tile(truth, (3, 1)) + rng.integers(-1, 2, size=(3, 60)), 0, 3).astype(float)
    data[2, :20] = NAN
    return data


def test_to_dict_has_exactly_the_stable_keys_and_is_json() -> None:
    result = summarize_dimension(
        _ordinal_example(),
        key="alliance_rupture",
        level="ordinal",
        categories=["none", "mild", "moderate", "severe"],
        coder_names=["ana", "ben", "cai"],
        bootstrap=200,
        seed=5,
    )
    item = result.to_dict()
    assert list(item) == KEYS
    json.dumps(item)  # serialisable as is
    assert item["coders"] == ["ana", "ben", "cai"]
    assert item["units"] == 60 and item["pairable_units"] == 60
    assert item["krippendorff_alpha"] == krippendorff_alpha(_ordinal_example(), "ordinal").alpha
    assert item["bootstrap"] == {
        "replicates_requested": 200,
        "replicates_used": 200,
        "replicates": 200,
        "by": "unit",
        "clusters": 60,
        "seed": 5,
        "method": result.bootstrap.method,
    }
    assert set(item["q_below"]) == {"0.667", "0.8"}
    low, high = item["alpha_ci95"]
    assert low < item["krippendorff_alpha"] < high
    assert set(item["prevalence"]) == {"none", "mild", "moderate", "severe"}
    assert sum(item["prevalence"].values()) == pytest.approx(1.0)
    pairs = {tuple(pair["coders"]): pair for pair in item["cohen_kappa_pairs"]}
    assert set(pairs) == {("ana", "ben"), ("ana", "cai"), ("ben", "cai")}
    assert pairs[("ana", "cai")]["units"] == 40
    assert set(pairs[("ana", "ben")]["weighted_kappa"]) == {"linear", "quadratic"}
    assert set(item["gwet_ac2"]) == {"ordinal", "quadratic"}
    assert set(item["specific_agreement"]) == {"none", "mild", "moderate", "severe"}
    assert item["sample_size"]["enough"] is True
    assert item["notes"] == []


def test_no_bootstrap_means_null_interval_and_nominal_has_no_weighted_kappa() -> None:
    item = summarize_dimension(
        _ordinal_example(), key="k", level="nominal", coder_names=["a", "b", "c"]
    ).to_dict()
    assert item["alpha_ci95"] is None and item["bootstrap"] is None
    assert all(pair["weighted_kappa"] is None for pair in item["cohen_kappa_pairs"])
    assert list(item["prevalence"]) == ["0", "1", "2", "3"]


def test_undefined_values_come_with_notes() -> None:
    data = np.array([[1, 1, 1, NAN], [1, 1, NAN, NAN]])
    item = summarize_dimension(
        data, key="resistance", level="binary", coder_names=["a", "b"], bootstrap=100, seed=1
    ).to_dict()
    assert item["krippendorff_alpha"] is None
    assert item["alpha_ci95"] is None
    assert item["fleiss_kappa"] is None
    notes = "\n".join(item["notes"])
    assert "krippendorff_alpha undefined: only one value" in notes
    assert "alpha_ci95 undefined" in notes
    assert "fleiss_kappa undefined" in notes
    assert "cohen_kappa a / b undefined" in notes
    assert "too few units for a trustworthy figure: 2 pairable unit(s)" in notes
    assert item["prevalence"] == {"0": 0.0, "1": 1.0}


def test_no_paradox_note_and_no_ac1_steer_when_coders_never_agree_on_the_rare_code() -> None:
    # The example: two coders each mark 5 of 100 units present, never the same unit.
    first, second = np.zeros(100), np.zeros(100)
    first[:5] = 1
    second[5:10] = 1
    item = summarize_dimension(
        np.vstack((first, second)),
        key="resistance",
        level="binary",
        categories=["absent", "present"],
        coder_names=["a", "b"],
    ).to_dict()
    # AC1 from its definition, computed here: pi_present = 0.05, p_e = 2 * .05 * .95 / 1.
    p_e = 2 * 0.05 * 0.95
    assert item["gwet_ac1"] == pytest.approx((0.90 - p_e) / (1 - p_e))
    assert item["gwet_ac1"] == pytest.approx(0.890, abs=5e-4)
    assert item["specific_agreement"] == {"positive": 0.0, "negative": pytest.approx(180 / 190)}
    notes = "\n".join(item["notes"])
    assert "prevalence paradox" not in notes
    assert "AC1" not in notes and "less sensitive" not in notes and "mostly agree" not in notes
    assert "rare value not agreed: 'present' makes up 5.0% of values" in notes


def test_paradox_note_only_when_the_rare_value_itself_is_agreed() -> None:
    # 200 units: both present on 4, one each on 2 + 2, both absent on 192. Positive specific
    # agreement 2*4 / (2*4 + 4) = .667; kappa (.98 - .9418) / .0582 = .656 < .667.
    first, second = np.zeros(200), np.zeros(200)
    first[[0, 1, 2, 3, 10, 11]] = 1
    second[[0, 1, 2, 3, 20, 21]] = 1
    item = summarize_dimension(
        np.vstack((first, second)), key="r", level="binary", coder_names=["a", "b"]
    ).to_dict()
    pe = 0.03**2 + 0.97**2
    assert item["cohen_kappa_pairs"][0]["kappa"] == pytest.approx((0.98 - pe) / (1 - pe))
    assert item["specific_agreement"]["positive"] == pytest.approx(8 / 12)
    paradox = [note for note in item["notes"] if note.startswith("prevalence paradox")]
    assert len(paradox) == 1
    assert "'1' itself in 66.7%" in paradox[0] and "AC1" not in paradox[0]


def test_interval_dimension() -> None:
    data = np.array([[1.0, 2.5, 3.0, 4.0, 2.0], [1.0, 2.0, 3.5, 4.0, NAN]])
    item = summarize_dimension(
        data, key="warmth", level="interval", coder_names=["a", "b"]
    ).to_dict()
    assert item["krippendorff_alpha"] == krippendorff_alpha(data, "interval").alpha
    assert item["fleiss_kappa"] is None and item["gwet_ac1"] is None
    assert item["cohen_kappa_pairs"][0]["kappa"] is None
    assert item["cohen_kappa_pairs"][0]["percent_agreement"] == pytest.approx(0.5)
    assert item["prevalence"]["4"] == pytest.approx(2 / 9)
    assert any("not computed for interval data" in note for note in item["notes"])


def test_bad_input_is_one_readable_error() -> None:
    data = np.array([[0, 1], [1, 1]], dtype=float)
    with pytest.raises(UserError, match="1 coder name"):
        summarize_dimension(data, key="k", level="nominal", coder_names=["a"])
    with pytest.raises(UserError, match="distinct"):
        summarize_dimension(data, key="k", level="nominal", coder_names=["a", "a"])
    with pytest.raises(UserError, match="out of range"):
        summarize_dimension(
            data + 1, key="k", level="nominal", categories=["x", "y"], coder_names=["a", "b"]
        )
    with pytest.raises(UserError, match="level of measurement"):
        summarize_dimension(data, key="k", level="nominel", coder_names=["a", "b"])


def test_open_pairs_note_only_where_a_completed_blank_means_something() -> None:
    data = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0]])
    rating = summarize_dimension(
        data, key="goal", level="interval", coder_names=["a", "b"], open_pairs=2
    ).to_dict()
    assert rating["open_pairs"] == 2
    assert not any("still open" in n for n in rating["notes"])
    binary = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    flag = summarize_dimension(
        binary,
        key="flag",
        level="binary",
        coder_names=["a", "b"],
        open_pairs=2,
        implied=np.zeros(binary.shape, dtype=bool),
    ).to_dict()
    assert any(n.startswith("2 (coder, transcript) pair(s) still open") for n in flag["notes"])
