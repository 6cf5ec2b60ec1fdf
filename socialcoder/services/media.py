"""A transcript's session recording: attach it, find it again, check it is the same file.

The study stores the recording by reference (:class:`~socialcoder.storage.models.RecordingRow`):
the path relative to the study file's folder when the file lies below it (so a study folder
can move whole), else absolute; the size, duration and SHA-256 of the whole file
(:mod:`socialcoder.media.hashing` says why the whole file). Finding a recording:

1. the stored path (relative to the study's folder);
2. where this machine last found the same content (:mod:`.media_local`);
3. this machine's media folders, by file name and size, then by size and hash.

:func:`media_status` checks each recording's content (``found``, ``missing``, ``changed``;
``unverified`` for a path stored before hashes were kept); :func:`relink` searches a folder by
content and stores the new paths (for a study on a server, where paths differ per machine, it
notes them for this machine only).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Row, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

from socialcoder.domain.serial import record
from socialcoder.errors import StudyError, UserError
from socialcoder.media.hashing import Progress as HashProgress
from socialcoder.media.hashing import file_sha256
from socialcoder.media.probe import MEDIA_KINDS, MediaInfo, probe
from socialcoder.services import media_local
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.services.transcript_lookup import transcript_id, transcripts_source
from socialcoder.storage import server_api
from socialcoder.storage.models import RecordingRow

Cancelled = Callable[[], bool]

FOUND, MISSING, CHANGED, UNVERIFIED = "found", "missing", "changed", "unverified"


@dataclass(frozen=True, slots=True)
class Recording:
    """A transcript's recording as stored. ``excerpt``: (start, end) seconds of the part coded."""

    transcript: str
    path: str
    file_name: str
    kind: str
    format: str
    size: int | None
    duration: float | None
    sha256: str | None
    excerpt: tuple[float, float] | None
    excerpt_seed: int | None
    attached_at: datetime | None  # None: masked for a blinded coder
    without_transcript: bool = False  # a recording coded straight from listening

    @property
    def change(self) -> StudyChange:
        """The change made by storing it: its transcript's recording and times."""
        return _recording_change([self.transcript])

    @property
    def origin(self) -> float:
        """Where the coded part starts in the recording (seconds)."""
        return self.excerpt[0] if self.excerpt else 0.0

    @property
    def end(self) -> float | None:
        """Where the coded part ends (seconds), when known."""
        return self.excerpt[1] if self.excerpt else self.duration

    def to_json(self) -> dict[str, object]:
        excerpt = self.excerpt
        return record(
            self,
            (
                "transcript",
                "path",
                "file_name",
                "kind",
                "format",
                "size",
                "duration",
                "sha256",
                "excerpt",
            ),
            values={
                "excerpt": (
                    {"start": excerpt[0], "end": excerpt[1], "seed": self.excerpt_seed}
                    if excerpt
                    else None
                )
            },
        )


@dataclass(frozen=True, slots=True)
class PreparedMedia:
    """A media file probed and hashed, ready to be stored."""

    source: Path
    info: MediaInfo
    sha256: str


@dataclass(frozen=True, slots=True)
class RecordingStatus:
    recording: Recording
    status: str  # found | missing | changed | unverified
    found_at: Path | None
    detail: str

    def to_json(self) -> dict[str, object]:
        return {**self.recording.to_json(), **record(self, skip=("recording",))}


# -- where files are ---------------------------------------------------------------------------
def study_folder(study: Study) -> Path | None:
    """The folder of an SQLite study file; None for a study on a server."""
    return study.files[0].parent if study.files else None


def stored_form(study: Study, file: Path) -> str:
    """How the study stores ``file``: relative (``/``-separated) below the study's folder."""
    file = file.expanduser().absolute()
    folder = study_folder(study)
    if folder is not None:
        try:
            return file.relative_to(folder).as_posix()
        except ValueError:
            pass
    return str(file)


def resolve(study: Study, stored: str) -> Path:
    """The stored path as a path on this machine (relative ones against the study's folder)."""
    path = Path(stored).expanduser()
    if path.is_absolute():
        return path
    folder = study_folder(study)
    return (folder / path) if folder is not None else path


def prepare_media(path: Path, progress: HashProgress | None = None) -> PreparedMedia:
    """Probe and hash ``path`` (a UserError naming the file when it cannot be used)."""
    path = path.expanduser()
    info = probe(path)
    try:
        sha = file_sha256(path, progress)
    except OSError as exc:
        raise UserError(f"cannot read the recording: {exc.strerror}", source=str(path)) from None
    return PreparedMedia(path.absolute(), info, sha)


