"""Attack suite, issue #20 items 2 and 3: studies on one server are separated.

Two studies (A: coders ana and ben, a lead; B: coder cara, a lead) share a PostgreSQL server.
Roles are per study: only A's own groups may connect to A, a login is never a lead in one study
and a coder in another, and taking a login away is per study."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from socialcoder.errors import StudyError
from socialcoder.services.coding import set_code
from socialcoder.services.server_logins import add_coder_login, add_lead_login, remove_login
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"


@pytest.fixture
def two(make_lab):
    return make_lab(), make_lab(coders=("cara",), leads=("lead",))


def _cannot_connect(url: str) -> None:
    with pytest.raises(DBAPIError, match="permission denied for database"):
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()


def test_no_login_of_another_study_can_connect(two):
    a, b = two
    _cannot_connect(a.made.url_as(a.url("admin"), b.login("lead")))  # B's lead
    _cannot_connect(a.made.url_as(a.url("admin"), b.login("cara")))  # B's coder
    _cannot_connect(b.made.url_as(b.url("admin"), a.login("ana")))  # A's coder
    with pytest.raises(StudyError, match="permission denied for database"):
        open_study(a.made.url_as(a.url("admin"), b.login("lead")))


def test_a_login_with_no_role_in_the_study_cannot_connect(two, pg_database):
    a, _ = two
    stranger = pg_database.login("stranger")
    a.sql("admin", f'CREATE ROLE "{stranger}" LOGIN')
    _cannot_connect(a.made.url_as(a.url("admin"), stranger))
    assert a.sql("admin", "SELECT has_database_privilege(:r, current_database(), 'CONNECT'), "
                          "has_database_privilege(:r, current_database(), 'TEMP')",
                 r=stranger) == [(False, False)]  # fmt: skip


def test_a_coder_of_one_study_cannot_become_a_lead_of_another(two):
    a, b = two
    with pytest.raises(StudyError, match=r"is a coder's login \(sc_\w+_coder\); a lead needs"):
        add_lead_login(a.url("admin"), b.login("cara"))
    with pytest.raises(StudyError, match=r"is a lead's login \(sc_\w+_lead\); a coder needs"):
        add_coder_login(a.url("admin"), "dora", b.login("lead"))
    # nothing was granted: B's coder still cannot connect to A
    _cannot_connect(a.made.url_as(a.url("admin"), b.login("cara")))


def test_a_coder_may_code_in_two_studies_and_lose_one(two):
    a, b = two
    add_coder_login(b.url("admin"), "ana", a.login("ana"))
    b.logins["ana"] = a.login("ana")
    for lab in (a, b):
        with open_study(lab.url("ana")) as ana:
            set_code(ana, coder="ana", transcript=T, segment=2, dimension="concordance", value="1")
    engine = create_engine(a.url("ana"))  # a session open while her login is taken away
    try:
        with engine.connect() as open_session:
            open_session.execute(text("SELECT 1"))
            removed = remove_login(a.url("admin"), a.login("ana"))
            assert (removed.was, removed.coder, removed.ended_sessions) == ("coder", "ana", 1)
            with pytest.raises(DBAPIError):
                open_session.execute(text("SELECT count(*) FROM sc_my_codes()"))
    finally:
        engine.dispose()
    _cannot_connect(a.url("ana"))
    with open_study(b.url("ana")) as ana:  # her other study is untouched
        set_code(ana, coder="ana", transcript=T, segment=5, dimension="concordance", value="1")
    with open_study(a.url("lead")) as lead:  # her codes in A stay
        assert show_transcript(lead, T, coder="ana").segments[1].codes == {"concordance": "1"}
    assert a.sql("admin", "SELECT db_role FROM coders WHERE name = 'ana'") == [(None,)]


def test_taking_a_leads_login_away_is_per_study(two):
    a, b = two
    add_lead_login(b.url("admin"), a.login("lead"))  # one person leads both studies
    removed = remove_login(a.url("admin"), a.login("lead"))
    assert removed.was == "lead" and removed.coder is None
    _cannot_connect(a.url("lead"))
    as_b_lead = b.made.url_as(b.url("admin"), a.login("lead"))
    with open_study(as_b_lead) as lead:
        assert lead.login_coder is None and show_transcript(lead, T, coder="cara").segments
