"""The one output mechanism (socialcoder.export.output): what it refuses, how it replaces a
file (temporary file + rename, nothing left on failure), and how it writes in place to
standard output, devices and pipes (never by rename)."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from socialcoder.errors import UserError
from socialcoder.export.output import prepare_output, study_files


def _study(tmp_path: Path, name: str = "v.db") -> Path:
    """An SQLite file standing for a study (any name: the check is not by extension)."""
    path = tmp_path / name
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    return path


def _partials(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if "partial" in name]


def _write(path: str | Path, data: bytes = b"new", **kwargs: object) -> None:
    out = prepare_output(path, fmt=str(kwargs.pop("fmt", "csv")), **kwargs)
    with out.writing() as tmp:
        tmp.write_bytes(data)


def test_refuses_the_study_itself_by_name_link_and_hard_link(tmp_path: Path) -> None:
    study = _study(tmp_path)
    before = study.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(study)
    hard = tmp_path / "hard.csv"
    os.link(study, hard)
    for target in (study, link, hard, tmp_path / "sub" / ".." / "v.db"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(UserError, match="is the study itself"):
            _write(target, protect=study_files(study), force=True)
    # the study's journal files, even before they exist
    with pytest.raises(UserError, match="is the study itself"):
        _write(f"{study}-wal", protect=study_files(study), force=True)
    assert study.read_bytes() == before and link.is_symlink()
    assert not Path(f"{study}-wal").exists()


def test_refuses_any_sqlite_file_and_wal_and_study_names(tmp_path: Path) -> None:
    other = _study(tmp_path, "someone-elses.csv")  # a database whatever its name
    with pytest.raises(UserError, match="is an SQLite database"):
        _write(other, force=True)
    wal = tmp_path / "x.csv"
    wal.write_bytes(b"\x37\x7f\x06\x82" + b"\0" * 28)
    with pytest.raises(UserError, match="SQLite journal"):
        _write(wal, force=True)
    with pytest.raises(UserError, match="study file name"):
        _write(tmp_path / "new.scstudy", fmt="csv")
    assert not (tmp_path / "new.scstudy").exists() and _partials(tmp_path) == []


def test_existing_file_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(b"old")
    with pytest.raises(UserError, match=r"out.csv: already exists$"):
        _write(out)
    assert out.read_bytes() == b"old"
    _write(out, force=True)
    assert out.read_bytes() == b"new" and _partials(tmp_path) == []


def test_folder_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a folder"):
        _write(tmp_path, force=True)
    with pytest.raises(UserError, match="does not exist"):
        _write(tmp_path / "nope" / "out.csv")


def test_failure_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(b"old")
    target = prepare_output(out, fmt="csv", force=True)
    with pytest.raises(RuntimeError), target.writing() as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk gone")
    assert out.read_bytes() == b"old" and _partials(tmp_path) == []
    # an OSError while writing becomes one readable line
    target = prepare_output(tmp_path / "new.csv", fmt="csv")
    with pytest.raises(UserError, match=r"new\.csv: cannot write: No space"), target.writing():
        raise OSError(28, "No space left on device")
    assert not (tmp_path / "new.csv").exists() and _partials(tmp_path) == []


def test_a_file_that_appears_during_the_export_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    target = prepare_output(out, fmt="csv")
    with pytest.raises(UserError, match="appeared during the export"), target.writing() as tmp:
        tmp.write_bytes(b"ours")
        out.write_bytes(b"theirs")  # another program wrote it meanwhile
    assert out.read_bytes() == b"theirs" and _partials(tmp_path) == []


def test_permissions_new_file_follows_umask_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        _write(tmp_path / "new.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o640
    kept = tmp_path / "kept.csv"
    kept.write_bytes(b"old")
    kept.chmod(0o600)
    _write(kept, force=True)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_bytes() == b"new"


def test_a_link_to_a_regular_file_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_bytes(b"old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    _write(link, force=True)
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_stdout_for_text_formats_only(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    out = prepare_output("-", fmt="csv")
    assert out.mode == "stdout" and out.to_stream and out.path is None
    with out.writing() as tmp:
        tmp.write_bytes("a,b\n1,é\n".encode())
    assert capsysbinary.readouterr().out == "a,b\n1,é\n".encode()
    for fmt in ("xlsx", "sav", "dta", "parquet", "qdpx"):
        with pytest.raises(UserError, match=f"{fmt} is a binary format.*only csv, html"):
            prepare_output("-", fmt=fmt)


def test_stdout_failure_writes_nothing(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    out = prepare_output("-", fmt="csv")
    with pytest.raises(RuntimeError), out.writing() as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("stop")
    assert capsysbinary.readouterr().out == b""


def test_a_device_is_written_in_place_never_renamed(tmp_path: Path) -> None:
    link = tmp_path / "null.csv"
    link.symlink_to(os.devnull)
    out = prepare_output(link, fmt="xlsx")  # binary formats may go to a device or pipe
    assert out.mode == "stream"
    _write(link, fmt="xlsx")
    assert link.is_symlink() and os.readlink(link) == os.devnull
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode) and _partials(tmp_path) == []


def test_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    _write(fifo, b"through the pipe")
    reader.join(10)
    assert received == [b"through the pipe"] and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_dev_fd_of_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    try:
        path = f"/dev/fd/{write_end}"
        out = prepare_output(path, fmt="csv")
        assert out.mode == "stream"
        with out.writing() as tmp:
            tmp.write_bytes(b"fd data")
        os.close(write_end)
        write_end = -1
        assert os.read(read_end, 100) == b"fd data"
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


def test_dev_fd_of_the_study_is_refused(tmp_path: Path) -> None:
    study = _study(tmp_path)
    before = study.read_bytes()
    fd = os.open(study, os.O_WRONLY | os.O_APPEND)
    try:
        with pytest.raises(UserError, match="is the study itself"):
            _write(f"/dev/fd/{fd}", protect=study_files(study))
        with pytest.raises(UserError, match="is an SQLite database"):
            _write(f"/dev/fd/{fd}")
    finally:
        os.close(fd)
    assert study.read_bytes() == before
