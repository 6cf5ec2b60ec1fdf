"""The sessions table counts each value of a nominal dimension (issue #18): checked against
counts made by hand from what was coded, and read back by the analysis without being taken
for a session measure."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcoder.services.coders import add_coders
from socialcoder.services.coding import clear_code, set_code, set_completed
from socialcoder.services.exporting import build_export_table
from socialcoder.services.study import Study, create_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts

CODEBOOK = """\
# Fictional codebook written for SocialCoder's tests.
name: Ruptures (test)
version: "1"
dimensions:
  - key: withdrawal
    label: Withdrawal
    scale: nominal
    values:
      - {value: none, label: no withdrawal}
      - {value: mild, label: mild withdrawal}
      - {value: Mild!, label: a value whose name clashes with mild}
    applies_to: [patient]
  - key: repair
    label: Repair
    scale: binary
    applies_to: [therapist]
"""

TEXT = """Fictional transcript written for SocialCoder's tests.
T: Shall we start?
P: If we must.
T: What happened?
P: Nothing. Whatever.
T: Tell me more.
P: I do not want to.
"""


@pytest.fixture
def study(tmp_path: Path) -> Study:
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "S1.txt").write_text(TEXT, encoding="utf-8")
    study = create_study(tmp_path / "s.scstudy", codebook_path=tmp_path / "codebook.yaml")
    import_transcripts(study, [ImportItem(path=tmp_path / "S1.txt", participant="P1", session=1)])
    add_coders(study, ["ana", "ben"])
    return study


def _code(study: Study, coder: str, segment: int, value: str) -> None:
    set_code(
        study, coder=coder, transcript="S1", segment=segment, dimension="withdrawal", value=value
    )


def test_counts_and_rates_per_nominal_value(study: Study) -> None:
    _code(study, "ana", 2, "mild")
    _code(study, "ana", 4, "mild")
    _code(study, "ana", 6, "Mild!")
    _code(study, "ben", 2, "none")
    _code(study, "ben", 4, "mild")
    clear_code(study, coder="ben", transcript="S1", segment=4, dimension="withdrawal")
    set_completed(study, coder="ana", transcript="S1")
    table = build_export_table(study, "sessions")
    frame = table.frame.set_index("coder")
    names = [c.name for c in table.columns]
    # one count and one rate per value, in codebook order; the clashing name gets its position
    assert [n for n in names if n.startswith("withdrawal_")] == [
        "withdrawal_n",
        "withdrawal_turns",
        "withdrawal_rate",
        "withdrawal_per_min",
        "withdrawal_none_n",
        "withdrawal_none_rate",
        "withdrawal_mild_n",
        "withdrawal_mild_rate",
        "withdrawal_mild_3_n",
        "withdrawal_mild_3_rate",
    ]
    # by hand: ana coded mild twice and Mild! once of 3 patient turns; ben none once (mild cleared)
    expected = {"ana": (0, 2, 1), "ben": (1, 0, 0)}
    for coder, (none, mild, other) in expected.items():
        row = frame.loc[coder]
        got = (row["withdrawal_none_n"], row["withdrawal_mild_n"], row["withdrawal_mild_3_n"])
        assert got == (none, mild, other)
        assert row["withdrawal_mild_rate"] == pytest.approx(100 * mild / 3)
        assert row["withdrawal_n"] == none + mild + other  # the counts add up to the coded turns
    labels = {c.name: c.label for c in table.columns}
    assert labels["withdrawal_mild_n"] == "Withdrawal = mild withdrawal: turns coded"
    assert "repair_0_n" not in names and "repair_1_n" not in names  # binary: D_n says it all


def test_a_value_never_coded_counts_zero(study: Study) -> None:
    set_code(study, coder="ana", transcript="S1", segment=1, dimension="repair", value="1")
    row = build_export_table(study, "sessions").frame.iloc[0]
    assert row["withdrawal_mild_n"] == 0 and row["withdrawal_turns"] == 3
    assert row["withdrawal_mild_rate"] == 0.0  # 0 of 3 applicable turns, not missing


def test_analysis_does_not_take_value_counts_for_measures(study: Study) -> None:
    from socialcoder.analysis.inputs import session_table

    _code(study, "ana", 2, "mild")
    set_completed(study, coder="ana", transcript="S1")
    sessions = build_export_table(study, "sessions").frame
    built = session_table(sessions, study.codebook, coder="ana")
    kinds = {v.name: v.kind for v in built.variables}
    assert "measure" not in kinds.values(), kinds
