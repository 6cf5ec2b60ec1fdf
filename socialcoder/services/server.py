"""PostgreSQL server mode: roles and row-level security that the database itself enforces.

Two group roles (``NOLOGIN``) hold the privileges; each person gets a login role that is a
member of one of them:

``socialcoder_lead``   reads and writes every table (DML only: no TRUNCATE, no DDL; the audit
                       log stays append-only through its trigger).
``socialcoder_coder``  reads the study's reference tables (study, codebook, dimensions, coders,
                       transcripts, segments) and, through row-level security, only its *own*
                       rows of ``codes``, ``segment_memos``, ``completions`` (read and write),
                       ``audit_log`` (read and append) and ``assignments`` (read).

"Own" means ``coder_id`` belongs to the coder whose ``coders.db_role`` equals ``current_user``.
The owner of the tables (whoever ran ``socialcoder init``) and superusers are not subject to
row-level security and still see everything. SQLite files cannot enforce any of this: whoever
holds the file can read and change all of it.

Group roles are cluster-wide; the grants and policies are per database, so
:func:`setup_server` is run once per study database (and again after ``socialcoder migrate``;
it is idempotent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError

from socialcoder.errors import StudyError
from socialcoder.services.coders import check_coder_name
from socialcoder.services.study import CONSENSUS, Study, now, open_study
from socialcoder.storage import db
from socialcoder.storage.models import CoderRow

LEAD_GROUP = "socialcoder_lead"
CODER_GROUP = "socialcoder_coder"

#: tables a coder may read in full
CODER_READABLE = (
    "alembic_version",
    "study",
    "codebook_versions",
    "dimensions",
    "dimension_values",
    "coders",
    "transcripts",
    "segments",
)
#: tables whose rows belong to one coder: coders read and write only their own
CODER_OWNED = ("codes", "segment_memos", "completions")
#: row-level security is enabled on these
SECURED = (*CODER_OWNED, "audit_log", "assignments")
#: tables with an id sequence that a coder inserts into
CODER_SEQUENCES = ("codes", "segment_memos", "audit_log")

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_OWN = "coder_id IN (SELECT c.id FROM coders c WHERE c.db_role = current_user)"


@dataclass(frozen=True, slots=True)
class SetupResult:
    """What :func:`setup_server` did: the database, the groups created now (empty when they
    existed already) and the tables under row-level security."""

    database: str
    created_groups: tuple[str, ...]
    secured_tables: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A login role linked to a study: ``coder`` is None for a lead; ``created_role`` tells
    whether the role was created now (else an existing role was linked)."""

    login: str
    group: str
    coder: str | None
    created_role: bool
    created_coder: bool


def check_role_name(name: str) -> str:
    """A role name usable without quoting: lower-case letters, digits and '_' (max 63)."""
    if not _ROLE_NAME.match(name):
        raise StudyError(
            f"{name!r} is not a usable login name (lower-case letters, digits and '_', "
            "starting with a letter or '_', at most 63 characters)"
        )
    if name.startswith("pg_") or name in (LEAD_GROUP, CODER_GROUP):
        raise StudyError(f"{name!r} is reserved; choose another login name")
    return name


def _require_postgres(study: Study) -> None:
    if study.engine.dialect.name != "postgresql":
        raise StudyError(
            "roles need a PostgreSQL study (a database URL); an SQLite study file cannot "
            "enforce roles against whoever holds the file",
            source=study.location,
        )


