"""An export is recorded in the study's audit trail, or it does not appear.

Found by a new user's afternoon with AnnoMI transcripts: with the study busy (another program
holding its write lock, as a window or a long import does), ``socialcoder export`` wrote the
file and dropped its ``exported`` event without a word (the event was best effort, like
``opened``). ``withdraw`` lists the copies of a participant's data from those events, so a
copy made then could never be found. Now the event is written before the file is put in
place: when the study stays busy through the retries, the export is refused with one line
and OUT stays as it was."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from socialcoder.errors import UserError
from socialcoder.services.audit_events import list_events
from socialcoder.services.codes_csv import export_codes_csv
from socialcoder.services.exporting import export_refi, export_table
from socialcoder.services.study import Study, open_study
from socialcoder.storage import db, plain

Export = Callable[[Study, Path], object]
EXPORTS: dict[str, tuple[str, Export]] = {
    "long csv": ("out.csv", lambda s, p: export_table(s, p, force=True)),
    "wide xlsx": ("out.xlsx", lambda s, p: export_table(s, p, layout="wide", force=True)),
    "codes csv": ("codes.csv", lambda s, p: export_codes_csv(s, p, force=True)),
    "qdpx": ("out.qdpx", lambda s, p: export_refi(s, p, force=True)),
}


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy study gives up after 0.1 s per attempt instead of 15 s."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(plain, "BUSY_TIMEOUT_MS", 100)


@contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Another program's open write transaction on the study (SQLite's RESERVED lock)."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def _exported(path: Path) -> list[str]:
    with open_study(path) as study:
        return [e.detail["where"] for e in list_events(study, kinds=("exported",))]


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_an_export_of_a_busy_study_is_refused_not_left_unrecorded(
    small_path: Path, tmp_path: Path, kind: str
) -> None:
    name, export = EXPORTS[kind]
    out = tmp_path / name
    out.write_bytes(b"the analyst's earlier file")
    with (
        open_study(small_path) as study,
        write_lock(small_path),
        pytest.raises(UserError) as refused,
    ):
        export(study, out)
    assert "busy" in refused.value.message and "nothing was written" in refused.value.message
    assert out.read_bytes() == b"the analyst's earlier file"
    assert sorted(p.name for p in tmp_path.iterdir() if ".partial" in p.name) == []
    assert _exported(small_path) == []
    # once the other program is done, the same export is written and recorded
    with open_study(small_path) as study:
        export(study, out)
    assert out.read_bytes() != b"the analyst's earlier file"
    assert _exported(small_path) == [str(out)]
