"""Commands for privacy: encrypt, decrypt, rekey, audit."""

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