def _q(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _role_exists(connection: Connection, name: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def _member_of(connection: Connection, login: str, group: str) -> bool:
    found = connection.execute(
        text("SELECT pg_has_role(:login, :group, 'MEMBER')"), {"login": login, "group": group}
    )
    return bool(found.scalar())


def _ensure_group(connection: Connection, name: str) -> bool:
    """Create a NOLOGIN group role unless it exists; True when created now."""
    if _role_exists(connection, name):
        return False
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(f"CREATE ROLE {_q(connection, name)} NOLOGIN")
    except DBAPIError as exc:  # made meanwhile by a concurrent setup on the same cluster
        if getattr(exc.orig, "sqlstate", None) != "42710":
            raise
        return False
    return True


def _run(study: Study, what: str, work: object) -> object:
    """Run ``work(connection)`` in one transaction, turning refusals into one-line errors."""
    _require_postgres(study)
    try:
        with study.engine.begin() as connection:
            return work(connection)  # type: ignore[operator]
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if state in ("42501", "42704"):
            detail = str(exc.orig).splitlines()[0]
            raise StudyError(
                f"{what}: the server refused ({detail}); connect as the study's owner or a "
                "superuser (roles need CREATEROLE)",
                source=study.location,
            ) from None
        raise


def setup_server(target: str) -> SetupResult:
    """Create the group roles, grant them their privileges and enable row-level security with
    the policies described in the module docstring. Idempotent."""
    with open_study(target, upgrade=False) as study:
        return _run(study, "server setup", _setup)  # type: ignore[return-value]


def _setup(c: Connection) -> SetupResult:
    created = tuple(g for g in (LEAD_GROUP, CODER_GROUP) if _ensure_group(c, g))
    lead, coder = _q(c, LEAD_GROUP), _q(c, CODER_GROUP)
    schema = _q(c, c.execute(text("SELECT current_schema()")).scalar_one())
    database = c.execute(text("SELECT current_database()")).scalar_one()
    run = c.exec_driver_sql
    run(f"GRANT USAGE ON SCHEMA {schema} TO {lead}, {coder}")
    # Start from nothing each time, so that re-running gives exactly these privileges.
    run(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {lead}, {coder}")
    run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {lead}, {coder}")
    run(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {lead}")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {lead}")
    run(f"GRANT SELECT ON {', '.join(CODER_READABLE)} TO {coder}")
    run(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(CODER_OWNED)} TO {coder}")
    run(f"GRANT SELECT, INSERT ON audit_log TO {coder}")
    run(f"GRANT SELECT ON assignments TO {coder}")
    for table in CODER_SEQUENCES:
        sequence = c.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{schema}.{table}"}
        ).scalar_one()
        if sequence:
            run(f"GRANT USAGE ON SEQUENCE {sequence} TO {coder}")
    for table in SECURED:
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for policy in ("sc_lead_all", "sc_coder_own", "sc_coder_read", "sc_coder_append"):
            run(f"DROP POLICY IF EXISTS {policy} ON {table}")
        run(f"CREATE POLICY sc_lead_all ON {table} TO {lead} USING (true) WITH CHECK (true)")
    for table in CODER_OWNED:
        run(f"CREATE POLICY sc_coder_own ON {table} TO {coder} USING ({_OWN}) WITH CHECK ({_OWN})")
    run(f"CREATE POLICY sc_coder_read ON audit_log FOR SELECT TO {coder} USING ({_OWN})")
    run(f"CREATE POLICY sc_coder_append ON audit_log FOR INSERT TO {coder} WITH CHECK ({_OWN})")
    run(f"CREATE POLICY sc_coder_read ON assignments FOR SELECT TO {coder} USING ({_OWN})")
    return SetupResult(database, created, SECURED)


def _check_set_up(c: Connection) -> None:
    if not (_role_exists(c, LEAD_GROUP) and _role_exists(c, CODER_GROUP)):
        raise StudyError("the server roles do not exist yet: run `socialcoder server setup` first")
    secured = c.execute(
        text("SELECT relrowsecurity FROM pg_class WHERE oid = 'codes'::regclass")
    ).scalar_one()
    if not secured:
        raise StudyError("this database is not set up yet: run `socialcoder server setup` first")


def _ensure_login(c: Connection, login: str, password: str | None) -> bool:
    """Create the login role unless it exists; set the password when one is given."""
    created = not _role_exists(c, login)
    if created:
        c.exec_driver_sql(f"CREATE ROLE {_q(c, login)} LOGIN")
    if password is not None:
        # Through the driver's own quoting (psycopg.sql), not SQLAlchemy's string formatting,
        # so that any character (quotes, '%') is safe; the server stores a SCRAM hash.
        from psycopg import sql

        driver = c.connection.driver_connection
        driver.execute(  # type: ignore[union-attr]
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(login), sql.Literal(password)
            )
        )
    database = c.execute(text("SELECT current_database()")).scalar_one()
    c.exec_driver_sql(f"GRANT CONNECT ON DATABASE {_q(c, database)} TO {_q(c, login)}")
    return created


def _check_password(password: str | None) -> str | None:
    if password is not None and (not password or "\x00" in password):
        raise StudyError("a password must be non-empty text")
    return password


def add_coder_login(
    target: str, coder: str, login: str, *, password: str | None = None
) -> LoginResult:
    """Link a login role to a coder (creating the role, and the coder if the study lacks it),
    make it a member of ``socialcoder_coder`` and store it in ``coders.db_role``."""
    login = check_role_name(login)
    if coder.strip().casefold() == CONSENSUS:
        raise StudyError("the consensus layer is written by leads; it cannot have a coder login")
    coder = check_coder_name(coder)
    password = _check_password(password)

    def work(c: Connection) -> LoginResult:
        _check_set_up(c)
        if _role_exists(c, login) and _member_of(c, login, LEAD_GROUP):
            raise StudyError(f"{login!r} is a lead login; a coder needs a login of their own")
        row = c.execute(
            select(CoderRow.id, CoderRow.db_role).where(CoderRow.name == coder)
        ).one_or_none()
        holder = c.execute(
            select(CoderRow.name).where(CoderRow.db_role == login, CoderRow.name != coder)
        ).scalar_one_or_none()
        if holder is not None:
            raise StudyError(f"login {login!r} already belongs to coder {holder!r}")
        created_role = _ensure_login(c, login, password)
        c.exec_driver_sql(f"GRANT {_q(c, CODER_GROUP)} TO {_q(c, login)}")
        if row is None:
            c.execute(
                CoderRow.__table__.insert().values(
                    name=coder, kind="coder", active=True, created_at=now(), db_role=login
                )
            )
        else:
            c.execute(
                CoderRow.__table__.update().where(CoderRow.id == row.id).values(db_role=login)
            )
        return LoginResult(login, CODER_GROUP, coder, created_role, row is None)

    with open_study(target, upgrade=False) as study:
        return _run(study, "server add-coder", work)  # type: ignore[return-value]


def add_lead_login(target: str, login: str, *, password: str | None = None) -> LoginResult:
    """Create (or link) a login role as a member of ``socialcoder_lead``."""
    login = check_role_name(login)
    password = _check_password(password)

    def work(c: Connection) -> LoginResult:
        _check_set_up(c)
        holder = c.execute(
            select(CoderRow.name).where(CoderRow.db_role == login)
        ).scalar_one_or_none()
        if holder is not None:
            raise StudyError(
                f"login {login!r} belongs to coder {holder!r}; a lead needs a login of their own "
                "(a coder who could read every code would no longer code blind)"
            )
        created_role = _ensure_login(c, login, password)
        c.exec_driver_sql(f"GRANT {_q(c, LEAD_GROUP)} TO {_q(c, login)}")
        return LoginResult(login, LEAD_GROUP, None, created_role, False)

    with open_study(target, upgrade=False) as study:
        return _run(study, "server add-lead", work)  # type: ignore[return-value]


def login_url(target: str, login: str, password: str | None = None) -> str:
    """The study URL with another user name (and password) in it, e.g. for a coder's desk."""
    url = db.to_url(target).set(username=login, password=password)
    return url.render_as_string(hide_password=False)
