"""Exports never overwrite the study, another database or (without --force) any file; `-`,
devices and pipes are written in place (issue #10, items 1 and 24)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[3]


def _one_line_refusal(result, needle: str) -> None:
    assert result.code == 2, (result.out, result.err)
    assert result.err.startswith("socialcoder: error: ") and result.err.count("\n") == 1
    assert needle in result.err, result.err


@pytest.mark.parametrize(
    "args",
    [
        ("export", "{s}", "{s}", "--format", "csv"),
        ("export", "{s}", "{s}", "--format", "csv", "--force"),
        ("export", "{s}", "{s}", "--format", "qdpx", "--force"),
        ("codes", "export", "{s}", "{s}"),
        ("codes", "export", "{s}", "{s}", "--force"),
        ("codes", "export", "{s}", "{s}-wal", "--force"),
    ],
)
def test_an_export_onto_the_study_is_refused(cli, sample_study: Path, dump, args) -> None:
    before, data = dump(sample_study), sample_study.read_bytes()
    result = cli(*(a.format(s=sample_study) for a in args))
    _one_line_refusal(result, "study")
    assert sample_study.read_bytes() == data and dump(sample_study) == before
    assert sorted(p.name for p in sample_study.parent.iterdir()) == ["sample.scstudy"]


def test_an_export_onto_another_database_or_a_link_to_the_study_is_refused(
    cli, sample_study: Path, tmp_path: Path, dump
) -> None:
    other = tmp_path / "colleague.csv"  # a study under a misleading name
    shutil.copyfile(sample_study, other)
    result = cli("codes", "export", sample_study, other, "--force")
    _one_line_refusal(result, "is an SQLite database")
    assert other.read_bytes() == sample_study.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(sample_study)
    before = dump(sample_study)
    _one_line_refusal(cli("export", sample_study, link, "--force"), "is the study itself")
    assert link.is_symlink() and dump(sample_study) == before


@pytest.mark.parametrize("command", [("export",), ("codes", "export")])
def test_an_existing_file_needs_force(cli, sample_study: Path, tmp_path: Path, command) -> None:
    out = tmp_path / "out.csv"
    out.write_text("my own notes\n", encoding="utf-8")
    _one_line_refusal(cli(*command, sample_study, out), "out.csv: already exists; use --force")
    assert out.read_text(encoding="utf-8") == "my own notes\n"
    result = cli(*command, sample_study, out, "--force")
    assert result.code == 0, result.err
    assert "coder" in pd.read_csv(out).columns
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_dash_is_standard_output(cli, sample_study: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("codes", "export", sample_study, "-")
    assert result.code == 0, result.err
    codes = pd.read_csv(io.StringIO(result.out))
    assert list(codes.columns) == ["transcript", "segment", "coder", "dimension", "value", "memo"]
    assert len(codes) > 100 and "Wrote" in result.err and "standard output" in result.err
    result = cli("export", sample_study, "-", "--layout", "sessions")
    assert result.code == 0, result.err
    assert len(pd.read_csv(io.StringIO(result.out))) == 9 and "Wrote 9 row(s)" in result.err
    assert not (tmp_path / "-").exists()
    _one_line_refusal(
        cli("export", sample_study, "-", "--format", "xlsx"), "xlsx is a binary format"
    )
    _one_line_refusal(cli("export", sample_study, "-", "--format", "qdpx"), "qdpx is a binary")


def test_a_link_to_a_device_or_a_pipe_stays_what_it_is(
    cli, sample_study: Path, tmp_path: Path
) -> None:
    null = tmp_path / "null.xlsx"
    null.symlink_to(os.devnull)
    result = cli("export", sample_study, null)
    assert result.code == 0, result.err
    assert null.is_symlink() and os.readlink(null) == os.devnull
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "codes.csv"
    link.symlink_to(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("codes", "export", sample_study, link)
    reader.join(30)
    assert result.code == 0, result.err
    assert received and received[0].startswith(b"transcript,segment,coder")
    assert link.is_symlink() and fifo.is_fifo() and "Wrote" in result.err


def test_dev_fd_1_is_written_in_place_by_the_real_program(sample_study: Path) -> None:
    """`codes export STUDY /dev/fd/1 | ...` (the same as /dev/stdout): the CSV goes down the
    pipe, the summary to stderr, and nothing is renamed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "socialcoder", "codes", "export", str(sample_study), "/dev/fd/1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"transcript,segment,coder,dimension,value,memo\r\n")
    assert len(done.stdout.splitlines()) > 100
    assert b"Wrote" in done.stderr and b"Wrote" not in done.stdout
