"""`codes import` while another writer changes the same study (a lab server, or a second
process on an SQLite file): the file is checked and stored in one transaction, so a concurrent
change between the check and the store cannot surface as a raw IntegrityError; on PostgreSQL
the import runs again (as single codes do) and the audit log stays an unbroken chain."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from socialcoder.services.coders import add_coders
from socialcoder.services.codes_csv import import_codes_csv
from socialcoder.services.coding import set_code
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import AuditRow

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"
T1 = "P01_session02"


@pytest.fixture
def study(target_study: str):
    with open_study(target_study) as s:
        import_transcripts(s, [ImportItem(path=SAMPLES / "P01_session02.txt")])
        add_coders(s, ["ana"])
        yield s


def _patient(study) -> int:
    return next(s.index for s in show_transcript(study, T1).segments if s.role == "patient")


def _audit(study) -> list[tuple[str | None, str | None, str]]:
    with study.read() as session:
        rows = session.execute(
            select(AuditRow.old_value, AuditRow.new_value, AuditRow.action).order_by(AuditRow.id)
        ).all()
    return [tuple(r) for r in rows]


def _value(study, segment: int) -> str | None:
    view = show_transcript(study, T1, coder="ana")
    return next(s.codes.get("concordance") for s in view.segments if s.index == segment)


@pytest.mark.parametrize("when", ["after-check", "before-insert"])
def test_a_code_stored_while_the_import_runs_is_not_an_internal_error(
    study, target_study: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
):
    """Another writer stores the same unit while the import is half way: after the rows were
    checked, or after the import looked for existing codes and just before it inserts its
    own. On PostgreSQL the import must then find that code (or, meeting a unique violation,
    run again and find it) and change it, with the other writer's value as the old value in
    the audit log; on SQLite the other writer waits for the import's transaction."""
    from socialcoder.services import codes_store

    insert = codes_store.bulk_insert_columns
    seg = _patient(study)
    path = tmp_path / "codes.csv"
    path.write_text(
        f"transcript,segment,coder,dimension,value,memo\n{T1},{seg},ana,concordance,1,\n",
        encoding="utf-8",
    )
    other = open_study(target_study)
    errors: list[BaseException] = []
    worker: list[threading.Thread] = []
    steps: list[str] = []

    def concurrent() -> None:
        try:
            set_code(
                other, coder="ana", transcript=T1, segment=seg, dimension="concordance", value="0"
            )
        except BaseException as exc:
            errors.append(exc)

    def start_other_writer() -> None:
        if not worker:
            thread = threading.Thread(target=concurrent)
            worker.append(thread)
            thread.start()
            if "://" in target_study:
                thread.join(timeout=60)  # PostgreSQL: the other writer commits first

    def progress(done: int, total: int, what: str) -> None:
        steps.append(what)
        if what == "storing codes" and when == "after-check":
            start_other_writer()

    def insert_late(connection, table, columns):
        if table.name == "codes" and when == "before-insert":
            start_other_writer()
        return insert(connection, table, columns)

    monkeypatch.setattr(codes_store, "bulk_insert_columns", insert_late)

    try:
        summary = import_codes_csv(study, path, progress=progress)
        worker[0].join(timeout=60)
    finally:
        other.close()
    assert not errors, errors
    audit = [a for a in _audit(study) if a[2] in ("set", "import")]
    if "://" in target_study:
        # the other writer's code came first; the import found it (or ran again) and changed it
        assert steps.count("storing codes") == (2 if when == "before-insert" else 1)
        assert (summary.inserted, summary.updated) == (0, 1)
        assert audit == [(None, "0", "set"), ("0", "1", "import")]
        assert _value(study, seg) == "1"
    else:
        # SQLite: the import held the write lock; the other writer waited, then changed it
        assert (summary.inserted, summary.updated) == (1, 0)
        assert audit == [(None, "1", "import"), ("1", "0", "set")]
        assert _value(study, seg) == "0"