def _size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def search_by_content(
    folders: Iterable[Path],
    size: int,
    sha256: str,
    name: str = "",
    *,
    cancelled: Cancelled | None = None,
) -> Path | None:
    """A file under ``folders`` (recursively) with this size and SHA-256: files with the same
    name are hashed first, other files only when their size matches."""
    same_name: list[Path] = []
    others: list[Path] = []
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            if cancelled and cancelled():
                return None
            for f in files:
                p = Path(root, f)
                if _size_of(p) == size:
                    (same_name if f == name else others).append(p)
    for p in same_name + others:
        if cancelled and cancelled():
            return None
        try:
            if file_sha256(p) == sha256:
                return p
        except OSError:
            continue
    return None


# -- reading -----------------------------------------------------------------------------------
def _recording(row: RecordingRow | Row[Any], transcript: str, fmt: str = "") -> Recording:
    excerpt = (
        (row.excerpt_start_s, row.excerpt_end_s)
        if row.excerpt_start_s is not None and row.excerpt_end_s is not None
        else None
    )
    return Recording(
        transcript=transcript,
        # a coder's login on a server learns no stored path (her machine finds the file
        # in its own media folders by content)
        path=getattr(row, "path", ""),
        file_name=row.file_name,
        kind=row.kind,
        format=row.format,
        size=row.size_bytes,
        duration=row.duration_s,
        sha256=row.sha256,
        excerpt=excerpt,
        excerpt_seed=row.excerpt_seed,
        attached_at=row.attached_at,
        without_transcript=fmt == "recording",
    )


def _readable(session: Session) -> FromClause:
    """``recordings`` as this login may read it: the table, or for a coder's login on a lab
    server the study's function (her assigned transcripts' recordings, by content only)."""
    if server_api.is_coder(session.connection()):
        return server_api.my_recordings()
    return RecordingRow.__table__


def recordings(study: Study) -> list[Recording]:
    """Every transcript's recording, by transcript name (for a coder's login on a lab server:
    those of her assigned transcripts, by their masked labels when the study is blinded)."""
    with study.read() as session:
        r = _readable(session)
        t = transcripts_source(session.connection())
        rows = session.execute(
            select(r, t.c.name.label("transcript_name"), t.c.format.label("transcript_format"))
            .join(t, t.c.id == r.c.transcript_id)
            .order_by(t.c.name)
        ).all()
        return [_recording(row, row.transcript_name, row.transcript_format) for row in rows]


def recording_of(study: Study, transcript: str) -> Recording | None:
    """``transcript``'s recording, or None. A coder's login on a lab server reads only the
    recordings of transcripts assigned to her (UserError for another transcript's)."""
    with study.read() as session:
        tid = transcript_id(session, transcript)
        r = _readable(session)
        t = transcripts_source(session.connection())
        row = session.execute(
            select(r, t.c.format.label("transcript_format"))
            .join(t, t.c.id == r.c.transcript_id)
            .where(r.c.transcript_id == tid)
        ).one_or_none()
        if row is None and server_api.is_coder(session.connection()):
            assigned = server_api.my_assignments()
            if (
                session.execute(
                    select(assigned.c.transcript_id).where(assigned.c.transcript_id == tid)
                ).first()
                is None
            ):
                raise UserError(
                    f"{transcript}: recordings are given to a coder's login for the "
                    "transcripts assigned to her only"
                )
        if row is None:
            return None
        rec = _recording(row, transcript, row.transcript_format)
        real: str = session.scalars(select(t.c.name).where(t.c.id == tid)).one()
        if real != transcript:
            # asked by its masked label: a blinded coder's view, which must not learn the
            # file's name (it names the session) nor when it was attached
            rec = replace(rec, file_name="", attached_at=None)
        return rec


# -- writing -----------------------------------------------------------------------------------
def store_recording(
    session: Session,
    study: Study,
    tid: int,
    media: PreparedMedia,
    *,
    excerpt: tuple[float, float] | None = None,
    seed: int | None = None,
) -> RecordingRow:
    """Insert or replace transcript ``tid``'s recording (inside the caller's transaction)."""
    row = session.get(RecordingRow, tid)
    if row is None:
        row = RecordingRow(transcript_id=tid)
        session.add(row)
    row.path = stored_form(study, media.source)
    row.file_name = media.source.name[:300]
    row.kind, row.format = media.info.kind, media.info.format
    row.size_bytes, row.duration_s = media.info.size, media.info.duration
    row.sha256 = media.sha256
    row.excerpt_start_s, row.excerpt_end_s = excerpt if excerpt else (None, None)
    row.excerpt_seed = seed
    row.attached_at = now()
    session.flush()
    return row


