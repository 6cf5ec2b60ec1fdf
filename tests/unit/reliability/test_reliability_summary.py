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
    "coders",
    "krippendorff_alpha",
    "observed_disagreement",
    "expected_disagreement",
    "alpha_ci95",
    "bootstrap",
    "percent_agreement",
    "fleiss_kappa",
    "gwet_ac1",
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
    assert item["bootstrap"] == {"replicates": 200, "method": result.bootstrap.method, "seed": 5}
    low, high = item["alpha_ci95"]
    assert low < item["krippendorff_alpha"] < high
    assert set(item["prevalence"]) == {"none", "mild", "moderate", "severe"}
    assert sum(item["prevalence"].values()) == pytest.approx(1.0)
    pairs = {tuple(pair["coders"]): pair for pair in item["cohen_kappa_pairs"]}
    assert set(pairs) == {("ana", "ben"), ("ana", "cai"), ("ben", "cai")}
    assert pairs[("ana", "cai")]["units"] == 40
    assert set(pairs[("ana", "ben")]["weighted_kappa"]) == {"linear", "quadratic"}
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
    assert "few units: only 2 pairable unit(s)" in notes
    assert item["prevalence"] == {"0": 0.0, "1": 1.0}


def test_prevalence_paradox_is_flagged_on_a_rare_code() -> None:
    # 200 turns, resistance coded in ~3%: coders agree on nearly every turn, but rarely on
    # the few turns where it occurs.
    first = np.zeros(200)
    second = np.zeros(200)
    first[[3, 50, 90, 140]] = 1
    second[[3, 60, 120, 170]] = 1
    item = summarize_dimension(
        np.vstack((first, second)),
        key="resistance",
        level="binary",
        categories=["absent", "present"],
        coder_names=["a", "b"],
    ).to_dict()
    assert item["percent_agreement"] == pytest.approx(194 / 200)
    assert item["krippendorff_alpha"] < 0.4
    assert item["gwet_ac1"] > 0.9
    paradox = [note for note in item["notes"] if note.startswith("prevalence paradox")]
    assert len(paradox) == 1
    assert "'present'" in paradox[0]


def test_no_paradox_note_when_the_rare_code_is_agreed() -> None:
    first = np.zeros(200)
    first[[3, 50, 90, 140]] = 1
    item = summarize_dimension(
        np.vstack((first, first)), key="r", level="binary", coder_names=["a", "b"]
    ).to_dict()
    assert not any(note.startswith("prevalence paradox") for note in item["notes"])


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
