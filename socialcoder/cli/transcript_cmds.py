"""Commands about transcripts: import, transcripts, show."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from socialcoder.cli.common import add_study_arg, command, number, study_of
from socialcoder.cli.output import ProgressBar, print_json, table
from socialcoder.domain.numbers import SEED, SESSION
from socialcoder.domain.timing import format_clock, parse_clock, parse_length
from socialcoder.errors import UserError
from socialcoder.importers import parse_speaker_map
from socialcoder.services.coders import coder_id
from socialcoder.services.media_import import Excerpt, import_recording
from socialcoder.services.study import CONSENSUS
from socialcoder.services.transcript_import import (
    ImportItem,
    import_transcripts,
    parse_date,
    read_manifest,
)
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript


def register(commands: Any) -> None:
    p = command(
        commands,
        "import",
        cmd_import,
        "Import transcript files (.txt, .vtt, .srt, .docx, .csv) or a manifest CSV. "
        "All files are checked first; a bad file stores nothing.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.add_argument(
        "--manifest",
        type=Path,
        help="CSV with columns file,participant,therapist,session,date (optional: name, site, "
        "phase)",
    )
    p.add_argument("--participant", help="participant (patient) id")
    p.add_argument("--therapist", help="therapist id")
    p.add_argument("--site", help="site (optional; a design may stratify by it)")
    p.add_argument("--phase", help="treatment phase (optional; a design may stratify by it)")
    p.add_argument("--session", type=number(SESSION), help="session number (one file only)")
    p.add_argument("--date", help="session date, YYYY-MM-DD (one file only)")
    p.add_argument("--name", help="transcript name (one file only; default: the file name)")
    p.add_argument(
        "--media",
        type=Path,
        metavar="FILE",
        help="the session's recording (one transcript only; the study keeps its path and hash)",
    )
    p.add_argument(
        "--no-transcript",
        action="store_true",
        help="code the --media recording without a transcript: turns are opened while listening",
    )
    p.add_argument(
        "--from", dest="start", metavar="MM:SS", help="with --no-transcript: code from here"
    )
    p.add_argument(
        "--to", dest="end", metavar="MM:SS", help="with --no-transcript: code up to here"
    )
    p.add_argument(
        "--excerpt",
        metavar="LENGTH",
        help="with --no-transcript: code a random excerpt of this length (e.g. 20m), "
        "placed with --seed (recorded in the study)",
    )
    p.add_argument(
        "--seed",
        type=number(SEED),
        help="seed of the random excerpt (default: drawn and recorded)",
    )
    p.add_argument(
        "--speaker-map",
        default="",
        metavar="'LABEL=role,...'",
        help="roles for speaker labels that are not recognised, e.g. "
        "'Dr Jones=therapist,Sam=patient'; LABEL=text for a word that is no speaker",
    )

    p = command(
        commands,
        "transcripts",
        cmd_transcripts,
        "List the study's transcripts and coding progress (a coder's login: its own).",
        coder_ok=True,
    )
    add_study_arg(p)
    p.add_argument(
        "--coder",
        help="as this coder: their own progress only, masked labels when the study is blinded",
    )
    p.add_argument(
        "--json", action="store_true", help="machine-readable output (documented, stable)"
    )

    p = command(
        commands,
        "show",
        cmd_show,
        "Show one transcript's segments (and one coder's codes).",
        coder_ok=True,
    )
    add_study_arg(p)
    p.add_argument("transcript", metavar="TRANSCRIPT", help="transcript name (or its masked label)")
    p.add_argument(
        "--coder",
        help="as this coder: their codes and memos (masked transcript when the study is blinded)",
    )
    p.add_argument(
        "--json", action="store_true", help="machine-readable output (documented, stable)"
    )


def cmd_import(args: argparse.Namespace) -> int:
    if args.no_transcript or any(
        getattr(args, k) is not None for k in ("start", "end", "excerpt", "seed")
    ):
        return _import_recording(args)
    speaker_map = parse_speaker_map(args.speaker_map) if args.speaker_map else {}
    items: list[ImportItem] = []
    if args.manifest:
        items += read_manifest(args.manifest, speaker_map)
    single = [k for k in ("session", "date", "name", "media") if getattr(args, k) is not None]
    if single and len(args.files) != 1:
        raise UserError(f"--{', --'.join(single)} apply to one file; give exactly one FILE")
    for path in args.files:
        items.append(
            ImportItem(
                path=path,
                name=args.name,
                participant=args.participant,
                therapist=args.therapist,
                session=args.session,
                date=parse_date(args.date or ""),
                media=args.media,
                speaker_map=speaker_map,
                site=args.site,
                phase=args.phase,
            )
        )
    if not items:
        raise UserError("give transcript FILEs or --manifest")
    with study_of(args) as study:
        summary = import_transcripts(study, items, progress=ProgressBar("Importing"))
    for t in summary.transcripts:
        print(
            f"  {t.name}: {t.segments} segments ({t.therapist_turns} therapist, "
            f"{t.patient_turns} patient) from {t.format}"
        )
        for note in t.notes():
            print(f"    {note}")
    print(f"Imported {len(summary.transcripts)} transcript(s), {summary.segments} segments.")
    return 0


def _as_coder(args: argparse.Namespace) -> bool:
    """A command naming ``--coder`` runs as that coder (the consensus layer is the lead's)."""
    return args.coder is not None and args.coder != CONSENSUS


def _import_recording(args: argparse.Namespace) -> int:
    if not args.no_transcript:
        raise UserError("--from, --to, --excerpt and --seed go with --no-transcript")
    if args.files or args.manifest or args.speaker_map:
        raise UserError("--no-transcript imports the --media recording alone: give no FILE")
    if args.media is None:
        raise UserError("--no-transcript needs the recording: --media FILE")
    if args.excerpt and (args.start or args.end):
        raise UserError("give either --excerpt (random) or --from/--to, not both")
    if args.seed is not None and not args.excerpt:
        raise UserError("--seed goes with --excerpt")
    try:
        excerpt = Excerpt(
            start=parse_clock(args.start) if args.start else None,
            end=parse_clock(args.end) if args.end else None,
            length=parse_length(args.excerpt) if args.excerpt else None,
            seed=args.seed,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with study_of(args) as study:
        rec = import_recording(
            study,
            args.media,
            name=args.name,
            participant=args.participant,
            therapist=args.therapist,
            session_number=args.session,
            session_date=parse_date(args.date or ""),
            excerpt=excerpt,
        )
    part = "the whole recording"
    if rec.excerpt:
        part = f"{format_clock(rec.excerpt[0])}–{format_clock(rec.excerpt[1])}"
        if rec.excerpt_seed is not None:
            part += f" (random excerpt, seed {rec.excerpt_seed})"
    print(
        f"  {rec.transcript}: recording {rec.file_name} without a transcript, coding {part}; "
        "open turns while listening in the coding window"
    )
    print("Imported 1 recording.")
    return 0


def cmd_transcripts(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        if args.coder is not None:
            with study.read() as session:
                coder_id(session, args.coder)  # an unknown coder: the usual message
        transcripts = list_transcripts(
            study,
            coders=None if args.coder is None else [args.coder],
            as_coder=_as_coder(args),
        )
    if args.json:
        print_json([t.to_json() for t in transcripts])
        return 0
    if not transcripts:
        print("No transcripts yet; add some with `socialcoder import`.")
        return 0
    rows: list[tuple[object, ...]] = []
    masked = any(t.masked for t in transcripts)
    for t in transcripts:
        progress = ", ".join(
            f"{coder} {'done' if p.completed else f'{p.fraction:.0%}'}"
            for coder, p in t.progress.items()
        )
        if masked:  # a blinded coder: the label, nothing that identifies the session
            rows.append((t.name, t.segments, progress))
        else:
            rows.append(
                (t.name, t.label, t.participant or "", t.session, t.date, t.segments, progress)
            )
    if masked:
        table(("transcript", "segments", "progress"), rows)
    else:
        table(
            ("transcript", "label", "participant", "session", "date", "segments", "progress"),
            rows,
        )
    return 0


def _time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def cmd_show(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        view = show_transcript(study, args.transcript, coder=args.coder, as_coder=_as_coder(args))
    if args.json:
        print_json(view.to_json())
        return 0
    t = view.transcript
    if t.masked:
        print(t.name)
    else:
        print(
            f"{t.name}  participant {t.participant or '-'}  "
            f"session {t.session if t.session is not None else '-'}"
        )
    for s in view.segments:
        codes = ""
        if args.coder and (s.codes or s.memo):
            codes = "  [" + ", ".join(f"{k}={v}" for k, v in s.codes.items())
            codes += (f"; memo: {s.memo}" if s.memo else "") + "]"
        print(f"{s.index:>5} {_time(s.start):>8} {s.label:>10}: {s.text}{codes}")
    if args.coder and view.session_codes:
        print("Session: " + ", ".join(f"{k}={v}" for k, v in view.session_codes.items()))
    return 0
