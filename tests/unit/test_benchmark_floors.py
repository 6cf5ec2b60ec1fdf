"""The long Parquet export's design-independent floor (benchmarks/floors.py, issue #14) reads
every row it claims: on a tiny study, its row counts per table against the study's own counts,
the Parquet file it writes against the export's long table, and a long-table column the floor's
mapping does not list stops it. No timing here (speed lives in benchmarks/)."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest

from socialcoder.services.coding import set_code, set_segment_memo
from socialcoder.services.exporting import build_export_table, long_roles
from socialcoder.services.study import open_study

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


floors = _module("floors")
bench_export = _module("bench_export")


@pytest.fixture(scope="module")
def study_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two benchmark transcripts, plus a code memo and a segment memo (text and NULLs side by
    side in one column) and a timed turn (a float column not all NULL)."""
    path = tmp_path_factory.mktemp("floors") / "tiny.scstudy"
    bench_export.build_study(path, transcripts=2)
    with open_study(path) as study:
        set_code(
            study,
            coder="ana",
            transcript="b0000",
            segment=2,
            dimension="concordance",
            value=1,
            memo="a memo, with a comma",
        )
        set_segment_memo(study, coder="ben", transcript="b0001", segment=4, text="seen")
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE segments SET start_s = 1.5, end_s = 3.0 WHERE id = 2")
    connection.close()
    yield path


def _count(path: Path, sql: str, params: tuple[object, ...] = ()) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute(sql, params).fetchone()[0])
    finally:
        connection.close()


@pytest.mark.parametrize("reader", floors.readers())
def test_least_read_counts_every_row_of_the_study(study_path: Path, reader: str) -> None:
    with open_study(study_path) as study:
        statements = floors.least_long_statements(study, reader)
        roles = sorted(long_roles(study))
    _wall, _cpu, counts = floors.least_long_read(study_path, statements)
    marks = ",".join("?" * len(roles))
    coders = "(SELECT id FROM coders WHERE name IN ('ana', 'ben'))"
    assert counts == {
        "transcripts": _count(study_path, "SELECT count(*) FROM transcripts"),
        "segments": _count(
            study_path, f"SELECT count(*) FROM segments WHERE role IN ({marks})", tuple(roles)
        ),
        "codes": _count(study_path, f"SELECT count(*) FROM codes WHERE coder_id IN {coders}"),
        "coders": _count(study_path, "SELECT count(*) FROM coders"),
        "dimensions": _count(study_path, "SELECT count(*) FROM dimensions"),
        "segment_memos": 1,
        "completions": 4,
        "codebook_versions": _count(study_path, "SELECT count(*) FROM codebook_versions"),
    }
    assert counts["segments"] == 2 * bench_export.TURNS // 2  # every patient turn


def test_least_floor_writes_the_exports_long_table(study_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "least.parquet"
    _read, _write, counts = floors.least_long_floor(study_path, out)
    with open_study(study_path) as study:
        frame = build_export_table(study, "long").frame
    assert counts["long table"] == len(frame) == pq.read_metadata(out).num_rows
    assert pq.read_table(out).to_pandas().equals(frame)


def test_a_long_column_the_mapping_does_not_list_stops_the_floor(
    study_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = floors.long_sources()
    del listed["speaker"]
    monkeypatch.setattr(floors, "long_sources", lambda: listed)
    with pytest.raises(SystemExit, match="speaker"):
        floors.least_long_floor(study_path, tmp_path / "least.parquet")
