"""What the lead views ask of Qt-free code: review keys (gui/lead/review_keys.py), the confusion
matrix (services/confusion.py, against scikit-learn), weekly alpha (services/drift.py) and the
study fingerprint the lead's views check for changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix as sk_confusion

from socialcoder.gui.lead.review_keys import resolve_review_key, value_key
from socialcoder.services.changes import study_fingerprint
from socialcoder.services.coding import set_code
from socialcoder.services.confusion import confusion_matrix
from socialcoder.services.drift import weekly_alpha
from socialcoder.services.reliability_data import Selection, load_dimension_data
from socialcoder.services.reliability_report import reliability_report
from socialcoder.services.study import open_study


def test_review_keys(demo_study: Path) -> None:
    with open_study(demo_study) as study:
        resistance = study.codebook.dimension("resistance")
        concordance = study.codebook.dimension("concordance")
    values = ["mild", None, "strong"]
    assert resolve_review_key(resistance, "1", values) == "mild"  # coder 1's value
    assert resolve_review_key(resistance, "2", values) is None  # coder 2 gave none
    assert resolve_review_key(resistance, "3", values) == "strong"
    assert resolve_review_key(resistance, "4", values) is None
    assert resolve_review_key(resistance, "S", values) == "strong"  # the value's shortcut
    assert resolve_review_key(resistance, "1", values, alt=True) == "none"  # 1st value
    assert resolve_review_key(concordance, "p", ["0", "1"]) == "1"
    assert resolve_review_key(concordance, "a", ["0", "1"]) == "0"
    assert resolve_review_key(concordance, "x", ["0", "1"]) is None
    # the key shown for each value picks that value
    for dim in (resistance, concordance):
        for i, v in enumerate(dim.values):
            key = value_key(dim, i)
            alt = key.startswith("Alt+")
            picked = resolve_review_key(dim, key.removeprefix("Alt+"), [], alt=alt)
            assert picked == v.value


def test_confusion_matrix_equals_scikit_learn(demo_study: Path) -> None:
    with open_study(demo_study) as study:
        m = confusion_matrix(study, "resistance", "ana", "cleo")
        dd = load_dimension_data(study, Selection(dimensions=("resistance",)))[0]
    rows = {c: i for i, c in enumerate(dd.coders)}
    a, b = dd.data[rows["ana"]], dd.data[rows["cleo"]]
    both = ~np.isnan(a) & ~np.isnan(b)
    expected = sk_confusion(a[both].astype(int), b[both].astype(int), labels=[0, 1, 2])
    assert [list(r) for r in m.counts] == expected.tolist()
    assert m.values == ("none", "mild", "strong")


def test_weekly_alpha_and_study_fingerprint(demo_study: Path) -> None:
    with open_study(demo_study) as study:
        weeks = weekly_alpha(study)
        overall = {d["key"]: d["krippendorff_alpha"] for d in reliability_report(study).dimensions}
        # the demo was coded within one week: that week's alpha is the overall alpha
        assert {w.dimension: w.alpha for w in weeks} == overall
        assert len({w.week for w in weeks}) == 1
        before = study_fingerprint(study)
        assert study_fingerprint(study) == before
        set_code(
            study,
            coder="ana",
            transcript="P01_session02",
            segment=2,
            dimension="concordance",
            value="1",
        )
        assert study_fingerprint(study) != before