def _recording_change(transcripts: Iterable[str]) -> StudyChange:
    """A recording stored, moved or measured: its transcripts (their recording and times)."""
    names = list(transcripts)
    return StudyChange.of(ChangeKind.TRANSCRIPTS, transcripts=names) if names else StudyChange()


class Attached(NamedTuple):
    """What :func:`attach_media` did: the new recording and the one it replaced."""

    recording: Recording
    replaced: Recording | None

    @property
    def change(self) -> StudyChange:
        return self.recording.change


def attach_media(
    study: Study, transcript: str, file: Path, progress: HashProgress | None = None
) -> Attached:
    """Attach ``file`` as ``transcript``'s recording (replacing one attached before);
    returns (the new recording, the one it replaced), with the change (``.change``). Times
    estimated from measured ones are worked out again, now that the recording's length is
    known."""
    from socialcoder.services.deidentify_media import check_recording
    from socialcoder.services.media_timing import reestimate

    check_recording(study, file)  # a de-identified copy takes bleeped recordings only
    media = prepare_media(file, progress)
    with study.write() as session:
        tid = transcript_id(session, transcript)
        old = session.get(RecordingRow, tid)
        before = _recording(old, transcript) if old is not None else None
        row = store_recording(session, study, tid, media)
        reestimate(session, tid)
        after = _recording(row, transcript)
    if study_folder(study) is None:
        media_local.remember(media.sha256, media.source)
    return Attached(after, before)


def note_recording_path(study: Study, transcript: str, path: str) -> StudyChange:
    """Keep a recording's path that came without its content (an exchange file naming the
    media): stored unverified (no size, no hash) until it is attached again. The turns' times
    between measured ones are estimated again (exchange files carry measured times only).
    Returns the change (none when the transcript had a recording already)."""
    from socialcoder.services.media_timing import reestimate

    name = path.replace("\\", "/").rsplit("/", 1)[-1] or path
    fmt = name.rsplit(".", 1)[-1].lower()[:8] if "." in name else ""
    with study.write() as session:
        tid = transcript_id(session, transcript)
        if session.get(RecordingRow, tid) is None:
            session.add(
                RecordingRow(
                    transcript_id=tid,
                    path=path[:1000],
                    file_name=name[:300],
                    kind=MEDIA_KINDS.get(fmt, "audio"),
                    format=fmt,
                    attached_at=now(),
                )
            )
            session.flush()
            reestimate(session, tid)  # estimates are never exchanged: spread them again
            return _recording_change([transcript])
    return StudyChange()


def set_duration(study: Study, transcript: str, seconds: float) -> StudyChange:
    """Store the duration the player measured when the file's header gave none; returns the
    change, none (false) if nothing was stored (a duration already known is kept)."""
    if not seconds > 0:
        return StudyChange()
    with study.write() as session:
        if server_api.is_coder(session.connection()):
            return StudyChange()  # the lead's to store (a coder's login writes no recordings)
        row = session.get(RecordingRow, transcript_id(session, transcript))
        if row is None or row.duration_s is not None:
            return StudyChange()
        row.duration_s = float(seconds)
    return _recording_change([transcript])


# -- status and relink --------------------------------------------------------------------------
def _check(path: Path, rec: Recording) -> str:
    if rec.sha256 is None:
        return UNVERIFIED
    if rec.size is not None and _size_of(path) != rec.size:
        return CHANGED
    try:
        return FOUND if file_sha256(path) == rec.sha256 else CHANGED
    except OSError:
        return MISSING


def _elsewhere(rec: Recording, folders: list[Path]) -> Path | None:
    if rec.sha256 is None or rec.size is None:
        return None
    return search_by_content(folders, rec.size, rec.sha256, rec.file_name) if folders else None


