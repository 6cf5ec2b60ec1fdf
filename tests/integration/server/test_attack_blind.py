"""Attack suite, issue #20 item 1: blind coding against a coder with psql.

The coder ('ana') logs in with her own login and plain SQL. Another coder ('ben') has coded 74
units. Nothing she can run tells her which units ben coded, how, or how many codes the study
holds: the tables are closed to her (no SELECT, so no query and no EXPLAIN over them), her own
rows come from SECURITY DEFINER functions whose plans do not depend on anyone else's rows, and
the catalog's size estimates and activity counters are hidden. What she can still see is
measured in ``test_what_a_coder_can_still_see``."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from socialcoder.services.coding import set_code, set_segment_memo
from socialcoder.services.consensus import adjudicate
from socialcoder.services.server import CODER_READABLE
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.server_sql import CODER_FUNCTIONS

T = "P01_session02"
SECRET = ("codes", "segment_memos", "completions", "assignments", "audit_log", "coders",
          "session_measures")  # fmt: skip


@pytest.fixture
def lab(make_lab):
    """ana (one code of her own) and ben, who coded 74 patient units, wrote memos, completed
    T; the lead settled one unit."""
    lab = make_lab()
    with open_study(lab.url("ben")) as ben:
        patient = [s.index for s in show_transcript(ben, T).segments if s.role == "patient"]
        units = [(i, d) for i in patient for d in ("concordance", "incongruent_principles")]
        for i, d in units[:74]:
            set_code(ben, coder="ben", transcript=T, segment=i, dimension=d, value="1")
        set_segment_memo(ben, coder="ben", transcript=T, segment=patient[0], text="ben's memo")
    with open_study(lab.url("ana")) as ana:
        set_code(ana, coder="ana", transcript=T, segment=patient[-1], dimension="resistance",
                 value="mild")  # fmt: skip
    with open_study(lab.url("lead")) as lead:
        adjudicate(lead, transcript=T, segment=patient[0], dimension="concordance", value="1",
                   reason="agreed")  # fmt: skip
    lab.units = units[:74]
    lab.patient = patient
    return lab


def _denied(lab, who: str, statement: str) -> str:
    with pytest.raises(DBAPIError) as refused:
        lab.sql(who, statement)
    message = str(refused.value.orig)
    assert "permission denied" in message, message
    return message


@pytest.mark.parametrize("table", SECRET)
def test_a_coder_can_neither_read_nor_plan_over_a_secret_table(lab, table):
    for statement in (
        f"SELECT count(*) FROM {table}",
        f"EXPLAIN SELECT 1 FROM {table}",
        f"EXPLAIN ANALYZE SELECT * FROM {table} LIMIT 1",
        f"SELECT * FROM {table} WHERE false",
        f"COPY {table} TO STDOUT",
        f"LOCK TABLE {table} IN ACCESS SHARE MODE",
    ):
        _denied(lab, "ana", statement)


def test_the_issues_planner_attack_is_refused(lab):
    ben = lab.sql("admin", "SELECT id FROM coders WHERE name = 'ben'")[0][0]
    engine = create_engine(lab.url("ana"))
    try:
        with (
            pytest.raises(DBAPIError, match="permission denied for table codes"),
            engine.begin() as conn,
        ):
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_bitmapscan = off"))
            conn.execute(text("EXPLAIN ANALYZE SELECT 1 FROM codes WHERE coder_id = :c "
                              "AND dimension_id = 1 AND segment_id = 2"), {"c": ben})  # fmt: skip
    finally:
        engine.dispose()


def _plan(lab, probe: str, **params: object) -> str:
    """The issue's planner attack, aimed at the only door a coder has: her functions."""
    engine = create_engine(lab.url("ana"))
    try:
        with engine.begin() as conn:
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_material"):
                conn.execute(text(f"SET LOCAL {setting} = off"))
            rows = conn.execute(
                text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {probe}"), params
            )
            plan = "\n".join(r[0] for r in rows)
    finally:
        engine.dispose()
    return re.sub(r"'[^']*'::\w+", "?", plan)  # the probe's own constants differ, nothing else


