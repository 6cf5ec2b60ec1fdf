"""Fixtures for the server-mode tests (concurrency on SQLite and PostgreSQL; PostgreSQL roles).

``pg_admin``, ``pg_database``, ``make_lab``: see tests/pg_lab.py.
``build_shared`` ``build_shared(target)`` makes the study below at any target.
``dump_pg``      ``dump_pg(url) -> {table: sorted rows}``, read as that URL's user.
``shared_study`` a study holding the three sample transcripts and no coders, as an SQLite
                 file path or a PostgreSQL URL (parametrised: ``sqlite``, ``postgres``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_lab import PG_ENV, PgDatabases, build_shared_study
from sqlalchemy import create_engine


@pytest.fixture(scope="session")
def _shared_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("server") / "shared.scstudy"
    build_shared_study(path)
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def shared_study(
    request: pytest.FixtureRequest, tmp_path: Path, _shared_template: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "shared.scstudy"
        shutil.copyfile(_shared_template, path)
        yield str(path)
        return
    admin = os.environ.get(PG_ENV)
    if not admin:
        pytest.skip(f"set {PG_ENV} to run against PostgreSQL")
    made = PgDatabases(admin)
    try:
        url = made()
        build_shared_study(url)
        yield url
    finally:
        made.cleanup()


@pytest.fixture
def dump_pg():
    """``dump_pg(url) -> {table: sorted rows}`` read as the given user."""
    from sqlalchemy import MetaData, select

    def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
        engine = create_engine(url)
        try:
            meta = MetaData()
            with engine.connect() as conn:
                meta.reflect(conn)
                return {
                    name: sorted((tuple(r) for r in conn.execute(select(table))), key=repr)
                    for name, table in sorted(meta.tables.items())
                }
        finally:
            engine.dispose()

    return dump


@pytest.fixture
def build_shared():
    """``build_shared(target)``: put the shared study (sample transcripts) at ``target``."""
    return build_shared_study
