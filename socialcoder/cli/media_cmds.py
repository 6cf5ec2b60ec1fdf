"""Commands about session recordings: media attach, status, relink, folders."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from socialcoder.cli.common import add_study_arg, command, study_of
from socialcoder.cli.output import print_json, table
from socialcoder.domain.timing import format_clock
from socialcoder.services import media_local
from socialcoder.services.media import CHANGED, MISSING, attach_media, media_status, relink

EXIT_NEEDS_ATTENTION = 3


def register(commands: Any) -> None:
    group = commands.add_parser(
        "media",
        help="Session recordings: attach, check, find moved files, this machine's media folders.",
    )
    sub = group.add_subparsers(dest="media_command", metavar="ACTION", required=True)
    p = command(
        sub,
        "attach",
        cmd_attach,
        "Attach a recording (wav, mp3, m4a/aac, ogg/opus, flac, mp4, mkv, webm) to a "
        "transcript: the study keeps its path, size, duration and SHA-256, never the media. "
        "Replaces a recording attached before.",
    )
    add_study_arg(p)
    p.add_argument("transcript", metavar="TRANSCRIPT", help="transcript name")
    p.add_argument("file", type=Path, metavar="FILE", help="the recording")
    p = command(
        sub,
        "status",
        cmd_status,
        "Check every transcript's recording: found, missing, changed (its content differs) or "
        "unverified (stored without a hash). Reads each file whole to compare its SHA-256. "
        "Exit status 3 when any is not found.",
    )
    add_study_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p = command(
        sub,
        "relink",
        cmd_relink,
        "Find recordings that are not where the study says in FOLDER (and its subfolders) "
        "by size and SHA-256, and store their new paths. For a study on a server the paths "
        "are noted for this machine only. Exit status 3 when some are still missing.",
    )
    add_study_arg(p)
    p.add_argument("folder", type=Path, metavar="FOLDER")
    p = command(
        sub,
        "folders",
        cmd_folders,
        "This machine's media folders (kept on this machine, never in the study): where "
        "recordings are looked for by content when they are not at their stored path.",
    )
    p.add_argument("--add", type=Path, metavar="FOLDER", action="append", default=[])
    p.add_argument("--remove", type=Path, metavar="FOLDER", action="append", default=[])


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def cmd_attach(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        rec, before = attach_media(study, args.transcript, args.file)
    length = format_clock(rec.duration) if rec.duration is not None else "unknown length"
    print(
        f"Attached {rec.file_name} to {rec.transcript} ({rec.kind}, {rec.format}, {length}, "
        f"{_size(rec.size)}); stored as {rec.path}"
    )
    if before is not None and before.path != rec.path:
        print(f"  (it replaces {before.path})")
    if rec.duration is None:
        print("  The file's header gives no length; the player measures it when it opens.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        found = media_status(study)
    if args.json:
        print_json([s.to_json() for s in found])
    elif not found:
        print("No transcript has a recording; attach one with `socialcoder media attach`.")
    else:
        table(
            ("transcript", "status", "recording", "length", "size", "where"),
            [
                (
                    s.recording.transcript,
                    s.status,
                    s.recording.file_name,
                    format_clock(s.recording.duration) or "-",
                    _size(s.recording.size),
                    s.detail or str(s.found_at or ""),
                )
                for s in found
            ],
        )
    bad = [s for s in found if s.status in (MISSING, CHANGED)]
    return EXIT_NEEDS_ATTENTION if bad else 0


def cmd_relink(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        result = relink(study, args.folder)
    for item in result.relinked:
        print(f"  {item.transcript}: {item.old_path} -> {item.new_path}")
    where = "noted for this machine (the study is on a server)" if result.shared_study else "stored"
    print(f"Found {len(result.relinked)} recording(s) by content; new paths {where}.")
    if result.still_missing:
        print("Still not found: " + ", ".join(result.still_missing))
        return EXIT_NEEDS_ATTENTION
    return 0


def cmd_folders(args: argparse.Namespace) -> int:
    folders = media_local.load_local().folders
    for folder in args.add:
        folders = media_local.add_folder(folder)
    for folder in args.remove:
        folders = media_local.remove_folder(folder)
    print(f"Media folders on this machine ({media_local.config_path()}):")
    for f in folders:
        print(f"  {f}")
    if not folders:
        print("  (none; add one with --add FOLDER)")
    return 0
