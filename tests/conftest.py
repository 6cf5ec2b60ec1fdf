"""Shared fixtures for every test tier.

Studies are real databases: SQLite files in ``tmp_path`` and, when the environment variable
``SOCIALCODER_TEST_PG_URL`` names a PostgreSQL admin database (for example
``postgresql+psycopg://postgres@127.0.0.1:5433/postgres``), a fresh PostgreSQL database per
test, created with ``CREATE DATABASE`` and dropped afterwards.

Fixtures:

``study_path``      a fresh SQLite study (default codebook), as a ``Path``; no transcripts.
``sample_study``    a SQLite study holding the three sample transcripts and the demo codes.
``study_target``    where a study may be created: a SQLite file path (``str``) or a PostgreSQL
                    URL to an empty database; parametrised over ``"sqlite"`` and ``"postgres"``.
``target_study``    a fresh study (default codebook) at ``study_target``.
``target_sample``   the sample study at ``study_target``.
``dump``            ``dump(target) -> dict[str, list[tuple]]``: every table's rows, sorted, for
                    "the study is unchanged" checks ('opened' study events left out: opening
                    a study records who opened it).
``cli``             ``cli(*args) -> CliResult``: runs ``socialcoder.cli.main`` in process.
``study_encryption`` ``"plain"`` here; ``tests/cli`` parametrises it over ``"plain"`` and
                    ``"encrypted"``, so that every CLI test also runs on an encrypted study: the
                    study fixtures above then copy SQLCipher templates (passphrase
                    :data:`TEST_PASSPHRASE` in ``SOCIALCODER_PASSPHRASE``), ``socialcoder init``
                    run in process encrypts, and PostgreSQL variants are skipped (encryption is
                    for study files).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

# No timing inside tests (speed lives in benchmarks/): Hypothesis' default 200 ms deadline per
# example and its too-slow health check fail property tests on a loaded machine, not on a bug.
settings.register_profile(
    "socialcoder", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("socialcoder")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_transcripts"
PG_ENV = "SOCIALCODER_TEST_PG_URL"
PG_SKIP_REASON = "set SOCIALCODER_TEST_PG_URL to run against PostgreSQL"
TEST_PASSPHRASE = "fictional test passphrase 7"

pytest_plugins = ["pg_lab"]  # PostgreSQL databases and server-mode labs (tests/pg_lab.py)

DumpFn = Callable[[str | Path], dict[str, list[tuple[object, ...]]]]


@dataclass(frozen=True)
class CliResult:
    """Exit status and captured output of one in-process CLI run."""

    code: int
    out: str
    err: str


# The engine is imported inside the fixtures, so that a broken engine module fails only the
# tests that use it, not the collection of every tier (unit tests of importers, reliability...).


def _default_codebook() -> Path:
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH

    return DEFAULT_CODEBOOK_PATH


def _create(target: str | Path, name: str) -> None:
    from socialcoder.services.study import create_study

    create_study(target, codebook_path=_default_codebook(), name=name).close()


def _build_sample(target: str | Path) -> None:
    from socialcoder.services.codes_csv import import_codes_csv
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import import_transcripts, read_manifest

    with create_study(target, codebook_path=_default_codebook(), name="sample") as study:
        import_transcripts(study, read_manifest(SAMPLES / "manifest.csv"))
        import_codes_csv(study, SAMPLES / "demo_codes.csv", complete=True, add_coders=True)


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """SQLite studies built once per test session and copied for each test (a closed study in
    WAL mode is checkpointed into its one file, so copying that file copies the study)."""
    folder = tmp_path_factory.mktemp("templates")
    fresh, sample = folder / "fresh.scstudy", folder / "sample.scstudy"
    _create(fresh, "fresh")
    _build_sample(sample)
    for path in (fresh, sample):
        assert not Path(f"{path}-wal").exists(), "template study not checkpointed"
    return {"fresh": fresh, "sample": sample}


@pytest.fixture(scope="session")
def _encrypted_templates(
    tmp_path_factory: pytest.TempPathFactory, _templates: dict[str, Path]
) -> dict[str, Path]:
    """The templates, encrypted with TEST_PASSPHRASE (made once, on first use)."""
    from socialcoder.storage import conversion, keys

    folder = tmp_path_factory.mktemp("encrypted-templates")
    out = {}
    with keys.passphrase_source(lambda _request: TEST_PASSPHRASE):
        for name, plain in _templates.items():
            out[name] = folder / plain.name
            conversion.copy_study(plain, out[name], encrypt=True)
    return out


@pytest.fixture
def test_passphrase() -> str:
    return TEST_PASSPHRASE


@pytest.fixture
def raw_connect() -> Callable[[str | Path], object]:
    """``raw_connect(path)``: a DBAPI connection to a study file without SocialCoder's engine,
    plain (``sqlite3``) or encrypted with TEST_PASSPHRASE (``sqlcipher3``)."""

    def connect(path: str | Path) -> object:
        from socialcoder.storage import encryption, keys

        path = Path(path)
        if encryption.is_encrypted(path):
            return encryption.connect(
                path, keys.derive(TEST_PASSPHRASE, encryption.file_salt(path))
            )
        import sqlite3

        return sqlite3.connect(path)

    return connect


@pytest.fixture
def study_encryption() -> str:
    """'plain' (tests/cli parametrises it over 'plain' and 'encrypted')."""
    return "plain"


@pytest.fixture
def _study_templates(request: pytest.FixtureRequest, study_encryption: str) -> dict[str, Path]:
    if study_encryption == "encrypted":
        return request.getfixturevalue("_encrypted_templates")
    return request.getfixturevalue("_templates")


@pytest.fixture
def study_path(tmp_path: Path, _study_templates: dict[str, Path]) -> Path:
    """A fresh SQLite study with the default codebook (no coders, no transcripts)."""
    path = tmp_path / "fresh.scstudy"
    shutil.copyfile(_study_templates["fresh"], path)
    return path


@pytest.fixture
def sample_study(tmp_path: Path, _study_templates: dict[str, Path]) -> Path:
    """A SQLite study with the three sample transcripts and the demo coders' codes."""
    path = tmp_path / "sample.scstudy"
    shutil.copyfile(_study_templates["sample"], path)
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def study_target(
    request: pytest.FixtureRequest, tmp_path: Path, study_encryption: str
) -> Iterator[str]:
    """Where to put a study: an SQLite file path, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "study.scstudy")
        return
    if study_encryption == "encrypted":
        pytest.skip("encryption is for study files, not PostgreSQL")
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(PG_SKIP_REASON)
    name = f"sc_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def target_study(study_target: str, _study_templates: dict[str, Path]) -> str:
    """A fresh study with the default codebook at ``study_target``."""
    if "://" in study_target:
        _create(study_target, "fresh")
    else:
        shutil.copyfile(_study_templates["fresh"], study_target)
    return study_target


@pytest.fixture
def target_sample(study_target: str, _study_templates: dict[str, Path]) -> str:
    """The sample study (three transcripts, demo codes) at ``study_target``."""
    if "://" in study_target:
        _build_sample(study_target)
    else:
        shutil.copyfile(_study_templates["sample"], study_target)
    return study_target


def dump_tables(target: str | Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (alembic_version included), each table's rows sorted."""
    from socialcoder.storage import db

    engine = db.make_engine(target)
    try:
        meta = MetaData()
        with engine.connect() as conn:
            meta.reflect(conn)
            out = {}
            for name, table in sorted(meta.tables.items()):
                query = select(table)
                if name == "study_events":  # opening a study records who opened it
                    query = query.where(table.c.kind != "opened")
                rows = conn.execute(query).all()
                out[name] = sorted((tuple(r) for r in rows), key=repr)
        return out
    finally:
        engine.dispose()


