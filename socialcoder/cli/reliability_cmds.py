"""Commands for study leads: reliability, report, disagreements, consensus, adjudicate."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialcoder.cli.common import add_study_arg, command, number, study_of, study_to_read
from socialcoder.cli.output import ProgressBar, print_json, table
from socialcoder.domain.numbers import REPLICATES, SEED, SEGMENT
from socialcoder.errors import UserError

BY_CHOICES = ("transcript", "pair", "value")  # as in services.reliability_report
BOOTSTRAP_BY = ("unit", "transcript", "participant")  # as in services.reliability_report

if TYPE_CHECKING:
    from socialcoder.services.reliability_data import Selection

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _levels(text: str | None) -> str | dict[str, str] | None:
    """``--level L`` (every dimension) or ``--level KEY=L[,KEY=L...]``."""
    if not text:
        return None
    if "=" not in text:
        if text not in LEVELS:
            raise UserError(f"--level {text!r}: use one of {', '.join(LEVELS)} or KEY=LEVEL")
        return text
    levels: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, level = (x.strip() for x in part.partition("="))
        if not sep or not key or level not in LEVELS:
            raise UserError(
                f"--level {part!r}: write KEY=LEVEL with LEVEL one of {', '.join(LEVELS)}"
            )
        levels[key] = level
    return levels


def _list(text: str | None) -> tuple[str, ...] | None:
    from socialcoder.domain.names import selection

    return selection(text)  # comma-separated; "a,b" in double quotes is one name


def _when(text: str | None, flag: str) -> datetime | None:
    from socialcoder.services.reliability_data import selection_time

    return selection_time(text, flag)


def _selection(args: argparse.Namespace) -> Selection:
    from socialcoder.services.reliability_data import Selection

    return Selection(
        dimensions=_list(args.dimension),
        coders=_list(args.coders),
        transcripts=_list(getattr(args, "transcripts", None)),
        since=_when(getattr(args, "since", None), "--since"),
        until=_when(getattr(args, "until", None), "--until"),
    )


def _filters(p: argparse.ArgumentParser, *, time: bool = True) -> None:
    p.add_argument("--dimension", help="dimension key(s), comma-separated (default: all)")
    p.add_argument(
        "--coders", help="coders, comma-separated (default: all; never the consensus layer)"
    )
    p.add_argument("--transcripts", help="transcript names, comma-separated (default: all)")
    if time:
        p.add_argument("--since", help="only codes last changed on or after this date (YYYY-MM-DD)")
        p.add_argument("--until", help="only codes last changed before this date (YYYY-MM-DD)")


def register(commands: Any) -> None:
    p = command(
        commands,
        "reliability",
        cmd_reliability,
        "Inter-rater reliability per dimension: Krippendorff's alpha (with a bootstrap "
        "interval on request), percent agreement, Cohen's/weighted/Fleiss' kappa, Gwet's AC1.",
    )
    add_study_arg(p)
    _filters(p)
    p.add_argument(
        "--by", choices=BY_CHOICES, help="also break down by transcript, coder pair or value"
    )
    p.add_argument(
        "--bootstrap",
        type=number(REPLICATES),
        nargs="?",
        const=1000,
        default=0,
        metavar="N",
        help="bootstrap replicates for alpha's 95%% interval (default when given: 1000)",
    )
    p.add_argument(
        "--seed",
        type=number(SEED),
        help="random seed, for a reproducible interval (default: one is drawn and reported)",
    )
    p.add_argument(
        "--bootstrap-by",
        choices=BOOTSTRAP_BY,
        help="what the bootstrap resamples (default: the top level: participants when sessions "
        "are nested in participants, else transcripts)",
    )
    p.add_argument(
        "--level",
        metavar="LEVEL|KEY=LEVEL,...",
        help="override alpha's level of measurement for every dimension, or per dimension "
        f"(levels: {', '.join(LEVELS)}; refused where it makes no sense for the scale)",
    )
    p.add_argument(
        "--sessions",
        action="store_true",
        help="instead: reliability of one coder's session-level scores (ratings, code rates "
        "per 100 turns): ICC(A,1) / G(q,k), and of within-patient change (docs/reliability.md)",
    )
    p.add_argument(
        "--anchors",
        action="store_true",
        help="instead: each coder's agreement with the anchor standard on every anchor "
        "transcript (assign --anchors N), in the coder's order: drift over time",
    )
    p.add_argument(
        "--retest",
        action="store_true",
        help="instead: test-retest agreement, each coder with their own blind second pass "
        "(assign --retest PCT --after DAYS): alpha per dimension and coder, and pooled, with "
        "units and a 95%% interval (--bootstrap N, default 1000, resampling transcripts)",
    )
    p.add_argument(
        "--standard",
        default="consensus",
        help="with --anchors: the standard (default: the consensus layer; or a coder's name)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="documented, stable JSON")
    out.add_argument("--csv", action="store_true", help="one CSV row per dimension (and group)")

    p = command(
        commands,
        "report",
        cmd_report,
        "Write the HTML reliability report (the dashboard's tables and charts, the same figures "
        "as `reliability --json`) without opening a window.",
    )
    add_study_arg(p)
    p.add_argument("out", metavar="OUT.html", help="the report file ('-' for standard output)")
    _filters(p)
    p.add_argument(
        "--bootstrap",
        type=number(REPLICATES),
        default=1000,
        metavar="N",
        help="bootstrap replicates for alpha's 95%% interval, whose lower end colours the "
        "figures (default: 1000, as the dashboard; 0: no interval)",
    )
    p.add_argument(
        "--seed",
        type=number(SEED),
        help="random seed, for a reproducible interval (default: one is drawn and reported)",
    )
    p.add_argument(
        "--bootstrap-by",
        choices=BOOTSTRAP_BY,
        help="what the bootstrap resamples (default: the top level of the data)",
    )
    p.add_argument(
        "--level",
        metavar="LEVEL|KEY=LEVEL,...",
        help="override alpha's level of measurement, as in `reliability --level`",
    )
    p.add_argument(
        "--confusion",
        metavar="DIMENSION:CODER_A,CODER_B",
        help="also the confusion matrix of two coders on one dimension",
    )
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")

    p = command(
        commands, "disagreements", cmd_disagreements, "List every unit where coders differ."
    )
    add_study_arg(p)
    _filters(p, time=False)
    p.add_argument("--json", action="store_true")

    p = command(
        commands,
        "consensus",
        cmd_consensus,
        "Fill the consensus layer with the values all named coders agree on; list what is left.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("--coders", required=True, help="coders whose agreement counts, e.g. ana,ben")
    p.add_argument("--dimension", help="dimension key(s), comma-separated (default: all)")
    p.add_argument("--actor", default="lead", help="who is deciding (for the audit log)")
    p.add_argument("--json", action="store_true")

    p = command(
        commands,
        "adjudicate",
        cmd_adjudicate,
        "Settle one unit in the consensus layer.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("--transcript", required=True)
    p.add_argument(
        "--segment", type=number(SEGMENT), help="segment index (omit for session-level dimensions)"
    )
    p.add_argument("--dimension", required=True)
    p.add_argument("--value", required=True)
    p.add_argument("--reason", required=True, help="why (stored in the audit log)")
    p.add_argument("--actor", default="lead", help="who is deciding (for the audit log)")


def _anchors(args: argparse.Namespace) -> int:
    from socialcoder.services.anchors import anchor_report
    from socialcoder.services.coders import coder_id

    with study_of(args) as study:
        with study.read() as session:
            coder_id(session, args.standard)  # an unknown standard: the usual message
        points = anchor_report(study, standard=args.standard)
    if args.json:
        print_json({"standard": args.standard, "anchors": [p.to_json() for p in points]})
        return 0
    if not points:
        print("No anchor transcripts yet: `socialcoder assign ... --anchors N`.")
        return 0
    table(
        ("coder", "order", "transcript", "dimension", "units", "agreement", "alpha"),
        [
            (
                p.coder,
                "" if p.position is None else p.position,
                p.transcript,
                p.dimension,
                p.units,
                "" if p.agreement is None else f"{p.agreement:.0%}",
                "" if p.alpha is None else f"{p.alpha:.3f}",
            )
            for p in points
        ],
    )
    return 0


def _retest(args: argparse.Namespace) -> int:
    """``reliability --retest``: each coder's agreement with their own second pass, reported
    apart from the inter-rater figures (see socialcoder.services.retest)."""
    from socialcoder.services.retest import retest_report

    dimensions = _list(args.dimension)
    with study_of(args) as study:
        report = retest_report(
            study,
            dimensions=dimensions,
            bootstrap=args.bootstrap if args.bootstrap else 1000,
            seed=args.seed,
        )
    if args.json:
        print_json(report.to_json())
        return 0
    if not report.agreements:
        print("No second passes yet: `socialcoder assign STUDY --retest PCT --after DAYS`.")
        return 0
    print("Test-retest agreement (intra-rater: each coder's first pass against their own blind")
    print("second pass; not part of the inter-rater figures)")
    table(
        ("dimension", "coder", "transcripts", "units", "alpha", "95% interval", "level"),
        [
            (
                a.dimension,
                a.coder,
                a.transcripts,
                a.units,
                "" if a.alpha is None else f"{a.alpha:.3f}",
                "" if a.ci95 is None else f"[{a.ci95[0]:.3f}, {a.ci95[1]:.3f}]",
                a.level,
            )
            for a in report.agreements
        ],
    )
    reasons = sorted(
        {f"{a.dimension}/{a.coder}: {a.reason}" for a in report.agreements if a.reason}
    )
    for reason in reasons:
        print(f"  alpha undefined for {reason}")
    print(f"Bootstrap: {report.bootstrap} replicates resampling transcripts, seed {report.seed}.")
    return 0


def cmd_reliability(args: argparse.Namespace) -> int:
    from socialcoder.cli.reliability_output import print_text, write_csv
    from socialcoder.services.reliability_report import reliability_report

    if args.sessions:
        from socialcoder.cli.session_reliability_cmd import cmd_session_reliability

        return cmd_session_reliability(args)
    if args.anchors:
        return _anchors(args)
    if args.retest:
        return _retest(args)

    levels = _levels(args.level)
    with study_to_read(args) as study:  # a study file: read without SQLAlchemy (issue #14)
        report = reliability_report(
            study,
            _selection(args),
            by=args.by,
            bootstrap=args.bootstrap,
            seed=args.seed,
            level=levels,
            bootstrap_by=args.bootstrap_by,
            progress=ProgressBar("Computing") if args.bootstrap else None,
        )
    data = report.to_json()
    if args.json:
        print_json(data)
    elif args.csv:
        write_csv(data)
    else:
        print_text(data)
    return 0


def _confusion(text: str | None) -> tuple[str, str, str] | None:
    """``--confusion DIMENSION:CODER_A,CODER_B``."""
    if text is None:
        return None
    key, sep, pair = (x.strip() for x in text.partition(":"))
    coders = _list(pair) or ()
    if not sep or not key or len(coders) != 2:
        raise UserError(
            f"--confusion {text!r}: write DIMENSION:CODER_A,CODER_B (one dimension, two coders)"
        )
    return key, coders[0], coders[1]


def cmd_report(args: argparse.Namespace) -> int:
    from socialcoder.services.confusion import confusion_matrix
    from socialcoder.services.report import ReportSettings, gather, save_report

    settings = ReportSettings(
        selection=_selection(args),
        bootstrap=args.bootstrap,
        seed=args.seed,
        bootstrap_by=args.bootstrap_by,
        level=_levels(args.level),
    )
    confusion = _confusion(args.confusion)
    with study_of(args) as study:
        if confusion is not None and confusion[0] not in study.codebook.keys:
            raise UserError(f"--confusion: no dimension {confusion[0]!r} in the codebook")
        figures = gather(
            study, settings, progress=ProgressBar("Computing") if args.bootstrap else None
        )
        matrix = (
            None if confusion is None else confusion_matrix(study, *confusion, settings.selection)
        )
        saved = save_report(study, figures, args.out, confusion=matrix, force=args.force)
    if saved is not None:
        print(f"wrote the reliability report to {saved}")
    return 0


def _values_text(d: Any) -> str:
    """``ana=mild, ben=none (implied), cleo=-``: implied values are marked, blanks are '-'."""
    return ", ".join(
        f"{c}={'-' if v is None else v}{' (implied)' if c in d.implied else ''}"
        for c, v in d.values.items()
    )


def cmd_disagreements(args: argparse.Namespace) -> int:
    from socialcoder.services.consensus import list_disagreements

    with study_of(args) as study:
        items = list_disagreements(study, _selection(args))
    if args.json:
        print_json([d.to_json() for d in items])
        return 0
    if not items:
        print("No disagreements.")
        return 0
    for d in items:
        where = f"segment {d.segment} ({d.role})" if d.segment else "session"
        settled = f"  -> consensus {d.consensus}" if d.consensus else ""
        kind = f"  [{d.kind}]" if d.kind != "values differ" else ""
        print(f"{d.dimension}  {d.transcript}  {where}: {_values_text(d)}{kind}{settled}")
        if d.text:
            print(f"    {d.text[:160]}{'…' if len(d.text) > 160 else ''}")
    print(f"\n{len(items)} disagreement(s).")
    return 0


def cmd_consensus(args: argparse.Namespace) -> int:
    from socialcoder.services.consensus import build_consensus

    coders = _list(args.coders) or ()
    with study_of(args) as study:
        result = build_consensus(study, coders, dimensions=_list(args.dimension), actor=args.actor)
    if args.json:
        print_json(
            {
                "agreed": result.agreed,
                "already_settled": result.already_settled,
                "to_adjudicate": [d.to_json() for d in result.to_adjudicate],
            }
        )
        return 0
    print(
        f"Consensus: {result.agreed} unit(s) filled from agreement, {result.already_settled} already settled."
    )
    if result.to_adjudicate:
        print(f"{len(result.to_adjudicate)} unit(s) left to adjudicate:")
        for d in result.to_adjudicate:
            where = f"segment {d.segment}" if d.segment else "session"
            print(f"  {d.dimension}  {d.transcript}  {where}: {_values_text(d)}")
    return 0


def cmd_adjudicate(args: argparse.Namespace) -> int:
    from socialcoder.services.consensus import adjudicate

    with study_of(args) as study:
        change = adjudicate(
            study,
            transcript=args.transcript,
            segment=args.segment,
            dimension=args.dimension,
            value=args.value,
            reason=args.reason,
            actor=args.actor,
        )
    where = f"segment {args.segment}" if args.segment else "session"
    print(
        f"Consensus for {args.dimension} on {args.transcript} {where}: {change.old_value or '-'} -> {change.new_value}"
    )
    return 0
