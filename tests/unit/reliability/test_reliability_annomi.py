"""Reproduce the inter-annotator agreement published for AnnoMI (Wu et al., ICASSP 2022).

Seven AnnoMI transcripts (ids 7, 27, 55, 56, 66, 109, 130) were coded by all ten annotators
(vendored under tests/data/annomi; public domain, see its README).
The paper reports Fleiss' kappa over them: 0.74 for the main therapist behaviour and 0.47 for
the client talk type. Units are built as follows: one unit per utterance
(transcript_id, utterance_id); therapist utterances only for ``main_therapist_behaviour``
(216 units, categories reflection, question, therapist_input, other) and client utterances only
for ``client_talk_type`` (212 units, categories change, neutral, sustain); the "n/a" of the
other speaker's turns is not a category. Every annotator coded every unit (no missing values).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from annomi_slice import MULTI
from annomi_slice import annotations as read_annotations
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from socialcoder.reliability import summarize_dimension

DIMENSIONS = {
    "main_therapist_behaviour": (
        "therapist",
        ["reflection", "question", "therapist_input", "other"],
        216,
        0.74,
    ),
    "client_talk_type": ("client", ["change", "neutral", "sustain"], 212, 0.47),
}


@pytest.fixture(scope="module")
def annotations() -> pd.DataFrame:
    frame = read_annotations()
    return frame[frame["transcript_id"].isin(MULTI)]


def _matrix(frame: pd.DataFrame, column: str, speaker: str, categories: list[str]) -> np.ndarray:
    """annotators x utterances matrix of category positions (np.nan where not coded)."""
    turns = frame[frame["interlocutor"] == speaker]
    wide = turns.pivot(
        index="annotator_id", columns=["transcript_id", "utterance_id"], values=column
    )
    position = {label: float(i) for i, label in enumerate(categories)}
    return wide.apply(lambda col: col.map(position)).to_numpy(dtype=float)


@pytest.mark.parametrize("column", list(DIMENSIONS))
def test_published_fleiss_kappa_is_reproduced(annotations: pd.DataFrame, column: str) -> None:
    speaker, categories, n_units, published = DIMENSIONS[column]
    data = _matrix(annotations, column, speaker, categories)
    assert data.shape == (10, n_units)
    assert not np.isnan(data).any()
    result = summarize_dimension(
        data,
        key=column,
        level="nominal",
        categories=categories,
        coder_names=[f"annotator {i}" for i in range(10)],
    )
    assert result.fleiss_kappa is not None
    assert round(result.fleiss_kappa, 2) == published
    table, _ = aggregate_raters(data.T.astype(int), n_cat=len(categories))
    assert result.fleiss_kappa == pytest.approx(sm_fleiss_kappa(table), rel=1e-12)
    # alpha differs from Fleiss' kappa only by the small-sample correction
    assert result.krippendorff_alpha == pytest.approx(result.fleiss_kappa, abs=5e-4)
    assert len(result.cohen_kappa_pairs) == 45
