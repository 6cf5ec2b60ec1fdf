"""Writing a file the user named (OUT): the one mechanism every export goes through.

Use it in two steps, so that a refusal comes before any work is done::

    out = prepare_output(path, fmt="csv", force=False, protect=study.files)
    with out.writing() as tmp:      # a path to write the whole file to
        frame.to_csv(tmp)           # OUT appears when the block ends without an error

(``dataclasses.replace(out, before_publish=f)``: ``f`` runs once the file is whole, before OUT
gets it; an export records its audit event there, so that an export that cannot be recorded
does not appear.)

:func:`prepare_output` refuses (:class:`~socialcoder.errors.UserError`, one line) when OUT

* is a study or part of one (``protect``: the study file and its ``-wal``/``-shm``/``-journal``
  files; compared by path and by file identity, so symlinks and hard links are seen through),
* is any SQLite database or SQLite write-ahead log (sniffed from the header), looks like an
  encrypted (SQLCipher) database (whole pages of random-looking bytes), or is named
  ``*.scstudy``,
* exists and ``force`` is false, is a folder, or lies in a folder that does not exist,
* is ``-`` (standard output) for a binary format (only :data:`TEXT_FORMATS` may go there).

How OUT is written depends on what it is (:attr:`Output.mode`):

* ``"replace"`` (a regular file, or a new name): the data go to a hidden temporary file in the
  same folder (``.NAME.XXXXXXXX.partial.EXT``), which is flushed to disk (fsync) and renamed
  onto OUT; the folder is fsynced too. A failure removes the temporary file and leaves OUT as
  it was. A symbolic link to a regular file is followed: the file it points to is replaced, the
  link stays. A new file gets the usual permissions (umask); a replaced one keeps its mode.
* ``"stream"`` (a device, a pipe or FIFO, or anything under ``/dev`` or ``/proc`` such as
  ``/dev/stdout`` or ``/dev/fd/3``): never renamed onto; the finished data are written into
  OUT in place (a regular file reached through ``/dev/fd/N`` is appended to, as the shell
  opened it).
* ``"stdout"`` (OUT is ``-``): written to standard output.

For the two stream modes the whole file is first written to a private temporary file (mode
0600, in the system's temporary folder) and copied out only when complete, so a failed export
writes nothing at all. Writers therefore always get a path, whatever the target.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from socialcoder.errors import Input, Remedy, UserError

STDOUT = "-"
TEXT_FORMATS = frozenset({"csv", "html"})
STUDY_SUFFIX = ".scstudy"
SIDE_FILES = ("-wal", "-shm", "-journal")
_SQLITE_HEADER = b"SQLite format 3\x00"
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
_STREAM_ROOTS = ("/dev/", "/proc/")
_CHUNK = 1 << 20
_CIPHER_PAGE = 4096  # SQLCipher 4's smallest file: one page
_RANDOM_DISTINCT = 200  # random 1024 bytes show ~250 distinct values; text well under 100

Mode = Literal["replace", "stream", "stdout"]


def study_files(path: str | Path) -> tuple[Path, ...]:
    """The files that make up an SQLite study: the file and its journal files."""
    path = Path(path)
    return (path, *(Path(f"{path}{suffix}") for suffix in SIDE_FILES))


@dataclass(frozen=True, slots=True)
class Output:
    """A checked output target; get one from :func:`prepare_output`."""

    path: Path | None  # None for standard output
    fmt: str
    mode: Mode
    force: bool
    #: run when the whole file is written, before OUT gets it (an export's audit event): an
    #: error there leaves OUT as it was
    before_publish: Callable[[], object] | None = None

    @property
    def name(self) -> str:
        """OUT for messages: the path, or ``standard output``."""
        return "standard output" if self.path is None else str(self.path)

    @property
    def to_stream(self) -> bool:
        """True when OUT is standard output, a device or a pipe: a command that writes there
        must print its own summary on stderr."""
        return self.mode != "replace"

    @contextmanager
    def writing(self) -> Iterator[Path]:
        """A path to write the whole file to; OUT gets it when the block ends without error.
        An :class:`OSError` (no permission, disk full...) becomes a one-line UserError."""
        try:
            if self.mode == "replace":
                assert self.path is not None
                with _replacing(self.path, self.force) as tmp:
                    yield tmp
                    if self.before_publish is not None:
                        self.before_publish()
            else:
                with _private_tmp(self.fmt) as tmp:
                    yield tmp
                    if self.before_publish is not None:
                        self.before_publish()
                    self._copy_out(tmp)
        except OSError as exc:
            raise UserError(f"cannot write: {exc.strerror or exc}", source=self.name) from None

    def _copy_out(self, tmp: Path) -> None:
        with tmp.open("rb") as src:
            if self.mode == "stdout":
                out = sys.stdout.buffer
                sys.stdout.flush()
                shutil.copyfileobj(src, out, _CHUNK)
                out.flush()
                return
            assert self.path is not None
            with _open_in_place(self.path) as dest:
                shutil.copyfileobj(src, dest, _CHUNK)


def prepare_output(
    out: str | Path,
    *,
    fmt: str,
    force: bool = False,
    protect: Iterable[str | Path] = (),
) -> Output:
    """Check OUT (see the module doc) and say how it will be written; raises UserError."""
    if str(out) == STDOUT:
        if fmt not in TEXT_FORMATS:
            raise UserError(
                f"{fmt} is a binary format and cannot go to standard output; give a file "
                f"name (only {', '.join(sorted(TEXT_FORMATS))} can go to '-')"
            )
        with suppress(OSError, ValueError):  # no file descriptor (e.g. captured in tests)
            _refuse_protected_fd(sys.stdout.fileno(), protect)
        return Output(None, fmt, "stdout", force)
    path = Path(out).expanduser()
    given = str(out)
    if given.endswith(("/", os.sep)) or path.is_dir():
        raise UserError("is a folder; give a file name", source=given)
    absolute = Path(os.path.abspath(path))
    try:
        info: os.stat_result | None = os.stat(path)  # follows symbolic links
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UserError(f"cannot use as output: {exc.strerror or exc}", source=given) from None
    in_place = str(absolute).startswith(_STREAM_ROOTS) or (
        info is not None and not stat.S_ISREG(info.st_mode)
    )
    if in_place:
        if info is None:
            raise UserError("no such device or file", source=given)
        if stat.S_ISREG(info.st_mode):  # e.g. /dev/stdout while stdout goes to a file
            _refuse_protected(path, info, protect, given)
            _refuse_database(path, given)
        return Output(path, fmt, "stream", force)
    target = Path(os.path.realpath(path))  # a link to a regular file: replace what it points to
    if not target.parent.is_dir():
        raise UserError(f"folder {path.parent} does not exist", source=given)
    _refuse_protected(target, info, protect, given)
    if info is not None:
        _refuse_database(target, given)
    if target.name.lower().endswith(STUDY_SUFFIX) or path.name.lower().endswith(STUDY_SUFFIX):
        raise UserError(
            f"is a study file name ({STUDY_SUFFIX}); SocialCoder never writes an export there",
            source=given,
        )
    if info is not None and not force:
        raise UserError("already exists", source=given, remedy=Remedy.switch(Input.FORCE))
    return Output(target, fmt, "replace", force)


# -- the checks ---------------------------------------------------------------------------------


def _refuse_protected(
    target: Path, info: os.stat_result | None, protect: Iterable[str | Path], given: str
) -> None:
    real = os.path.realpath(target)
    for item in protect:
        guarded = Path(item)
        same = os.path.realpath(guarded) == real
        if not same and info is not None:
            with suppress(OSError):
                other = os.stat(guarded)
                same = (other.st_dev, other.st_ino) == (info.st_dev, info.st_ino)
        if same:
            raise UserError(
                "is the study itself (or one of its journal files); choose another file name",
                source=given,
            )


def _refuse_protected_fd(fd: int, protect: Iterable[str | Path]) -> None:
    try:
        info = os.fstat(fd)
    except OSError:
        return
    if stat.S_ISREG(info.st_mode):
        _refuse_protected(Path(f"/dev/fd/{fd}"), info, protect, "standard output")


def _looks_encrypted_database(path: Path, page: bytes) -> bool:
    """An SQLCipher file (an encrypted study) has no header to sniff: it is whole pages of
    random-looking bytes. Text, CSV, and the binary formats we write (zip, Parquet, SPSS, Stata)
    have a recognisable start or far fewer distinct byte values in their first kilobyte."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    if size < _CIPHER_PAGE or size % 512 or len(page) < 1024:
        return False
    return len(set(page[:1024])) >= _RANDOM_DISTINCT


