"""Session measures: import, replace, refusals, the sessions table columns, migration 0002."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from socialcoder.errors import UserError
from socialcoder.services.exporting import build_export_table
from socialcoder.services.measures import import_measures, read_measures
from socialcoder.services.study import Study
from socialcoder.storage import db, migrate


def _csv(tmp_path: Path, text: str, name: str = "measures.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_and_join_to_sessions(small: Study, tmp_path: Path) -> None:
    summary = import_measures(
        small, _csv(tmp_path, "participant,session,calpas_total,core_om\nP01,3,4.5,\n")
    )
    assert (summary.rows, summary.measures, summary.values, summary.missing) == (
        1,
        ("calpas_total", "core_om"),
        2,
        1,
    )
    frame = build_export_table(small, "sessions").frame
    assert list(frame["calpas_total"]) == [4.5, 4.5]
    assert all(math.isnan(v) for v in frame["core_om"])


def test_reimport_replaces_the_same_measure_only(small: Study, tmp_path: Path) -> None:
    import_measures(
        small, _csv(tmp_path, "participant,session,calpas_total,wai_sr_total\nP01,3,4.5,30\n")
    )
    import_measures(
        small, _csv(tmp_path, "participant,session,calpas_total\nP01,3,5\n", "again.csv")
    )
    stored = read_measures(small)
    assert stored.to_dict("records") == [
        {"participant": "P01", "session": 3, "calpas_total": 5.0, "wai_sr_total": 30.0}
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "participant,session,calpas\nP01,3,4\nP02,1,3\n",
            r"row 3: no transcript of participant 'P02', session 1",
        ),
        ("participant,session,calpas\nP01,3,high\n", r"row 2: calpas 'high' is not a number"),
        ("participant,session,calpas\nP01,x,1\n", r"row 2: session 'x' is not a session number"),
        ("session,participant,calpas\n3,P01,1\n", "first two columns"),
        ("participant,session,calpas\nP01,3,1\nP01,3,2\n", "row 3: .*already on row 2"),
        ("participant,session,1bad\nP01,3,1\n", "not a usable name"),
    ],
)
def test_bad_rows_are_refused_and_nothing_stored(
    small: Study, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        import_measures(small, _csv(tmp_path, text))
    assert read_measures(small).empty


def test_revision_0002_adds_and_removes_the_measures_table(tmp_path: Path) -> None:
    engine = db.make_engine(tmp_path / "old.scstudy")
    try:
        migrate.upgrade(engine, "0001")
        with engine.connect() as conn:
            assert "session_measures" not in inspect(conn).get_table_names()
        migrate.upgrade(engine, "0002")
        with engine.connect() as conn:
            assert "session_measures" in inspect(conn).get_table_names()
            assert migrate.current_revision(conn) == "0002"
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0001")
        with engine.connect() as conn:
            assert "session_measures" not in inspect(conn).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("encoding", "text", "message"),
    [
        ("utf-8-sig", "participant;session;calpas\nP01;3;4,5\n", "separated by semicolons"),
        ("utf-16", "participant,session,calpas\nP01,3,4.5\n", "is UTF-16 text, not UTF-8"),
        ("cp1252", "participant,session,calpas\nP01,3,4.5\nPé,3,4\n", r"line 3: byte 0xe9"),
    ],
)
def test_a_measures_file_saved_the_wrong_way_says_how_to_save_it(
    small: Study, tmp_path: Path, encoding: str, text: str, message: str
) -> None:
    """The same check as a codes file's (services/csv_check.py); before, the semicolons gave
    "the first two columns must be 'participant' and 'session'" and UTF-16 "not UTF-8"."""
    path = tmp_path / "measures.csv"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(UserError, match=message) as refused:
        import_measures(small, path)
    assert "save it as 'CSV UTF-8 (comma delimited)'" in refused.value.message
    assert read_measures(small).empty
