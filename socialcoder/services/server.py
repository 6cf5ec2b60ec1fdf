"""PostgreSQL server mode: what the database itself enforces, set up by ``server setup``.

Each study database gets two group roles of its own (``sc_<database>_lead`` and
``sc_<database>_coder``, marked as SocialCoder's by a comment) that hold its privileges; each
person's login is a member of one of them (``server add-lead`` / ``add-coder``, see
:mod:`.server_logins`). Only these groups may connect to the database; a login is a lead or a
coder, never both, in any study on the server.

* **Coders** read the study's reference tables (codebook, transcripts, segments, recordings) and nothing
  else; their own codes, memos, completions and assignments they read and write only through
  the study's ``SECURITY DEFINER`` functions (:mod:`socialcoder.storage.server_sql`), which take
  the coder from the login. Without a privilege on those tables a coder can neither read other
  coders' rows nor plan a query over them (no planner or ``EXPLAIN`` side channel), lock them,
  or write an audit entry.
* **Leads** read and write every table except the audit log, which they only read.
* **The audit log** is written by triggers, with the server's time and the login, for every
  change of codes, memos, completions and assignments, whoever makes it.
* **The schema**: nobody but the owner may create objects in it (the CVE-2018-1058 pattern of
  a planted operator); setup refuses to finish otherwise, and SocialCoder pins ``search_path``
  on every connection (:mod:`socialcoder.storage.db`).
* **Statistics**: when run by a superuser, setup also hides the size estimates and activity
  counters that PostgreSQL otherwise shows every user (``pg_class.reltuples``, ``pg_stat_*``,
  ``pg_relation_size`` ...) from everyone but the owner and the leads, in this database.

The table owner (whoever ran ``socialcoder init``) must not be a superuser: the functions run
with the owner's rights. Setup is run by a superuser (or, without the statistics part, by the
owner holding CREATEROLE), once per study database and again after ``socialcoder migrate``; it
is idempotent and either finishes or changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.services.study import Study, open_study
from socialcoder.storage import db, server_sql
from socialcoder.storage.db import STUDY_SCHEMA

T = TypeVar("T")
LEGACY_GROUPS = ("socialcoder_lead", "socialcoder_coder")  # cluster-wide, before 0.x
GROUP_NOTE = "SocialCoder {kind} group of database "
#: tables every coder reads in full: nothing in them differs between coders
CODER_READABLE = ("alembic_version", "study", "codebook_versions", "dimensions",
                  "dimension_values", "dimension_roles", "segments",
                  "study_settings")  # fmt: skip
#: ``transcripts``: coders read only these columns directly, the rest through
#: ``sc_transcripts()``, which masks them when the study is blinded (server_sql.py)
#: tables under row-level security (defence in depth: only the lead group has a policy)
SECRET = server_sql.SECRET
# audit_redactions: what lets a withdrawal delete audit entries; on a server only the owner
# (who runs `socialcoder withdraw` there) may fill it
READ_ONLY_FOR_LEADS = ("audit_log", "alembic_version", "audit_redactions")
#: per-login settings in the study's database (a coder who leaves a transaction open, or
#: waits for a lock, does not hold anyone up for long)
ROLE_SETTINGS = {"lock_timeout": "10s", "idle_in_transaction_session_timeout": "60s"}
#: pg_class columns hidden from coders (size estimates: how many rows a table holds)
HIDDEN_CLASS_COLUMNS = ("relpages", "reltuples", "relallvisible")
#: catalog functions that tell sizes, row counts, activity or locks
STAT_FUNCTIONS_SQL = (
    "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
    "WHERE p.pronamespace = 'pg_catalog'::regnamespace AND (p.proname LIKE 'pg\\_stat\\_get\\_%' "
    "OR p.proname IN ('pg_relation_size', 'pg_table_size', 'pg_total_relation_size', "
    "'pg_indexes_size', 'pg_database_size', 'pg_tablespace_size', 'pg_lock_status', "
    "'pg_blocking_pids', 'pg_safe_snapshot_blocking_pids')) ORDER BY 1"
)


@dataclass(frozen=True, slots=True)
class Groups:
    lead: str
    coder: str


def study_groups(database: str) -> Groups:
    """The group roles of the study in ``database`` (role names are cluster-wide; a name that
    had to be changed to fit, or is long, gets a hash of the database name)."""
    stem = re.sub(r"[^a-z0-9_]", "_", database.lower())
    if stem != database or len(stem) > 40:
        stem = stem[:40] + "_" + hashlib.sha256(database.encode()).hexdigest()[:8]
    return Groups(f"sc_{stem}_lead", f"sc_{stem}_coder")


@dataclass(frozen=True, slots=True)
class Facts:
    """Who is who in the study's database."""

    database: str
    owner: str  # owner of the study's tables
    schema_owner: str
    runner: str  # the login running the command
    runner_super: bool
    groups: Groups


