"""The database itself keeps codes where the codebook puts them (revision 0004), on SQLite and
PostgreSQL, whoever writes with plain SQL: a segment-level code only on a turn of a speaker role
its dimension applies to, a session-level code never on a segment and a segment-level code
never on the whole session, no code for a dimension the current codebook lacks, and memos no
longer than MEMO_MAX_CHARS. A study that already breaks a rule is not upgraded; the refusal names
the rows and leaves the study as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.domain.limits import MEMO_MAX_CHARS
from socialcoder.errors import StudyError
from socialcoder.services.codebook_update import update_codebook
from socialcoder.services.coding import set_code, set_segment_memo
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage import db, migrate

T = "P01_session02"


@pytest.fixture
def conn(target_sample: str) -> Iterator[Connection]:
    engine = db.make_engine(target_sample)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _one(conn: Connection, sql: str, **params: object) -> object:
    return conn.execute(text(sql), params).scalar_one()


def _segment(conn: Connection, role: str) -> tuple[int, int]:
    """(segment id, transcript id) of the first turn of ``role`` in T."""
    row = conn.execute(
        text(
            "SELECT s.id, s.transcript_id FROM segments s JOIN transcripts t "
            "ON t.id = s.transcript_id WHERE t.name = :t AND s.role = :r ORDER BY s.idx LIMIT 1"
        ),
        {"t": T, "r": role},
    ).one()
    return int(row[0]), int(row[1])


def _code(conn: Connection, *, dimension: str, segment: int | None, tid: int, place: str,
          value: str, memo: str | None = None) -> None:  # fmt: skip
    """Insert one code for the consensus layer, filling every column as a careful writer would."""
    dim_id, enumerated = conn.execute(
        text("SELECT id, enumerated FROM dimensions WHERE key = :k"), {"k": dimension}
    ).one()
    conn.execute(
        text(
            "INSERT INTO codes (coder_id, transcript_id, segment_id, dimension_id, dim_enumerated, "
            "unit_role, value, value_enum, memo, codebook_version_id, created_at, updated_at) "
            "VALUES ((SELECT id FROM coders WHERE name = 'consensus'), :t, :s, :d, :e, :p, :v, "
            ":ve, :m, (SELECT max(id) FROM codebook_versions), CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"
        ),
        {"t": tid, "s": segment, "d": dim_id, "e": enumerated, "p": place, "v": value,
         "ve": value if enumerated else None, "m": memo},
    )  # fmt: skip


def _refused(conn: Connection, action) -> None:
    conn.rollback()
    with pytest.raises(DBAPIError), conn.begin():
        action(conn)


def _allowed(conn: Connection, action) -> None:
    conn.rollback()
    trans = conn.begin()
    try:
        action(conn)
    finally:
        trans.rollback()


def test_a_patient_only_code_on_a_therapist_turn_is_refused(conn):
    therapist, tid = _segment(conn, "therapist")
    patient, _ = _segment(conn, "patient")
    # claiming the turn is a patient's does not help: the role is checked against the segment
    for place in ("therapist", "patient", "session"):
        _refused(conn, lambda c, p=place: _code(c, dimension="concordance", segment=therapist,
                                                tid=tid, place=p, value="1"))  # fmt: skip
    _allowed(conn, lambda c: _code(c, dimension="concordance", segment=patient, tid=tid,
                                   place="patient", value="1"))  # fmt: skip


def test_a_session_code_on_a_segment_and_a_segment_code_on_the_session_are_refused(conn):
    patient, tid = _segment(conn, "patient")
    for place in ("patient", "session"):
        _refused(conn, lambda c, p=place: _code(c, dimension="goal_agreement", segment=patient,
                                                tid=tid, place=p, value="5"))  # fmt: skip
    for place in ("patient", "session"):
        _refused(conn, lambda c, p=place: _code(c, dimension="concordance", segment=None,
                                                tid=tid, place=p, value="1"))  # fmt: skip
    _allowed(conn, lambda c: _code(c, dimension="goal_agreement", segment=None, tid=tid,
                                   place="session", value="5"))  # fmt: skip


def test_moving_a_code_onto_a_turn_it_does_not_apply_to_is_refused(conn):
    therapist, _ = _segment(conn, "therapist")
    code = _one(conn, "SELECT min(id) FROM codes WHERE unit_role = 'patient'")
    _refused(conn, lambda c: c.execute(text("UPDATE codes SET segment_id = :s WHERE id = :i"),
                                       {"s": therapist, "i": code}))  # fmt: skip
    _refused(conn, lambda c: c.execute(text("UPDATE codes SET segment_id = :s, unit_role = "
                                            "'therapist' WHERE id = :i"),
                                       {"s": therapist, "i": code}))  # fmt: skip
    # nor can a coded turn change its speaker
    _refused(conn, lambda c: c.execute(text("UPDATE segments SET role = 'therapist' WHERE id = "
                                            "(SELECT segment_id FROM codes WHERE id = :i)"),
                                       {"i": code}))  # fmt: skip


def test_memos_longer_than_the_limit_are_refused(conn):
    patient, tid = _segment(conn, "patient")
    long_memo = "é" * (MEMO_MAX_CHARS + 1)
    _refused(conn, lambda c: _code(c, dimension="concordance", segment=patient, tid=tid,
                                   place="patient", value="1", memo=long_memo))  # fmt: skip
    _allowed(conn, lambda c: _code(c, dimension="concordance", segment=patient, tid=tid,
                                   place="patient", value="1", memo=long_memo[1:]))  # fmt: skip
    sql = (
        "INSERT INTO segment_memos (coder_id, segment_id, text, updated_at) VALUES "
        "((SELECT id FROM coders WHERE name = 'consensus'), :s, :x, CURRENT_TIMESTAMP)"
    )
    _refused(conn, lambda c: c.execute(text(sql), {"s": patient, "x": long_memo}))
    _allowed(conn, lambda c: c.execute(text(sql), {"s": patient, "x": long_memo[1:]}))


def test_the_services_refuse_a_long_memo_with_one_line(target_sample):
    with open_study(target_sample) as study:
        with pytest.raises(StudyError, match="at most 5,000,000 characters"):
            set_segment_memo(study, coder="ana", transcript=T, segment=2,
                             text="x" * (MEMO_MAX_CHARS + 1))  # fmt: skip
        with pytest.raises(StudyError, match="at most 5,000,000 characters"):
            set_code(study, coder="ana", transcript=T, segment=2, dimension="concordance",
                     value="1", memo="x" * (MEMO_MAX_CHARS + 1))  # fmt: skip


def test_a_codebook_update_moves_the_roles_the_database_accepts(target_sample, tmp_path):
    """Widening concordance to therapist turns lets the database take such codes; a dimension
    dropped from the codebook takes no new code (its old codes stay)."""
    source = Path(DEFAULT_CODEBOOK_PATH).read_text(encoding="utf-8")
    assert source.count("applies_to: [patient]") == 3
    widened = source.replace("version:", "version: '2.0'\n# was:", 1).replace(
        "applies_to: [patient]", "applies_to: [patient, therapist]", 1
    )
    path = tmp_path / "wider.yaml"
    path.write_text(widened, encoding="utf-8")
    with open_study(target_sample) as study:
        update_codebook(study, path)
        set_code(study, coder="ana", transcript=T, segment=1, dimension="concordance", value="1")
        assert show_transcript(study, T, coder="ana").segments[0].codes == {"concordance": "1"}
    engine = db.make_engine(target_sample)
    with engine.connect() as conn:
        places = conn.execute(
            text("SELECT r.role FROM dimension_roles r JOIN dimensions d ON d.id = r.dimension_id "
                 "WHERE d.key = 'concordance' ORDER BY r.role")
        ).scalars().all()  # fmt: skip
    engine.dispose()
    assert places == ["patient", "therapist"]


# --- upgrading a study that already breaks a rule --------------------------------------------


def _downgrade_to_0003(target: str) -> None:
    engine = db.make_engine(target)
    with engine.begin() as conn:
        from alembic import command

        command.downgrade(migrate.alembic_config(conn), "0003")
    engine.dispose()


def test_migration_refuses_a_study_with_misplaced_codes_naming_them(target_sample, dump):
    _downgrade_to_0003(target_sample)
    engine = db.make_engine(target_sample)
    with engine.begin() as conn:
        therapist, tid = _segment(conn, "therapist")
        code = conn.execute(
            text("SELECT c.id FROM codes c JOIN coders co ON co.id = c.coder_id JOIN dimensions d "
                 "ON d.id = c.dimension_id WHERE co.name = 'ana' AND d.key = 'concordance' "
                 "AND c.transcript_id = :t ORDER BY c.id LIMIT 1"), {"t": tid}
        ).scalar_one()  # fmt: skip
        conn.execute(text("UPDATE codes SET segment_id = :s WHERE id = :i"),
                     {"s": therapist, "i": code})  # fmt: skip
        idx = conn.execute(
            text("SELECT idx FROM segments WHERE id = :s"), {"s": therapist}
        ).scalar()
        conn.execute(
            text("INSERT INTO segment_memos (coder_id, segment_id, text, updated_at) VALUES "
                 "((SELECT id FROM coders WHERE name = 'ben'), :s, :x, CURRENT_TIMESTAMP)"),
            {"s": therapist, "x": "y" * (MEMO_MAX_CHARS + 7)},
        )  # fmt: skip
    engine.dispose()
    before = dump(target_sample)
    with pytest.raises(StudyError) as refused:
        open_study(target_sample).close()
    message = str(refused.value)
    assert "cannot upgrade to schema 0004: 2 stored item(s)" in message
    assert f"code {code}: ana on {T} segment {idx} ('concordance' does not apply to therapist " \
           "turns)" in message  # fmt: skip
    assert f"has {MEMO_MAX_CHARS + 7:,} characters" in message
    assert dump(target_sample) == before
    engine = db.make_engine(target_sample)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == "0003"
    engine.dispose()
