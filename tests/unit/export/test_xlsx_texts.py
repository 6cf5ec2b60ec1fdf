"""The streamed Excel writer escapes each distinct text of a category or of a text column with
few distinct values once (issue #14): the cells are those it writes text by text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialcoder.export.xlsx import _fragments

ROWS = 15_000
TEXTS = np.array(["ana", "a & b <c>", "line\r\nend", "", " spaced ", "ü"], dtype=object)


def _texts() -> np.ndarray:
    picks = np.random.default_rng(5).integers(-1, len(TEXTS), ROWS)
    return np.where(picks >= 0, TEXTS[picks], None)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series(pd.array(_texts(), dtype="str")),
        pd.Series(
            pd.Categorical(
                np.where(_texts() == "", None, _texts()), categories=[t for t in TEXTS if t]
            )
        ),
    ],
    ids=["text", "category"],
)
def test_the_cells_written_text_by_text(series: pd.Series) -> None:
    by_text = _fragments(series.astype(object), "C", 2)
    assert _fragments(series, "C", 2) == by_text
    assert any(by_text) and "" in by_text
