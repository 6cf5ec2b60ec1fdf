"""Attack suite, issue #20 item 4: a coder plants an object that runs as whoever next uses
the study (the CVE-2018-1058 pattern: an exact-type operator ``=(varchar, varchar)`` in a schema
on the search path beats pg_catalog's ``=(text, text)``, which needs a cast).

PostgreSQL 15 no longer lets PUBLIC create in schema public, but 13/14 and upgraded clusters
do: the tests grant it to PUBLIC to play such a cluster. ``server setup`` closes the schema and
refuses to finish while anyone but the owner can create there or another role's objects sit in
it; every administrator's command refuses such a schema before running a single query on the
study's tables; SocialCoder pins ``search_path``, so a schema named after a login ("$user")
cannot step in either."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from socialcoder.errors import StudyError
from socialcoder.services.coders import list_coders
from socialcoder.services.server import setup_server
from socialcoder.services.server_logins import add_coder_login
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.server_sql import CODER_FUNCTIONS


def plant(schema: str) -> list[str]:
    return [
        f"CREATE FUNCTION {schema}.sc_evil(varchar, varchar) RETURNS boolean LANGUAGE plpgsql "
        "AS $$ BEGIN RAISE EXCEPTION 'planted operator ran as %', current_user; END $$",
        f"CREATE OPERATOR {schema}.= (LEFTARG = varchar, RIGHTARG = varchar, "
        f"FUNCTION = {schema}.sc_evil)",
    ]


def _run(url: str, statements: list[str]) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement.replace("%", "%%"))
    finally:
        engine.dispose()


def test_a_coder_cannot_create_anything_in_the_study(make_lab):
    lab = make_lab()
    lab.sql("admin", "GRANT CREATE ON SCHEMA public TO PUBLIC")  # as PostgreSQL 13/14 had it
    setup_server(lab.url("admin"))  # closes it again
    for statement in (
        plant("public")[0],
        "CREATE TABLE public.codes_copy (x int)",
        "CREATE VIEW public.v AS SELECT 1",
        "CREATE SCHEMA mine",
        "CREATE TEMP TABLE codes (x int)",
    ):
        with pytest.raises(DBAPIError, match="permission denied"):
            lab.sql("ana", statement)


def test_setup_refuses_to_finish_while_another_role_can_create(make_lab):
    lab = make_lab()
    lab.sql("admin", f'GRANT CREATE ON SCHEMA public TO "{lab.login("ana")}"')
    with pytest.raises(StudyError) as refused:
        setup_server(lab.url("admin"))
    message = str(refused.value)
    assert "refused to finish (nothing changed)" in message
    assert f"besides the owner, {lab.login('ana')} can create objects in schema public" in message
    # nothing changed: the grant is still there (the whole setup was rolled back)
    assert lab.sql("admin", "SELECT has_schema_privilege(:r, 'public', 'CREATE')",
                   r=lab.login("ana")) == [(True,)]  # fmt: skip


def test_objects_planted_before_setup_are_refused_by_every_admin_command(
    pg_database, _lab_owner_and_template
):
    """An older cluster: PUBLIC may create in public; a future coder plants an operator before
    the study is set up. Setup (run as a superuser) and add-coder refuse to touch the study."""
    owner, template = _lab_owner_and_template
    admin = pg_database(owner=owner, template=template)
    planter = pg_database.login("planter")
    _run(admin, ["GRANT CREATE ON SCHEMA public TO PUBLIC", f'CREATE ROLE "{planter}" LOGIN'])
    _run(pg_database.url_as(admin, planter), plant("public"))
    for command in (
        lambda: setup_server(admin),
        lambda: add_coder_login(admin, "ana", pg_database.login("c_ana")),
    ):
        with pytest.raises(StudyError, match=r"schema public holds objects of other roles: "
                                             r"function sc_evil\(character varying,character "
                                             rf"varying\) \(owner {planter}\), operator ="):  # fmt: skip
            command()
    # the trap was real: a comparison of two varchar columns would have run it as superuser
    superuser = make_url(admin).username
    with pytest.raises(DBAPIError, match=f"planted operator ran as {superuser}"):
        _run(admin, ["SELECT 1 FROM coders WHERE name = kind"])


def test_the_pinned_search_path_keeps_a_user_schema_out(make_lab):
    """A schema named after the lead's login (on the default search path as "$user"), which
    a coder owns, holds an exact-type operator. Plain connections would run it as the lead;
    SocialCoder's connections never look there."""
    lab = make_lab()
    lead, ana = lab.login("lead"), lab.login("ana")
    lab.sql("admin", f'CREATE SCHEMA "{lead}" AUTHORIZATION "{ana}"')  # a careless admin
    _run(lab.url("ana"), [*plant(f'"{lead}"'), f'GRANT USAGE ON SCHEMA "{lead}" TO PUBLIC'])
    with pytest.raises(DBAPIError, match=f"planted operator ran as {lead}"):
        lab.sql("lead", "SELECT 1 FROM coders WHERE name = kind")  # unpinned: the trap works
    with open_study(lab.url("lead")) as study:  # SocialCoder: pinned
        assert {c.name for c in list_coders(study)} == {"ana", "ben"}
        assert list_transcripts(study)
        show_transcript(study, "P01_session02", coder="ana")
        assert (
            study.engine.connect().execute(text("SHOW search_path")).scalar() == "public, pg_temp"
        )


def test_the_coders_functions_fix_their_search_path(make_lab):
    lab = make_lab()
    rows = lab.sql(
        "admin",
        "SELECT p.proname, p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner) FROM pg_proc p "
        "WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'sc\\_%' ORDER BY 1",
    )
    assert {name for name, *_ in rows} >= {name for name, _ in CODER_FUNCTIONS}
    for name, definer, config, owner in rows:
        assert definer, name
        assert config == ["search_path=pg_catalog, public, pg_temp"], name
        assert owner == lab.owner, name  # an ordinary role, never the superuser who ran setup
    assert lab.sql("admin", "SELECT has_database_privilege(:r, current_database(), 'TEMP')",
                   r=lab.login("ana")) == [(False,)]  # fmt: skip