def test_the_planner_attack_finds_nothing_through_the_functions(lab):
    ben = lab.sql("admin", "SELECT id FROM coders WHERE name = 'ben'")[0][0]
    dims = dict(lab.sql("ana", "SELECT key, id FROM dimensions"))
    segment_ids = dict(lab.sql("ana", "SELECT s.idx, s.id FROM segments s JOIN sc_transcripts() t "
                                      "ON t.id = s.transcript_id WHERE t.name = :t", t=T))  # fmt: skip
    coded = {(i, d) for i, d in lab.units}
    probe = ("SELECT 1 FROM sc_my_codes() c WHERE c.coder_id = :c AND c.dimension_id = :d "
             "AND c.segment_id = :s")  # fmt: skip
    plans = {}
    for i in lab.patient[:10]:
        for d in ("concordance", "resistance"):
            plans[(i, d)] = _plan(lab, probe, c=ben, d=dims[d], s=segment_ids[i])
    assert any(u in coded for u in plans) and any(u not in coded for u in plans)
    assert len(set(plans.values())) == 1, "a plan differs where ben has a code"
    [plan] = set(plans.values())
    assert "Function Scan on sc_my_codes" in plan and "Rows Removed by Filter: 1" in plan  # hers
    # the same for memos and completions: one plan whatever ben did
    memo_plans = {_plan(lab, "SELECT 1 FROM sc_my_memos() m WHERE m.segment_id = :s",
                        s=segment_ids[i]) for i in lab.patient[:4]}  # fmt: skip
    assert len(memo_plans) == 1
    # and her functions return her rows only
    assert lab.sql("ana", "SELECT count(*) FROM sc_my_codes() WHERE coder_id <> "
                          "(SELECT coder_id FROM sc_me())") == [(0,)]  # fmt: skip
    assert lab.sql("ana", "SELECT count(*) FROM sc_my_codes()") == [(1,)]
    assert lab.sql("ana", "SELECT count(*) FROM sc_my_memos()") == [(0,)]


def test_catalog_statistics_are_hidden_from_a_coder(lab):
    lab.sql("admin", "ANALYZE")
    for statement in (
        "SELECT reltuples FROM pg_class WHERE relname = 'codes'",
        "SELECT relpages FROM pg_class WHERE relname = 'audit_log'",
        "SELECT * FROM pg_class",
        "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'codes'",
        "SELECT n_tup_ins FROM pg_stat_all_tables",
        "SELECT idx_scan FROM pg_stat_user_indexes",
        "SELECT heap_blks_hit FROM pg_statio_user_tables",
        "SELECT n_tup_ins FROM pg_stat_xact_user_tables",
        "SELECT tup_inserted FROM pg_stat_database",
        "SELECT pg_stat_get_live_tuples('codes'::regclass)",
        "SELECT pg_relation_size('codes')",
        "SELECT pg_total_relation_size('audit_log')",
        "SELECT pg_indexes_size('codes')",
        "SELECT pg_database_size(current_database())",
        "SELECT * FROM pg_stat_activity",
        "SELECT * FROM pg_locks",
        "SELECT last_value FROM codes_id_seq",
        "SELECT nextval('audit_log_id_seq')",
        "SELECT pg_sequence_last_value('codes_id_seq')",
    ):
        _denied(lab, "ana", statement)
    # what PostgreSQL shows anyone, filtered by privilege: nothing about the secret tables
    assert lab.sql("ana", "SELECT last_value FROM pg_sequences WHERE sequencename IN "
                          "('codes_id_seq', 'audit_log_id_seq')") == [(None,), (None,)]  # fmt: skip
    assert lab.sql("ana", "SELECT count(*) FROM pg_stats WHERE tablename = ANY(:t)",
                   t=list(SECRET)) == [(0,)]  # fmt: skip
    # the lead and the owner still have them
    assert lab.sql("lead", "SELECT reltuples > 0 FROM pg_class WHERE relname = 'codes'") == [
        (True,)
    ]
    assert lab.sql("owner", "SELECT pg_relation_size('codes') > 0") == [(True,)]


