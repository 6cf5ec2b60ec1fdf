"""The units of a segment-level matrix are in transcript-name order, then turn order, whether
the transcripts were imported in that order (the rows are read in order: no sort) or not
(sorted): ``_read_base`` skips the sort only when it would change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code_in
from socialcoder.services.reliability_data import load_dimension_data
from socialcoder.services.study import create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts

CODEBOOK = """\
name: Unit order test codebook
version: "1"
dimensions:
  - {key: flag, label: Flag, scale: binary, applies_to: [patient, therapist], shortcut: f}
"""


@pytest.mark.parametrize("names", [("alpha", "beta", "gamma"), ("gamma", "alpha", "beta")])
def test_units_come_in_name_then_turn_order(tmp_path: Path, names: tuple[str, ...]) -> None:
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    items = []
    for name in names:
        source = tmp_path / f"{name}.txt"
        turns = [f"{'T' if i % 2 == 0 else 'P'}: {name} turn {i}, fictional" for i in range(4)]
        source.write_text("\n".join(turns) + "\n", encoding="utf-8")
        items.append(ImportItem(path=source))
    path = tmp_path / "study.scstudy"
    with create_study(path, codebook_path=tmp_path / "cb.yaml") as s:
        import_transcripts(s, items)
        add_coders(s, ("ana", "ben"))
        with s.write() as session:
            for coder in ("ana", "ben"):
                for name in names:
                    set_code_in(
                        session, s, coder=coder, transcript=name, segment=1, dimension="flag",
                        value="1",
                    )  # fmt: skip
    with open_study(path) as s:
        [data] = load_dimension_data(s)
    units = [(u.transcript, u.segment) for u in data.units]
    assert units == [(name, turn) for name in sorted(names) for turn in range(1, 5)]
