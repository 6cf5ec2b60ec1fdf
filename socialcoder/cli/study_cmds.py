"""Commands about the study itself: init, info, migrate, codebook."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from socialcoder.cli.common import add_new_passphrase_arg, add_study_arg, command, study_of
from socialcoder.cli.output import print_json, table


def register(commands: Any) -> None:
    p = command(
        commands, "init", cmd_init, "Create a new study from a codebook (never overwrites)."
    )
    add_study_arg(p)
    p.add_argument(
        "--codebook",
        type=Path,
        default=None,
        help="codebook YAML file (default: the bundled socialization-to-the-model codebook)",
    )
    p.add_argument("--name", help="study name (default: the file name)")
    p.add_argument(
        "--encrypt",
        action="store_true",
        help="encrypt the study file (SQLCipher 4) with a new passphrase, asked for twice "
        "(scripts: SOCIALCODER_PASSPHRASE or --passphrase-file)",
    )
    add_new_passphrase_arg(p)

    p = command(commands, "info", cmd_info, "Show what a study holds.")
    add_study_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command(commands, "migrate", cmd_migrate, "Upgrade a study made by an older SocialCoder.")
    add_study_arg(p)

    p = command(
        commands,
        "settings",
        cmd_settings,
        "Show the study's settings, or set one: `settings STUDY blinding on`.",
    )
    add_study_arg(p)
    p.add_argument("name", nargs="?", metavar="NAME", help="a setting (e.g. blinding)")
    p.add_argument("value", nargs="?", metavar="VALUE", help="its new value (on/off)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    cb = commands.add_parser("codebook", help="Show or update the study's codebook.")
    sub = cb.add_subparsers(dest="codebook_command", metavar="ACTION", required=True)
    p = command(
        sub, "show", cmd_codebook_show, "Print the study's current codebook.", coder_ok=True
    )
    add_study_arg(p)
    p.add_argument("--json", action="store_true")
    p = command(
        sub,
        "update",
        cmd_codebook_update,
        "Record a new codebook version; keeps every code and refuses changes that orphan codes.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("file", type=Path, metavar="FILE", help="the new codebook YAML")
    p.add_argument(
        "--allow-reorder",
        action="store_true",
        help="allow moving existing nominal/ordinal values (changes their numeric codes); "
        "the change is recorded in the codebook history",
    )
    p = command(sub, "history", cmd_codebook_history, "List the codebook versions recorded.")
    add_study_arg(p)
    p.add_argument("--json", action="store_true", help="machine-readable output (stable)")


def cmd_init(args: argparse.Namespace) -> int:
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
    from socialcoder.services.study import create_study

    codebook = args.codebook or DEFAULT_CODEBOOK_PATH
    with create_study(
        args.study, codebook_path=codebook, name=args.name, encrypt=args.encrypt
    ) as study:
        info = study.info()
    print(f"Created study {info.name!r} at {info.location}")
    if args.encrypt:
        print(
            "Encrypted (SQLCipher 4): keep the passphrase safe; without it nobody can open the study."
        )
    print(f"Codebook: {info.codebook_name} {info.codebook_version}")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from socialcoder.domain.settings import setting
    from socialcoder.services.settings import set_setting, study_settings

    with study_of(args) as study:
        if args.name is not None:
            setting(args.name)  # an unknown name: one line, before anything else
        if args.value is not None:
            set_setting(study, args.name, args.value)
        states = study_settings(study)
    if args.name is not None:
        states = [s for s in states if s.name == setting(args.name).name]
    if args.json:
        print_json({"settings": [s.to_json() for s in states]})
        return 0
    for s in states:
        note = "" if s.stored else " (this study predates the setting)"
        print(f"{s.name}: {s.text}{note}  - {s.help}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from socialcoder.services.study_summary import study_summary, summary_of_file

    # a study file at the current schema is read without SQLAlchemy (start-up: issue #14);
    # anything else (a server, a file to upgrade or refuse) is opened as every command does
    info = summary_of_file(args.study, program=f"socialcoder {args.sc_command}")
    if info is None:
        with study_of(args) as study:
            info = study_summary(study)
    data = {
        "name": info.name,
        "location": info.location,
        "codebook": {"name": info.codebook_name, "version": info.codebook_version},
        "created_at": info.created_at.isoformat(),
        "schema_revision": info.schema_revision,
        "demo": info.demo,
        "transcripts": info.transcripts,
        "segments": info.segments,
        "coders": list(info.coders),
    }
    if args.json:
        print_json(data)
        return 0
    sample = "  (the bundled sample study)" if info.demo else ""
    print(f"Study:       {info.name}  ({info.location}){sample}")
    print(f"Codebook:    {info.codebook_name} {info.codebook_version}")
    print(f"Transcripts: {info.transcripts} ({info.segments} segments)")
    print(f"Coders:      {', '.join(info.coders) or 'none yet'}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from socialcoder.services.migration import migrate_study

    done = migrate_study(args.study)
    if done.upgraded:
        print(f"Upgraded {done.location} from schema {done.before} to {done.after}")
    else:
        print(f"{done.location} is up to date (schema {done.after})")
    return 0


def cmd_codebook_show(args: argparse.Namespace) -> int:
    from socialcoder.codebooks import codebook_to_dict

    with study_of(args) as study:
        codebook = study.codebook
    if args.json:
        print_json(codebook_to_dict(codebook))
        return 0
    print(f"{codebook.name} {codebook.version}")
    rows = [
        (
            d.key,
            d.label,
            d.scale.value,
            d.unit.value,
            ",".join(sorted(r.value for r in d.applies_to)),
            d.shortcut or "",
            " / ".join(v.value if v.label == v.value else f"{v.value}={v.label}" for v in d.values),
        )
        for d in codebook.dimensions
    ]
    table(("key", "label", "scale", "unit", "applies to", "key", "values"), rows)
    return 0


def cmd_codebook_update(args: argparse.Namespace) -> int:
    from socialcoder.services.codebook_update import update_codebook

    with study_of(args) as study:
        result = update_codebook(study, args.file, allow_reorder=args.allow_reorder)
    print(f"Codebook updated from version {result.old_version} to {result.new_version}.")
    for moved in result.moved:
        print(f"Values moved (recorded in the codebook history): {moved}")
    if result.added:
        print(f"New dimensions: {', '.join(result.added)}")
    if result.removed_unused:
        print(
            f"Dimensions no longer in the codebook (they had no codes): {', '.join(result.removed_unused)}"
        )
    return 0


def cmd_codebook_history(args: argparse.Namespace) -> int:
    from socialcoder.services.codebook_update import codebook_history

    with study_of(args) as study:
        versions = codebook_history(study)
    if args.json:
        print_json(
            [
                {
                    "number": v.number,
                    "name": v.name,
                    "version": v.version,
                    "recorded_at": v.recorded_at.isoformat(),
                    "note": v.note,
                }
                for v in versions
            ]
        )
        return 0
    table(
        ("#", "name", "version", "recorded", "note"),
        [
            (v.number, v.name, v.version, v.recorded_at.strftime("%Y-%m-%d %H:%M"), v.note or "")
            for v in versions
        ],
    )
    return 0