def test_what_a_coder_can_still_see(lab):
    """Measured, and stated in docs/server-admin.md: the reference tables, her own rows, and
    the server's transaction counter (that someone writes, not what or where)."""
    tables = ("SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
              "AND c.relkind = 'r' AND has_table_privilege(c.oid, :p)")  # fmt: skip
    readable = {t for (t,) in lab.sql("ana", tables, p="SELECT")}
    assert readable == set(CODER_READABLE)
    writable = lab.sql("ana", tables, p="INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES")
    assert writable == []
    callable_ = {name for (name,) in lab.sql(
        "ana", "SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace "
               "AND has_function_privilege(p.oid, 'EXECUTE')")}  # fmt: skip
    assert callable_ == {name for name, _ in CODER_FUNCTIONS}
    engine = create_engine(lab.url("ana"))
    try:
        with engine.connect() as conn:
            before = conn.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
            conn.rollback()
            with open_study(lab.url("ben")) as ben:
                set_code(ben, coder="ben", transcript=T, segment=lab.patient[-1],
                         dimension="resistance", value="strong")  # fmt: skip
            after = conn.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
    finally:
        engine.dispose()
    assert after > before + 1  # ben's write advanced the (cluster-wide) transaction counter


def test_psql_shows_a_coder_what_socialcoder_shows_her(lab):
    with open_study(lab.url("ana")) as ana:
        view = show_transcript(ana, T, coder="ana")
    shown = {(s.index, k, v) for s in view.segments for k, v in s.codes.items()}
    psql = set(lab.sql("ana", "SELECT s.idx, d.key, c.value FROM sc_my_codes() c "
                              "JOIN segments s ON s.id = c.segment_id "
                              "JOIN dimensions d ON d.id = c.dimension_id"))  # fmt: skip
    assert psql == shown == {(lab.patient[-1], "resistance", "mild")}


def test_explain_of_the_functions_shows_no_inner_plan(lab):
    plan = _plan(lab, "SELECT * FROM sc_my_codes()")
    assert re.findall(r"^\s*(?:->\s*)?(\w[\w ]*?) on", plan, re.M) == ["Function Scan"]
    assert "codes" not in plan.replace("sc_my_codes", "")


def _pages(lab, query: str) -> int:
    """Pages (buffers) ana's function reads for ``query``, as EXPLAIN (ANALYZE, BUFFERS) tells
    her, once its plan is cached."""
    engine = create_engine(lab.url("ana"))
    try:
        with engine.connect() as conn:
            for _ in range(7):  # past plpgsql's first, custom plans
                conn.execute(text(query)).all()
            plan = "\n".join(r[0] for r in conn.execute(
                text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) {query}")))  # fmt: skip
    finally:
        engine.dispose()
    return sum(int(n) for n in re.findall(r"(?:hit|read)=(\d+)", plan.split("\n")[1]))


def test_the_pages_her_functions_read_do_not_count_other_coders_codes(make_lab):
    """A sequential scan inside the function would let her count the study's codes with
    EXPLAIN (ANALYZE, BUFFERS) or a stopwatch: the function reads through the coder's own
    index entries, so 20,000 more codes of others add at most the index's extra level."""
    lab = make_lab(leads=())
    with open_study(lab.url("ana")) as ana:
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="1")
        set_code(ana, coder="ana", transcript=T, segment=None, dimension="goal_agreement",
                 value="3")  # fmt: skip
    lab.sql("admin", "ANALYZE")
    before = _pages(lab, "SELECT * FROM sc_my_codes()")
    lab.sql(
        "admin",
        "INSERT INTO coders (name, kind, active, created_at) "
        "SELECT 'other' || g, 'coder', true, now() FROM generate_series(1, 110) g",
    )
    lab.sql("admin", "INSERT INTO codes (coder_id, transcript_id, segment_id, dimension_id, "
                     "dim_enumerated, unit_role, value, value_enum, codebook_version_id, "
                     "created_at, updated_at) SELECT c.id, s.transcript_id, s.id, d.id, true, "
                     "'patient', '1', '1', 1, now(), now() FROM coders c, segments s, "
                     "dimensions d WHERE c.name LIKE 'other%' AND s.role = 'patient' "
                     "AND d.key IN ('concordance', 'incongruent_principles')")  # fmt: skip
    assert lab.sql("admin", "SELECT count(*) > 20000 FROM codes") == [(True,)]
    lab.sql("admin", "ANALYZE")
    after = _pages(lab, "SELECT * FROM sc_my_codes()")
    heap = lab.sql("owner", "SELECT relpages FROM pg_class WHERE relname = 'codes'")[0][0]
    assert after <= before + 4 < heap  # the table itself now has far more pages