def _refuse_database(path: Path, given: str) -> None:
    try:
        with path.open("rb") as fh:
            page = fh.read(1024)
    except OSError:
        return  # unreadable: the write itself will say why if it fails
    head = page[: len(_SQLITE_HEADER)]
    if _looks_encrypted_database(path, page):
        raise UserError(
            "is an SQLite database by all appearances (an encrypted one, perhaps a study); "
            "SocialCoder never writes an export over one: choose another file name",
            source=given,
        )
    if head == _SQLITE_HEADER:
        raise UserError(
            "is an SQLite database (perhaps a study); SocialCoder never writes an export over "
            "one: choose another file name",
            source=given,
        )
    if head[:4] in _WAL_MAGIC:
        raise UserError(
            "is an SQLite journal (part of a study); choose another file name", source=given
        )


# -- writing ------------------------------------------------------------------------------------


@contextmanager
def _replacing(path: Path, force: bool) -> Iterator[Path]:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial{path.suffix}")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    # 0o666 minus the umask for a new file (the kernel applies it), like any other program
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        if mode is not None:
            os.chmod(tmp, mode)
        yield tmp
        _fsync(tmp)
        _publish(tmp, path, force)
        _fsync_folder(path.parent)
    finally:
        with suppress(OSError):
            tmp.unlink()


def _publish(tmp: Path, path: Path, force: bool) -> None:
    """Rename ``tmp`` onto ``path``; without ``force``, never over a file that appeared since
    the check (a hard link fails if the name is taken)."""
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise UserError(
            "already exists (it appeared during the export)",
            source=path,
            remedy=Remedy.switch(Input.FORCE),
        ) from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise UserError(
                "already exists", source=path, remedy=Remedy.switch(Input.FORCE)
            ) from None
        os.replace(tmp, path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system can sync a folder
    finally:
        os.close(fd)


@contextmanager
def _private_tmp(fmt: str) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(prefix="socialcoder-export-", suffix=f".{fmt}")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        with suppress(OSError):
            os.unlink(name)


@contextmanager
def _open_in_place(path: Path) -> Iterator[BinaryIO]:
    """Open a device, pipe or /dev/fd path for writing without creating or renaming anything;
    a regular file behind /dev/fd is appended to (the shell opened and truncated it)."""
    flags = os.O_WRONLY
    if stat.S_ISREG(os.stat(path).st_mode):
        flags |= os.O_APPEND
    fd = os.open(path, flags)
    with os.fdopen(fd, "wb") as stream:
        yield stream
