"""A recording coded without a transcript (MITI-style coding straight from audio).

:func:`import_recording` makes a transcript that has no turns yet (format ``recording``): the
coder opens turns while listening (:func:`socialcoder.services.media_timing.open_turn`). The
part coded is the whole recording, a given stretch (``from``/``to``), or an excerpt of a given
length drawn at random with a seed; the study records which, so the draw can be repeated and
reported.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from socialcoder.domain.blinding import new_label
from socialcoder.domain.timing import format_clock, random_excerpt
from socialcoder.errors import Input, Remedy, UserError
from socialcoder.services.media import (
    PreparedMedia,
    Recording,
    _recording,
    prepare_media,
    store_recording,
)
from socialcoder.services.study import Study, now
from socialcoder.storage.models import TranscriptRow

RECORDING_FORMAT = "recording"


@dataclass(frozen=True, slots=True)
class Excerpt:
    """What to code: ``start``/``end`` (seconds; None = from the start / to the end), or
    ``length`` seconds placed at random with ``seed`` (a seed is drawn when None)."""

    start: float | None = None
    end: float | None = None
    length: float | None = None
    seed: int | None = None


def _span(media: PreparedMedia, excerpt: Excerpt) -> tuple[tuple[float, float] | None, int | None]:
    duration = media.info.duration
    source = str(media.source)
    if excerpt.length is not None:
        if duration is None:
            raise UserError(
                "the recording's length cannot be read from its header, so a random excerpt "
                "cannot be placed; give its start and end instead",
                source=source,
                remedy=Remedy.give(Input.START, Input.END),
            )
        seed = (
            excerpt.seed if excerpt.seed is not None else random.SystemRandom().randrange(1 << 31)
        )
        try:
            return random_excerpt(duration, excerpt.length, seed), seed
        except ValueError as exc:
            raise UserError(str(exc), source=source) from None
    if excerpt.start is None and excerpt.end is None:
        return None, None
    start = excerpt.start or 0.0
    end = excerpt.end if excerpt.end is not None else duration
    if end is None:
        raise UserError(
            "the recording's length is unknown: the excerpt's end is needed as well",
            source=source,
            remedy=Remedy.give(Input.END),
        )
    if duration is not None and end > duration + 0.5:
        raise UserError(
            f"the excerpt's end {format_clock(end)} is after the end of the recording "
            f"({format_clock(duration)})",
            source=source,
            remedy=Remedy.change(Input.END),
        )
    if end <= start:
        raise UserError(
            f"the excerpt's end ({format_clock(end)}) must come after its start "
            f"({format_clock(start)})",
            source=source,
            remedy=Remedy.change(Input.START, Input.END),
        )
    return (round(start, 3), round(end, 3)), None


def import_recording(
    study: Study,
    file: Path,
    *,
    name: str | None = None,
    participant: str | None = None,
    therapist: str | None = None,
    session_number: int | None = None,
    session_date: date | None = None,
    excerpt: Excerpt | None = None,
) -> Recording:
    """Store ``file`` as a transcript with no turns yet, to be coded while listening."""
    media = prepare_media(file)
    span, seed = _span(media, excerpt or Excerpt())
    name = name or media.source.stem
    if not name.strip() or len(name) > 200:
        raise UserError(f"{name!r} is not a usable transcript name", source=str(file))
    identity = f"recording:{media.sha256}:{span}"
    content = hashlib.sha256(identity.encode()).hexdigest()
    with study.write() as session:
        for other, other_hash in session.execute(
            select(TranscriptRow.name, TranscriptRow.content_hash)
        ):
            if other.casefold() == name.casefold():
                raise UserError(
                    f"the study already has a transcript named {other!r}",
                    source=str(file),
                    remedy=Remedy.another(Input.NAME),
                )
            if other_hash == content:
                raise UserError(
                    f"this recording (and excerpt) is already in the study as {other!r}",
                    source=str(file),
                )
        row = TranscriptRow(
            name=name,
            participant=participant,
            therapist=therapist,
            session_number=session_number,
            session_date=session_date,
            source_name=media.source.name,
            content_hash=content,
            format=RECORDING_FORMAT,
            preamble="",
            segment_count=0,
            imported_at=now(),
            label=new_label(set(session.scalars(select(TranscriptRow.label)))),
        )
        session.add(row)
        session.flush()
        rec = store_recording(session, study, row.id, media, excerpt=span, seed=seed)
        return _recording(rec, name, RECORDING_FORMAT)
