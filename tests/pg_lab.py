"""PostgreSQL test databases and server-mode labs, for every tier (loaded as a plugin by
tests/conftest.py). Each test that uses them skips unless SOCIALCODER_TEST_PG_URL names an admin
(superuser) URL.

``pg_admin``     the admin URL from SOCIALCODER_TEST_PG_URL.
``pg_database``  ``make(owner=None, template=None) -> URL`` of a fresh PostgreSQL database (as
                 the admin); every database made, every login role registered with
                 ``pg_database.login(stem)`` and the group roles of the databases are dropped
                 after the test (the databases first, so the roles hold no privileges any more).
``make_lab``     ``make_lab(coders=("ana", "ben"), leads=("lead",)) -> Lab``: a server-mode
                 study (``server setup`` run by the superuser) in a database of its own, made
                 by an ordinary owner role (copied from a template built once per session:
                 the three sample transcripts, no coders), with a login per coder and lead.
                 ``lab.url(who)`` is the study as that login ("admin" and "owner" too);
                 ``lab.sql(who, statement)`` runs plain SQL as it, like a coder with psql.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_transcripts"
PG_ENV = "SOCIALCODER_TEST_PG_URL"


class PgDatabases:
    """Makes databases and remembers logins to drop; see the module docstring."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []
        self.logins: list[str] = []

    def __call__(self, *, owner: str | None = None, template: str | None = None) -> str:
        name = f"sc_srv_{uuid.uuid4().hex[:12]}"
        extra = (f' OWNER "{owner}"' if owner else "") + (
            f' TEMPLATE "{template}"' if template else ""
        )
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{extra}'))
        self.names.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def login(self, stem: str) -> str:
        """A login role name unique to this test run (registered for dropping)."""
        name = f"{stem}_{uuid.uuid4().hex[:8]}"
        self.logins.append(name)
        return name

    def url_as(self, url: str, login: str) -> str:
        return make_url(url).set(username=login, password=None).render_as_string(False)

    def cleanup(self) -> None:
        from socialcoder.services.server import study_groups

        with self.engine.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for login in self.logins:
                conn.execute(text(f'DROP ROLE IF EXISTS "{login}"'))
            for name in self.names:
                groups = study_groups(name)
                for group in (groups.lead, groups.coder):
                    conn.execute(text(f'DROP ROLE IF EXISTS "{group}"'))
        self.engine.dispose()


@pytest.fixture
def pg_admin() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"set {PG_ENV} to run against PostgreSQL")
    return url


@pytest.fixture
def pg_database(pg_admin: str) -> Iterator[PgDatabases]:
    made = PgDatabases(pg_admin)
    try:
        yield made
    finally:
        made.cleanup()


def build_shared_study(target: str | Path) -> None:
    """The default codebook and the three sample transcripts; no coders, no codes; blinding
    off (the server tests name transcripts; a lab's lead turns it on where a test needs it)."""
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
    from socialcoder.services.settings import set_setting
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import import_transcripts, read_manifest

    with create_study(target, codebook_path=DEFAULT_CODEBOOK_PATH, name="shared") as study:
        import_transcripts(study, read_manifest(SAMPLES / "manifest.csv"))
        set_setting(study, "blinding", "off")


# --- server-mode labs ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _lab_owner_and_template() -> Iterator[tuple[str, str]]:
    """An ordinary owner role and a template database holding the shared study, made by it."""
    admin = os.environ.get(PG_ENV)
    if not admin:
        pytest.skip(f"set {PG_ENV} to run against PostgreSQL")
    owner = f"sc_owner_{uuid.uuid4().hex[:8]}"
    made = PgDatabases(admin)
    with made.engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN'))
    try:
        url = made(owner=owner)
        build_shared_study(made.url_as(url, owner))
        yield owner, make_url(url).database or ""
    finally:
        made.cleanup()
        with made.engine.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        made.engine.dispose()


@dataclass
class Lab:
    """A server-mode study and its logins (see the module docstring)."""

    admin: str
    owner: str
    database: str
    logins: dict[str, str]
    made: PgDatabases

    def url(self, who: str) -> str:
        if who == "admin":
            return self.admin
        login = self.owner if who == "owner" else self.logins[who]
        return self.made.url_as(self.admin, login)

    def login(self, who: str) -> str:
        return self.owner if who == "owner" else self.logins[who]

    def sql(self, who: str, statement: str, **params: object) -> list[tuple[object, ...]]:
        """Run one statement as ``who`` in its own transaction (committed); rows returned."""
        engine = create_engine(self.url(who))
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()


@pytest.fixture
def make_lab(pg_database: PgDatabases, _lab_owner_and_template: tuple[str, str]):
    from socialcoder.services.server import setup_server
    from socialcoder.services.server_logins import add_coder_login, add_lead_login

    owner, template = _lab_owner_and_template

    def make(coders: tuple[str, ...] = ("ana", "ben"), leads: tuple[str, ...] = ("lead",)) -> Lab:
        admin = pg_database(owner=owner, template=template)
        setup_server(admin)
        logins = {}
        for who in coders:
            logins[who] = pg_database.login(f"c_{who}")
            add_coder_login(admin, who, logins[who])
        for who in leads:
            logins[who] = pg_database.login(f"l_{who}")
            add_lead_login(admin, logins[who])
        return Lab(admin, owner, make_url(admin).database or "", logins, pg_database)

    return make
