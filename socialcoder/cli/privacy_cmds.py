"""Commands for privacy: encrypt, decrypt, rekey, deidentify, bleep, withdraw, audit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from socialcoder.cli.common import add_new_passphrase_arg, add_study_arg, command, study_of
from socialcoder.cli.output import print_json, table


def register(commands: Any) -> None:
    p = command(
        commands,
        "encrypt",
        cmd_encrypt,
        "Encrypt a study file in place (SQLCipher 4) with a new passphrase; atomic: the study "
        "is replaced only by a verified encrypted copy.",
    )
    add_study_arg(p)
    add_new_passphrase_arg(p)

    p = command(
        commands,
        "decrypt",
        cmd_decrypt,
        "Write a plain (unencrypted) copy of an encrypted study to OUT; the study stays encrypted.",
    )
    add_study_arg(p)
    p.add_argument(
        "out", type=Path, metavar="OUT", help="the new plain study file (must not exist)"
    )

    p = command(
        commands,
        "rekey",
        cmd_rekey,
        "Change an encrypted study's passphrase (atomic, like encrypt).",
    )
    add_study_arg(p)
    add_new_passphrase_arg(p)

    p = command(
        commands,
        "deidentify",
        cmd_deidentify,
        "Make a de-identified copy of a study for coders and analysts: names, places, "
        "organisations, dates, phone numbers, e-mail and postal addresses, ages over 89 and "
        "record numbers are replaced (rules and lists, offline). With --review FILE: the first "
        "run writes the candidates to FILE for review, the next applies the decisions.",
    )
    add_study_arg(p)
    p.add_argument("out", type=Path, metavar="OUT", help="the de-identified copy (must not exist)")
    p.add_argument(
        "--names",
        type=Path,
        metavar="FILE",
        help="names to find, one per line; 'PLACE: name' or 'ORG: name' for places and "
        "organisations (a line without a kind is a person)",
    )
    p.add_argument(
        "--review",
        type=Path,
        metavar="FILE",
        help="the review CSV: written when FILE does not exist (then edit its keep column: "
        "no = replace, yes = keep), applied when it does",
    )
    p.add_argument(
        "--nlp-model",
        metavar="NAME",
        help="also find names with a spaCy pipeline already installed on this machine: 'auto' "
        "(the first installed), a package name (en_core_web_sm) or a folder; never downloaded, "
        "no network",
    )
    p.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE",
        help="write the mapping back (pseudonym -> original, date offsets) to FILE only: CSV, "
        "or an encrypted database when the study is encrypted",
    )
    p.add_argument(
        "--month-first",
        action="store_true",
        help="read numeric dates such as 03/04/2024 as month/day (default: day/month)",
    )
    add_new_passphrase_arg(p)

    p = command(
        commands,
        "bleep",
        cmd_bleep,
        "Write a copy of a WAV recording with every segment that had an identifier replaced "
        "covered by a tone (or silence), for a de-identified study; only such a file may be "
        "attached to it.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("transcript", metavar="TRANSCRIPT", help="the transcript (its name in the copy)")
    p.add_argument("recording", type=Path, metavar="IN.wav", help="the original recording")
    p.add_argument("out", type=Path, metavar="OUT.wav", help="the bleeped recording")
    p.add_argument("--silence", action="store_true", help="silence instead of a 1 kHz tone")
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")

    p = command(
        commands,
        "withdraw",
        cmd_withdraw,
        "A participant withdraws consent: remove their transcripts, codes, memos, measures, "
        "recording links and the audit log's entries about them (the audit keeps only that a "
        "withdrawal happened), and list the exports and copies made before.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("participant", metavar="PARTICIPANT", help="the participant's id, exactly")
    p.add_argument("--dry-run", action="store_true", help="count and list; change nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command(
        commands,
        "audit",
        cmd_audit,
        "Show the study's audit trail: who opened it from where, exports, de-identification, "
        "encryption, merges, withdrawals; and how many code changes the audit log holds.",
    )
    add_study_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--kind", action="append", default=[], metavar="KIND", help="only events of this kind"
    )


def cmd_encrypt(args: argparse.Namespace) -> int:
    from socialcoder.services.encryption import encrypt_study

    done = encrypt_study(args.study)
    print(f"Encrypted {done.path} ({done.tables} tables, {done.rows} rows checked).")
    print("Keep the passphrase safe: without it the study cannot be opened, by anyone.")
    return 0


def cmd_decrypt(args: argparse.Namespace) -> int:
    from socialcoder.services.encryption import decrypt_copy

    done = decrypt_copy(args.study, args.out)
    print(f"Wrote a plain (unencrypted) copy to {done.path} ({done.rows} rows checked).")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    from socialcoder.services.encryption import rekey_study

    done = rekey_study(args.study)
    print(f"Changed the passphrase of {done.path} ({done.rows} rows checked).")
    return 0


def cmd_deidentify(args: argparse.Namespace) -> int:
    from socialcoder.services.deidentify_apply import ReviewWritten, deidentify

    result = deidentify(
        args.study,
        args.out,
        names_file=args.names,
        review_file=args.review,
        mapping_file=args.mapping,
        month_first=args.month_first,
        nlp_model=args.nlp_model,
    )
    if isinstance(result, ReviewWritten):
        print(
            f"Wrote {result.candidates} candidate(s) to {result.path} ({result.undecided} need "
            "a decision: keep '?'). It holds identifiers: keep it as safe as the study. Set keep "
            "to no (replace) or yes (keep), then run the same command again."
        )
        return 0
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.replaced.items())) or "nothing"
    print(
        f"Wrote the de-identified copy {result.path}"
        f"{' (encrypted)' if result.encrypted else ''}: replaced {counts} in "
        f"{result.segments_changed} segment(s); {result.kept} kept by review."
    )
    if result.mapping is not None:
        print(f"The mapping back is in {result.mapping}: keep it with the original study only.")
    return 0


def cmd_bleep(args: argparse.Namespace) -> int:
    from socialcoder.services.deidentify_media import bleep_wav

    with study_of(args) as study:
        done = bleep_wav(
            study,
            args.transcript,
            args.recording,
            args.out,
            mode="silence" if args.silence else "tone",
            force=args.force,
        )
    print(
        f"Wrote {done.path}: {done.spans} segment(s), {done.seconds:.1f} s covered; this file "
        "(and no other recording) may be attached to the de-identified study."
    )
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    from socialcoder.services.withdraw import withdraw_participant

    with study_of(args) as study:
        result = withdraw_participant(study, args.participant, dry_run=args.dry_run)
    if args.json:
        print_json(result.to_json())
        return 0
    counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in result.counts().items())
    verb = "Would remove" if result.dry_run else "Removed"
    print(f"{verb} participant {args.participant}: {counts}.")
    if result.earlier_copies:
        print(
            "Made before and not reachable from here (delete them, or the participant's data "
            "in them):"
        )
        table(
            ("when (UTC)", "event", "what", "where"),
            [(c.at, c.kind, c.what, c.where) for c in result.earlier_copies],
        )
    else:
        print("No exports or copies of the study are recorded.")
    print(f"Machine coding: {result.models_note}.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from socialcoder.services.audit_events import change_counts, list_events

    with study_of(args, record=False) as study:
        events = list_events(study, kinds=tuple(args.kind))
        changes = change_counts(study)
    if args.json:
        print_json(
            {
                "study": study.location,
                "encrypted": study.encrypted,
                "events": [e.to_json() for e in events],
                "code_changes": changes,
            }
        )
        return 0
    print(f"Study {study.location} ({'encrypted' if study.encrypted else 'not encrypted'})")
    rows = [
        (
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.kind,
            e.actor,
            e.role,
            e.machine,
            _describe(e.detail),
        )
        for e in events
    ]
    if rows:
        table(("when (UTC)", "event", "who", "as", "machine", "detail"), rows)
    else:
        print("No study events recorded.")
    total = sum(changes.values())
    counts = ", ".join(f"{n} {action}" for action, n in sorted(changes.items()))
    print(
        f"Code-change audit log: {total} entr{'y' if total == 1 else 'ies'}"
        + (f" ({counts})" if counts else "")
    )
    sys.stdout.flush()
    return 0


def _describe(detail: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in detail.items())
