"""PostgreSQL roles and row-level security: what a coder's login and a lead's login can do,
enforced by the server itself (checked through the services and with plain SQL)."""

from __future__ import annotations

import io
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from socialcoder.cli import main as cli_main
from socialcoder.errors import StudyError
from socialcoder.services.coders import add_coders, list_coders
from socialcoder.services.coding import clear_code, set_code, set_completed, set_segment_memo
from socialcoder.services.consensus import adjudicate
from socialcoder.services.queries import list_transcripts, show_transcript
from socialcoder.services.server import add_coder_login, add_lead_login, setup_server
from socialcoder.services.study import open_study

T = "P01_session02"


@pytest.fixture
def secured(pg_database, build_shared) -> dict[str, str]:
    """A set-up study with coders ana and ben (each with a login) and a lead login; returns
    URLs: 'owner', 'ana', 'ben', 'lead'. ben has coded segment 2 before ana starts."""
    url = pg_database()
    build_shared(url)
    setup_server(url)
    logins = {who: pg_database.login(f"sc_{who}") for who in ("ana", "ben", "lead")}
    add_coder_login(url, "ana", logins["ana"])
    with open_study(url) as study:
        add_coders(study, ["ben"])
    add_coder_login(url, "ben", logins["ben"])
    add_lead_login(url, logins["lead"])
    with open_study(pg_database.url_as(url, logins["ben"])) as ben:
        set_code(ben, coder="ben", transcript=T, segment=2, dimension="concordance", value="1")
        set_segment_memo(ben, coder="ben", transcript=T, segment=2, text="ben's note")
        set_completed(ben, coder="ben", transcript=T)
    return {"owner": url, **{w: pg_database.url_as(url, name) for w, name in logins.items()}}


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def test_a_coder_writes_own_codes_through_the_services(secured):
    with open_study(secured["ana"]) as ana:
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="0")
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="resistance", value="mild")
        clear_code(ana, coder="ana", transcript=T, segment=2, dimension="resistance")
        set_code(ana, coder="ana", transcript=T, segment=None, dimension="goal_agreement", value=5)
        set_segment_memo(ana, coder="ana", transcript=T, segment=2, text="unsure")
        set_completed(ana, coder="ana", transcript=T)
        view = show_transcript(ana, T, coder="ana")
        assert view.segments[1].codes == {"concordance": "0"}
        assert view.segments[1].memo == "unsure"
        assert view.session_codes == {"goal_agreement": "5"} and view.completed
        progress = {t.name: t.progress for t in list_transcripts(ana)}[T]
        assert set(progress) == {"ana"}  # ben's progress is invisible to ana
        assert progress["ana"].completed
        assert {c.name: c.codes for c in list_coders(ana)} == {"ana": 2, "ben": 0}
    assert _count(secured["ana"], "SELECT count(*) FROM audit_log") == 6  # only her own


def test_a_coder_cannot_read_other_coders_work(secured):
    with open_study(secured["ana"]) as ana:
        assert show_transcript(ana, T, coder="ben").segments[1].codes == {}
        assert show_transcript(ana, T, coder="ben").segments[1].memo is None
    for table in ("codes", "segment_memos", "completions", "audit_log"):
        assert _count(secured["ana"], f"SELECT count(*) FROM {table}") == 0, table
        assert _count(secured["ben"], f"SELECT count(*) FROM {table}") >= 1, table


def test_a_coder_cannot_write_another_coders_codes(secured, dump_pg):
    before = dump_pg(secured["owner"])
    with open_study(secured["ana"]) as ana:
        with pytest.raises(StudyError, match="row-level security"):
            set_code(ana, coder="ben", transcript=T, segment=5, dimension="concordance", value="1")
        with pytest.raises(StudyError, match="row-level security"):
            set_completed(ana, coder="ben", transcript="P02_session04")
        # ben's existing code is invisible: ana's "change" of it would be a new row, refused
        with pytest.raises(StudyError, match="row-level security"):
            set_code(ana, coder="ben", transcript=T, segment=2, dimension="concordance", value="0")
    engine = create_engine(secured["ana"])
    with engine.begin() as conn:  # plain SQL: other coders' rows are simply not there
        assert conn.execute(text("UPDATE codes SET value = '0', value_enum = '0'")).rowcount == 0
        assert conn.execute(text("DELETE FROM completions")).rowcount == 0
    with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
        conn.execute(text("UPDATE transcripts SET name = 'x'"))
    with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM session_measures"))
    engine.dispose()
    assert dump_pg(secured["owner"]) == before


