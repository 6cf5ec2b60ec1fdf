"""Commands for shared studies: ``merge`` (offline copies) and ``server`` (PostgreSQL roles).

Exit status of ``merge``: 0 when everything in the copies is in the study (or was already);
3 when something needs a person (a conflict kept the study's value, a transcript of a copy is
not in the study, or a value was rejected) -- the merge itself was still stored (unless
``--dry-run``); 2 when the merge was refused and nothing changed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from socialcoder.cli.common import add_study_arg, command, study_of
from socialcoder.cli.output import print_json, table
from socialcoder.errors import UserError
from socialcoder.services.merge import merge_studies
from socialcoder.services.merge_report import MergeReport, SourceReport
from socialcoder.services.server import setup_server
from socialcoder.services.server_logins import (
    LoginResult,
    add_coder_login,
    add_lead_login,
    login_url,
    remove_login,
)

EXIT_NEEDS_ATTENTION = 3


def register(commands: Any) -> None:
    p = command(
        commands,
        "merge",
        cmd_merge,
        "Bring codes, segment memos and completions made in copies of the study back into it "
        "(matched by transcript content and segment index; coders by name). A conflict keeps "
        "the study's value unless --prefer-newer. One transaction; each change is audited. "
        "Exit status 3 when conflicts, unmatched transcripts or rejected values remain.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("copies", nargs="+", metavar="OTHER_STUDY", help="copies to merge from")
    p.add_argument(
        "--prefer-newer",
        action="store_true",
        help="resolve conflicts by the newer change (updated_at)",
    )
    p.add_argument("--dry-run", action="store_true", help="report what would change; store none")
    p.add_argument("--actor", help="who merges, for the audit log (default: each coder)")
    p.add_argument("--json", action="store_true", help="machine-readable report")

    server = commands.add_parser(
        "server", help="PostgreSQL server mode: roles enforced by the database."
    )
    sub = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    p = command(
        sub,
        "setup",
        cmd_setup,
        "Set up server mode: the study's own lead and coder roles, which alone may connect; "
        "coders read and write only their own work, through the study's functions; the server "
        "writes the audit log. Run as a superuser; again after `socialcoder migrate`. "
        "Refuses to finish (changing nothing) when the result would not be safe.",
    )
    p.add_argument("study", metavar="URL", help="the study's PostgreSQL URL")
    p = command(
        sub,
        "add-coder",
        cmd_add_coder,
        "Give a coder a login (created, or an existing ordinary role; the coder is added if "
        "new). Refuses privileged roles, leads' logins and a coder who has a login already.",
    )
    p.add_argument("study", metavar="URL", help="the study's PostgreSQL URL")
    p.add_argument("name", metavar="NAME", help="the coder's name in the study")
    _login_args(p)
    p = command(
        sub,
        "add-lead",
        cmd_add_lead,
        "Give a lead a login (created, or an existing role that is no coder's anywhere).",
    )
    p.add_argument("study", metavar="URL", help="the study's PostgreSQL URL")
    _login_args(p)
    p = command(
        sub,
        "remove-login",
        cmd_remove_login,
        "Take a login's access to this study away (its other studies keep theirs; a coder's "
        "codes stay). Ends its open sessions when run as a superuser.",
    )
    p.add_argument("study", metavar="URL", help="the study's PostgreSQL URL")
    p.add_argument("--login", required=True, metavar="ROLE", help="database login role name")


def _login_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--login", required=True, metavar="ROLE", help="database login role name")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the login's password from the first line of standard input",
    )


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise UserError("--password-stdin: no password on standard input")
    return line


def cmd_merge(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        report = merge_studies(
            study,
            args.copies,
            prefer_newer=args.prefer_newer,
            dry_run=args.dry_run,
            actor=args.actor,
        )
    if args.json:
        print_json(report.to_json())
    else:
        _print_report(report)
    return EXIT_NEEDS_ATTENTION if report.unresolved else 0


def _counts(source: SourceReport, kind: str) -> str:
    parts = [f"{source.added[kind]} added"]
    if source.replaced[kind]:
        parts.append(f"{source.replaced[kind]} replaced by a newer one")
    if source.removed.get(kind):
        what = {"codes": "cleared", "memos": "emptied"}.get(kind, "reopened")
        parts.append(f"{source.removed[kind]} {what} as in the copy")
    parts.append(f"{source.unchanged[kind]} already there")
    return ", ".join(parts)


def _print_report(report: MergeReport) -> None:
    if report.dry_run:
        print("Dry run: nothing was stored.")
    for s in report.sources:
        print(f"From {s.source}:")
        print(f"  codes:         {_counts(s, 'codes')}")
        print(f"  segment memos: {_counts(s, 'memos')}")
        print(f"  completions:   {_counts(s, 'completions')}")
        if s.coders_added:
            print(f"  coders added:  {', '.join(s.coders_added)}")
        if s.conflicts:
            open_ = sum(not c.resolved for c in s.conflicts)
            print(f"  conflicts: {len(s.conflicts)} ({open_} unresolved: the study kept its value)")
            table(
                ("kind", "coder", "transcript", "segment", "dimension", "study", "copy",
                 "study changed", "copy changed", "outcome"),
                [
                    (c.kind, c.coder, c.transcript, c.segment, c.dimension, c.study_value,
                     c.copy_value, f"{c.study_updated:%Y-%m-%d %H:%M:%S}",
                     f"{c.copy_updated:%Y-%m-%d %H:%M:%S}",
                     c.resolution + ("" if c.resolved else " (unresolved)"))
                    for c in s.conflicts
                ],
            )  # fmt: skip
        for u in s.unmatched:
            print(
                f"  not in this study (not merged): transcript {u.transcript!r} "
                f"(content {u.content_hash[:12]}): {u.codes} code(s), {u.memos} memo(s), "
                f"{u.completions} completion(s); import the transcript, then merge again"
            )
        for line in s.rejected:
            print(f"  rejected: {line}")
    verb = "would change" if report.dry_run else "changed"
    summary = f"Merge {verb} {report.changes} item(s) in {report.study}"
    if report.unresolved:
        summary += f"; {report.unresolved} item(s) need attention (see above)"
        if any(not c.resolved for s in report.sources for c in s.conflicts):
            summary += "; --prefer-newer takes the newer value of a conflict"
    print(summary + ".")


def cmd_setup(args: argparse.Namespace) -> int:
    r = setup_server(args.study)
    made = f" (created {', '.join(r.created_groups)})" if r.created_groups else ""
    print(f"Server mode ready in database {r.database!r}{made}.")
    print(f"Lead group {r.groups.lead}: {', '.join(r.leads) or 'no logins yet'}.")
    print(f"Coder group {r.groups.coder}: {', '.join(r.coders) or 'no logins yet'}.")
    print("Only these groups may connect; nobody but the owner may create in the schema.")
    if r.carried_over:
        print(f"Moved from the old server-wide roles: {', '.join(r.carried_over)}.")
    if r.statistics_hidden:
        print("Size estimates and activity statistics are hidden from coders.")
    else:
        print(
            "Warning: size estimates and activity statistics (pg_class.reltuples, pg_stat_*) "
            "still show coders how much is stored; run server setup as a superuser to hide them."
        )
    if r.also_connect:
        print(
            f"Note: also allowed to connect (granted outside SocialCoder): {', '.join(r.also_connect)}."
        )
    print("Next: `socialcoder server add-lead URL --login ROLE` and `add-coder URL NAME --login`.")
    return 0


def _print_login(args: argparse.Namespace, result: LoginResult) -> None:
    who = f"coder {result.coder!r}" if result.coder else "a lead"
    if result.already:
        print(f"Login role {result.login!r} already belongs to {who} (member of {result.group}).")
    else:
        what = "Created" if result.created_role else "Linked existing"
        print(f"{what} login role {result.login!r} for {who} (member of {result.group}).")
    if result.created_coder:
        print(f"Added coder {result.coder!r} to the study.")
    print(f"They open the study as: {login_url(args.study, result.login)}")


def cmd_add_coder(args: argparse.Namespace) -> int:
    result = add_coder_login(args.study, args.name, args.login, password=_password(args))
    _print_login(args, result)
    return 0


def cmd_add_lead(args: argparse.Namespace) -> int:
    result = add_lead_login(args.study, args.login, password=_password(args))
    _print_login(args, result)
    return 0


def cmd_remove_login(args: argparse.Namespace) -> int:
    r = remove_login(args.study, args.login)
    who = f"coder {r.coder!r}" if r.coder else f"a {r.was}"
    print(f"Login {r.login!r} ({who}) has no access to this study any more.")
    if r.coder:
        print(f"{r.coder}'s codes stay; `server add-coder` gives the coder a login again.")
    if r.ended_sessions:
        print(f"Ended {r.ended_sessions} open session(s).")
    elif r.ended_sessions is None:
        print(
            "Sessions already open stay connected until they end (run as a superuser to end them)."
        )
    return 0
