"""The export's rows read into a frame column by column (``services/exporting.py::
frame_of_rows``, issue #14) are the frame pandas builds from the rows and then types: the same
values and column types, text and all-missing columns included."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from socialcoder.services.exporting import frame_of_rows

COLUMNS = ["id", "segment", "role", "memo", "start", "flag", "note", "blank"]
TYPES: dict[str, Any] = {"id": "int64", "segment": "float64", "start": "float64", "flag": bool}
ROWS = {
    "mixed": [
        (1, 4, "patient", None, 1.5, 0, "a", None),
        (2, None, "therapist", "kept, with a comma", None, 1, None, None),
        (3, 7, "patient", "", 2.25, 1, "ü", None),
    ],
    "one row": [(9, None, "patient", None, None, 0, None, None)],
    "no rows": [],
}


@pytest.mark.parametrize("name", list(ROWS))
def test_the_frame_pandas_builds(name: str) -> None:
    rows = ROWS[name]
    expected = pd.DataFrame(rows, columns=COLUMNS).astype(TYPES)
    got = frame_of_rows(rows, COLUMNS, TYPES)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.dtypes) == list(expected.dtypes)
