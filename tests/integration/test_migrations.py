"""Schema migrations: a study made at the first revision ("0001") is upgraded to the newest one
with every code still there. The old study is written with plain SQL against the 0001 tables, so
this test keeps meaning the same as revisions are added."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from socialcoder.cli.errors import describe as cli_describe
from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.errors import Input, UserError
from socialcoder.services.codes_csv import export_codes_csv
from socialcoder.services.reliability_data import Selection, load_dimension_data
from socialcoder.services.study import codebook_sha, open_study
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage import db, migrate

T0 = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
SEGMENTS = [
    ("therapist", "T", "How was the week?"),
    ("patient", "P", "I kept to the plan."),
    ("therapist", "T", "Good."),
    ("patient", "P", "But I rested whenever I felt tired."),
]
# (coder, segment index or None, dimension, value)
CODES = [
    ("ana", 2, "concordance", "1"),
    ("ana", 4, "incongruent_principles", "1"),
    ("ana", 4, "resistance", "mild"),
    ("ana", None, "goal_agreement", "5"),
    ("ben", 2, "concordance", "1"),
    ("ben", 4, "resistance", "none"),
    ("ben", None, "goal_agreement", "4"),
]
DIMENSIONS = {  # key: (scale, unit, values)
    "concordance": ("binary", "segment", ["0", "1"]),
    "incongruent_principles": ("binary", "segment", ["0", "1"]),
    "resistance": ("ordinal", "segment", ["none", "mild", "strong"]),
    "goal_agreement": ("interval", "session", [str(v) for v in range(1, 8)]),
}


def _make_0001_study(target: str) -> None:
    engine = db.make_engine(target)
    migrate.upgrade(engine, "0001")
    source_yaml = Path(DEFAULT_CODEBOOK_PATH).read_text(encoding="utf-8-sig")
    with engine.begin() as c:

        def run(sql: str, **params: object) -> None:
            c.execute(text(sql), params)

        run(
            "INSERT INTO study (id, name, created_at, created_with) VALUES (1, 'old', :t, '0.0.1')",
            t=T0,
        )
        run(
            "INSERT INTO codebook_versions (id, name, version, source_yaml, sha256, created_at) "
            "VALUES (1, 'Socialization to the treatment model', '1.0', :y, :h, :t)",
            y=source_yaml,
            h=codebook_sha(source_yaml),
            t=T0,
        )
        for pos, (key, (scale, unit, values)) in enumerate(DIMENSIONS.items(), start=1):
            run(
                "INSERT INTO dimensions (id, key, scale, unit, enumerated, position) "
                "VALUES (:i, :k, :s, :u, TRUE, :p)",
                i=pos,
                k=key,
                s=scale,
                u=unit,
                p=pos - 1,
            )
            for vpos, value in enumerate(values):
                run(
                    "INSERT INTO dimension_values (dimension_id, value, position) VALUES (:d, :v, :p)",
                    d=pos,
                    v=value,
                    p=vpos,
                )
        coders = {"consensus": 1, "ana": 2, "ben": 3}
        for name, cid in coders.items():
            kind = "consensus" if name == "consensus" else "coder"
            run(
                "INSERT INTO coders (id, name, kind, active, created_at) VALUES (:i, :n, :k, TRUE, :t)",
                i=cid,
                n=name,
                k=kind,
                t=T0,
            )
        run(
            "INSERT INTO transcripts (id, name, participant, therapist, session_number, session_date, "
            "source_name, content_hash, format, preamble, segment_count, imported_at) VALUES "
            "(1, 'P07_session03', 'P07', 'T02', 3, :d, 'P07_session03.txt', :h, 'text', '', :n, :t)",
            d=date(2024, 5, 30),
            h="ab" * 32,
            n=len(SEGMENTS),
            t=T0,
        )
        for idx, (role, label, body) in enumerate(SEGMENTS, start=1):
            run(
                "INSERT INTO segments (id, transcript_id, idx, role, label, start_s, end_s, text) "
                "VALUES (:i, 1, :i, :r, :l, NULL, NULL, :x)",
                i=idx,
                r=role,
                l=label,
                x=body,
            )
        dim_ids = {key: pos for pos, key in enumerate(DIMENSIONS, start=1)}
        for coder, seg, key, value in CODES:
            run(
                "INSERT INTO codes (coder_id, transcript_id, segment_id, dimension_id, dim_enumerated, "
                "value, value_enum, memo, codebook_version_id, created_at, updated_at) VALUES "
                "(:c, 1, :s, :d, TRUE, :v, :v, NULL, 1, :t, :t)",
                c=coders[coder],
                s=seg,
                d=dim_ids[key],
                v=value,
                t=T0,
            )
        run(
            "INSERT INTO completions (coder_id, transcript_id, completed_at) VALUES (2, 1, :t)",
            t=T0,
        )
    with engine.connect() as c:
        assert migrate.current_revision(c) == "0001"
    engine.dispose()


def test_upgrade_from_the_first_revision_keeps_every_code(study_target, tmp_path):
    _make_0001_study(study_target)
    engine = db.make_engine(study_target)
    migrate.upgrade(engine)
    with engine.connect() as c:
        assert migrate.current_revision(c) == migrate.head_revision()
    engine.dispose()

    with open_study(study_target, upgrade=False) as study:
        [summary] = list_transcripts(study)
        assert (summary.name, summary.participant, summary.session, summary.segments) == (
            "P07_session03",
            "P07",
            3,
            4,
        )
        assert summary.progress["ana"].completed and not summary.progress["ben"].completed
        found = []
        for coder in ("ana", "ben"):
            view = show_transcript(study, "P07_session03", coder=coder)
            for seg in view.segments:
                found += [(coder, seg.index, k, v) for k, v in seg.codes.items()]
            found += [(coder, None, k, v) for k, v in view.session_codes.items()]
        assert [s.text for s in view.segments] == [s[2] for s in SEGMENTS]
        export_codes_csv(study, tmp_path / "codes.csv")
    key = lambda c: (c[0], c[1] or 0, c[2])  # noqa: E731
    assert sorted(found, key=key) == sorted(CODES, key=key)
    assert len((tmp_path / "codes.csv").read_text(encoding="utf-8").splitlines()) == len(CODES) + 1


def test_open_study_upgrades_an_older_study(study_target, cli):
    """Opening upgrades in place (with one revision so far, 0001 is the head: no-op)."""
    _make_0001_study(study_target)
    result = cli("migrate", study_target)
    assert result.code == 0, result.err
    assert migrate.head_revision() in result.out
    assert (
        cli("migrate", study_target)
        .out.strip()
        .endswith(f"is up to date (schema {migrate.head_revision()})")
    )
    shown = cli("show", study_target, "P07_session03", "--coder", "ana")
    assert "concordance=1" in shown.out and "goal_agreement=5" in shown.out


def test_older_study_without_upgrade_is_refused_with_the_migrate_hint(study_target):
    if migrate.head_revision() == "0001":
        pytest.skip("only one schema revision exists yet: no study is older than the head")
    _make_0001_study(study_target)
    try:
        open_study(study_target, upgrade=False)
    except Exception as exc:
        assert isinstance(exc, UserError) and exc.remedies[0].inputs == (Input.MIGRATE,)
        assert "--" not in str(exc) and "socialcoder migrate" in cli_describe(exc)
    else:
        raise AssertionError("an older study was opened without upgrading")


def test_every_revision_chain_starts_at_0001():
    script = migrate.ScriptDirectory.from_config(migrate.alembic_config())
    bases = script.get_bases()
    assert bases == ["0001"]
    assert "0001" in migrate.known_revisions()


def test_upgrade_keeps_an_existing_study_unblinded_and_labels_it(study_target):
    """Revision 0007: a study made before settings existed keeps blinding off (coders saw
    names, and still do until the lead turns it on); its transcripts get masked labels, which
    the schema requires and keeps unique."""
    from sqlalchemy.exc import IntegrityError

    from socialcoder.services.settings import get_setting, study_settings

    _make_0001_study(study_target)
    with open_study(study_target) as study:
        assert get_setting(study, "blinding") is False
        assert [s.stored for s in study_settings(study)] == [False] * len(study_settings(study))
        assert get_setting(study, "machine_suggestions") is False
        [summary] = list_transcripts(study)
        assert re.fullmatch(r"Session [A-Z0-9]{4}", summary.label)
    engine = db.make_engine(study_target)
    try:
        for bad in ("NULL", "'" + summary.label + "'"):
            with pytest.raises(IntegrityError), engine.begin() as c:
                c.execute(
                    text(
                        "INSERT INTO transcripts (name, label, source_name, content_hash, format, "
                        f"preamble, segment_count, imported_at) VALUES ('x', {bad}, 'x', 'cd', "
                        "'text', '', 0, :t)"
                    ),
                    {"t": T0},
                )
    finally:
        engine.dispose()


def test_the_revision_chain_read_without_alembic_is_alembics():
    # opening a study reads the revisions from the files without importing Alembic
    script = migrate.ScriptDirectory.from_config(migrate.alembic_config())
    walked = [rev.revision for rev in script.walk_revisions()][::-1]
    assert list(migrate.revision_chain()) == walked
    assert migrate.head_revision() == script.get_current_head()


# --- revision 0011 (machine coders) -----------------------------------------------------
# a study made at 0010 with codes, completions, assignments and audit entries is upgraded;
# every row keeps its coder (ids unchanged), the database now takes a coder of kind 'machine',
# still refuses any other kind, and its foreign keys still hold.

TABLES = ("codes", "completions", "segment_memos", "audit_log", "coders")


def _rows(engine, table: str) -> list[tuple[object, ...]]:
    with engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(text(f"SELECT * FROM {table}")).all())


def test_upgrade_to_0011_keeps_every_coders_rows_and_widens_the_kinds(study_target):
    _make_0001_study(study_target)
    engine = db.make_engine(study_target)
    migrate.upgrade(engine, "0010")
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO assignments (coder_id, transcript_id, purpose, assigned_at) "
            "SELECT id, 1, 'primary', CURRENT_TIMESTAMP FROM coders WHERE kind = 'coder'"
        ))  # fmt: skip
    before = {t: _rows(engine, t) for t in (*TABLES, "assignments")}
    assert before["codes"] and before["completions"]
    migrate.upgrade(engine, "0011")  # 0012 adds columns to coders and assignments
    with engine.connect() as c:
        assert migrate.current_revision(c) == "0011"
    assert {t: _rows(engine, t) for t in (*TABLES, "assignments")} == before
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO coders (id, name, kind, active, created_at) SELECT max(id) + 1, "
            "'machine talk v1', 'machine', true, CURRENT_TIMESTAMP FROM coders"
        ))  # fmt: skip
    for sql in (
        "INSERT INTO coders (id, name, kind, active, created_at) "
        "SELECT max(id) + 1, 'robot', 'robot', true, CURRENT_TIMESTAMP FROM coders",
        "UPDATE codes SET coder_id = 999 WHERE id = (SELECT min(id) FROM codes)",
    ):
        with pytest.raises(IntegrityError), engine.begin() as c:
            c.execute(text(sql))
    if study_target.endswith(".scstudy"):
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            indexes = {r[1] for r in c.exec_driver_sql("PRAGMA index_list(coders)").all()}
            assert "uq_coders_db_role" in indexes
    engine.dispose()


# --- revision 0012 (second passes) -----------------------------------------------------
# a study at 0011 is upgraded: every row keeps its coder (ids unchanged; retest_of and the new
# assignment columns NULL), the database takes a coder of kind 'retest' linked to its coder,
# still refuses any other kind, refuses a retest link to no coder and a second pass's label
# given twice; the downgrade works while no retest coder exists and is refused after.


def test_upgrade_to_0012_keeps_every_row_and_takes_retest_coders(study_target):
    _make_0001_study(study_target)
    engine = db.make_engine(study_target)
    migrate.upgrade(engine, "0011")
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO assignments (coder_id, transcript_id, purpose, assigned_at) "
            "SELECT id, 1, 'primary', CURRENT_TIMESTAMP FROM coders WHERE kind = 'coder'"
        ))  # fmt: skip
    before = {t: _rows(engine, t) for t in (*TABLES, "assignments")}
    migrate.upgrade(engine)
    with engine.connect() as c:
        assert migrate.current_revision(c) == migrate.head_revision()
    after = {t: _rows(engine, t) for t in (*TABLES, "assignments")}
    assert after["coders"] == [(*r, None) for r in before["coders"]]
    assert after["assignments"] == [(*r, None, None) for r in before["assignments"]]
    assert {t: after[t] for t in TABLES if t != "coders"} == {
        t: before[t] for t in TABLES if t != "coders"
    }
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO coders (id, name, kind, active, created_at, retest_of) SELECT "
            "max(id) + 1, 'ana (retest)', 'retest', true, CURRENT_TIMESTAMP, 2 FROM coders"
        ))  # fmt: skip
        c.execute(text(
            "INSERT INTO assignments (coder_id, transcript_id, purpose, assigned_at, label, "
            "retest_after_days) SELECT id, 1, 'primary', CURRENT_TIMESTAMP, 'Session QQQQ', 14 "
            "FROM coders WHERE kind = 'retest'"
        ))  # fmt: skip
    for sql in (
        "INSERT INTO coders (id, name, kind, active, created_at) "
        "SELECT max(id) + 1, 'robot', 'robot', true, CURRENT_TIMESTAMP FROM coders",
        "UPDATE coders SET retest_of = 999 WHERE kind = 'retest'",
        "UPDATE assignments SET label = 'Session QQQQ' WHERE label IS NULL",
    ):
        with pytest.raises(IntegrityError), engine.begin() as c:
            c.execute(text(sql))
    if study_target.endswith(".scstudy"):
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            indexes = {r[1] for r in c.exec_driver_sql("PRAGMA index_list(coders)").all()}
            assert "uq_coders_db_role" in indexes
    with pytest.raises(RuntimeError, match="retest coder"):
        _downgrade(engine, "0011")
    with engine.begin() as c:
        c.execute(text("DELETE FROM assignments WHERE label IS NOT NULL"))
        c.execute(text("DELETE FROM coders WHERE kind = 'retest'"))
    _downgrade(engine, "0011")
    assert {t: _rows(engine, t) for t in (*TABLES, "assignments")} == before
    engine.dispose()


def _downgrade(engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as c:
        command.downgrade(migrate.alembic_config(c), revision)


# --- revision 0013 (calibration_practice by id) ------------------------------------------------
# a study at 0012 whose calibration_practice names transcripts (by name, one by its masked
# label, one by a name no transcript has) keeps them as ids after the upgrade; SocialCoder still
# shows the names; the downgrade writes the names back.


def test_upgrade_to_0013_stores_practice_transcripts_by_id(study_target):
    from socialcoder.services.calibration import calibration_settings

    _make_0001_study(study_target)
    engine = db.make_engine(study_target)
    migrate.upgrade(engine, "0012")
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO transcripts (id, name, label, source_name, content_hash, format, "
            "preamble, segment_count, imported_at) VALUES (2, 'P08_session01', 'Session AB12', "
            "'x.txt', :h, 'text', '', 0, :t)"
        ), {"h": "cd" * 32, "t": T0})  # fmt: skip
        c.execute(text(
            "INSERT INTO study_settings (name, value, updated_at) VALUES "
            "('calibration_practice', 'Session AB12,P07_session03,gone', :t)"
        ), {"t": T0})  # fmt: skip
    migrate.upgrade(engine)

    def stored() -> str:
        with engine.connect() as c:
            return str(c.execute(text(
                "SELECT value FROM study_settings WHERE name = 'calibration_practice'"
            )).scalar())  # fmt: skip

    assert stored() == "2,1"
    with open_study(study_target) as study:
        assert calibration_settings(study).practice == ("P08_session01", "P07_session03")
    _downgrade(engine, "0012")
    assert stored() == "P08_session01,P07_session03"
    engine.dispose()


# --- revision 0014 (a covering index for the reliability read) --------------------------------
# a study at 0013 keeps every row; ix_codes_dimension gives way to ix_codes_reliability, which
# SQLite reads alone (no table row) for the reliability read; the downgrade puts it back.


def _code_indexes(engine) -> dict[str, list[str]]:
    from sqlalchemy import inspect

    with engine.connect() as c:
        found = inspect(c).get_indexes("codes")
    return {str(i["name"]): list(i["column_names"]) for i in found if i["name"].startswith("ix_")}


def test_upgrade_to_0014_covers_the_reliability_read(study_target):
    _make_0001_study(study_target)
    engine = db.make_engine(study_target)
    migrate.upgrade(engine, "0013")
    before = {t: _rows(engine, t) for t in TABLES}
    assert _code_indexes(engine) == {
        "ix_codes_dimension": ["dimension_id"],
        "ix_codes_transcript_coder": ["transcript_id", "coder_id"],
    }
    migrate.upgrade(engine, "0014")
    covering = ["dimension_id", "coder_id", "value_enum", "segment_id", "transcript_id"]
    assert _code_indexes(engine) == {
        "ix_codes_reliability": covering,
        "ix_codes_transcript_coder": ["transcript_id", "coder_id"],
    }
    assert {t: _rows(engine, t) for t in TABLES} == before
    if study_target.endswith(".scstudy"):
        with engine.connect() as c:
            plan = c.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT coder_id, value_enum, group_concat(segment_id, ' ') "
                "FROM codes WHERE dimension_id = 3 AND coder_id IN (2, 3) "
                "GROUP BY coder_id, value_enum"
            ).all()
        assert [r[3] for r in plan] == [
            "SEARCH codes USING COVERING INDEX ix_codes_reliability (dimension_id=? AND coder_id=?)"
        ]
    with open_study(study_target) as study:  # read through it: ana mild, ben none on turn 4
        [data] = load_dimension_data(study, Selection(dimensions=("resistance",)))
    [column] = [i for i, unit in enumerate(data.units) if unit.segment == 4]
    assert data.coders == ("ana", "ben") and data.data[:, column].tolist() == [1.0, 0.0]
    _downgrade(engine, "0013")
    assert _code_indexes(engine) == {
        "ix_codes_dimension": ["dimension_id"],
        "ix_codes_transcript_coder": ["transcript_id", "coder_id"],
    }
    assert {t: _rows(engine, t) for t in TABLES} == before
    engine.dispose()
