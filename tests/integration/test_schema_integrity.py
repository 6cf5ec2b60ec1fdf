"""The database itself refuses what the services never write: duplicate codes, values outside an
enumerated dimension's list, segment index 0, and any UPDATE or DELETE on the audit log. And every
change to codes, memos and completion writes an audit entry (who, old value, new value)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from socialcoder.services.codes_csv import import_codes_csv
from socialcoder.services.coding import clear_code, set_code, set_completed, set_segment_memo
from socialcoder.services.study import open_study
from socialcoder.storage import db

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def conn(target_sample: str) -> Iterator[Connection]:
    engine = db.make_engine(target_sample)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _one(conn: Connection, sql: str, **params: object) -> object:
    return conn.execute(text(sql), params).scalar_one()


def _code_row(conn: Connection, where: str) -> dict[str, object]:
    row = (
        conn.execute(text(f"SELECT * FROM codes WHERE {where} ORDER BY id LIMIT 1"))
        .mappings()
        .one()
    )
    return dict(row)


def _insert_code(conn: Connection, row: dict[str, object]) -> None:
    row = {k: v for k, v in row.items() if k != "id"}
    columns = ", ".join(row)
    values = ", ".join(f":{k}" for k in row)
    conn.execute(text(f"INSERT INTO codes ({columns}) VALUES ({values})"), row)


def _refused(conn: Connection, action) -> None:
    """``action(conn)`` fails inside a transaction that is then rolled back."""
    conn.rollback()  # end the read transaction that earlier queries began
    with pytest.raises(DBAPIError), conn.begin():
        action(conn)


def test_duplicate_code_for_the_same_unit_is_refused(conn):
    count = _one(conn, "SELECT count(*) FROM codes")
    segment_code = _code_row(conn, "segment_id IS NOT NULL")
    _refused(conn, lambda c: _insert_code(c, segment_code))
    session_code = _code_row(conn, "segment_id IS NULL")
    _refused(conn, lambda c: _insert_code(c, session_code))
    assert _one(conn, "SELECT count(*) FROM codes") == count


def _allowed(conn: Connection, action) -> None:
    """Control: ``action(conn)`` succeeds (and is rolled back)."""
    conn.rollback()
    trans = conn.begin()
    try:
        action(conn)
    finally:
        trans.rollback()


def _consensus_row(conn: Connection, **changes: object) -> dict[str, object]:
    """A copy of an existing segment code, moved to the consensus layer (which has no codes)."""
    code = _code_row(conn, "segment_id IS NOT NULL")
    consensus = _one(conn, "SELECT id FROM coders WHERE name = 'consensus'")
    return {**code, "coder_id": consensus, **changes}


def test_same_unit_by_another_coder_is_allowed(conn):
    """Control for the test above: the refusal is about the unit, not the row as such."""
    _allowed(conn, lambda c: _insert_code(c, _consensus_row(conn)))


@pytest.mark.parametrize("value", ["2", "maybe", "extreme"])
def test_value_outside_an_enumerated_list_is_refused(conn, value):
    _refused(conn, lambda c: _insert_code(c, _consensus_row(conn, value=value, value_enum=value)))
    # nor can the checked copy of the value be left out, or differ from the value
    _refused(conn, lambda c: _insert_code(c, _consensus_row(conn, value=value, value_enum=None)))
    row = _consensus_row(conn)
    _refused(conn, lambda c: _insert_code(c, {**row, "value": value}))
    assert _one(conn, "SELECT count(*) FROM codes WHERE coder_id = :c", c=row["coder_id"]) == 0


def test_updating_a_code_to_an_unlisted_value_is_refused(conn):
    code = _code_row(conn, "segment_id IS NOT NULL")
    _refused(
        conn,
        lambda c: c.execute(
            text("UPDATE codes SET value = 'x', value_enum = 'x' WHERE id = :i"), {"i": code["id"]}
        ),
    )
    assert _one(conn, "SELECT value FROM codes WHERE id = :i", i=code["id"]) == code["value"]


def test_segment_index_zero_is_refused(conn):
    tid = _one(conn, "SELECT min(id) FROM transcripts")
    sql = "INSERT INTO segments (transcript_id, idx, role, label, text) VALUES (:t, :i, 'patient', 'P', 'x')"
    _refused(conn, lambda c: c.execute(text(sql), {"t": tid, "i": 0}))
    _refused(conn, lambda c: c.execute(text(sql), {"t": tid, "i": 1}))  # and a duplicate index
    big = _one(conn, "SELECT max(idx) FROM segments WHERE transcript_id = :t", t=tid)
    _allowed(conn, lambda c: c.execute(text(sql), {"t": tid, "i": int(big) + 1}))


def test_bad_role_and_times_are_refused(conn):
    tid = _one(conn, "SELECT min(id) FROM transcripts")
    sql = (
        "INSERT INTO segments (transcript_id, idx, role, label, start_s, end_s, text) "
        "VALUES (:t, 9999, :r, 'X', :s, :e, 'x')"
    )
    _refused(
        conn, lambda c: c.execute(text(sql), {"t": tid, "r": "narrator", "s": None, "e": None})
    )
    _refused(conn, lambda c: c.execute(text(sql), {"t": tid, "r": "patient", "s": 5.0, "e": 4.0}))


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET new_value = 'forged'", "DELETE FROM audit_log"]
)
def test_audit_log_is_append_only(conn, statement):
    before = conn.execute(text("SELECT * FROM audit_log ORDER BY id")).all()
    assert before, "the sample study's import wrote audit entries"
    _refused(conn, lambda c: c.execute(text(statement)))
    assert conn.execute(text("SELECT * FROM audit_log ORDER BY id")).all() == before


def _audit(target: str) -> list[dict[str, object]]:
    engine = db.make_engine(target)
    with engine.connect() as conn:
        rows = (
            conn.execute(
                text(
                    "SELECT a.actor, a.action, c.name AS coder, a.segment_idx, a.dimension_key, "
                    "a.old_value, a.new_value, a.at FROM audit_log a JOIN coders c ON c.id = a.coder_id "
                    "ORDER BY a.id"
                )
            )
            .mappings()
            .all()
        )
    engine.dispose()
    return [dict(r) for r in rows]


def test_every_code_change_writes_an_audit_entry(target_sample, tmp_path):
    start = len(_audit(target_sample))
    with open_study(target_sample) as study:
        unit = {"transcript": "P01_session02", "segment": 2, "dimension": "resistance"}
        set_code(study, coder="ana", value="mild", **unit)
        set_code(study, coder="ana", value="mild", **unit)  # unchanged: no entry
        set_code(
            study, coder="ana", value="strong", actor="lead", reason="consensus meeting", **unit
        )
        clear_code(study, coder="ana", **unit)
        set_segment_memo(study, coder="ben", transcript="P01_session02", segment=2, text="hesitant")
        set_completed(study, coder="ben", transcript="P01_session02", completed=False)
        csv_path = tmp_path / "one.csv"
        csv_path.write_text(
            "transcript,segment,coder,dimension,value,memo\nP01_session02,2,cleo,resistance,none,\n",
            encoding="utf-8",
        )
        import_codes_csv(study, csv_path)
    entries = _audit(target_sample)[start:]
    simplified = [
        (
            e["actor"],
            e["action"],
            e["coder"],
            e["segment_idx"],
            e["dimension_key"],
            e["old_value"],
            e["new_value"],
        )
        for e in entries
    ]
    assert simplified == [
        ("ana", "set", "ana", 2, "resistance", None, "mild"),
        ("lead", "set", "ana", 2, "resistance", "mild", "strong"),
        ("ana", "clear", "ana", 2, "resistance", "strong", None),
        ("ben", "memo", "ben", 2, None, None, "hesitant"),
        ("ben", "reopen", "ben", None, None, "1", "0"),
        ("cleo", "import", "cleo", 2, "resistance", None, "none"),
    ]
    assert all(e["at"] is not None for e in entries)