@pytest.fixture
def dump() -> DumpFn:
    return dump_tables


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run the command line in process: ``cli("info", path)`` -> CliResult(code, out, err)."""

    from socialcoder.cli import main as cli_main

    def run(*args: object) -> CliResult:
        capsys.readouterr()
        code = cli_main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def make_read_only() -> Iterator[Callable[[Path, str], None]]:
    """``make_read_only(study, how)``: ``how="file"`` makes the study file unwritable,
    ``"folder"`` its folder. As root (CI), where ``chmod`` stops nothing, the immutable
    attribute (``chattr +i``) is used; otherwise ``chmod``. The fixture checks that writing
    really fails before the test goes on (skips, saying why, when neither can be done here)
    and restores everything afterwards."""
    import stat
    import subprocess

    undo: list[Callable[[], None]] = []

    def lock(target: Path) -> None:
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(target)], capture_output=True, text=True)
            if done.returncode != 0:
                pytest.skip(f"cannot make {target.name} read-only as root: {done.stderr.strip()}")
            undo.append(lambda: subprocess.run(["chattr", "-i", str(target)], check=False))
        else:
            mode = target.stat().st_mode
            target.chmod(stat.S_IMODE(mode) & ~0o222)
            undo.append(lambda: target.chmod(stat.S_IMODE(mode)))

    def make(study: Path, how: str) -> None:
        if how == "file":
            lock(study)
            with pytest.raises(PermissionError):  # writing really fails, also for root
                os.close(os.open(study, os.O_RDWR))
        else:
            lock(study.parent)
            with pytest.raises(PermissionError):
                (study.parent / "probe").write_bytes(b"")

    yield make
    for step in reversed(undo):
        step()


@pytest.fixture(autouse=True)
def _media_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This machine's media settings (services/media_local.py) and overview cache in a
    temporary folder, never the user's own."""
    path = tmp_path_factory.mktemp("media-config") / "media.json"
    monkeypatch.setenv("SOCIALCODER_MEDIA_CONFIG", str(path))
    monkeypatch.setenv("SOCIALCODER_OVERVIEW_CACHE", str(path.parent / "overviews"))
