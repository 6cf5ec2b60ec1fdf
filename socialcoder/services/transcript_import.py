"""Importing transcript files into a study.

All files of one import are read and checked first; only when every file is good are they
stored, in one transaction. So a bad file (or a duplicate) stores nothing and the message
names it; a good batch is stored whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialcoder.domain.blinding import new_label
from socialcoder.domain.codebook import Role
from socialcoder.domain.names import BadName, check_transcript_name, name_key
from socialcoder.domain.numbers import SESSION
from socialcoder.domain.transcript import ParsedTranscript
from socialcoder.errors import Input, Remedy, StudyError, UserError
from socialcoder.importers import SpeakerRole, read_transcript
from socialcoder.services.media import PreparedMedia, prepare_media, store_recording
from socialcoder.services.media_timing import reestimate
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.bulk import bulk_insert_columns
from socialcoder.storage.models import SegmentRow, TranscriptRow, table_of

Progress = Callable[[int, int, str], None]
"""progress(done, total, what): called as work advances."""

MANIFEST_COLUMNS = ("file", "participant", "therapist", "session", "date")
# optional manifest columns: name, media (the session's recording, relative to the manifest)


@dataclass(frozen=True, slots=True)
class ImportItem:
    """One file to import, with the metadata to store beside it."""

    path: Path
    name: str | None = None
    participant: str | None = None
    therapist: str | None = None
    session: int | None = None
    date: date | None = None
    media: Path | None = None  # the session's recording (see services/media.py)
    speaker_map: Mapping[str, SpeakerRole] = field(default_factory=dict)
    site: str | None = None  # optional, for designs that stratify by site
    phase: str | None = None  # optional treatment phase, likewise
    #: Turns already read (e.g. from a REFI-QDA project); then ``path`` only names the origin.
    parsed: ParsedTranscript | None = None


@dataclass(frozen=True, slots=True)
class ImportedTranscript:
    name: str
    source: str
    format: str
    segments: int
    therapist_turns: int
    patient_turns: int
    preamble_lines: int = 0  # lines before the first turn, kept as the preamble
    warnings: tuple[str, ...] = ()  # what was not read as written (see ParsedTranscript)

    def notes(self) -> list[str]:
        """Lines for an import summary: the preamble kept, then the warnings."""
        out = []
        if self.preamble_lines:
            out.append(
                f"{self.preamble_lines} line(s) before the first turn kept as the preamble "
                "(not coded)"
            )
        return out + [f"warning: {w}" for w in self.warnings]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    transcripts: tuple[ImportedTranscript, ...]

    @property
    def segments(self) -> int:
        return sum(t.segments for t in self.transcripts)

    @property
    def change(self) -> StudyChange:
        """The change made: these transcripts (none if none was imported)."""
        names = [t.name for t in self.transcripts]
        return StudyChange.of(ChangeKind.TRANSCRIPTS, transcripts=names) if names else StudyChange()


def parse_date(text: str, *, source: str | None = None, row: int | None = None) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"date {text!r} is not a date in the form YYYY-MM-DD", source=source, row=row
        ) from None


def parse_session(text: str, *, source: str | None = None, row: int | None = None) -> int | None:
    if not text.strip():
        return None
    try:
        return SESSION.parse_int(text)
    except ValueError as exc:
        raise UserError(str(exc), source=source, row=row) from None


def read_manifest(
    path: Path, speaker_map: Mapping[str, SpeakerRole] | None = None
) -> list[ImportItem]:
    """Items from a manifest CSV with columns file, participant, therapist, session, date
    (and optionally name, site, phase); file paths are relative to the manifest's folder."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the manifest: {exc}", source=source) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "file" not in header:
        raise UserError(
            f"the manifest needs a header with the columns {', '.join(MANIFEST_COLUMNS)}",
            source=source,
        )
    reader.fieldnames = header
    items = []
    for number, row in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not cells.get("file"):
            raise UserError("the 'file' cell is empty", source=source, row=number)
        file = path.parent / cells["file"]
        media = path.parent / cells["media"] if cells.get("media") else None
        items.append(
            ImportItem(
                path=file,
                name=cells.get("name") or None,
                participant=cells.get("participant") or None,
                therapist=cells.get("therapist") or None,
                session=parse_session(cells.get("session", ""), source=source, row=number),
                date=parse_date(cells.get("date", ""), source=source, row=number),
                media=media,
                speaker_map=dict(speaker_map or {}),
                site=_text(cells.get("site"), "site", source, number),
                phase=_text(cells.get("phase"), "phase", source, number),
            )
        )
    if not items:
        raise UserError("the manifest lists no files", source=source)
    return items


