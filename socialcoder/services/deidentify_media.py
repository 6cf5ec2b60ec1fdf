"""Recordings and de-identified copies.

A de-identified copy that keeps the original recording is not de-identified: the voice says
every name the text no longer shows. So a de-identified copy takes a recording only when it is
a *bleeped* one: :func:`bleep_wav` writes a new WAV file in which every segment that had an
identifier replaced (the copy's audit log says which; the segment times say when) is silence
or a 1 kHz tone, and records the new file's SHA-256 in the copy; :func:`check_recording` is
what every way of attaching a recording calls (``import --media`` here; ``media attach`` when
recordings have their own commands).

Only WAV (PCM, 8/16/24/32-bit, any channels and rate) is bleeped, with the standard library's
``wave`` module: no new native dependency. Other formats: convert to WAV first (e.g. with
ffmpeg), bleep, then attach the WAV.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import wave
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from socialcoder.errors import Input, NotFound, Remedy, StudyError, UserError
from socialcoder.export.output import prepare_output
from socialcoder.services.audit_events import export_place, list_events, record_event
from socialcoder.services.deidentify_apply import is_deidentified
from socialcoder.services.study import Study
from socialcoder.storage.models import AuditRow, SegmentRow, TranscriptRow

TONE_HZ = 1000.0
TONE_LEVEL = 0.25  # of full scale (-12 dB)
MODES = ("silence", "tone")


@dataclass(frozen=True, slots=True)
class BleepResult:
    path: Path
    spans: int
    seconds: float
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def spans_to_bleep(study: Study, transcript: str) -> list[tuple[float, float]]:
    """(start, end) seconds of every segment of ``transcript`` that had an identifier
    replaced; refused when such a segment has no times."""
    with study.read() as session:
        tid = session.scalar(select(TranscriptRow.id).where(TranscriptRow.name == transcript))
        if tid is None:
            raise NotFound(
                f"no transcript named {transcript!r}",
                what="transcript",
                names=(transcript,),
                source=study.location,
            )
        changed = set(
            session.scalars(
                select(AuditRow.segment_idx).where(
                    AuditRow.action == "deidentify", AuditRow.transcript_id == tid
                )
            )
        )
        rows = session.execute(
            select(SegmentRow.idx, SegmentRow.start_s, SegmentRow.end_s)
            .where(SegmentRow.transcript_id == tid)
            .order_by(SegmentRow.idx)
        ).all()
    spans: list[tuple[float, float]] = []
    untimed: list[int] = []
    for n, (idx, start, end) in enumerate(rows):
        if idx not in changed:
            continue
        if start is None:
            untimed.append(idx)
            continue
        # a turn without an end time lasts until the next one starts (or the recording ends)
        following = next((r[1] for r in rows[n + 1 :] if r[1] is not None), math.inf)
        spans.append((float(start), float(end) if end is not None else float(following)))
    if untimed:
        raise StudyError(
            f"segment(s) {', '.join(map(str, untimed))} of {transcript} had identifiers "
            "replaced but have no times, so the recording cannot be bleeped where they are spoken",
            source=study.location,
        )
    return spans


def bleep_wav(
    study: Study,
    transcript: str,
    source: Path,
    out: Path,
    *,
    mode: str = "tone",
    force: bool = False,
) -> BleepResult:
    """Write ``out``: ``source`` (a WAV recording of ``transcript``) with every segment that
    had an identifier replaced covered by a tone or silence; recorded in the study."""
    if mode not in MODES:
        raise UserError(f"mode must be one of {', '.join(MODES)}")
    if not is_deidentified(study):
        raise StudyError(
            "is not a de-identified copy; bleeping is for those", source=study.location
        )
    spans = spans_to_bleep(study, transcript)
    target = prepare_output(out, fmt="wav", force=force, protect=(*study.files, source))
    try:
        with wave.open(str(source), "rb") as reader:
            params = reader.getparams()
            frames = bytearray(reader.readframes(params.nframes))
    except (OSError, EOFError, wave.Error) as exc:
        raise UserError(_not_wav(source, exc), source=source) from None
    width, channels, rate = params.sampwidth, params.nchannels, params.framerate
    seconds = 0.0
    for start, end in spans:
        first = max(0, min(params.nframes, math.floor(start * rate)))
        last = params.nframes if math.isinf(end) else math.ceil(end * rate)
        last = max(first, min(params.nframes, last))
        _cover(frames, first, last, width, channels, rate, mode)
        seconds += (last - first) / rate
    with target.writing() as tmp:
        with wave.open(str(tmp), "wb") as writer:
            writer.setparams(params)
            writer.writeframes(bytes(frames))
        digest = sha256_of(tmp)
    record_event(
        study,
        "exported",
        detail={
            "what": "bleeped recording (wav)",
            "where": export_place(target.path),
            "transcript": transcript,
            "spans": len(spans),
            "sha256": digest,
            "mode": mode,
        },
    )
    return BleepResult(target.path or out, len(spans), seconds, digest)


def _not_wav(source: Path, exc: BaseException) -> str:
    """Why ``source`` cannot be bleeped, in one line: only PCM WAV is (no new native
    dependency); other formats are converted to WAV first."""
    if isinstance(exc, OSError) and not isinstance(exc, EOFError) and not Path(source).is_file():
        return f"cannot read the recording: {exc.strerror or exc}"
    head = b""
    with contextlib.suppress(OSError):
        head = Path(source).read_bytes()[:12]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return f"a WAV file SocialCoder cannot bleep ({exc}): only PCM WAV (8-32 bit) is bleeped"
    fmt = Path(source).suffix.lstrip(".").lower() or "this format"
    return (
        f"only WAV recordings can be bleeped, not {fmt}: convert it to WAV first (for example "
        "with sox or ffmpeg, where installed), bleep the WAV, then attach the bleeped WAV"
    )


def _cover(
    frames: bytearray, first: int, last: int, width: int, channels: int, rate: int, mode: str
) -> None:
    step = width * channels
    if mode == "silence" or (width == 1 and mode == "silence"):
        fill = (b"\x80" if width == 1 else b"\x00" * width) * channels
        frames[first * step : last * step] = fill * (last - first)
        return
    full = (1 << (8 * width - 1)) - 1
    for n in range(first, last):
        value = int(full * TONE_LEVEL * math.sin(2 * math.pi * TONE_HZ * n / rate))
        sample = (
            (value + 128).to_bytes(1, "little")
            if width == 1
            else value.to_bytes(width, "little", signed=True)
        )
        frames[n * step : (n + 1) * step] = sample * channels


def check_recording(study: Study, path: str | Path) -> None:
    """Refuse an original recording in a de-identified copy: only a file written by
    :func:`bleep_wav` for this copy (same SHA-256) is taken."""
    if not is_deidentified(study):
        return
    file = Path(path).expanduser()
    if not file.is_file():
        raise StudyError(
            "a de-identified copy takes only a bleeped recording, and this file cannot be checked",
            source=str(path),
            remedy=Remedy.run(Input.BLEEP),
        )
    digest = sha256_of(file)
    bleeped = {
        e.detail.get("sha256")
        for e in list_events(study, kinds=("exported",))
        if e.detail.get("what") == "bleeped recording (wav)"
    }
    if digest not in bleeped:
        raise StudyError(
            "is not a bleeped recording of this de-identified copy: a recording says every name "
            "the text no longer shows",
            source=str(path),
            remedy=Remedy.run(Input.BLEEP),
        )