@dataclass(frozen=True, slots=True)
class SetupResult:
    """What :func:`setup_server` did and found."""

    database: str
    groups: Groups
    created_groups: tuple[str, ...]
    leads: tuple[str, ...]
    coders: tuple[str, ...]
    statistics_hidden: bool
    carried_over: tuple[str, ...]  # logins moved from the old cluster-wide groups
    also_connect: tuple[str, ...]  # other roles granted CONNECT outside SocialCoder


def q(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def scalar(connection: Connection, sql: str, **params: object) -> object:
    return connection.execute(text(sql), params).scalar()


def names(connection: Connection, sql: str, **params: object) -> list[str]:
    return [str(r[0]) for r in connection.execute(text(sql), params)]


def facts(connection: Connection) -> Facts:
    row = connection.execute(
        text(
            "SELECT current_database(), (SELECT tableowner FROM pg_tables WHERE schemaname = :s "
            "AND tablename = 'codes'), pg_get_userbyid(n.nspowner), current_user, "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "FROM pg_namespace n WHERE n.nspname = :s"
        ),
        {"s": STUDY_SCHEMA},
    ).one()
    return Facts(
        database=row[0],
        owner=row[1],
        schema_owner=row[2],
        runner=row[3],
        runner_super=bool(row[4]),
        groups=study_groups(row[0]),
    )


def role_exists(connection: Connection, name: str) -> bool:
    return bool(scalar(connection, "SELECT count(*) FROM pg_roles WHERE rolname = :n", n=name))


def groups_of_kind_sql(kind: str) -> str:
    """A query for the oids of every SocialCoder group of ``kind`` in the cluster."""
    legacy = f"socialcoder_{kind}"
    return (
        "SELECT g.oid FROM pg_roles g WHERE g.rolname = "
        f"'{legacy}' OR shobj_description(g.oid, 'pg_authid') LIKE "
        f"'{GROUP_NOTE.format(kind=kind)}%'"
    )


def member_anywhere(connection: Connection, login: str, kind: str) -> list[str]:
    """The SocialCoder groups of ``kind`` ('lead', 'coder') that ``login`` belongs to."""
    return names(
        connection,
        f"SELECT rolname FROM pg_roles WHERE oid IN ({groups_of_kind_sql(kind)}) "
        "AND pg_has_role(:login, oid, 'MEMBER') ORDER BY 1",
        login=login,
    )


def direct_members(connection: Connection, group: str) -> list[str]:
    return names(
        connection,
        "SELECT m.rolname FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member "
        "JOIN pg_roles g ON g.oid = a.roleid WHERE g.rolname = :g ORDER BY 1",
        g=group,
    )


def run_admin(study: Study, what: str, work: Callable[[Connection], T]) -> T:
    """Run ``work(connection)`` in one transaction, turning refusals into one-line errors."""
    if study.engine.dialect.name != "postgresql":
        raise StudyError(
            "roles need a PostgreSQL study (a database URL); an SQLite study file cannot "
            "enforce roles against whoever holds the file",
            source=study.location,
        )
    try:
        with study.engine.begin() as connection:
            return work(connection)
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if state in ("42501", "42704"):
            detail = str(exc.orig).splitlines()[0]
            raise StudyError(
                f"{what}: the server refused ({detail}); run it as a superuser (or as the "
                "study's owner with CREATEROLE)",
                source=study.location,
            ) from None
        raise


def open_admin(target: str) -> Study:
    """Open a study for an administrator's command, after making sure that the study's schema
    holds nothing another role planted: the command may run as a superuser, and a planted
    operator matching a comparison of the study's tables exactly would run with its rights.
    Only catalog queries (comparing names and oids, which pg_catalog's own operators match
    exactly) run before that check."""
    if not db.is_url(target) or db.to_url(target).get_backend_name() != "postgresql":
        return open_study(target, upgrade=False)  # refused by run_admin, with the reason
    engine = db.make_engine(target)
    try:
        with engine.connect() as c:
            found = facts(c)
            strangers = names(c, _FOREIGN_OBJECTS_SQL, o=found.owner or found.schema_owner,
                              so=found.schema_owner, s=STUDY_SCHEMA)  # fmt: skip
            if strangers:
                raise StudyError(
                    f"refused to work in this database: schema {STUDY_SCHEMA} holds objects "
                    f"of other roles: {', '.join(strangers)} (they may have been planted to "
                    "run as whoever uses the study; drop them after checking what they are)",
                    source=db.describe(target),
                )
    except DBAPIError as exc:
        raise StudyError(f"cannot open the study: {exc.orig}", source=db.describe(target)) from None
    finally:
        engine.dispose()
    return open_study(target, upgrade=False)


def setup_server(target: str) -> SetupResult:
    """Set up (or bring up to date) server mode in the study's database; see the module doc."""
    with open_admin(target) as study:
        return run_admin(study, "server setup", _setup)


def check_set_up(connection: Connection, found: Facts) -> None:
    installed = scalar(connection, "SELECT to_regprocedure(:f) IS NOT NULL",
                       f=f"{STUDY_SCHEMA}.sc_me()")  # fmt: skip
    groups = found.groups
    if not (
        installed and role_exists(connection, groups.lead) and role_exists(connection, groups.coder)
    ):
        raise StudyError("this database is not set up yet", remedy=Remedy.run(Input.SERVER_SETUP))


def _setup(c: Connection) -> SetupResult:
    found = facts(c)
    if found.owner is None:
        raise StudyError("this database holds no SocialCoder study (no codes table)")
    if not found.runner_super and found.runner != found.owner:
        raise StudyError(
            f"run server setup as a superuser or as the study's owner {found.owner!r} "
            f"(connected as {found.runner!r})"
        )
    if scalar(c, "SELECT rolsuper FROM pg_roles WHERE rolname = :o", o=found.owner):
        raise StudyError(
            f"the study's tables belong to {found.owner!r}, a superuser; the coders' functions "
            "run with the owner's rights, so the owner must be an ordinary role: create the "
            "study as its own owner role (docs/server-admin.md, section 2)"
        )
    groups = found.groups
    created = tuple(g for g, kind in ((groups.lead, "lead"), (groups.coder, "coder"))
                    if _ensure_group(c, g, kind, found.database))  # fmt: skip
    _grant_privileges(c, found)
    _install_functions(c, found)
    carried = _sync_members(c, found)
    if found.runner_super:
        _hide_statistics(c, found)
    hidden = not scalar(  # as a coder would find it (hidden by this or an earlier setup)
        c,
        "SELECT has_column_privilege(:g, 'pg_catalog.pg_class', 'reltuples', 'SELECT')",
        g=groups.coder,
    )
    _verify(c, found)
    also = names(
        c,
        "SELECT r.rolname FROM pg_database d, aclexplode(d.datacl) a JOIN pg_roles r "
        "ON r.oid = a.grantee WHERE d.datname = current_database() AND a.privilege_type = "
        "'CONNECT' AND r.rolname NOT IN (:o, :l, :c) AND NOT r.rolsuper ORDER BY 1",
        o=found.owner, l=groups.lead, c=groups.coder,
    )  # fmt: skip
    return SetupResult(
        database=found.database,
        groups=groups,
        created_groups=created,
        leads=tuple(direct_members(c, groups.lead)),
        coders=tuple(direct_members(c, groups.coder)),
        statistics_hidden=hidden,
        carried_over=carried,
        also_connect=tuple(also),
    )


def _ensure_group(c: Connection, name: str, kind: str, database: str) -> bool:
    """Create the group role unless it exists (then check it is ours); True when created."""
    note = GROUP_NOTE.format(kind=kind) + database
    row = c.execute(
        text(
            "SELECT rolcanlogin OR rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb "
            "OR rolreplication, shobj_description(oid, 'pg_authid') FROM pg_roles "
            "WHERE rolname = :n"
        ),
        {"n": name},
    ).one_or_none()
    if row is not None:
        if row[0] or row[1] != note:
            raise StudyError(
                f"role {name!r} exists but is not SocialCoder's {kind} group of this database "
                "(it can log in, has special attributes or another description); rename or "
                "drop it, then run server setup again"
            )
        return False
    c.exec_driver_sql(f"CREATE ROLE {q(c, name)} NOLOGIN")
    c.execute(text(f"COMMENT ON ROLE {q(c, name)} IS {_literal(note)}"))
    return True


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _grant_privileges(c: Connection, found: Facts) -> None:
    run = c.exec_driver_sql
    lead, coder = q(c, found.groups.lead), q(c, found.groups.coder)
    db, schema, owner = q(c, found.database), q(c, STUDY_SCHEMA), q(c, found.owner)
    run(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
    run(f"GRANT CONNECT ON DATABASE {db} TO {lead}, {coder}")
    run(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
    run(f"GRANT USAGE ON SCHEMA {schema} TO {lead}, {coder}")
    if found.schema_owner != found.owner:
        run(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {owner}")
    # Start from nothing each time, so that re-running gives exactly these privileges.
    everyone = ["PUBLIC", lead, coder, *(q(c, g) for g in LEGACY_GROUPS if role_exists(c, g))]
    for kind in ("TABLES", "SEQUENCES", "FUNCTIONS"):
        run(f"REVOKE ALL ON ALL {kind} IN SCHEMA {schema} FROM {', '.join(everyone)}")
    tables = names(c, "SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1",
                   s=STUDY_SCHEMA)  # fmt: skip
    writable = [q(c, t) for t in tables if t not in READ_ONLY_FOR_LEADS]
    run(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {lead}")
    run(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(writable)} TO {lead}")
    for sequence in names(c, "SELECT sequencename FROM pg_sequences WHERE schemaname = :s",
                          s=STUDY_SCHEMA):  # fmt: skip
        if not sequence.startswith("audit_log"):
            run(f"GRANT USAGE, SELECT ON SEQUENCE {q(c, sequence)} TO {lead}")
    readable = [q(c, t) for t in CODER_READABLE if t in tables]
    run(f"GRANT SELECT ON {', '.join(readable)} TO {coder}")
    shown = ", ".join(server_sql.CODER_TRANSCRIPT_COLUMNS)
    run(f"GRANT SELECT ({shown}) ON transcripts TO {coder}")
    for table in (t for t in SECRET if t in tables):
        run(f"ALTER TABLE {q(c, table)} ENABLE ROW LEVEL SECURITY")
        for policy in names(c, "SELECT policyname FROM pg_policies WHERE schemaname = :s "
                               "AND tablename = :t", s=STUDY_SCHEMA, t=table):  # fmt: skip
            run(f"DROP POLICY {q(c, policy)} ON {q(c, table)}")
        run(f"CREATE POLICY sc_lead_all ON {q(c, table)} TO {lead} USING (true) WITH CHECK (true)")


def _install_functions(c: Connection, found: Facts) -> None:
    run = c.exec_driver_sql
    owner, coder = q(c, found.owner), q(c, found.groups.coder)
    for ddl in server_sql.function_ddl():
        run(ddl.replace("%", "%%"))  # the driver reads '%' as a placeholder
    every = (*server_sql.CODER_FUNCTIONS, *server_sql.INTERNAL_FUNCTIONS)
    for name, args in every:
        signature = f"{STUDY_SCHEMA}.{name}({args})"
        run(f"ALTER FUNCTION {signature} OWNER TO {owner}")
        run(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    for name, args in server_sql.CODER_FUNCTIONS:
        run(f"GRANT EXECUTE ON FUNCTION {STUDY_SCHEMA}.{name}({args}) TO {coder}")
    for ddl in server_sql.trigger_ddl():
        run(ddl)


def _sync_members(c: Connection, found: Facts) -> tuple[str, ...]:
    """Coder logins are exactly the study's linked coders (``coders.db_role``); leads of the
    old cluster-wide group who were let into this database become its leads. Every member gets
    the per-login settings and loses a direct CONNECT grant (the group has it)."""
    groups, run = found.groups, c.exec_driver_sql
    linked = set(names(c, "SELECT c.db_role FROM coders c JOIN pg_roles r ON r.rolname = "
                          "c.db_role WHERE c.kind = 'coder'"))  # fmt: skip
    members = set(direct_members(c, groups.coder))
    for login in sorted(members - linked):
        run(f"REVOKE {q(c, groups.coder)} FROM {q(c, login)}")
    carried = []
    for login in sorted(linked - members):
        run(f"GRANT {q(c, groups.coder)} TO {q(c, login)}")
        carried.append(login)
    if role_exists(c, "socialcoder_lead"):
        allowed = set(names(c, "SELECT r.rolname FROM pg_database d, aclexplode(d.datacl) a "
                               "JOIN pg_roles r ON r.oid = a.grantee WHERE d.datname = "
                               "current_database() AND a.privilege_type = 'CONNECT'"))  # fmt: skip
        leads = set(direct_members(c, groups.lead))
        for login in sorted(set(direct_members(c, "socialcoder_lead")) & allowed - leads):
            if not member_anywhere(c, login, "coder") and login not in linked:
                run(f"GRANT {q(c, groups.lead)} TO {q(c, login)}")
                carried.append(login)
    for login in direct_members(c, groups.lead) + direct_members(c, groups.coder):
        configure_login(c, login, found.database)
        run(f"REVOKE CONNECT ON DATABASE {q(c, found.database)} FROM {q(c, login)}")
    return tuple(carried)


def configure_login(c: Connection, login: str, database: str) -> None:
    """The per-login settings in the study's database (they apply to the login role, not to
    a group, so every member gets its own)."""
    for setting, value in ROLE_SETTINGS.items():
        c.exec_driver_sql(
            f"ALTER ROLE {q(c, login)} IN DATABASE {q(c, database)} SET {setting} = '{value}'"
        )


def _hide_statistics(c: Connection, found: Facts) -> None:
    """Size estimates and activity counters: everyone but the owner and the leads loses them
    in this database (run by a superuser; catalog privileges are per database)."""
    run = c.exec_driver_sql
    trusted = f"{q(c, found.owner)}, {q(c, found.groups.lead)}"
    columns = names(c, "SELECT attname FROM pg_attribute WHERE attrelid = 'pg_catalog.pg_class'"
                       "::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")  # fmt: skip
    shown = ", ".join(q(c, col) for col in columns if col not in HIDDEN_CLASS_COLUMNS)
    run("REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC")
    run(f"GRANT SELECT ({shown}) ON pg_catalog.pg_class TO PUBLIC")
    run(f"GRANT SELECT ON pg_catalog.pg_class TO {trusted}")
    functions = ", ".join(names(c, STAT_FUNCTIONS_SQL))
    run(f"REVOKE EXECUTE ON FUNCTION {functions} FROM PUBLIC")
    run(f"GRANT EXECUTE ON FUNCTION {functions} TO {trusted}")


def _verify(c: Connection, found: Facts) -> None:
    """Refuse to finish (everything is rolled back) unless the result is safe."""
    problems: list[str] = []
    creators = names(
        c,
        "SELECT r.rolname FROM pg_roles r WHERE NOT r.rolsuper AND r.rolname NOT IN (:o, :so) "
        "AND has_schema_privilege(r.oid, :s, 'CREATE') ORDER BY 1",
        o=found.owner, so=found.schema_owner, s=STUDY_SCHEMA,
    )  # fmt: skip
    if creators:
        problems.append(
            f"besides the owner, {', '.join(creators)} can create objects in schema "
            f"{STUDY_SCHEMA} (a planted function or operator would run as whoever uses the "
            f"study): REVOKE CREATE ON SCHEMA {STUDY_SCHEMA} FROM ... or the role membership "
            "that gives it"
        )
    strangers = names(c, _FOREIGN_OBJECTS_SQL, o=found.owner, so=found.schema_owner,
                      s=STUDY_SCHEMA)  # fmt: skip
    if strangers:
        problems.append(
            f"schema {STUDY_SCHEMA} holds objects of other roles: {', '.join(strangers)} "
            "(drop them after checking what they are; they may have been planted)"
        )
    for login in direct_members(c, found.groups.coder):
        problem = coder_login_problem(c, login, found)
        if problem:
            problems.append(f"coder login {login!r} {problem}")
    for login in direct_members(c, found.groups.lead):
        if member_anywhere(c, login, "coder"):
            problems.append(f"lead login {login!r} is also a coder's login")
    if problems:
        raise StudyError("server setup refused to finish (nothing changed): " + "; ".join(problems))


def coder_login_problem(c: Connection, login: str, found: Facts) -> str | None:
    """Why ``login`` must not be a coder's login (None: it may). A coder's login is an ordinary
    role: no special attribute, not the owner, no predefined role (pg_read_all_data,
    pg_read_server_files, pg_monitor ...), not a lead anywhere, no privilege on any table
    whose rows belong to coders."""
    row = c.execute(
        text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication "
             "FROM pg_roles WHERE rolname = :l"), {"l": login},
    ).one_or_none()  # fmt: skip
    if row is None:
        return None
    attributes = ("SUPERUSER", "BYPASSRLS", "CREATEROLE", "CREATEDB", "REPLICATION")
    special = [name for flag, name in zip(row, attributes, strict=True) if flag]
    if special:
        return f"has {', '.join(special)}"
    if scalar(c, "SELECT pg_has_role(:l, :o, 'MEMBER')", l=login, o=found.owner):
        return f"is (or acts as) the study's owner {found.owner!r}, who sees everything"
    predefined = names(c, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'pg\\_%' "
                          "AND pg_has_role(:l, oid, 'MEMBER') ORDER BY 1", l=login)  # fmt: skip
    if predefined:
        return f"is a member of {', '.join(predefined)}"
    leads = member_anywhere(c, login, "lead")
    if leads:
        return f"is a lead's login ({', '.join(leads)})"
    held = names(
        c,
        "SELECT t.tablename FROM pg_tables t WHERE t.schemaname = :s AND t.tablename = ANY(:t) "
        "AND (has_table_privilege(:l, format('%I.%I', t.schemaname, t.tablename), "
        "'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')) ORDER BY 1",
        s=STUDY_SCHEMA, t=list(SECRET), l=login,
    )  # fmt: skip
    if held:
        return f"holds privileges on {', '.join(held)} (granted outside SocialCoder)"
    return None


_FOREIGN_OBJECTS_SQL = """
SELECT x.kind || ' ' || x.name || ' (owner ' || pg_get_userbyid(x.owner) || ')' FROM (
    SELECT 'relation' AS kind, relname::text AS name, relowner AS owner, relnamespace AS ns
      FROM pg_class
    UNION ALL SELECT 'function', oid::regprocedure::text, proowner, pronamespace FROM pg_proc
    UNION ALL SELECT 'operator', oid::regoperator::text, oprowner, oprnamespace FROM pg_operator
    UNION ALL SELECT 'type', typname::text, typowner, typnamespace FROM pg_type
    UNION ALL SELECT 'collation', collname::text, collowner, collnamespace FROM pg_collation
    UNION ALL SELECT 'conversion', conname::text, conowner, connamespace FROM pg_conversion
    UNION ALL SELECT 'operator class', opcname::text, opcowner, opcnamespace FROM pg_opclass
    UNION ALL SELECT 'operator family', opfname::text, opfowner, opfnamespace FROM pg_opfamily
    UNION ALL SELECT 'text search configuration', cfgname::text, cfgowner, cfgnamespace
      FROM pg_ts_config
    UNION ALL SELECT 'text search dictionary', dictname::text, dictowner, dictnamespace
      FROM pg_ts_dict
) x JOIN pg_roles r ON r.oid = x.owner
WHERE x.ns = (SELECT oid FROM pg_namespace WHERE nspname = :s)
  AND NOT r.rolsuper AND r.rolname NOT IN (:o, :so)
ORDER BY 1
"""
