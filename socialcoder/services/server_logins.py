"""Logins of a server-mode study: give a coder or a lead a login, take one away.

A login is a PostgreSQL role that can log in, member of the study's coder or lead group (see
:mod:`.server`). A coder's login is linked to exactly one coder of the study
(``coders.db_role``); the study's functions take the coder from it. A login is never a lead and
a coder, in any study on the server, and a coder's login is an ordinary role (nothing that
would let it read or write around the functions). Passwords reach the server only as a SCRAM
verifier computed here (``ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$...'``): the password itself
never travels, and never lands in the server log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from socialcoder.domain.coder_kinds import CoderKind
from socialcoder.errors import Conflict, Input, Remedy, StudyError
from socialcoder.services.coders import check_new_coders
from socialcoder.services.server import (
    LEGACY_GROUPS,
    Facts,
    check_set_up,
    coder_login_problem,
    configure_login,
    direct_members,
    facts,
    member_anywhere,
    open_admin,
    q,
    run_admin,
    scalar,
)
from socialcoder.services.study import CONSENSUS, now
from socialcoder.storage import db
from socialcoder.storage.models import CoderRow, table_of

_LOGIN = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: names PostgreSQL gives a meaning in role positions (or reserves)
_RESERVED = frozenset({"public", "none", "user", "session_user", "current_user", "current_role",
                       "all", "default"})  # fmt: skip
#: a coder's login may hold this many connections at once (the GUI and a command or two)
CODER_CONNECTION_LIMIT = 16


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A login linked to a study: ``coder`` is None for a lead; ``created_role`` tells whether
    the role was created now; ``already`` that it had this very access before."""

    login: str
    group: str
    coder: str | None
    created_role: bool
    created_coder: bool
    already: bool = False


@dataclass(frozen=True, slots=True)
class RemovedLogin:
    login: str
    was: str  # 'lead' or 'coder'
    coder: str | None
    ended_sessions: int | None  # None: not allowed to end them (not a superuser)


def check_role_name(name: str) -> str:
    """A role name usable without quoting: lower-case letters, digits and '_' (max 63), and
    none of the names PostgreSQL reserves."""
    if not _LOGIN.fullmatch(name):
        raise StudyError(
            f"{name!r} is not a usable login name (lower-case letters, digits and '_', "
            "starting with a letter or '_', at most 63 characters)"
        )
    if name in _RESERVED or name.startswith(("current_", "pg_")) or name in LEGACY_GROUPS:
        raise StudyError(f"{name!r} is reserved in PostgreSQL; choose another login name")
    return name


def _check_password(password: str | None) -> str | None:
    if password is not None and (not password or "\x00" in password):
        raise StudyError("a password must be non-empty text")
    return password


def _existing_login(c: Connection, login: str) -> bool:
    """True when the role exists (and may log in); refused when it is a group of ours or
    cannot log in."""
    row = c.execute(
        text("SELECT rolcanlogin, shobj_description(oid, 'pg_authid') FROM pg_roles "
             "WHERE rolname = :n"), {"n": login},
    ).one_or_none()  # fmt: skip
    if row is None:
        return False
    if (row[1] or "").startswith("SocialCoder "):
        raise StudyError(f"{login!r} is one of SocialCoder's group roles, not a person's login")
    if not row[0]:
        raise StudyError(f"role {login!r} exists but cannot log in (NOLOGIN)")
    return True


def _ensure_login(c: Connection, login: str, password: str | None, *, coder: bool) -> bool:
    """Create the login role unless it exists; set the password when one is given."""
    created = not _existing_login(c, login)
    if created:
        limit = f" CONNECTION LIMIT {CODER_CONNECTION_LIMIT}" if coder else ""
        c.exec_driver_sql(f"CREATE ROLE {q(c, login)} LOGIN{limit}")
    if password is not None:
        set_password(c, login, password)
    return created


def set_password(c: Connection, login: str, password: str) -> None:
    """Store a SCRAM-SHA-256 verifier computed on this side (libpq's PQencryptPasswordConn)."""
    from psycopg import sql

    # driver_connection is None only once closed; here it is a live psycopg connection, the
    # only driver this is called with
    driver = c.connection.driver_connection
    assert driver is not None
    verifier = driver.pgconn.encrypt_password(
        password.encode("utf-8"), login.encode("utf-8"), b"scram-sha-256"
    ).decode("ascii")
    driver.execute(
        sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(login), sql.Literal(verifier))
    )


def _refuse_as_owner_or_superuser(c: Connection, login: str, found: Facts, what: str) -> None:
    if scalar(c, "SELECT rolsuper FROM pg_roles WHERE rolname = :l", l=login):
        raise StudyError(f"{login!r} is a superuser; {what} needs an ordinary login")
    if scalar(c, "SELECT pg_has_role(:l, :o, 'MEMBER')", l=login, o=found.owner):
        raise StudyError(
            f"{login!r} is (or acts as) the study's owner {found.owner!r}, who sees everything "
            f"and can switch the audit off; {what} needs a login of their own"
        )


