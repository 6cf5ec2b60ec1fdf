"""PostgreSQL server mode through SocialCoder's own services and commands: a coder's login codes
blind (its own work only), a lead's login reads everything and adjudicates, setup is idempotent,
the commands print what they did. The attacks with plain SQL are in test_attack_*.py."""

from __future__ import annotations

import io
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from socialcoder.cli import main as cli_main
from socialcoder.errors import StudyError
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import clear_code, set_code, set_completed, set_segment_memo
from socialcoder.services.consensus import adjudicate
from socialcoder.services.server import setup_server
from socialcoder.services.server_logins import add_coder_login
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"


@pytest.fixture
def lab(make_lab):
    """ana and ben (ben has coded segment 2, written a memo and completed T) and a lead."""
    lab = make_lab()
    with open_study(lab.url("ben")) as ben:
        set_code(ben, coder="ben", transcript=T, segment=2, dimension="concordance", value="1")
        set_segment_memo(ben, coder="ben", transcript=T, segment=2, text="ben's note")
        set_completed(ben, coder="ben", transcript=T)
    return lab


def test_a_coder_writes_own_codes_through_the_services(lab):
    with open_study(lab.url("ana")) as ana:
        assert ana.login_coder == "ana"
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
        assert set(progress) == {"ana"}  # ben's progress is not hers to see
        assert progress["ana"].completed and progress["ana"].coded == 1
    actions = lab.sql("admin", "SELECT a.action FROM audit_log a JOIN coders c ON "
                               "c.id = a.coder_id WHERE c.name = 'ana' ORDER BY a.id")  # fmt: skip
    assert [a for (a,) in actions] == ["set", "set", "clear", "set", "memo", "complete"]


def test_a_coder_cannot_see_or_change_another_coders_work(lab, dump_pg):
    before = dump_pg(lab.url("admin"))
    with open_study(lab.url("ana")) as ana:
        for attempt in (
            lambda: show_transcript(ana, T, coder="ben"),
            lambda: set_code(
                ana, coder="ben", transcript=T, segment=5, dimension="concordance", value="1"
            ),
            lambda: set_completed(ana, coder="ben", transcript=T, completed=False),
            lambda: set_segment_memo(ana, coder="ben", transcript=T, segment=2, text=""),
        ):
            with pytest.raises(StudyError, match="belongs to coder 'ana': it can neither see"):
                attempt()
    assert dump_pg(lab.url("admin")) == before


def test_a_lead_reads_everything_and_adjudicates(lab):
    with open_study(lab.url("ana")) as ana:
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="0")
    with open_study(lab.url("lead")) as lead:
        assert lead.login_coder is None
        assert show_transcript(lead, T, coder="ben").segments[1].codes == {"concordance": "1"}
        assert show_transcript(lead, T, coder="ana").segments[1].codes == {"concordance": "0"}
        assert set({t.name: t.progress for t in list_transcripts(lead)}[T]) == {"ana", "ben"}
        adjudicate(lead, transcript=T, segment=2, dimension="concordance", value="1",
                   reason="ben's reading fits the manual")  # fmt: skip
        assert show_transcript(lead, T, coder="consensus").segments[1].codes == {"concordance": "1"}
    [(actor, action, reason)] = lab.sql(
        "lead", "SELECT actor, action, reason FROM audit_log a JOIN coders c ON c.id = a.coder_id "
                "WHERE c.name = 'consensus'")  # fmt: skip
    assert (actor, action, reason) == (lab.login("lead"), "set", "ben's reading fits the manual")


def test_setup_is_idempotent(lab):
    again = setup_server(lab.url("admin"))
    assert again.created_groups == () and again.statistics_hidden
    assert set(again.coders) == {lab.login("ana"), lab.login("ben")}
    assert again.leads == (lab.login("lead"),)
    with open_study(lab.url("ana")) as ana:
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="1")
    with open_study(lab.url("lead")) as lead:
        assert show_transcript(lead, T, coder="ana").segments[1].codes == {"concordance": "1"}


