"""Commands for exports: export (tables and REFI-QDA), measures import, import-refi."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from socialcoder.cli.common import add_force_arg, add_study_arg, command, note, study_of
from socialcoder.cli.output import ProgressBar
from socialcoder.domain.codebook import Role
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
        help="'all' (default: every coder, plus consensus when it has codes), 'consensus', "
        "'final' (the consensus value where settled, else the primary coder's, with a "
        "source column), or NAME,NAME",
    )
    p.add_argument(
        "--with-text", action="store_true", help="include the text of each turn (off by default)"
    )
    p.add_argument(
        "--format", choices=(*FORMATS, "qdpx"), help="output format (default: from the extension)"
    )
    add_force_arg(p)
    p.add_argument(
        "--require-deidentified",
        action="store_true",
        help="refuse unless the study is a de-identified copy (made by `socialcoder deidentify`)",
    )

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
        writes=True,
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
        help="codebook YAML (default: the codebook of a project written by SocialCoder, "
        "otherwise one built from the project's codes)",
    )
    p.add_argument(
        "--speaker-map", metavar="MAP", help="speaker roles, e.g. 'Anna=patient,Dr B=therapist'"
    )
    p.add_argument(
        "--one-speaker",
        choices=[r.value for r in Role],
        metavar="ROLE",
        help="texts without speaker labels are one speaker's (patient or therapist): one turn "
        "per line",
    )
    done = p.add_mutually_exclusive_group()
    done.add_argument(
        "--complete",
        action="store_true",
        help="mark every (coder, transcript) with codes complete (uncoded turns become 'absent'); "
        "default: as in the project for SocialCoder's own exports, otherwise nothing",
    )
    done.add_argument(
        "--no-complete",
        action="store_true",
        help="mark nothing complete, not even what a SocialCoder export carries",
    )


def cmd_export(args: argparse.Namespace) -> int:
    from socialcoder.services.audit_events import unencrypted_note
    from socialcoder.services.exporting import REFI, export_format, export_refi, export_table

    fmt = export_format(args.out, args.format)
    with study_of(args) as study:
        if args.require_deidentified:
            from socialcoder.services.deidentify_apply import require_deidentified

            require_deidentified(study)
        if fmt == REFI:
            refi = export_refi(study, args.out, coders=args.coders, force=args.force)
            print(
                f"Wrote {refi.path}: {refi.sources} source(s), {refi.users} user(s), {refi.codes} code(s), "
                f"{refi.selections} selection(s), {refi.codings} coding(s), {refi.notes} note(s), "
                f"{refi.absent_codes} absent code(s) in socialcoder/study.json",
                file=sys.stderr if refi.to_stream else sys.stdout,
            )
            for reason, n in refi.not_written:
                print(
                    f"  not written: {n} {reason}",
                    file=sys.stderr if refi.to_stream else sys.stdout,
                )
            note(unencrypted_note(study))
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
        encrypted_note = unencrypted_note(study)
    where = "standard output" if str(summary.path) == "-" else summary.path
    print(
        f"Wrote {summary.rows} row(s) x {summary.columns} column(s) ({summary.layout}, {summary.format}) "
        f"to {where}; coders: {', '.join(summary.coders) or 'none'}",
        file=sys.stderr if summary.to_stream else sys.stdout,
    )
    if summary.final is not None:
        print(
            summary.final.sentence()[0].upper() + summary.final.sentence()[1:] + ".",
            file=sys.stderr if summary.to_stream else sys.stdout,
        )
    note(encrypted_note)
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
    from socialcoder.services.refi_import import import_refi, summary_lines

    speaker_map = parse_speaker_map(args.speaker_map) if args.speaker_map else None
    summary = import_refi(
        args.source,
        args.target,
        mapping=args.mapping,
        codebook=args.codebook,
        speaker_map=speaker_map,
        complete=True if args.complete else False if args.no_complete else None,
        one_speaker=Role(args.one_speaker) if args.one_speaker else None,
    )
    head, details = summary_lines(summary)
    print(head)
    for line in details:
        print(f"  {line}")
    return 0
