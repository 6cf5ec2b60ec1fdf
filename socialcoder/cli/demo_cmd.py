"""`socialcoder demo` and `socialcoder gui`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from socialcoder.cli.common import command
from socialcoder.services.coders import list_coders
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts


def register(commands: Any) -> None:
    p = command(
        commands,
        "demo",
        cmd_demo,
        "Build the sample study (fictional sessions, three fictional coders) and open it.",
    )
    p.add_argument("--no-gui", action="store_true", help="only build it and print a summary")
    p.add_argument("--fresh", action="store_true", help="rebuild it even if it exists")
    p.add_argument("--path", type=Path, help="where to put it (default: your data folder)")

    p = command(commands, "gui", cmd_gui, "Open the coding window.")
    p.add_argument("study", nargs="?", metavar="STUDY", help="study file or URL")
    p.add_argument("--coder", help="code as this coder")
    p.add_argument("--transcript", help="open this transcript (with --coder)")
    p.add_argument(
        "--lead", action="store_true", help="open STUDY in the study lead's role (not blind)"
    )
    p.add_argument("--lead-name", metavar="NAME", help="the lead's name for the audit log")
    p.add_argument(
        "--check",
        action="store_true",
        help="open the window on STUDY (with --coder or --lead), print what it shows and close "
        "it: exit 0 if it opened (checks an installation)",
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from socialcoder.services.demo import build_demo

    demo = build_demo(args.path, fresh=args.fresh)
    with open_study(demo.path) as study:
        transcripts = list_transcripts(study)
        coders = list_coders(study)
    print(("Built" if demo.created else "Using") + f" the sample study at {demo.path}")
    print(
        f"  {len(transcripts)} fictional transcripts, "
        f"{sum(t.segments for t in transcripts)} segments; coders: "
        + ", ".join(f"{c.name} ({c.codes} codes)" for c in coders)
    )
    print(f"  Try: socialcoder reliability {demo.path}")
    if args.no_gui:
        return 0
    from socialcoder.gui.display import README_SECTION, display_problem  # imports Qt: lazily

    problem = display_problem()
    if problem:
        print(f"  The window is not opened: {problem} (see README: {README_SECTION}).")
        return 0
    return _run_gui(str(demo.path), None, None)


def cmd_gui(args: argparse.Namespace) -> int:
    from socialcoder.gui.display import README_SECTION, display_problem  # imports Qt: lazily

    problem = display_problem()
    if problem:
        print(
            f"socialcoder: error: cannot open the window: {problem}; use the command line, "
            f"or a virtual screen (see README: {README_SECTION})",
            file=sys.stderr,
        )
        return 2
    if args.lead or args.lead_name:
        problem = None
        if not args.lead:
            problem = "--lead-name goes with --lead"
        elif not args.study:
            problem = "--lead needs STUDY"
        elif args.coder or args.transcript:
            problem = "--lead opens the lead's role: use --lead-name, not --coder/--transcript"
        if problem:
            print(f"socialcoder: error: {problem}", file=sys.stderr)
            return 2
        return _run_gui(args.study, args.lead_name or "lead", None, role="lead", check=args.check)
    if args.check and not (args.study and args.coder):
        print("socialcoder: error: --check needs STUDY and --coder (or --lead)", file=sys.stderr)
        return 2
    return _run_gui(args.study, args.coder, args.transcript, check=args.check)


def _run_gui(
    study: str | None,
    coder: str | None,
    transcript: str | None,
    *,
    role: str = "coder",
    check: bool = False,
) -> int:
    from socialcoder.gui.app import run

    return run(study=study, coder=coder, transcript=transcript, role=role, check=check)