def _text(cell: str | None, what: str, source: str, row: int) -> str | None:
    if not cell:
        return None
    if len(cell) > 100:
        raise UserError(f"the {what} may have at most 100 characters", source=source, row=row)
    return cell


def import_transcripts(
    study: Study, items: Sequence[ImportItem], *, progress: Progress | None = None
) -> ImportSummary:
    """Read every file, check names and content against the study, then store them all."""
    if not items:
        raise StudyError("no transcript files given")
    total = len(items)
    parsed: list[tuple[ImportItem, ParsedTranscript, str]] = []
    media: dict[int, PreparedMedia] = {}
    for done, item in enumerate(items):
        if progress:
            progress(done, total * 2, f"reading {item.path.name}")
        transcript = item.parsed or read_transcript(item.path, speaker_map=item.speaker_map or None)
        parsed.append((item, transcript, item.name or item.path.stem))
        if item.media is not None:
            from socialcoder.services.deidentify_media import check_recording

            check_recording(study, item.media)  # a de-identified copy takes bleeped recordings only
            media[done] = prepare_media(item.media)
    results = []
    with study.write() as session:  # checked and stored in one transaction
        _check_unique(session, parsed)
        labels = set(session.scalars(select(TranscriptRow.label)))
        for done, (item, transcript, name) in enumerate(parsed):
            if progress:
                progress(total + done, total * 2, f"storing {name}")
            label = new_label(labels)
            labels.add(label)
            row = TranscriptRow(
                name=name,
                label=label,
                participant=item.participant,
                therapist=item.therapist,
                site=item.site,
                phase=item.phase,
                session_number=item.session,
                session_date=item.date,
                source_name=transcript.source_name,
                content_hash=transcript.content_hash,
                format=transcript.format,
                preamble=transcript.preamble,
                segment_count=len(transcript.segments),
                imported_at=now(),
            )
            session.add(row)
            session.flush()
            segments = transcript.segments
            bulk_insert_columns(
                session.connection(),
                table_of(SegmentRow),
                {
                    "transcript_id": row.id,
                    "idx": list(range(1, len(segments) + 1)),
                    "role": [seg.role.value for seg in segments],
                    "label": [seg.label for seg in segments],
                    "start_s": [seg.start for seg in segments],
                    "end_s": [seg.end for seg in segments],
                    "start_estimated": [False] * len(segments),
                    "end_estimated": [False] * len(segments),
                    "text": [seg.text for seg in segments],
                },
            )
            if done in media:
                store_recording(session, study, row.id, media[done])
                reestimate(session, row.id)
            roles = [s.role for s in transcript.segments]
            results.append(
                ImportedTranscript(
                    name=name,
                    source=str(item.path),
                    format=transcript.format,
                    segments=len(roles),
                    therapist_turns=roles.count(Role.THERAPIST),
                    patient_turns=roles.count(Role.PATIENT),
                    preamble_lines=len(transcript.preamble.splitlines()),
                    warnings=transcript.warnings,
                )
            )
    if progress:
        progress(total * 2, total * 2, "done")
    return ImportSummary(tuple(results))


def _check_unique(session: Session, parsed: list[tuple[ImportItem, ParsedTranscript, str]]) -> None:
    names = {name_key(n): n for n in session.scalars(select(TranscriptRow.name))}
    hashes = dict(session.execute(select(TranscriptRow.content_hash, TranscriptRow.name)).all())
    for item, transcript, name in parsed:
        source = str(item.path)
        try:
            check_transcript_name(name)
        except BadName as exc:
            remedy = None if item.name else Remedy.give(Input.NAME)
            raise UserError(exc.message, source=source, remedy=remedy) from None
        if transcript.content_hash in hashes:
            raise UserError(
                f"the same content is already in the study as transcript "
                f"{hashes[transcript.content_hash]!r} (duplicate import refused)",
                source=source,
            )
        if name_key(name) in names:
            raise UserError(
                f"the study already has a transcript named {names[name_key(name)]!r} "
                "(names are unique ignoring letter case)",
                source=source,
                remedy=Remedy.another(Input.NAME),
            )
        names[name_key(name)] = name
        hashes[transcript.content_hash] = name