def add_coder_login(
    target: str, coder: str, login: str, *, password: str | None = None
) -> LoginResult:
    """Give a coder (added to the study if new) a login in the study's coder group."""
    login = check_role_name(login)
    if coder.strip().casefold() == CONSENSUS:
        raise StudyError("the consensus layer is written by leads; it cannot have a coder login")
    coder = coder.strip()  # an existing coder keeps any name; a new one is checked below
    password = _check_password(password)

    def work(c: Connection) -> LoginResult:
        found = facts(c)
        check_set_up(c, found)
        if _existing_login(c, login):
            problem = coder_login_problem(c, login, found)
            if problem and problem.startswith("is a lead's login"):
                raise StudyError(
                    f"{login!r} {problem}; a coder needs a login of their own (a lead reads "
                    "every code)"
                )
            if problem:
                raise StudyError(f"{login!r} cannot be a coder's login: it {problem}")
        row = c.execute(
            select(CoderRow.id, CoderRow.db_role).where(CoderRow.name == coder)
        ).one_or_none()
        if row is None:  # a new coder: the rule for names (unique ignoring case, ...)
            check_new_coders([coder], c.execute(select(CoderRow.name)).scalars())
        holder = c.execute(
            select(CoderRow.name).where(CoderRow.db_role == login, CoderRow.name != coder)
        ).scalar_one_or_none()
        if holder is not None:
            raise Conflict(f"login {login!r} already belongs to coder {holder!r}")
        if row is not None and row.db_role not in (None, login):
            raise StudyError(
                f"coder {coder!r} already has the login {row.db_role!r}, which must be taken "
                "away first",
                remedy=Remedy.run(Input.REMOVE_LOGIN, example=row.db_role),
            )
        already = row is not None and row.db_role == login
        created_role = _ensure_login(c, login, password, coder=True)
        c.exec_driver_sql(f"GRANT {q(c, found.groups.coder)} TO {q(c, login)}")
        configure_login(c, login, found.database)
        if row is None:
            c.execute(
                table_of(CoderRow)
                .insert()
                .values(
                    name=coder, kind=CoderKind.HUMAN, active=True, created_at=now(), db_role=login
                )
            )
        elif not already:
            c.execute(
                table_of(CoderRow).update().where(CoderRow.id == row.id).values(db_role=login)
            )
        problem = coder_login_problem(c, login, found)  # again, with the group's privileges
        if problem:
            raise StudyError(f"{login!r} cannot be a coder's login: it {problem}")
        return LoginResult(
            login=login,
            group=found.groups.coder,
            coder=coder,
            created_role=created_role,
            created_coder=row is None,
            already=already,
        )

    with open_admin(target) as study:
        return run_admin(study, "server add-coder", work)


def add_lead_login(target: str, login: str, *, password: str | None = None) -> LoginResult:
    """Give a lead a login in the study's lead group."""
    login = check_role_name(login)
    password = _check_password(password)

    def work(c: Connection) -> LoginResult:
        found = facts(c)
        check_set_up(c, found)
        holder = c.execute(
            select(CoderRow.name).where(CoderRow.db_role == login)
        ).scalar_one_or_none()
        if holder is not None:
            raise StudyError(
                f"login {login!r} belongs to coder {holder!r}; a lead needs a login of their own "
                "(a coder who could read every code would no longer code blind)"
            )
        if _existing_login(c, login):
            _refuse_as_owner_or_superuser(c, login, found, "a lead")
            coders = member_anywhere(c, login, "coder")
            if coders:
                raise StudyError(
                    f"{login!r} is a coder's login ({', '.join(coders)}); a lead needs a login "
                    "of their own (a coder who could read every code would no longer code blind)"
                )
        already = login in direct_members(c, found.groups.lead)
        created_role = _ensure_login(c, login, password, coder=False)
        c.exec_driver_sql(f"GRANT {q(c, found.groups.lead)} TO {q(c, login)}")
        configure_login(c, login, found.database)
        return LoginResult(
            login=login,
            group=found.groups.lead,
            coder=None,
            created_role=created_role,
            created_coder=False,
            already=already,
        )

    with open_admin(target) as study:
        return run_admin(study, "server add-lead", work)


def remove_login(target: str, login: str) -> RemovedLogin:
    """Take a login's access to this study away (other studies keep theirs). A coder's codes
    stay; the coder keeps no login until ``add-coder`` gives one again."""
    login = check_role_name(login)

    def work(c: Connection) -> RemovedLogin:
        found = facts(c)
        check_set_up(c, found)
        coder = c.execute(
            select(CoderRow.name).where(CoderRow.db_role == login)
        ).scalar_one_or_none()
        groups = [g for g in (found.groups.lead, found.groups.coder)
                  if login in direct_members(c, g)]  # fmt: skip
        if not groups and coder is None:
            raise StudyError(f"login {login!r} has no access to this study")
        for group in groups:
            c.exec_driver_sql(f"REVOKE {q(c, group)} FROM {q(c, login)}")
        if coder is not None:
            c.execute(
                table_of(CoderRow).update().where(CoderRow.db_role == login).values(db_role=None)
            )
        c.exec_driver_sql(f"REVOKE ALL ON DATABASE {q(c, found.database)} FROM {q(c, login)}")
        c.exec_driver_sql(f"ALTER ROLE {q(c, login)} IN DATABASE {q(c, found.database)} RESET ALL")
        ended = None
        if found.runner_super:  # sessions still open keep CONNECT; end them
            terminated: int | None = c.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE usename = :l AND datname = current_database()"
                ),
                {"l": login},
            ).scalar()
            ended = int(terminated or 0)
        was = "lead" if found.groups.lead in groups else "coder"
        return RemovedLogin(login, was, coder, ended)

    with open_admin(target) as study:
        return run_admin(study, "server remove-login", work)


def login_url(target: str, login: str, password: str | None = None) -> str:
    """The study URL with another user name (and password) in it, e.g. for a coder's desk."""
    url = db.to_url(target).set(username=login, password=password)
    return url.render_as_string(hide_password=False)
