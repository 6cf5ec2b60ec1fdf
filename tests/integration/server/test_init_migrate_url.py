"""`socialcoder init URL` and `socialcoder migrate STUDY` on PostgreSQL (and SQLite): a study
at revision 0002 (before coders.db_role) is upgraded to the head with every code kept."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from socialcoder.cli import main as cli_main
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage import db, migrate


def test_init_info_and_migrate_a_postgresql_url(pg_database, capsys):
    url = pg_database()
    assert cli_main(["init", url, "--name", "trial"]) == 0
    assert "Created study 'trial'" in capsys.readouterr().out
    assert cli_main(["info", url]) == 0
    assert "trial" in capsys.readouterr().out
    assert cli_main(["migrate", url]) == 0
    assert f"up to date (schema {migrate.head_revision()})" in capsys.readouterr().out
    assert cli_main(["init", url]) == 2  # never overwrites
    assert "already holds tables" in capsys.readouterr().err


def test_migrate_upgrades_0002_to_the_head_keeping_codes(shared_study, capsys):
    with open_study(shared_study) as study:
        add_coders(study, ["ana"])
        set_code(study, coder="ana", transcript="P01_session02", segment=2,
                 dimension="resistance", value="mild")  # fmt: skip
    engine = db.make_engine(shared_study)
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0002")
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == "0002"
        assert "db_role" not in {c["name"] for c in inspect(conn).get_columns("coders")}
    engine.dispose()

    assert cli_main(["migrate", shared_study]) == 0
    assert f"from schema 0002 to {migrate.head_revision()}" in capsys.readouterr().out
    engine = db.make_engine(shared_study)
    with engine.connect() as conn:
        assert "db_role" in {c["name"] for c in inspect(conn).get_columns("coders")}
    engine.dispose()
    with open_study(shared_study) as study:
        view = show_transcript(study, "P01_session02", coder="ana")
        assert view.segments[1].codes == {"resistance": "mild"}
