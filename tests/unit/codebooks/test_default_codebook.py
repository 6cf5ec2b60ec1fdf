"""The default codebook (socialization to the treatment model) loads with the agreed dimensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH, load_codebook, load_default_codebook
from socialcoder.domain.codebook import Codebook, Role, Scale, Unit

REPO_COPY = Path(__file__).resolve().parents[3] / "codebooks" / "socialization_to_model.yaml"


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return load_default_codebook()


def test_package_copy_is_byte_identical_to_repository_copy() -> None:
    assert DEFAULT_CODEBOOK_PATH.name == "socialization_to_model.yaml"
    assert DEFAULT_CODEBOOK_PATH.parent.name == "resources"
    assert DEFAULT_CODEBOOK_PATH.read_bytes() == REPO_COPY.read_bytes()


def test_repository_copy_loads_equal(codebook: Codebook) -> None:
    assert load_codebook(REPO_COPY) == codebook


def test_name_version_and_references(codebook: Codebook) -> None:
    assert codebook.name == "Socialization to the treatment model"
    assert codebook.version == "1.1"
    assert codebook.keys == (
        "concordance",
        "incongruent_principles",
        "resistance",
        "goal_agreement",
    )
    assert any("Daniels" in r and "Wearden" in r and "2011" in r for r in codebook.references)
    assert any("c1777" in r for r in codebook.references)
    assert "fictional" in codebook.description.lower()


@pytest.mark.parametrize("key,shortcut", [("concordance", "c"), ("incongruent_principles", "i")])
def test_binary_patient_dimensions(codebook: Codebook, key: str, shortcut: str) -> None:
    dim = codebook.dimension(key)
    assert dim.scale is Scale.BINARY
    assert dim.unit is Unit.SEGMENT
    assert dim.applies_to == frozenset({Role.PATIENT})
    assert not dim.applies(Role.THERAPIST)
    assert dim.shortcut == shortcut
    assert dim.value_texts == ("1", "0")
    assert dim.parse_value("yes") == "1"


def test_resistance_is_ordinal_none_mild_strong(codebook: Codebook) -> None:
    dim = codebook.dimension("resistance")
    assert dim.scale is Scale.ORDINAL
    assert dim.unit is Unit.SEGMENT
    assert dim.applies_to == frozenset({Role.PATIENT})
    assert dim.shortcut == "r"
    assert dim.value_texts == ("none", "mild", "strong")
    assert [v.shortcut for v in dim.values] == ["n", "m", "s"]
    assert dim.numeric("strong") == 2.0
    assert dim.empty_means == "none" and dim.empty_value == "none"


def test_binary_dimensions_mean_absent_when_empty_and_ratings_stay_missing(
    codebook: Codebook,
) -> None:
    assert codebook.dimension("concordance").empty_value == "0"
    assert codebook.dimension("goal_agreement").empty_value is None


def test_goal_agreement_is_a_session_rating_from_1_to_7(codebook: Codebook) -> None:
    dim = codebook.dimension("goal_agreement")
    assert dim.scale is Scale.INTERVAL
    assert dim.unit is Unit.SESSION
    assert dim.shortcut == "g"
    assert dim.value_texts == tuple(str(i) for i in range(1, 8))
    assert all(v.label and v.label != v.value for v in dim.values)
    assert dim.label_of("1") == "no agreement"
    assert dim.label_of("4") == "partial agreement"
    assert dim.label_of("7") == "full agreement"
    assert codebook.session_dimensions() == (dim,)
    assert dim not in codebook.segment_dimensions(Role.PATIENT)


def test_every_dimension_is_documented_for_coders(codebook: Codebook) -> None:
    colors = [d.color for d in codebook.dimensions]
    assert len(set(colors)) == len(colors)
    for dim in codebook.dimensions:
        assert len(dim.definition) > 200, dim.key
        assert len(dim.include) >= 3, dim.key
        assert len(dim.exclude) >= 3, dim.key
        assert len(dim.examples) >= 2, dim.key
        assert all(e.startswith("Fictional.") for e in dim.examples), dim.key


def test_backchannel_is_excluded_from_concordance(codebook: Codebook) -> None:
    exclude = " ".join(codebook.dimension("concordance").exclude)
    assert "mm-hmm" in exclude
    assert "compliance" in exclude.lower()
