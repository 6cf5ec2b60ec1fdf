"""Creating, opening and describing a study."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlalchemy.orm import Session

from socialcoder import __version__
from socialcoder.domain.codebook import Codebook, Unit
from socialcoder.domain.coder_kinds import CoderKind
from socialcoder.domain.limits import MEMO_MAX_CHARS
from socialcoder.domain.settings import SETTINGS, render
from socialcoder.errors import Conflict, Input, Remedy, StudyError
from socialcoder.export.output import study_files

# re-exported (``X as X``): the services take the clock and the dimension ids from here
from socialcoder.services.event_record import now as now
from socialcoder.services.study_file import DimensionIds as DimensionIds
from socialcoder.services.study_file import dimension_ids
from socialcoder.storage import db, migrate, server_api
from socialcoder.storage.access import Access, sqlite_access
from socialcoder.storage.models import (
    SESSION_UNIT,
    CodebookVersionRow,
    CoderRow,
    DimensionRoleRow,
    DimensionRow,
    DimensionValueRow,
    StudyRow,
    StudySettingRow,
)
from socialcoder.storage.plain import path_problem

CONSENSUS = "consensus"
PG_INSUFFICIENT_PRIVILEGE = "42501"
PG_READ_ONLY_TRANSACTION = "25006"
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class StudyInfo:
    name: str
    location: str
    codebook_name: str
    codebook_version: str
    created_at: datetime
    schema_revision: str
    demo: bool = False  # the bundled sample study (socialcoder demo)


class Study:
    """An open study: an engine plus the current codebook. Use :func:`open_study` or
    :func:`create_study`; close it (or use it as a context manager) when done."""

    def __init__(
        self, engine: Engine, location: str | Path, *, read_only: str | None = None
    ) -> None:
        self.engine = engine
        self.location = db.describe(location)
        # why this study cannot be written (a read-only file or folder), or None
        self.read_only = read_only
        # an SQLCipher file: exports from it are not encrypted, and say so
        self.encrypted = db.is_encrypted(engine)
        # the study's own files (SQLite): an export must never be written over them
        self.files: tuple[Path, ...] = (
            () if db.is_url(location) else study_files(Path(location).expanduser().absolute())
        )
        self.codebook_version_id: int
        self.name = ""
        # the codebook (of version codebook_version_id) and its dimensions' ids, parsed on
        # first use: opening a study costs the same whatever the codebook's size
        self._codebook: Codebook | None = None
        self._dims: dict[str, DimensionIds] | None = None
        #: the coder whose login this is, on a server study in server mode (else None): such
        #: a login reads and writes only that coder's own work (see services/server.py)
        self.login_coder: str | None = None
        self.reload_codebook()
        with self.read() as session:
            connection = session.connection()
            if server_api.is_coder(connection):
                self.login_coder = server_api.me(connection)[1]
            exposed = server_api.exposed_coder(connection)
        if exposed is not None:
            self.close()
            coder, tables = exposed
            raise StudyError(
                f"this login belongs to coder {coder!r} but holds privileges on "
                f"{', '.join(tables)}, granted outside "
                "SocialCoder: with them it can read or change other coders' work outside "
                "SocialCoder, so blinding and the coders' separation do not hold on this "
                "server, and the study was not opened. The lab's admin should revoke them "
                "(REVOKE ALL ON ... FROM the login, or the role membership that gives them), "
                "then run SocialCoder's server setup again, which refuses to finish while "
                "any coder's login holds such a privilege",
                source=self.location,
            )

    def reload_codebook(self) -> None:
        """Take the study's newest codebook version (parsed when first used)."""
        with self.read() as session:
            self.codebook_version_id = session.scalars(
                select(CodebookVersionRow.id).order_by(CodebookVersionRow.id.desc()).limit(1)
            ).one()
            self.name = session.scalars(select(StudyRow.name)).one()
        self._codebook = None
        self._dims = None

    @property
    def codebook(self) -> Codebook:
        """The codebook of version :attr:`codebook_version_id`."""
        if self._codebook is None:
            with self.read() as session:
                source_yaml = session.scalars(
                    select(CodebookVersionRow.source_yaml).where(
                        CodebookVersionRow.id == self.codebook_version_id
                    )
                ).one()
            self._codebook = _parse_stored(source_yaml, f"{self.location} (codebook)")
        return self._codebook

    @property
    def dims(self) -> dict[str, DimensionIds]:
        """The codebook's dimensions by key, with their database ids."""
        if self._dims is None:
            codebook = self.codebook
            with self.read() as session:
                ids = {r.key: (r.id, r.enumerated) for r in session.scalars(select(DimensionRow))}
            self._dims = {
                d.key: DimensionIds(ids[d.key][0], ids[d.key][1], d) for d in codebook.dimensions
            }
        return self._dims

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (committed at the end of the block, rolled back on error).
        A read-only study refuses at once (:class:`StudyError`), before anything is done."""
        if self.read_only is not None:
            raise StudyError(
                f"is read-only: {self.read_only}; nothing was changed", source=self.location
            )
        with _refusals(self), db.unit_of_work(self.engine, write=True) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with _refusals(self), db.unit_of_work(self.engine, write=False) as session:
            yield session

    @contextmanager
    def dbapi_read(self) -> Iterator[tuple[Any, str]]:
        """One read transaction's DBAPI connection and the dialect's name (``sqlite`` or
        ``postgresql``), for a reader written in plain SQL that a study file opened without
        SQLAlchemy shares (services/study_file.py). The driver's errors are wrapped as
        SQLAlchemy's, so that a refusal reads as from :meth:`read` (see :func:`_refusals`)."""
        with self.read() as session:
            connection = session.connection()
            driver_error = connection.dialect.loaded_dbapi.Error
            try:
                yield connection.connection.dbapi_connection, connection.dialect.name
            except driver_error as exc:
                raise DBAPIError.instance(None, None, exc, driver_error) from exc

    def info(self) -> StudyInfo:
        with self.read() as session:
            row = session.get(StudyRow, 1)
            assert row is not None
            version = session.get(CodebookVersionRow, self.codebook_version_id)
            assert version is not None
            revision = migrate.current_revision(session.connection()) or ""
        return StudyInfo(
            name=row.name,
            location=self.location,
            codebook_name=version.name,
            codebook_version=version.version,
            created_at=row.created_at,
            schema_revision=revision,
            demo=row.demo,
        )

    def dimension(self, key: str) -> DimensionIds:
        return dimension_ids(self.dims, key)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Study:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _refusals(study: Study) -> Iterator[None]:
    """A database's refusal becomes one readable line: a PostgreSQL server refusing a login
    (a coder's login may touch only that coder's own work), a read-only PostgreSQL
    transaction, a study that became read-only after it was opened (SQLite), or a code or memo
    the schema does not take (see :data:`REFUSED_BY_SCHEMA`)."""
    try:
        yield
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if str(getattr(exc.orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY"):
            raise StudyError(
                "is read-only now (its file or folder cannot be written); nothing was changed",
                source=study.location,
            ) from None
        if state == PG_READ_ONLY_TRANSACTION:
            raise StudyError(
                "the database server is read-only for this connection; nothing was changed",
                source=study.location,
            ) from None
        detail = str(exc.orig).splitlines()[0]
        if state == PG_INSUFFICIENT_PRIVILEGE:
            coder = study.login_coder
            if coder is not None:
                message = (
                    f"this needs a lead's login: this login belongs to coder {coder!r} and "
                    f"sees and changes only that coder's own codes, memos and completions "
                    f"(the server refused: {detail})"
                )
            else:
                message = (
                    f"the database server refused this ({detail}); a coder's login may read "
                    "and change only that coder's own codes, memos and completions"
                )
            raise StudyError(message, source=study.location) from None
        constraint = _constraint(exc)
        if constraint in REFUSED_BY_SCHEMA:
            raise StudyError(
                f"the study refused this: {REFUSED_BY_SCHEMA[constraint]} ({constraint})",
                source=study.location,
            ) from None
        raise


#: constraints whose violation is bad input that some path let through: what each one means
REFUSED_BY_SCHEMA = {
    "fk_codes_dimension_id_unit_role_dimension_roles": "the codebook does not code this "
    "dimension there (a segment-level dimension only on turns of the speaker roles it applies "
    "to, a session-level one only for the whole session, and none that left the codebook)",
    "ck_codes_unit": "a session-level code belongs to no segment, a segment-level one to one",
    "fk_codes_segment_id_transcript_id_unit_role_segments": "the code's speaker role is not "
    "its segment's",
    "ck_codes_memo_length": f"a memo may hold at most {MEMO_MAX_CHARS:,} characters",
    "ck_segment_memos_text_length": f"a memo may hold at most {MEMO_MAX_CHARS:,} characters",
    "fk_codes_dimension_id_value_enum_dimension_values": "the value is not in the dimension's list",
}


def _constraint(exc: DBAPIError) -> str | None:
    """The name of the constraint a database error is about, when it says."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    message = str(exc.orig)  # SQLite names CHECK constraints, not foreign keys
    if "CHECK constraint failed: " in message:
        return message.split("CHECK constraint failed: ", 1)[1].split()[0]
    return None


def is_busy(exc: DBAPIError) -> bool:
    """SQLite's "database is locked": another connection held the write lock through the
    whole busy timeout."""
    return "database is locked" in str(exc.orig)


def busy_refusal(exc: BaseException, source: str | None = None) -> StudyError | None:
    """The one-line refusal for an SQLite study that another program kept locked through the
    busy timeout (and every retry of :func:`retry_transient`): nothing was changed, so it is
    a refusal for the user, not an internal error. None for any other exception."""
    if isinstance(exc, DBAPIError) and is_busy(exc):
        return StudyError(
            "is busy: another program (a window, an import, a merge) kept it locked for writing "
            "all the while; nothing was changed; try again when it is done",
            source=source,
        )
    return None


def retry_transient(
    attempts: int = 5, *, also: frozenset[str] = frozenset()
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Re-run a whole unit of work when a concurrent writer got in the way: a PostgreSQL
    serialization failure, deadlock or lock timeout, an SQLite "database is locked" after the
    busy timeout, plus the SQLSTATEs in ``also`` (e.g. '23505': another process inserted the
    same unit first; on the next attempt the function finds that row and updates it)."""
    states = TRANSIENT_SQLSTATES | also

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts + 1):
                try:
                    return fn(*args, **kwargs)
                except DBAPIError as exc:
                    state = getattr(exc.orig, "sqlstate", None)
                    if attempt == attempts or not (state in states or is_busy(exc)):
                        raise
                    time.sleep(random.uniform(0.005, 0.05) * attempt)
            raise AssertionError("unreachable")

        return run

    return decorate


@lru_cache(maxsize=16)
def _parse_stored(source_yaml: str, source: str) -> Codebook:
    """A stored codebook, read back as it was validated when it was recorded: without
    pydantic's field-by-field validation (its import and checks took 0.15-0.2 s of every
    export, issue #14), the same :class:`Codebook` as ``parse_codebook(..., window_keys=False)``
    (:func:`~socialcoder.codebooks.read_stored_codebook`; tests/unit/codebooks/test_stored.py).
    The short commands' study file reads it the same way (services/study_file.py)."""
    from socialcoder.codebooks import read_stored_codebook

    return read_stored_codebook(source_yaml, source=source)


_sqlite_path_problem = path_problem  # why a path cannot be a study (storage/plain.py)


def open_study(target: str | Path, *, upgrade: bool = True) -> Study:
    """Open an existing study, upgrading an older schema in place when ``upgrade`` is true."""
    label = db.describe(target)
    access: Access | None = None
    if not db.is_url(target):
        problem = _sqlite_path_problem(Path(target))
        if problem:
            raise StudyError(problem, source=label)
        access = sqlite_access(Path(target))
        if access.unusable:
            raise StudyError(f"cannot be opened: {access.unusable}", source=label)
    read_only = access.read_only if access is not None else None
    engine = db.make_engine(target, access)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            state, revision = migrate.schema_state(conn)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        detail = " ".join(str(exc.orig).split())  # the driver's message, on one line
        raise StudyError(f"cannot open the study: {detail}", source=label) from None
    if "study" not in tables or state is migrate.SchemaState.EMPTY:
        engine.dispose()
        raise StudyError("is not a SocialCoder study (no study tables)", source=label)
    if state is migrate.SchemaState.NEWER:
        engine.dispose()
        raise StudyError(
            f"was made by a newer version of SocialCoder (schema {revision}); "
            f"this is SocialCoder {__version__}: please upgrade SocialCoder",
            source=label,
        )
    if state is migrate.SchemaState.OLDER:
        if read_only is not None:
            engine.dispose()
            raise StudyError(
                f"was made by an older SocialCoder (schema {revision}) and cannot be upgraded, "
                f"as it is read-only: {read_only}; open a copy in a writable folder",
                source=label,
            )
        if not upgrade:
            engine.dispose()
            raise StudyError(
                f"uses an older schema ({revision})",
                source=label,
                remedy=Remedy.run(Input.MIGRATE, example=label),
            )
        migrate.upgrade(engine)
    return Study(engine, target, read_only=read_only)


def codebook_sha(source_yaml: str) -> str:
    return hashlib.sha256(source_yaml.encode("utf-8")).hexdigest()


def create_study(
    target: str | Path,
    *,
    codebook_path: Path,
    name: str | None = None,
    demo: bool = False,
    encrypt: bool = False,
) -> Study:
    """Create a new study from a codebook file; never overwrites an existing study. ``demo``
    marks the bundled sample study (see :mod:`socialcoder.services.demo`); ``encrypt``: the
    file is encrypted from the start (a new passphrase is asked for)."""
    from socialcoder.codebooks import load_codebook

    label = db.describe(target)
    codebook = load_codebook(codebook_path)
    source_yaml = Path(codebook_path).read_text(encoding="utf-8-sig")
    if not db.is_url(target):
        path = Path(target)
        if path.exists():
            raise Conflict("already exists; SocialCoder never overwrites a study", source=label)
        if not path.parent.exists():
            raise StudyError(f"folder {path.parent} does not exist", source=label)
        name = name or path.stem
    engine = db.make_engine(target, encrypt=encrypt)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        if tables:
            raise StudyError(
                "already holds tables; SocialCoder never overwrites a study", source=label
            )
        migrate.upgrade(engine)
        with db.unit_of_work(engine) as session:
            session.add(
                StudyRow(
                    id=1,
                    name=name or "study",
                    created_at=now(),
                    created_with=__version__,
                    demo=demo,
                )
            )
            session.add(
                CoderRow(name=CONSENSUS, kind=CoderKind.CONSENSUS, active=True, created_at=now())
            )
            record_codebook_version(session, codebook, source_yaml)
            for setting in SETTINGS.values():  # a new study: every setting's value for new ones
                session.add(
                    StudySettingRow(
                        name=setting.name,
                        value=render(setting.name, setting.new),
                        updated_at=now(),
                    )
                )
    except BaseException:
        engine.dispose()
        if not db.is_url(target):
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(target) + suffix).unlink(missing_ok=True)
        raise
    return Study(engine, target)


