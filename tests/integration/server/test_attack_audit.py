"""Attack suite, issue #20 item 5: the audit log is complete and authentic.

Every change of codes, memos, completions and assignments writes exactly one entry, made by the
database with its own clock (``now()``, the changing transaction's time) and the login
(``session_user``), whoever changes what and however: a coder through her functions, a lead
through SocialCoder or with plain SQL, the owner. Nobody but the owner can write an entry
directly, so nobody can date one back or sign it with another name."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from socialcoder.services.assignments import assign
from socialcoder.services.codes_csv import import_codes_csv
from socialcoder.services.coding import set_code
from socialcoder.services.consensus import adjudicate, build_consensus
from socialcoder.services.study import open_study

T = "P01_session02"
ENTRY = "SELECT actor, action, segment_idx, dimension_key, old_value, new_value, reason FROM " \
        "audit_log WHERE id > :after ORDER BY id"  # fmt: skip


def _last_id(lab) -> int:
    return int(lab.sql("admin", "SELECT coalesce(max(id), 0) FROM audit_log")[0][0])


def _ids(lab, who: str) -> tuple[int, dict[str, int]]:
    """(transcript id of T, segment index -> segment id) as ``who`` reads them."""
    # coders read transcripts through sc_transcripts() (names are closed to them: issue #19)
    source = "transcripts" if who in ("lead", "admin", "owner") else "sc_transcripts()"
    tid = lab.sql(who, f"SELECT id FROM {source} WHERE name = :t", t=T)[0][0]
    segs = dict(lab.sql(who, "SELECT idx, id FROM segments WHERE transcript_id = :t", t=tid))
    return tid, segs


def test_a_coders_entry_has_her_login_and_the_servers_time_whatever_she_claims(make_lab):
    lab = make_lab()
    tid, segs = _ids(lab, "ana")
    dim = lab.sql("ana", "SELECT id FROM dimensions WHERE key = 'concordance'")[0][0]
    after = _last_id(lab)
    engine = create_engine(lab.url("ana"))
    try:
        with engine.begin() as conn:  # one transaction, as psql would run it
            conn.execute(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))
            conn.execute(text("SELECT set_config('socialcoder.action', 'consensus', true), "
                              "set_config('socialcoder.reason', 'the lead decided', true)"))  # fmt: skip
            server_time = conn.execute(text("SELECT now()")).scalar_one()
            conn.execute(text("SELECT * FROM sc_set_code(:t, :s, :d, '1', 'a note', false)"),
                         {"t": tid, "s": segs[2], "d": dim})  # fmt: skip
    finally:
        engine.dispose()
    assert lab.sql("admin", ENTRY, after=after) == [
        (lab.login("ana"), "set", 2, "concordance", None, "1", None)
    ]
    at, updated = lab.sql("admin", "SELECT a.at, c.updated_at FROM audit_log a, codes c "
                                   "WHERE a.id > :after", after=after)[0]  # fmt: skip
    assert at == server_time == updated


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO audit_log (at, actor, action, coder_id, transcript_id, old_value, new_value) "
        "VALUES ('2020-01-01', 'lead', 'adjudicate', 2, 1, '0', '1')",
        "INSERT INTO audit_log (id, at, actor, action, coder_id) "
        "VALUES (999999, now(), 'x', 'set', 2)",
        "UPDATE audit_log SET actor = 'ben'",
        "DELETE FROM audit_log",
        "UPDATE codes SET value = '0', value_enum = '0'",
        "DELETE FROM codes",
        "INSERT INTO completions (coder_id, transcript_id, completed_at) VALUES (2, 1, now())",
        "UPDATE segment_memos SET text = 'x'",
        "SELECT public.sc_audit_codes()",
        "SELECT public.sc_stated_action('set', ARRAY['merge'])",
    ],
)
def test_a_coder_cannot_write_the_audit_log_or_change_rows_unaudited(make_lab, statement):
    lab = make_lab(leads=())
    with pytest.raises(DBAPIError, match="permission denied"):
        lab.sql("ana", statement)


def test_a_leads_plain_sql_changes_are_audited_with_the_leads_login(make_lab):
    lab = make_lab()
    with open_study(lab.url("ben")) as ben:
        for i in (2, 5, 7):
            set_code(ben, coder="ben", transcript=T, segment=i, dimension="concordance", value="1")
    after = _last_id(lab)
    ben_id = lab.sql("lead", "SELECT id FROM coders WHERE name = 'ben'")[0][0]
    tid, segs = _ids(lab, "lead")
    lead = lab.login("lead")
    lab.sql("lead", "UPDATE codes SET value = '0', value_enum = '0' WHERE coder_id = :c "
                    "AND segment_id = :s", c=ben_id, s=segs[2])  # fmt: skip
    lab.sql("lead", "UPDATE codes SET codebook_version_id = codebook_version_id")  # no change
    lab.sql("lead", "DELETE FROM codes WHERE coder_id = :c AND segment_id <> :s",
            c=ben_id, s=segs[2])  # fmt: skip
    lab.sql("lead", "INSERT INTO segment_memos (coder_id, segment_id, text, updated_at) "
                    "VALUES (:c, :s, 'lead wrote this', '1999-01-01')", c=ben_id, s=segs[5])  # fmt: skip
    lab.sql("lead", "INSERT INTO completions (coder_id, transcript_id, completed_at) "
                    "VALUES (:c, :t, '1999-01-01')", c=ben_id, t=tid)  # fmt: skip
    lab.sql("lead", "INSERT INTO assignments (coder_id, transcript_id, purpose, assigned_at) "
                    "VALUES (:c, :t, 'reliability', now())", c=ben_id, t=tid)  # fmt: skip
    lab.sql("lead", "DELETE FROM completions")
    assert lab.sql("admin", ENTRY, after=after) == [
        (lead, "set", 2, "concordance", "1", "0", None),
        (lead, "clear", 5, "concordance", "1", None, None),
        (lead, "clear", 7, "concordance", "1", None, None),
        (lead, "memo", 5, None, None, "lead wrote this", None),
        (lead, "complete", None, None, "0", "1", None),
        (lead, "assign", None, None, None, "reliability", None),
        (lead, "reopen", None, None, "1", "0", None),
    ]
    at = {a for (a,) in lab.sql("admin", "SELECT at FROM audit_log WHERE id > :a", a=after)}
    assert all(a.year >= 2026 for a in at)  # the server's clock, not the rows' 1999


def test_a_lead_cannot_write_the_audit_log(make_lab):
    lab = make_lab(coders=("ana",))
    for statement in (
        "INSERT INTO audit_log (at, actor, action, coder_id) VALUES ('2020-01-01', 'ana', "
        "'adjudicate', 2)",
        "UPDATE audit_log SET reason = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE codes",
        "ALTER TABLE codes DISABLE TRIGGER sc_audit_insert",
        "SELECT setval('audit_log_id_seq', 1000000)",
    ):
        with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
            lab.sql("lead", statement)


def test_socialcoder_changes_in_server_mode_are_audited_once_each(make_lab, tmp_path):
    """The services' own entries are the database's: one per change, with what SocialCoder
    says about it (action, reason) and the login as actor."""
    lab = make_lab()
    for who, value in (("ana", "1"), ("ben", "1")):
        with open_study(lab.url(who)) as study:
            set_code(study, coder=who, transcript=T, segment=2, dimension="concordance",
                     value=value)  # fmt: skip
    lead = lab.login("lead")
    after = _last_id(lab)
    csv = tmp_path / "codes.csv"
    csv.write_text("transcript,segment,coder,dimension,value,memo\n"
                   f"{T},5,cara,concordance,1,\n{T},5,cara,,,a memo\n", encoding="utf-8")  # fmt: skip
    with open_study(lab.url("lead")) as study:
        build_consensus(study, ("ana", "ben"), dimensions=("concordance",))
        adjudicate(study, transcript=T, segment=5, dimension="concordance", value="0",
                   reason="manual, p. 4")  # fmt: skip
        assign(study, coder="ana", transcript=T)
        import_codes_csv(study, csv, complete=True, add_coders=True)
    assert lab.sql("admin", ENTRY, after=after) == [
        (lead, "consensus", 2, "concordance", None, "1", "agreed by ana, ben"),
        (lead, "set", 5, "concordance", None, "0", "manual, p. 4"),
        (lead, "assign", None, None, None, "primary", None),
        (lead, "import", 5, "concordance", None, "1", None),
        (lead, "memo", 5, None, None, "a memo", "codes import"),
        (lead, "complete", None, None, "0", "1", "codes import --complete"),
    ]
