"""The wide table written part by part (a few transcripts at a time, issue #14) is the table
built whole: the same CSV bytes and the same Excel sheets, for every coder selection."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from socialcoder.errors import UserError
from socialcoder.export import tables
from socialcoder.export.output import prepare_output
from socialcoder.export.writers import write_table
from socialcoder.services.coding import set_segment_memo
from socialcoder.services.exporting import (
    build_export_table,
    export_table,
    load_study_data,
    resolve_coders,
)
from socialcoder.services.study import Study, open_study


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("coders", ["all", "final"])
@pytest.mark.parametrize("with_text", [False, True])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_parts_write_the_whole_table(
    demo: Study,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    coders: str,
    with_text: bool,
    fmt: str,
) -> None:
    monkeypatch.setattr(tables, "WIDE_PART_ROWS", 20)  # about one transcript a part
    data = load_study_data(demo, resolve_coders(demo, None))
    assert len(list(tables.wide_parts(data).parts())) >= 3  # the study spans several parts
    whole = build_export_table(demo, "wide", coders=coders, with_text=with_text)
    assert len(whole.frame) > 60
    expected = tmp_path / f"whole.{fmt}"
    write_table(whole, prepare_output(expected, fmt=fmt))
    parted = tmp_path / f"parts.{fmt}"
    summary = export_table(demo, parted, layout="wide", coders=coders, with_text=with_text)
    assert (summary.rows, summary.columns) == whole.frame.shape
    if fmt == "csv":
        assert parted.read_bytes() == expected.read_bytes()
    else:
        assert _parts(parted) == _parts(expected)


def test_parts_follow_the_table_order(demo: Study) -> None:
    data = load_study_data(demo, resolve_coders(demo, None))
    whole = tables.build_wide(data).frame
    parts = list(tables.wide_parts(data, rows=20).parts())
    assert len(parts) >= 3
    assert sum(len(p) for p in parts) == tables.wide_parts(data, rows=20).rows == len(whole)
    names = [p["transcript"].iloc[0] for p in parts]
    assert names == sorted(names)  # whole transcripts, in the table's order
    for part in parts:
        assert not set(part["transcript"]) & set().union(
            *(set(q["transcript"]) for q in parts if q is not part)
        )


def test_a_refused_cell_in_a_later_part_is_named_as_in_the_whole_table(
    demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.scstudy"
    shutil.copyfile(demo_path, path)
    with open_study(path) as study:
        transcript = str(build_export_table(study, "wide").frame["transcript"].iloc[-1])
        set_segment_memo(study, coder="ana", transcript=transcript, segment=2, text="a\x01b")
        whole = build_export_table(study, "wide")
        with pytest.raises(UserError) as expected:
            write_table(whole, prepare_output(tmp_path / "whole.xlsx", fmt="xlsx"))
        monkeypatch.setattr(tables, "WIDE_PART_ROWS", 20)
        with pytest.raises(UserError) as got:
            export_table(study, tmp_path / "parts.xlsx", layout="wide")
    assert str(got.value) == str(expected.value).replace("whole.xlsx", "parts.xlsx")
    assert f"transcript {transcript}, segment 2" in str(got.value)
    assert not (tmp_path / "parts.xlsx").exists()
