"""Commands for coders and codes: coders, code, memo, complete, codes import/export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from socialcoder.cli.common import (
    add_force_arg,
    add_study_arg,
    command,
    note,
    number,
    study_of,
)
from socialcoder.cli.lead_cmds import register_coder_actions
from socialcoder.cli.output import ProgressBar, print_json, table
from socialcoder.domain.numbers import SEGMENT
from socialcoder.services.coders import add_coders, list_coders
from socialcoder.services.coding import clear_code, set_code, set_completed, set_segment_memo


def register(commands: Any) -> None:
    coders = commands.add_parser("coders", help="Add or list coders.")
    sub = coders.add_subparsers(dest="coders_command", metavar="ACTION", required=True)
    p = command(sub, "add", cmd_coders_add, "Add coders.", writes=True)
    add_study_arg(p)
    p.add_argument("names", nargs="+", metavar="NAME")
    register_coder_actions(sub)
    p = command(sub, "list", cmd_coders_list, "List coders with their number of codes.")
    add_study_arg(p)
    p.add_argument("--json", action="store_true")

    p = command(
        commands, "code", cmd_code, "Set (or --clear) one code.", coder_ok=True, writes=True
    )
    add_study_arg(p)
    p.add_argument("--coder", required=True)
    p.add_argument("--transcript", required=True)
    p.add_argument(
        "--segment",
        type=number(SEGMENT),
        help="1-based segment index (omit for session-level dimensions)",
    )
    p.add_argument("--dimension", required=True, help="dimension key")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--value", help="value as written in the codebook (binary: 1/0)")
    group.add_argument("--clear", action="store_true", help="remove the code")
    p.add_argument("--memo", help="a note on this code")

    p = command(
        commands,
        "memo",
        cmd_memo,
        "Write a coder's memo on a segment (empty text removes it).",
        coder_ok=True,
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("--coder", required=True)
    p.add_argument("--transcript", required=True)
    p.add_argument("--segment", type=number(SEGMENT), required=True)
    p.add_argument("--text", required=True)

    p = command(
        commands,
        "complete",
        cmd_complete,
        "Mark a transcript complete for a coder. From then on, a binary code left empty on an "
        "applicable segment counts as absent (before, as not coded yet).",
        coder_ok=True,
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("--coder", required=True)
    p.add_argument("--transcript", required=True)
    p.add_argument("--reopen", action="store_true", help="undo a completion")

    codes = commands.add_parser("codes", help="Import or export codes as CSV.")
    sub = codes.add_subparsers(dest="codes_command", metavar="ACTION", required=True)
    p = command(
        sub,
        "import",
        cmd_codes_import,
        "Import codes from CSV (transcript,segment,coder,dimension,value[,memo]); "
        "the whole file is checked first and stored in one transaction.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.add_argument(
        "--complete",
        action="store_true",
        help="mark every (coder, transcript) in the file complete",
    )
    p.add_argument(
        "--add-coders", action="store_true", help="add coders the study does not know yet"
    )
    p = command(
        sub,
        "export",
        cmd_codes_export,
        "Export every code and memo to CSV (same columns); FILE '-' is standard output.",
    )
    add_study_arg(p)
    p.add_argument("file", metavar="FILE.csv", help="output file, or - for standard output")
    add_force_arg(p)


def cmd_coders_add(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        added = add_coders(study, args.names)
    print(f"Added coder(s): {', '.join(added)}")
    return 0


def cmd_coders_list(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        coders = list_coders(study)
    if args.json:
        print_json(
            [
                {"name": c.name, "active": c.active, "codes": c.codes, "completed": c.completed}
                for c in coders
            ]
        )
        return 0
    if not coders:
        print("No coders yet; add some with `socialcoder coders add STUDY NAME...`.")
        return 0
    table(
        ("coder", "active", "codes", "completed transcripts"),
        [(c.name, "yes" if c.active else "no", c.codes, c.completed) for c in coders],
    )
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        if args.clear:
            change = clear_code(
                study,
                coder=args.coder,
                transcript=args.transcript,
                segment=args.segment,
                dimension=args.dimension,
            )
        else:
            change = set_code(
                study,
                coder=args.coder,
                transcript=args.transcript,
                segment=args.segment,
                dimension=args.dimension,
                value=args.value,
                memo=args.memo,
            )
    where = f"segment {args.segment}" if args.segment else "session"
    if not change.changed:
        print(
            f"{args.dimension} on {args.transcript} {where}: unchanged ({change.new_value or 'no code'})"
        )
    else:
        print(
            f"{args.dimension} on {args.transcript} {where}: {change.old_value or '-'} -> {change.new_value or '-'}"
        )
    return 0


def cmd_memo(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        change = set_segment_memo(
            study,
            coder=args.coder,
            transcript=args.transcript,
            segment=args.segment,
            text=args.text,
        )
    print("Memo removed." if change.new_memo is None else "Memo saved.")
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        change = set_completed(
            study, coder=args.coder, transcript=args.transcript, completed=not args.reopen
        )
    state = "reopened" if args.reopen else "complete"
    note = "" if change.changed else " (already)"
    print(f"{args.transcript} is {state} for {args.coder}{note}.")
    return 0


def cmd_codes_import(args: argparse.Namespace) -> int:
    from socialcoder.services.codes_csv import import_codes_csv

    with study_of(args) as study:
        summary = import_codes_csv(
            study,
            args.file,
            complete=args.complete,
            add_coders=args.add_coders,
            progress=ProgressBar("Importing codes"),
        )
    print(
        f"Read {summary.rows} row(s): {summary.inserted} new, {summary.updated} changed, "
        f"{summary.unchanged} unchanged, {summary.memos} memo(s)."
    )
    if summary.not_in_file:
        print(
            f"{summary.not_in_file} stored code(s) of these coders and transcripts are not in "
            "the file and were kept: a codes file adds and changes codes, never removes them "
            "(socialcoder code ... --clear removes one)."
        )
    if summary.coders_added:
        print(f"Added coder(s): {', '.join(summary.coders_added)}")
    if summary.completed:
        print(f"Marked {summary.completed} (coder, transcript) pair(s) complete.")
    return 0


def cmd_codes_export(args: argparse.Namespace) -> int:
    from socialcoder.services.audit_events import unencrypted_note
    from socialcoder.services.codes_csv import export_codes_csv

    with study_of(args) as study:
        summary = export_codes_csv(study, args.file, force=args.force)
        encrypted_note = unencrypted_note(study)
    where = "standard output" if str(summary.path) == "-" else summary.path
    print(
        f"Wrote {summary.rows} row(s) to {where}",
        file=sys.stderr if summary.to_stream else sys.stdout,
    )
    note(encrypted_note)
    return 0
