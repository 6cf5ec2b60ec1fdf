"""The wheel carries everything the application needs at run time.

The sample study's files live in ``sample_transcripts/`` at the repository's root and are
copied into the package when the wheel is built (setup.py); ``services/demo.py`` reads the
installed copy first and the checkout's folder only in an editable install. The full
install-and-use check (fresh virtual environment, every kind of command) is
``scripts/check_wheel.sh``, run by ``.ci/run``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from socialcoder.services import demo

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_transcripts"


def test_the_demo_reads_the_installed_copy_first(tmp_path: Path, monkeypatch):
    installed = tmp_path / "resources" / "sample_study"
    installed.mkdir(parents=True)
    (installed / "manifest.csv").write_text("file,participant\n", encoding="utf-8")
    monkeypatch.delenv(demo.SAMPLE_ENV, raising=False)
    monkeypatch.setattr(demo, "files", lambda _package: tmp_path)
    assert demo.sample_dir() == installed


def test_without_an_installed_copy_the_demo_reads_the_checkout(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(demo.SAMPLE_ENV, raising=False)
    monkeypatch.setattr(demo, "files", lambda _package: tmp_path)  # no sample_study in it
    assert demo.sample_dir() == SAMPLES


def test_the_environment_variable_still_wins(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(demo.SAMPLE_ENV, str(tmp_path))
    assert demo.sample_dir() == tmp_path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built as a user's pip builds it from the published sdist: sdist first, then the wheel
    from the unpacked sdist (so a stale build/ folder in the checkout cannot leak in)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "-q", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("socialcoder-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_every_sample_file_byte_for_byte(wheel: Path):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        expected = [p for p in SAMPLES.iterdir() if p.is_file() and not p.name.startswith(".")]
        assert {p.name for p in expected} >= {"manifest.csv", "demo_codes.csv", "README.md"}
        for sample in expected:
            name = f"socialcoder/resources/sample_study/{sample.name}"
            assert name in names, name
            assert zf.read(name) == sample.read_bytes(), name
        assert "socialcoder/resources/socialization_to_model.yaml" in names
        assert any(n.startswith("socialcoder/storage/migrations/versions/0001") for n in names)


@pytest.mark.slow
def test_the_unpacked_wheel_builds_the_demo_without_a_checkout(wheel: Path, tmp_path: Path):
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALCODER_")}
    env["PYTHONPATH"] = str(site)
    code = (
        "import socialcoder, sys; from pathlib import Path\n"
        "from socialcoder.services.demo import build_demo, sample_dir\n"
        "assert Path(socialcoder.__file__).is_relative_to(sys.argv[1]), socialcoder.__file__\n"
        "print(sample_dir()); print(build_demo(Path(sys.argv[2])).created)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(site), str(tmp_path / "sample.scstudy")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    where, created = done.stdout.split()
    assert Path(where) == site / "socialcoder" / "resources" / "sample_study"
    assert created == "True"
