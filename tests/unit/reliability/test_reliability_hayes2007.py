"""Hayes & Krippendorff (2007), "Answering the call for a standard reliability measure for coding
data", Communication Methods and Measures 1(1), Table 1: five observers rated the tone of 40
newspaper articles (0-3) with missing judgements. The paper reports ordinal alpha = .7598 from
159 pairable values."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from socialcoder.reliability import bootstrap_alpha, krippendorff_alpha

# units x observers as printed in the paper's Table 1 ("." = missing)
TABLE_1 = """
1,1,2,.,2  1,1,0,1,.  2,3,3,3,.  .,0,0,.,0  0,0,0,.,0  0,0,0,.,0  1,0,2,.,1  1,.,2,0,.
2,2,2,.,2  2,1,1,1,.  .,1,0,0,.  0,0,0,0,.  1,2,2,2,.  3,3,2,2,3  1,1,1,.,1  1,1,1,.,1
2,1,2,.,2  1,2,3,3,.  1,1,0,1,.  0,0,0,.,0  0,0,1,1,.  0,0,.,0,0  2,3,3,3,.  0,0,0,0,.
1,2,.,2,2  0,1,1,1,.  0,0,0,1,0  1,2,1,2,.  1,1,2,2,.  1,1,2,.,2  1,1,0,.,0  2,1,2,1,.
2,2,.,2,2  3,2,2,2,.  2,2,2,.,2  2,2,3,.,2  2,2,2,.,2  2,2,.,1,2  2,2,2,2,.  1,1,1,.,1
"""


@pytest.fixture(scope="module")
def observers_by_units() -> np.ndarray:
    units = [
        [np.nan if cell == "." else float(cell) for cell in unit.split(",")]
        for unit in TABLE_1.split()
    ]
    assert len(units) == 40
    return np.array(units).T  # coders x units


def test_published_ordinal_alpha(observers_by_units: np.ndarray) -> None:
    result = krippendorff_alpha(observers_by_units, "ordinal")
    assert result.alpha == pytest.approx(0.7598, abs=5e-5)
    assert result.pairable_values == 159
    assert result.units == 40


def test_matches_reference_package_at_every_level(observers_by_units: np.ndarray) -> None:
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ours = krippendorff_alpha(observers_by_units, level).alpha
        reference = krippendorff.alpha(
            reliability_data=observers_by_units,
            level_of_measurement=level,
            value_domain=[0.0, 1.0, 2.0, 3.0] if level == "ordinal" else None,
        )
        assert ours == pytest.approx(reference, abs=1e-10), level


def test_bootstrap_interval_is_plausible_for_the_published_data(
    observers_by_units: np.ndarray,
) -> None:
    # The paper's KALPHA macro (resampling pairable values) gives about .67 to .84; a unit
    # bootstrap is a different algorithm, so only its properties are checked here.
    ci = bootstrap_alpha(observers_by_units, "ordinal", replicates=2000, seed=2007)
    assert ci.low < 0.7598 < ci.high
    assert 0.05 < ci.high - ci.low < 0.35
