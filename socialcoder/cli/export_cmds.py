"""Commands for exports: export (tables and REFI-QDA), measures import, import-refi."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from socialcoder.cli.common import add_force_arg, add_study_arg, command, study_of
from socialcoder.cli.output import ProgressBar
from socialcoder.export.names import FORMATS, LAYOUTS
from socialcoder.importers.speakers import parse_speaker_map


def register(commands: Any) -> None:
    p = command(
        commands,
        "export",
        cmd_export,
        "Export codes for analysis (long, wide or sessions table as CSV, Excel, SPSS, Stata or "
        "Parquet) or the whole study as a REFI-QDA project (OUT ending in .qdpx).",
    )
    add_study_arg(p)
    p.add_argument(
        "out",
        metavar="OUT",
        help="output file (the extension sets the format), or - for CSV on standard output",
    )
    p.add_argument("--layout", choices=LAYOUTS, default="long", help="table layout (default: long)")
    p.add_argument(
        "--coders",
        default="all",
        help="'all' (default: every coder, plus consensus when it has codes), 'consensus', or NAME,NAME",
    )
    p.add_argument(
        "--with-text", action="store_true", help="include the text of each turn (off by default)"
    )
    p.add_argument(
        "--format", choices=(*FORMATS, "qdpx"), help="output format (default: from the extension)"
    )
    add_force_arg(p)

    measures = commands.add_parser(
        "measures", help="Import session measures (questionnaire scores)."
    )
    sub = measures.add_subparsers(dest="measures_command", metavar="ACTION", required=True)
    p = command(
        sub,
        "import",
        cmd_measures_import,
        "Import session measures from CSV: participant, session, then one column per measure "
        "(numbers; empty = missing). Re-importing replaces values of the same measure.",
    )
    add_study_arg(p)
    p.add_argument("file", type=Path, metavar="FILE.csv")

    p = command(
        commands,
        "import-refi",
        cmd_import_refi,
        "Create a new study from a REFI-QDA project (.qdpx): text sources become transcripts, "
        "users coders, codes dimensions.",
    )
    p.add_argument("source", type=Path, metavar="IN.qdpx")
    p.add_argument("target", type=Path, metavar="NEW_STUDY")
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE",
        help="YAML or CSV: REFI code name -> dimension [value]",
    )
    p.add_argument(
        "--codebook",
        type=Path,
        metavar="FILE",
        help="codebook YAML (default: the built-in codebook)",
    )
    p.add_argument(
        "--speaker-map", metavar="MAP", help="speaker roles, e.g. 'Anna=patient,Dr B=therapist'"
    )
    p.add_argument(
        "--no-complete",
        action="store_true",
        help="do not mark imported (coder, transcript) pairs complete (uncoded turns stay 'not coded yet')",
    )


def cmd_export(args: argparse.Namespace) -> int:
    from socialcoder.services.exporting import REFI, export_format, export_refi, export_table

    fmt = export_format(args.out, args.format)
    with study_of(args) as study:
        if fmt == REFI:
            refi = export_refi(study, args.out, coders=args.coders, force=args.force)
            print(
                f"Wrote {refi.path}: {refi.sources} source(s), {refi.users} user(s), {refi.codes} code(s), "
                f"{refi.selections} selection(s), {refi.codings} coding(s), {refi.notes} note(s)",
                file=sys.stderr if refi.to_stream else sys.stdout,
            )
            return 0
        summary = export_table(
            study,
            args.out,
            layout=args.layout,
            coders=args.coders,
            with_text=args.with_text,
            fmt=fmt,
            force=args.force,
            progress=ProgressBar("Exporting"),
        )
    where = "standard output" if str(summary.path) == "-" else summary.path
    print(
        f"Wrote {summary.rows} row(s) x {summary.columns} column(s) ({summary.layout}, {summary.format}) "
        f"to {where}; coders: {', '.join(summary.coders) or 'none'}",
        file=sys.stderr if summary.to_stream else sys.stdout,
    )
    return 0


def cmd_measures_import(args: argparse.Namespace) -> int:
    from socialcoder.services.measures import import_measures

    with study_of(args) as study:
        summary = import_measures(study, args.file)
    print(
        f"Stored {summary.values} value(s) of {len(summary.measures)} measure(s) "
        f"({', '.join(summary.measures)}) for {summary.rows} session(s); {summary.missing} missing."
    )
    return 0


def cmd_import_refi(args: argparse.Namespace) -> int:
    from socialcoder.services.refi_import import import_refi

    speaker_map = parse_speaker_map(args.speaker_map) if args.speaker_map else None
    summary = import_refi(
        args.source,
        args.target,
        mapping=args.mapping,
        codebook=args.codebook,
        speaker_map=speaker_map,
        complete=not args.no_complete,
    )
    print(
        f"Created {summary.study}: {summary.transcripts} transcript(s), {summary.segments} segment(s), "
        f"coders {', '.join(summary.coders) or 'none'}; {summary.codes} code(s), {summary.memos} memo(s)."
    )
    for path, count in summary.unmapped_codes:
        print(
            f"  not imported: {count} coding(s) of code {path!r} (no matching dimension; see --mapping)"
        )
    for name, reason in summary.skipped_sources:
        print(f"  not imported: source {name!r}: {reason}")
    for reason, count in summary.skipped_codings:
        print(f"  not imported: {count} coding(s): {reason}")
    for conflict in summary.conflicts:
        print(f"  conflict: {conflict}")
    if summary.notes_not_imported:
        print(
            f"  not imported: {summary.notes_not_imported} note(s) not attached to a coding or selection"
        )
    return 0