def test_a_lead_reads_everything_and_adjudicates(secured):
    with open_study(secured["ana"]) as ana:
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="0")
    with open_study(secured["lead"]) as lead:
        assert show_transcript(lead, T, coder="ben").segments[1].codes == {"concordance": "1"}
        assert show_transcript(lead, T, coder="ana").segments[1].codes == {"concordance": "0"}
        assert set({t.name: t.progress for t in list_transcripts(lead)}[T]) == {"ana", "ben"}
        adjudicate(lead, transcript=T, segment=2, dimension="concordance", value="1",
                   reason="ben's reading fits the manual")  # fmt: skip
        assert show_transcript(lead, T, coder="consensus").segments[1].codes == {"concordance": "1"}
    assert _count(secured["lead"], "SELECT count(*) FROM codes") == 3
    assert _count(secured["lead"], "SELECT count(*) FROM audit_log") == 5
    assert _count(secured["owner"], "SELECT count(*) FROM codes") == 3  # owner: no RLS
    with pytest.raises(DBAPIError, match="append-only"):
        engine = create_engine(secured["lead"])
        try:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log"))
        finally:
            engine.dispose()


def test_setup_is_idempotent_and_logins_are_checked(secured, pg_database):
    setup_server(secured["owner"])  # again: same policies, nothing breaks
    with open_study(secured["ana"]) as ana:
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="1")
    lead_role = secured["lead"].split("//")[1].split("@")[0]
    ana_role = secured["ana"].split("//")[1].split("@")[0]
    with pytest.raises(StudyError, match="lead login"):
        add_coder_login(secured["owner"], "cara", lead_role)
    with pytest.raises(StudyError, match="already belongs to coder 'ana'"):
        add_coder_login(secured["owner"], "ben", ana_role)
    with pytest.raises(StudyError, match="belongs to coder 'ana'"):
        add_lead_login(secured["owner"], ana_role)
    with pytest.raises(StudyError, match="not a usable login"):
        add_coder_login(secured["owner"], "cara", "Robert'); DROP TABLE codes;--")
    with pytest.raises(StudyError, match="consensus"):
        add_coder_login(secured["owner"], "consensus", pg_database.login("sc_x"))
    with pytest.raises(StudyError, match="refused"):  # a coder cannot hand out logins
        add_coder_login(secured["ana"], "cara", pg_database.login("sc_cara"))


def test_cli_server_commands(pg_database, monkeypatch, capsys):
    url = pg_database()
    assert cli_main(["init", url]) == 0
    assert cli_main(["server", "add-coder", url, "ana", "--login", "sc_nobody"]) == 2
    assert "server setup" in capsys.readouterr().err
    assert cli_main(["server", "setup", url]) == 0
    login = pg_database.login("sc_ana")
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret%'pw\n"))
    assert cli_main(["server", "add-coder", url, "ana", "--login", login, "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert f"Created login role '{login}' for coder 'ana'" in out
    assert "Added coder 'ana'" in out
    has_password = _count(
        url, f"SELECT count(*) FROM pg_authid WHERE rolname = '{login}' AND rolpassword IS NOT NULL"
    )
    assert has_password == 1
    lead = pg_database.login("sc_lead")
    assert cli_main(["server", "add-lead", url, "--login", lead]) == 0
    assert _count(url, f"SELECT count(*) FROM coders WHERE db_role = '{login}'") == 1


def test_roles_are_refused_for_sqlite_studies(tmp_path, capsys):
    path = tmp_path / "s.scstudy"
    assert cli_main(["init", str(path)]) == 0
    assert cli_main(["server", "setup", str(path)]) == 2
    assert "cannot enforce roles" in capsys.readouterr().err