def test_a_coder_added_later_by_the_lead_gets_a_login(lab):
    with open_study(lab.url("lead")) as lead:
        add_coders(lead, ["cara"])
    login = lab.made.login("c_cara")
    result = add_coder_login(lab.url("admin"), "cara", login)
    assert (result.coder, result.created_role, result.created_coder) == ("cara", True, False)
    with open_study(lab.made.url_as(lab.url("admin"), login)) as cara:
        set_code(cara, coder="cara", transcript=T, segment=2, dimension="concordance", value="1")


def test_cli_server_commands(pg_database, _lab_owner_and_template, monkeypatch, capsys):
    owner, _ = _lab_owner_and_template
    url = pg_database(owner=owner)
    as_owner = pg_database.url_as(url, owner)
    assert cli_main(["init", as_owner]) == 0
    assert cli_main(["server", "add-coder", url, "ana", "--login", "sc_nobody"]) == 2
    assert "server setup" in capsys.readouterr().err
    assert cli_main(["server", "setup", url]) == 0
    out = capsys.readouterr().out
    database = make_url(url).database
    assert f"Server mode ready in database '{database}' (created sc_{database}_lead" in out
    assert "hidden from coders" in out
    login = pg_database.login("c_ana")
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret%'pw\n"))
    assert cli_main(["server", "add-coder", url, "ana", "--login", login, "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert f"Created login role '{login}' for coder 'ana' (member of sc_{database}_coder)" in out
    assert "Added coder 'ana'" in out
    assert cli_main(["server", "add-coder", url, "ana", "--login", login]) == 0
    assert f"Login role '{login}' already belongs to coder 'ana'" in capsys.readouterr().out
    lead = pg_database.login("l_lead")
    assert cli_main(["server", "add-lead", url, "--login", lead]) == 0
    assert cli_main(["server", "remove-login", url, "--login", login]) == 0
    out = capsys.readouterr().out
    assert f"Login '{login}' (coder 'ana') has no access to this study any more." in out
    assert cli_main(["server", "remove-login", url, "--login", login]) == 2
    assert "has no access to this study" in capsys.readouterr().err


def test_setup_refuses_a_study_owned_by_a_superuser(pg_database, build_shared, capsys):
    url = pg_database()
    build_shared(url)  # made by the superuser of the test server
    assert cli_main(["server", "setup", url]) == 2
    assert f"belong to '{make_url(url).username}', a superuser" in capsys.readouterr().err


def test_roles_are_refused_for_sqlite_studies(tmp_path, capsys):
    path = tmp_path / "s.scstudy"
    assert cli_main(["init", str(path)]) == 0
    assert cli_main(["server", "setup", str(path)]) == 2
    assert "cannot enforce roles" in capsys.readouterr().err


def test_setup_by_the_owner_leaves_statistics_visible_and_says_so(pg_database, build_shared,
                                                                   capsys):  # fmt: skip
    """Without a superuser, setup does everything but hide the catalog's statistics, and warns;
    a coder can then read how many codes the study holds (what docs/server-admin.md states)."""
    owner = pg_database.login("owner")
    url = pg_database()
    with pg_database.engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN CREATEROLE'))
        conn.execute(text(f'ALTER DATABASE "{make_url(url).database}" OWNER TO "{owner}"'))
    as_owner = pg_database.url_as(url, owner)
    build_shared(as_owner)
    assert cli_main(["server", "setup", as_owner]) == 0
    out = capsys.readouterr().out
    assert "Warning: size estimates and activity statistics" in out
    coder = pg_database.login("c_ana")
    add_coder_login(as_owner, "ana", coder)
    with open_study(pg_database.url_as(url, coder)) as ana:
        set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="1")
    engine = create_engine(pg_database.url_as(url, coder))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n_tup_ins FROM pg_stat_user_tables "
                                     "WHERE relname = 'codes'")).scalar() is not None  # fmt: skip
            with pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text("SELECT count(*) FROM codes"))
    finally:
        engine.dispose()