def check_recording(
    study: Study, rec: Recording, folders: list[Path] | None = None
) -> RecordingStatus:
    """Is ``rec``'s content where the study says, or in this machine's media folders?"""
    local = media_local.load_local()
    folders = local.folders if folders is None else folders
    path = resolve(study, rec.path)
    known = Path(local.known[rec.sha256]) if rec.sha256 in local.known else None
    if not path.is_file() and known is not None and known.is_file():
        path = known  # where this machine found it last (a server study's paths differ)
    status = _check(path, rec) if path.is_file() else MISSING
    if status == FOUND:
        return RecordingStatus(rec, FOUND, path, "")
    if status == UNVERIFIED:
        return RecordingStatus(
            rec,
            UNVERIFIED,
            path,
            "stored before SocialCoder kept a recording's size and hash; attach it again "
            "to record them",
        )
    other = _elsewhere(rec, folders)
    if other is not None:
        return RecordingStatus(rec, FOUND, other, f"found by content at {other}")
    if status == CHANGED:
        return RecordingStatus(
            rec,
            CHANGED,
            path,
            "the file at this path is not the recording that was attached (its content differs)",
        )
    where = "; searched " + ", ".join(str(f) for f in folders) if folders else ""
    return RecordingStatus(rec, MISSING, None, f"no file at {path}{where}")


def media_status(study: Study, folders: list[Path] | None = None) -> list[RecordingStatus]:
    return [check_recording(study, rec, folders) for rec in recordings(study)]


@dataclass(frozen=True, slots=True)
class Relinked:
    transcript: str
    old_path: str
    new_path: Path
    sha256: str


@dataclass(frozen=True, slots=True)
class RelinkResult:
    relinked: tuple[Relinked, ...]
    still_missing: tuple[str, ...]
    shared_study: bool  # True: paths noted for this machine only (a study on a server)

    @property
    def change(self) -> StudyChange:
        """The change made: the recordings' paths stored (none on a server: noted here)."""
        return (
            StudyChange()
            if self.shared_study
            else _recording_change(r.transcript for r in self.relinked)
        )


def relink(study: Study, folder: Path, *, cancelled: Cancelled | None = None) -> RelinkResult:
    """Find the recordings that are not where the study says in ``folder`` (recursively), by
    size and SHA-256, and store their new paths (a server study: note them for this machine)."""
    folder = folder.expanduser()
    if not folder.is_dir():
        raise UserError("is not a folder", source=str(folder))
    found: list[Relinked] = []
    missing: list[str] = []
    for rec in recordings(study):
        path = resolve(study, rec.path)
        if rec.sha256 is None or rec.size is None:
            missing.append(rec.transcript)
            continue
        if path.is_file() and _check(path, rec) == FOUND:
            continue
        hit = search_by_content([folder], rec.size, rec.sha256, rec.file_name, cancelled=cancelled)
        if hit is None:
            missing.append(rec.transcript)
        else:
            found.append(Relinked(rec.transcript, rec.path, hit.absolute(), rec.sha256))
    shared = study_folder(study) is None
    if found and not shared:
        with study.write() as session:
            for item in found:
                row = session.get(RecordingRow, transcript_id(session, item.transcript))
                if row is None:
                    raise StudyError(f"transcript {item.transcript!r} lost its recording meanwhile")
                row.path = stored_form(study, item.new_path)
    for item in found:
        media_local.remember(item.sha256, item.new_path)
    return RelinkResult(tuple(found), tuple(missing), shared)


# -- for the player ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Located:
    """Where the player should open a recording. ``path`` is None when no file was found;
    ``verified`` is False when only the size was compared (hash checked afterwards)."""

    path: Path | None
    verified: bool
    message: str


def locate_quick(study: Study, rec: Recording) -> Located:
    """Find ``rec`` without reading any file (stat calls only): the stored path, where this
    machine found it before, a media folder holding a file of the same name. The caller
    checks the hash afterwards (:func:`verify`) and searches by content if nothing matched."""
    path = resolve(study, rec.path)
    candidates = [path]
    local = media_local.load_local()
    if rec.sha256 and rec.sha256 in local.known:
        candidates.append(Path(local.known[rec.sha256]))
    candidates += [f / rec.file_name for f in local.folders]
    for c in candidates:
        size = _size_of(c)
        if size is not None and (rec.size is None or size == rec.size):
            return Located(c, False, "")
    if _size_of(path) is not None:
        return Located(
            None,
            False,
            f"The recording at {path} has changed (its size differs from the one attached).",
        )
    return Located(None, False, f"The recording {rec.file_name} is not at {path}.")


def verify(path: Path, rec: Recording, cancelled: Cancelled | None = None) -> bool | None:
    """True when ``path`` has ``rec``'s content, False when not, None when unknown (no hash
    stored, unreadable or cancelled)."""
    if rec.sha256 is None:
        return None
    try:
        return file_sha256(path) == rec.sha256
    except OSError:
        return None
