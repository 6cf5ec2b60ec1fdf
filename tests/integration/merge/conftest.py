"""Fixtures for merging copies of a study.

``base``      a closed SQLite study (default codebook, the three sample transcripts, coders
              ana and ben, no codes) in ``tmp_path``, as a ``Path``.
``copy_of``   ``copy_of(path, name) -> Path``: a file copy of a closed study, as an offline
              coder would take it (shutil.copy).
``act``       ``act(path, fn, **kwargs)``: open the study at ``path``, run a coding service
              ``fn(study, **kwargs)``, close it.
``pg_target`` the URL of a fresh, empty PostgreSQL database (skips without
              SOCIALCODER_TEST_PG_URL); dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SAMPLES = Path(__file__).resolve().parents[3] / "sample_transcripts"


def build_base(target: str | Path, *, reverse: bool = False) -> None:
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
    from socialcoder.services.coders import add_coders
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import import_transcripts, read_manifest

    with create_study(target, codebook_path=DEFAULT_CODEBOOK_PATH, name="base") as study:
        items = read_manifest(SAMPLES / "manifest.csv")
        import_transcripts(study, list(reversed(items)) if reverse else items)
        add_coders(study, ["ben", "ana"] if reverse else ["ana", "ben"])


@pytest.fixture(scope="session")
def _base_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("merge") / "base.scstudy"
    build_base(path)
    return path


@pytest.fixture
def base(tmp_path: Path, _base_template: Path) -> Path:
    path = tmp_path / "study.scstudy"
    shutil.copy(_base_template, path)
    return path


@pytest.fixture
def copy_of(tmp_path: Path) -> Callable[[Path, str], Path]:
    def make(path: Path, name: str) -> Path:
        assert not Path(f"{path}-wal").exists(), "copy a closed study"
        return Path(shutil.copy(path, tmp_path / f"{name}.scstudy"))

    return make


@pytest.fixture
def act() -> Callable[..., Any]:
    from socialcoder.services.study import open_study

    def run(target: str | Path, fn: Callable[..., Any], **kwargs: Any) -> Any:
        with open_study(target) as study:
            return fn(study, **kwargs)

    return run


@pytest.fixture
def pg_target() -> Iterator[str]:
    admin = os.environ.get("SOCIALCODER_TEST_PG_URL")
    if not admin:
        pytest.skip("set SOCIALCODER_TEST_PG_URL to run against PostgreSQL")
    name = f"sc_merge_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def build() -> Callable[..., None]:
    """``build(target, reverse=False)``: the base study at any target (reverse: transcripts
    and coders added in the opposite order, so every row id differs)."""
    return build_base