def record_codebook_version(
    session: Session, codebook: Codebook, source_yaml: str, *, note: str | None = None
) -> int:
    """Store a codebook version (with a ``note`` for its history) and mirror its dimensions
    and values for the schema's checks.

    Values no longer listed are removed from ``dimension_values``, and roles (or the session)
    a dimension no longer applies to from ``dimension_roles`` (the caller has checked that no
    code uses them); dimensions no longer listed stay, so old codes keep their key, but lose
    their roles: the database takes no new code for them.
    """
    version = CodebookVersionRow(
        name=codebook.name,
        version=codebook.version,
        source_yaml=source_yaml,
        sha256=codebook_sha(source_yaml),
        created_at=now(),
        note=note,
    )
    session.add(version)
    existing = {r.key: r for r in session.scalars(select(DimensionRow))}
    for position, dim in enumerate(codebook.dimensions):
        row = existing.get(dim.key)
        if row is None:
            row = DimensionRow(key=dim.key, position=position, scale="", unit="", enumerated=False)
            session.add(row)
            existing[dim.key] = row
        row.scale, row.unit, row.enumerated = dim.scale.value, dim.unit.value, dim.enumerated
        row.position = position
    session.flush()  # once for all dimensions (a flush per dimension made 10,000 cost 11 s)
    stored: dict[int, dict[str, DimensionValueRow]] = {}
    for vrow in session.scalars(select(DimensionValueRow)):
        stored.setdefault(vrow.dimension_id, {})[vrow.value] = vrow
    places: dict[int, set[str]] = {}  # dimension id -> where it may be coded
    for dim in codebook.dimensions:
        row = existing[dim.key]
        places[row.id] = (
            {SESSION_UNIT} if dim.unit is Unit.SESSION else {r.value for r in dim.applies_to}
        )
        current = stored.get(row.id, {})
        wanted = dim.value_texts
        for pos, value in enumerate(wanted):
            if value in current:
                current[value].position = pos
            else:
                session.add(DimensionValueRow(dimension_id=row.id, value=value, position=pos))
        for value, vrow in current.items():
            if value not in wanted:
                session.delete(vrow)
    for role_row in session.scalars(select(DimensionRoleRow)):
        if role_row.role not in places.get(role_row.dimension_id, ()):
            session.delete(role_row)
        else:
            places[role_row.dimension_id].discard(role_row.role)
    session.add_all(
        DimensionRoleRow(dimension_id=d, role=r) for d, roles in places.items() for r in roles
    )
    session.flush()
    return version.id
