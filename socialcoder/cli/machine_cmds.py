"""``socialcoder machine train|evaluate|list|code``: a local machine coder learnt from the
study's codes (see :mod:`socialcoder.services.machine`). ``evaluate`` and ``list`` only read the
study; ``train`` stores a model version; ``code`` writes a machine coder's codes.
"""

from __future__ import annotations

import argparse
from typing import Any

from socialcoder.cli.common import add_study_arg, command, study_of
from socialcoder.cli.output import print_json, table
from socialcoder.errors import UserError


def _f(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def cmd_train(args: argparse.Namespace) -> int:
    from socialcoder.services.machine import train_machine

    with study_of(args) as study:
        result = train_machine(
            study, args.dimension, source=args.source, original_text=args.original_text
        )
    data = result.to_dict()
    if args.json:
        print_json(data)
        return 0
    info = data["training"]
    print(
        f"machine coder for {data['dimension']!r} (codebook {data['codebook_version']}), "
        f"trained on {info['source']}: {info['units']} turns of {info['transcripts']} "
        f"transcripts in {data['seconds']:.1f} s"
    )
    counts = ", ".join(f"{v} {n}" for v, n in info["counts"].items())
    print(f"turns per value: {counts}")
    if info["unsettled"]:
        print(f"left out: {info['unsettled']} turns whose coders disagree with nothing settled")
    _print_open(data["inputs"])
    print(f"inner-fold alpha (training data only, not an evaluation): {_f(info['inner_alpha'])}")
    print(f"calibration: {info['calibration']}")
    if not info["converged"]:
        print("warning: a solver run did not converge")
    print(f"data hash {info['data_hash']}; model {data['model_bytes']:,} bytes")
    print(
        f"stored in the study as {data['dimension']} v{data['version']} (learnt the "
        f"{data['text']} text); `machine evaluate` measures its agreement"
    )
    return 0


def _print_open(inputs: dict[str, Any]) -> None:
    left = inputs["open_pairs_left_out"]
    if left:
        pairs = ", ".join(f"{p['coder']} on {p['transcript']}" for p in left[:5])
        more = f" and {len(left) - 5} more" if len(left) > 5 else ""
        print(f"left out (transcript not completed by the coder): {pairs}{more}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    from socialcoder.services.machine import evaluate_machine

    with study_of(args) as study:
        result = evaluate_machine(study, args.dimension, folds=args.folds, source=args.source)
    data = result.to_dict()
    if args.json:
        print_json(data)
        return 0
    grouping = data["grouping"]
    print(
        f"machine coder for {data['dimension']!r}: {data['units']} turns, {data['folds']} folds "
        f"grouped by {grouping['by']} ({grouping['groups']} groups), trained on "
        f"{data['source']}, {data['seconds']:.1f} s"
    )
    if grouping["note"]:
        print(f"  {grouping['note']}")
    ci = data["alpha_machine_human_ci95"]
    interval = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
    print(f"alpha(machine, human)   {_f(data['alpha_machine_human'])}{interval}")
    overlap = data["overlap"]
    if data["alpha_human_human"] is None:
        print(f"alpha(human, human)     - ({data['alpha_human_human_reason']})")
    else:
        print(
            f"alpha(human, human)     {_f(data['alpha_human_human'])} on the "
            f"{overlap['units']} turns two or more humans coded; the machine there: "
            f"{_f(overlap['alpha_machine_human'])}"
        )
    print(f"percent agreement       {_f(data['percent_agreement'])}")
    print()
    table(
        ("value", "recall", "precision", "f1", "specific agr.", "human", "machine"),
        [
            (
                v,
                s["recall"],
                s["precision"],
                s["f1"],
                s["specific_agreement"],
                s["human"],
                s["machine"],
            )
            for v, s in data["per_value"].items()
        ],
    )
    print()
    table(
        ("coder", "alpha(machine, coder)", "turns"),
        [(c, s["alpha"], s["units"]) for c, s in data["by_coder"].items()],
    )
    sessions = data["sessions"]
    print(f"\nsession rates: {sessions['statistic']}")
    table(
        ("value", "sessions", "icc", "lower", "upper", "machine rate", "human rate"),
        [
            (
                v,
                r["sessions"],
                r["icc_a1"],
                *(r["icc_ci95"] or (None, None)),
                r["machine_mean_rate"],
                r["human_mean_rate"],
            )
            for v, r in sessions["per_value"].items()
        ],
    )
    folds = ", ".join(_f(f["alpha_machine_human"]) for f in data["by_fold"])
    print(f"\nalpha(machine, human) by fold: {folds}")
    _print_open(data["inputs"])
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from socialcoder.services.machine_store import list_models

    with study_of(args) as study:
        models = list_models(study, args.dimension)
    if args.json:
        print_json([m.to_dict() for m in models])
        return 0
    if not models:
        print("no machine-coding models stored in this study")
        return 0
    table(
        (
            "dimension",
            "version",
            "codebook",
            "source",
            "text",
            "units",
            "created",
            "by",
            "bytes",
            "coder",
            "status",
        ),
        [
            (
                m.dimension,
                m.version,
                m.codebook_version,
                m.source,
                m.text,
                m.training.get("units"),
                m.created_at.strftime("%Y-%m-%d %H:%M"),
                m.created_by,
                m.size_bytes,
                m.coder or "-",
                "usable" if m.usable else f"retrain: {m.retrain_reason}",
            )
            for m in models
        ],
    )
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    from socialcoder.services.machine_coding import machine_code

    with study_of(args) as study:
        result = machine_code(
            study, args.dimension, transcripts=args.transcripts, version=args.version
        )
    data = result.to_dict()
    if args.json:
        print_json(data)
        return 0
    counts = ", ".join(f"{v} {n}" for v, n in data["counts"].items())
    print(
        f"{data['coder']} (a machine coder) coded {data['codes']} turns of "
        f"{len(data['transcripts'])} transcript(s): {counts}; mean probability "
        f"{_f(data['mean_probability'])}"
    )
    print(
        "machine codes count in reliability only when the machine coder is named in --coders, "
        "and export with coder_kind = machine"
    )
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from socialcoder.services.machine_review import (
        machine_agreement,
        review_json,
        review_list,
    )
    from socialcoder.services.reliability_data import Selection

    dims = (args.dimension,) if args.dimension else None
    with study_of(args) as study:
        if args.dimension:
            study.dimension(args.dimension)
        agreement = machine_agreement(study, Selection(dimensions=dims))
        items = review_list(study, args.dimension, threshold=args.threshold)
    data = review_json(agreement, items)
    if args.json:
        print_json(data)
        return 0
    if not agreement:
        print("no machine coder has written codes (`socialcoder machine code` writes them)")
        return 0
    table(
        ("machine coder", "dimension", "against", "alpha", "agreement", "units"),
        [
            (
                a["machine"],
                a["dimension"],
                a["against"],
                a["alpha"],
                a["percent_agreement"],
                a["pairable_units"],
            )
            for a in data["agreement"]
        ],
    )
    print(
        f"\n{len(items)} completed turn(s) where a machine coder disagrees with a coder with "
        f"probability >= {args.threshold:g} (the coder's value stands unless adjudicated; "
        "double-coded transcripts are left out until their adjudication is done)"
    )
    if items:
        table(
            ("transcript", "segment", "dimension", "coder", "value", "machine", "p"),
            [
                (
                    i.transcript,
                    i.segment,
                    i.dimension,
                    i.coder,
                    i.value,
                    i.machine_value,
                    i.probability,
                )
                for i in items
            ],
        )
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from socialcoder.services.machine_suggest import accept_suggestion, suggestions_for

    with study_of(args) as study:
        if args.accept is not None:
            if not args.dimension:
                raise UserError("--accept needs --dimension")
            change = accept_suggestion(
                study,
                coder=args.coder,
                transcript=args.transcript,
                segment=args.accept,
                dimension=args.dimension,
            )
            print(
                f"{change.coder}: segment {change.segment} of {change.transcript}, "
                f"{change.dimension} = {change.new_value} (a machine suggestion, marked so in "
                "the audit log)"
            )
            return 0
        found = suggestions_for(study, args.coder, args.transcript)
    if args.dimension:
        found = [s for s in found if s.dimension == args.dimension]
    if args.json:
        print_json([s.to_dict() for s in found])
        return 0
    if not found:
        print("no machine suggestions (off, all coded, or held back for reliability)")
        return 0
    table(
        ("segment", "dimension", "value", "probability", "machine coder"),
        [(s.segment, s.dimension, s.value, s.probability, s.machine) for s in found],
    )
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    add_study_arg(p)
    p.add_argument("--dimension", required=True, metavar="KEY", help="a segment-level dimension")
    p.add_argument(
        "--from",
        dest="source",
        default="consensus",
        metavar="consensus|all|CODER",
        help="what to learn from: the consensus layer where settled, else the value the human "
        "coders agree on (default); every human code; or one coder's codes",
    )
    p.add_argument("--json", action="store_true", help="machine-readable result")


def register(commands: Any) -> None:
    machine = commands.add_parser(
        "machine",
        help="A machine coder learnt from the study's coded turns, on this computer "
        "(no network), measured like a human coder.",
    )
    sub = machine.add_subparsers(dest="machine_command", metavar="ACTION", required=True)
    p = command(
        sub,
        "train",
        cmd_train,
        "Train a machine coder for a segment-level dimension on the completed transcripts' "
        "codes, store it in the study as the dimension's next model version, and report what "
        "it learnt from.",
    )
    _common(p)
    p.add_argument(
        "--original-text",
        action="store_true",
        help="learn this study's original text although a de-identified copy of it exists "
        "(the model's vocabulary then holds the names the copy replaced)",
    )
    p = command(
        sub,
        "evaluate",
        cmd_evaluate,
        "Cross-validate a machine coder, folds grouped by participant and therapist where "
        "known, else by transcript: Krippendorff's alpha of the machine against one human per "
        "turn, beside the humans' own alpha on the turns several coded; per-value recall and "
        "precision; agreement of per-session rates. Reads the study; writes nothing.",
    )
    _common(p)
    p.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
    p = command(
        sub,
        "list",
        cmd_list,
        "List the machine-coding models stored in the study: dimension, version, codebook "
        "version, training data and its hash, settings, library versions, and whether the "
        "model must be retrained. Reads the study.",
    )
    add_study_arg(p)
    p.add_argument("--dimension", metavar="KEY", help="only this dimension's models")
    p.add_argument("--json", action="store_true", help="machine-readable list")
    p = command(
        sub,
        "code",
        cmd_code,
        "Code transcripts with the dimension's newest usable stored model (or --version), as a "
        "coder of kind 'machine' named with the model's version; each code keeps its "
        "probability. Coding a transcript again replaces that machine coder's codes there.",
    )
    add_study_arg(p)
    p.add_argument("--dimension", required=True, metavar="KEY", help="a segment-level dimension")
    p.add_argument("--transcripts", nargs="+", metavar="NAME", help="only these (default: all)")
    p.add_argument("--version", type=int, help="this model version (default: the newest usable)")
    p.add_argument("--json", action="store_true", help="machine-readable result")
    p = command(
        sub,
        "review",
        cmd_review,
        "The lead's check of the machine coders: alpha of each against every human coder and "
        "the consensus layer, and the completed turns where it disagrees with a coder with "
        "high confidence (double-coded transcripts only once adjudicated). Reads the study.",
    )
    add_study_arg(p)
    p.add_argument("--dimension", metavar="KEY", help="only this dimension")
    p.add_argument(
        "--threshold",
        type=float,
        default=0.9,
        help="list disagreements where the machine's probability is at least this (default 0.9)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable result")
    p = command(
        sub,
        "suggest",
        cmd_suggest,
        "A coder's machine suggestions on a transcript (the study setting machine_suggestions "
        "must be on; never in a blind study or on double-coded transcripts before "
        "adjudication), or --accept SEGMENT to code that turn with the suggested value (the "
        "audit log marks it as an accepted machine suggestion).",
    )
    add_study_arg(p)
    p.add_argument("--coder", required=True, help="the human coder")
    p.add_argument("--transcript", required=True, help="the transcript (name or label)")
    p.add_argument("--dimension", metavar="KEY", help="only this dimension")
    p.add_argument("--accept", type=int, metavar="SEGMENT", help="accept the suggestion here")
    p.add_argument("--json", action="store_true", help="machine-readable list")
