"""A read-only study (file or folder not writable, immutable, read-only mount): read-only
commands work, commands that write refuse in one line (exit 2), the study is unchanged
(issue #10, item 5). Made read-only in ways that stop root too (see ``make_read_only``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from socialcoder.errors import StudyError
from socialcoder.services.coding import set_code
from socialcoder.services.study import open_study
from socialcoder.storage.access import sqlite_access

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_transcripts"
T = "P01_session02"

READS = [
    ("info", "{s}"),
    ("info", "{s}", "--json"),
    ("transcripts", "{s}"),
    ("show", "{s}", T, "--coder", "ana"),
    ("reliability", "{s}", "--bootstrap", "20", "--seed", "1"),
    ("disagreements", "{s}"),
    ("progress", "{s}"),
    ("codebook", "show", "{s}"),
    ("coders", "list", "{s}"),
    ("codes", "export", "{s}", "-"),
    ("export", "{s}", "{out}/long.csv"),
    ("export", "{s}", "{out}/project.qdpx"),
    ("audit", "{s}", "--json"),
    ("withdraw", "{s}", "P01", "--dry-run"),
]
WRITES = [
    (
        "code",
        "{s}",
        "--coder",
        "ana",
        "--transcript",
        T,
        "--segment",
        "2",
        "--dimension",
        "concordance",
        "--value",
        "0",
    ),
    ("memo", "{s}", "--coder", "ana", "--transcript", T, "--segment", "2", "--text", "x"),
    ("complete", "{s}", "--coder", "ana", "--transcript", T, "--reopen"),
    ("coders", "add", "{s}", "zed"),
    ("coders", "rename", "{s}", "ana", "anna"),
    ("import", "{s}", str(SAMPLES / "P03_session06.txt"), "--name", "again"),
    ("codes", "import", "{s}", str(SAMPLES / "demo_codes.csv")),
    ("consensus", "{s}", "--coders", "ana,ben"),
    (
        "adjudicate",
        "{s}",
        "--transcript",
        T,
        "--segment",
        "5",
        "--dimension",
        "concordance",
        "--value",
        "1",
        "--reason",
        "x",
    ),
    ("assign", "{s}", "--coders", "ana,ben", "--seed", "1"),
    ("codebook", "update", "{s}", str(REPO / "codebooks" / "socialization_to_model.yaml")),
    ("withdraw", "{s}", "P01"),
    ("deidentify", "{s}", "{out}/deidentified.scstudy"),
]


@pytest.mark.parametrize("how", ["file", "folder"])
def test_reads_work_and_writes_refuse_in_one_line(
    cli, sample_study: Path, tmp_path_factory, dump, make_read_only, how: str
) -> None:
    out = tmp_path_factory.mktemp("exports")
    before, data = dump(sample_study), sample_study.read_bytes()
    make_read_only(sample_study, how)
    for args in READS:
        result = cli(*(a.format(s=sample_study, out=out) for a in args))
        assert result.code == 0, (args, result.err)
    assert (out / "long.csv").stat().st_size > 0 and (out / "project.qdpx").is_file()
    for args in WRITES:
        result = cli(*(a.format(s=sample_study, out=out) for a in args))
        assert result.code == 2, (args, result.out, result.err)
        assert result.err.count("\n") == 1 and "is read-only: " in result.err, (args, result.err)
        assert "nothing was changed" in result.err and "internal error" not in result.err
    expected = "immutable" if os.geteuid() == 0 else "no permission"
    if how == "folder":
        expected = "is not writable"
    assert expected in result.err
    assert sample_study.read_bytes() == data and dump(sample_study) == before


def test_a_study_that_becomes_read_only_while_open(
    sample_study: Path, dump, make_read_only
) -> None:
    before = dump(sample_study)
    with open_study(sample_study) as study:
        assert study.read_only is None
        make_read_only(sample_study, "file")
        study.engine.dispose()  # the next action opens a new connection (as after a pause)
        with pytest.raises(StudyError, match=r"is read-only now .* nothing was changed"):
            set_code(
                study, coder="ana", transcript=T, segment=2, dimension="concordance", value="0"
            )
    assert dump(sample_study) == before


def test_an_older_read_only_study_is_refused_with_a_reason(
    sample_study: Path, make_read_only
) -> None:
    from alembic import command

    from socialcoder.storage import db, migrate

    engine = db.make_engine(sample_study)
    with engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "0004")
    engine.dispose()
    make_read_only(sample_study, "folder")
    with pytest.raises(StudyError, match="cannot be upgraded, as it is read-only"):
        open_study(sample_study)


def test_a_journal_without_its_index_in_a_read_only_folder(
    sample_study: Path, make_read_only
) -> None:
    Path(f"{sample_study}-wal").write_bytes(b"\0" * 32)
    make_read_only(sample_study, "folder")
    access = sqlite_access(sample_study)
    assert access.read_only and access.unusable and "sample.scstudy-shm" in access.unusable
    with pytest.raises(StudyError, match=r"cannot be opened: .*copy the study"):
        open_study(sample_study)


def test_a_read_only_mount(sample_study: Path, tmp_path: Path) -> None:
    """A real read-only bind mount (in a private mount namespace): what a read-only share is."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("unshare/mount not available")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"no private mount namespace here: {probe.stderr.strip()}")
    folder = sample_study.parent
    python = sys.executable
    code = (
        f"'{python}' -m socialcoder transcripts '{sample_study}' && "
        f"'{python}' -m socialcoder coders add '{sample_study}' zed"
    )
    script = f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}' && {code}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if "mount:" in done.stderr and "socialcoder" not in done.stderr:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    assert "P01_session02" in done.stdout  # the read-only command worked
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "is read-only: it is on a read-only file system; nothing was changed" in done.stderr
