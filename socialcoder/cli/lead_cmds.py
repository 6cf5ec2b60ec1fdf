"""Commands for running the coding project: assign, progress, coders rename/deactivate."""

from __future__ import annotations

import argparse
from typing import Any

from socialcoder.cli.common import add_study_arg, command, number, study_of
from socialcoder.cli.output import print_json, table
from socialcoder.domain.names import selection
from socialcoder.domain.numbers import DAYS, PERCENT, RETEST_PERCENT, SEED, SHARE
from socialcoder.domain.states import AssignmentStatus
from socialcoder.errors import UserError
from socialcoder.services.assignments import (
    apply_assignments,
    assign,
    plan_assignments,
    progress,
    unassign_pairs,
)
from socialcoder.services.coders import rename_coder, set_coder_active
from socialcoder.services.study import Study


def register(commands: Any) -> None:
    p = command(
        commands,
        "assign",
        cmd_assign,
        "Assign transcripts to coders: --coders A,B,C [--overlap PERCENT] [--seed N] gives every "
        "transcript one coder (balanced) plus PERCENT of transcripts a second coder for "
        "reliability; --coder C --transcript T assigns one; --retest PCT --after DAYS plans a "
        "blind second pass of PCT% of each coder's completed transcripts (test-retest). "
        "Existing assignments and codes are never disturbed.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("--coders", help="coders to share the transcripts, comma-separated")
    p.add_argument(
        "--overlap", type=number(PERCENT), default=0.0, help="percent of transcripts double-coded"
    )
    p.add_argument(
        "--seed", type=number(SEED), help="random seed: the same seed gives the same plan"
    )
    p.add_argument("--coder", help="assign one transcript to this coder")
    p.add_argument("--transcript", help="the transcript (with --coder)")
    p.add_argument(
        "--reliability", action="store_true", help="with --coder: as a reliability (second) coding"
    )
    p.add_argument(
        "--stratify",
        metavar="therapist[,site,phase]",
        help="a design: draw the double-coded share stratified by these (each stratum in "
        "proportion)",
    )
    p.add_argument(
        "--covert",
        action="store_true",
        help="a design: double-coded and anchor transcripts spread over each coder's period, "
        "the primary coding of a double-coded transcript drawn at random",
    )
    p.add_argument(
        "--anchors",
        type=int,
        default=0,
        metavar="N",
        help="a design: N anchor transcripts every coder codes (drift against a standard)",
    )
    p.add_argument(
        "--retest",
        type=number(RETEST_PERCENT),
        metavar="PCT",
        help="a blind second pass by the same coder: PCT%% of each coder's completed "
        "transcripts (all coders, or those in --coders), coded again under a masked label of "
        "its own (intra-rater stability; `reliability --retest` reports it)",
    )
    p.add_argument(
        "--after",
        type=number(DAYS),
        metavar="DAYS",
        help="with --retest: a second pass may be coded no earlier than DAYS days after the "
        "first pass was completed",
    )
    p.add_argument(
        "--from-assigned",
        action="store_true",
        help="with --retest: draw from assigned transcripts too, not only completed ones (a "
        "second pass waits for the first to be completed)",
    )
    p.add_argument("--dry-run", action="store_true", help="show the plan without storing it")
    p.add_argument("--json", action="store_true")

    p = command(
        commands,
        "unassign",
        cmd_unassign,
        "Take assignments back: --coder C --transcript T1[,T2...]. The coder's codes, memos and "
        "completions stay (and count as before); assign again to undo.",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("--coder", required=True)
    p.add_argument("--transcript", "--transcripts", dest="transcripts", required=True,
                   help="the transcript(s), comma-separated")  # fmt: skip
    p.add_argument("--json", action="store_true", help="the assignments taken back")

    p = command(
        commands,
        "calibrate",
        cmd_calibrate,
        "Judge a trainee's coding of practice transcripts against a gold-standard coder: per "
        "dimension kappa with its 95% interval (pass when its lower end reaches the threshold), "
        "sensitivity and positive predictive value per value, and every difference.",
    )
    add_study_arg(p)
    p.add_argument("--trainee", required=True)
    p.add_argument(
        "--gold",
        help="the gold-standard coder (default: the study's setting calibration_gold)",
    )
    p.add_argument(
        "--transcripts",
        "--transcript",
        dest="transcripts",
        help="the practice transcript(s), comma-separated (several, together containing "
        "every code; default: the study's setting calibration_practice)",
    )
    p.add_argument(
        "--threshold",
        type=number(SHARE),
        default=None,
        help="pass mark for the lower end of the 95%% interval (default: the study's setting "
        "calibration_threshold, 0.8 unless changed)",
    )
    p.add_argument("--json", action="store_true", help="documented, stable JSON")

    p = command(
        commands, "progress", cmd_progress, "Coding progress per assigned coder and transcript."
    )
    add_study_arg(p)
    p.add_argument(
        "--coder",
        help="one coder's own view: their assignments without purpose; masked labels when "
        "the study is blinded",
    )
    p.add_argument("--json", action="store_true", help="documented, stable JSON")


def register_coder_actions(sub: Any) -> None:
    """`coders rename` and `coders deactivate` (called by the `coders` command's registration)."""
    p = command(sub, "rename", cmd_rename, "Rename a coder (codes follow).", writes=True)
    add_study_arg(p)
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p = command(
        sub,
        "deactivate",
        cmd_deactivate,
        "Deactivate a coder (codes stay; left out of new plans).",
        writes=True,
    )
    add_study_arg(p)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--undo", action="store_true", help="reactivate")


def cmd_assign(args: argparse.Namespace) -> int:
    if args.retest is not None or args.after is not None or args.from_assigned:
        return _assign_retest(args)
    with study_of(args) as study:
        if args.coder or args.transcript:
            if not (args.coder and args.transcript) or args.coders:
                raise UserError("give --coder and --transcript together (or --coders for a plan)")
            purpose = "reliability" if args.reliability else "primary"
            added = assign(study, coder=args.coder, transcript=args.transcript, purpose=purpose)
            print(f"{args.transcript} assigned to {args.coder}" + ("" if added else " (already)"))
            return 0
        if not args.coders:
            raise UserError("give --coders A,B,C (a plan) or --coder C --transcript T (one)")
        if args.stratify or args.covert or args.anchors:
            return _assign_design(study, args)
        names = list(selection(args.coders) or ())
        plan = plan_assignments(study, names, overlap_percent=args.overlap, seed=args.seed)
        stored = 0 if args.dry_run else apply_assignments(study, plan)
    if args.json:
        print_json(
            [{"coder": a.coder, "transcript": a.transcript, "purpose": a.purpose} for a in plan]
        )
        return 0
    if plan:
        table(
            ("transcript", "coder", "purpose"), [(a.transcript, a.coder, a.purpose) for a in plan]
        )
    verb = "Would assign" if args.dry_run else "Assigned"
    print(
        f"{verb} {len(plan) if args.dry_run else stored} transcript(s) "
        f"({sum(a.purpose == 'reliability' for a in plan)} for reliability)."
    )
    return 0


def cmd_unassign(args: argparse.Namespace) -> int:
    names = list(selection(args.transcripts) or ())
    if not names:
        raise UserError("name the transcript(s) with --transcript")
    with study_of(args) as study:
        removed = unassign_pairs(study, [(t, args.coder) for t in names])
    if args.json:
        print_json(
            [{"coder": a.coder, "transcript": a.transcript, "purpose": a.purpose} for a in removed]
        )
        return 0
    gone = {a.transcript for a in removed}
    for a in removed:
        print(f"{a.transcript} no longer assigned to {a.coder} (was {a.purpose}; codes kept)")
    for name in names:
        if name not in gone:
            print(f"{name} was not assigned to {args.coder}")
    return 0


def _assign_retest(args: argparse.Namespace) -> int:
    """``assign --retest PCT --after DAYS``: a seeded, recorded plan of blind second passes
    (see socialcoder.services.retest), previewed with --dry-run."""
    from socialcoder.services.retest import draw_retest_plan, retest_spec, store_retest_plan

    if args.retest is None or args.after is None:
        raise UserError("a second pass needs --retest PCT and --after DAYS together")
    if (
        args.coder
        or args.transcript
        or args.overlap
        or args.stratify
        or args.covert
        or (args.anchors or args.reliability)
    ):
        raise UserError(
            "--retest plans second passes only: make the first-pass plan with a separate "
            "`assign` (--coders, --overlap, --stratify, --covert, --anchors)"
        )
    coders = list(selection(args.coders) or ()) if args.coders else []
    spec = retest_spec(
        args.retest,
        args.after,
        seed=args.seed,
        coders=coders,
        include_assigned=args.from_assigned,
    )
    with study_of(args) as study:
        plan = draw_retest_plan(study, spec)
        stored = None if args.dry_run else store_retest_plan(study, plan)
    if args.json:
        out = plan.to_json()
        if stored is not None:
            items = out["retest"]
            assert isinstance(items, list)
            for item in items:
                item["label"] = stored.labels.get((item["coder"], item["transcript"]))
        out["stored"] = None if stored is None else stored.stored
        out["plan_id"] = None if stored is None else stored.plan_id
        print_json(out)
        return 0
    if plan.draws:
        labels = {} if stored is None else stored.labels
        table(
            ("coder", "transcript", "second pass shown as"),
            [
                (d.coder, d.transcript, labels.get((d.coder, d.transcript), "(not stored)"))
                for d in plan.draws
            ],
        )
    verb = "Would store" if stored is None else f"Stored plan {stored.plan_id}:"
    count = len(plan.draws) if stored is None else stored.stored
    pools = ", ".join(f"{c} {n}" for c, n in plan.pools.items()) or "no coders"
    print(
        f"{verb} {count} second pass(es), each available {spec.after_days} day(s) after its "
        f"first pass was completed; drawn from ({pools}) transcript(s); seed {spec.seed}."
    )
    return 0


def _assign_design(study: Study, args: argparse.Namespace) -> int:
    """``assign`` with a design (see socialcoder.domain.design): seeded, recorded, previewed
    with --dry-run."""
    from socialcoder.services.design import design_spec, draw_plan, plan_json, store_plan

    spec = design_spec(
        list(selection(args.coders) or ()),
        overlap_percent=args.overlap,
        stratify=[s.strip() for s in (args.stratify or "").split(",") if s.strip()],
        covert=args.covert,
        anchors=args.anchors,
        seed=args.seed,
    )
    plan = draw_plan(study, spec)
    stored = None if args.dry_run else store_plan(study, plan)
    if args.json:
        out = plan_json(plan)
        out["stored"] = None if stored is None else stored.stored
        out["plan_id"] = None if stored is None else stored.plan_id
        print_json(out)
        return 0
    if plan.assignments:
        table(
            ("coder", "order", "transcript", "purpose", "anchor"),
            [
                (a.coder, a.position, a.transcript, a.purpose, "yes" if a.anchor else "")
                for a in sorted(plan.assignments, key=lambda a: (a.coder, a.position))
            ],
        )
    if plan.strata:
        print()
        table(
            ("stratum", "transcripts", "double-coded", "exact share"),
            [
                (" / ".join(s.stratum) or "all", s.transcripts, s.double_coded, f"{s.expected:.2f}")
                for s in plan.strata
            ],
        )
    verb = "Would store" if stored is None else f"Stored plan {stored.plan_id}:"
    count = len(plan.assignments) if stored is None else stored.stored
    print(
        f"{verb} {count} assignment(s): {len(plan.double_coded)} transcript(s) double-coded, "
        f"{len(plan.anchors)} anchor(s); seed {plan.spec.seed}."
    )
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from socialcoder.errors import StudyError
    from socialcoder.services.calibration import calibrate, calibration_settings

    with study_of(args) as study:
        kept = calibration_settings(study)
        gold = args.gold or kept.gold
        names = list(selection(args.transcripts) or ()) if args.transcripts else kept.practice
        if gold is None or not names:
            raise StudyError(
                "name the gold-standard coder (--gold) and the practice transcripts "
                "(--transcripts), or keep them in the study: `socialcoder settings STUDY "
                "calibration_gold NAME` and `... calibration_practice A,B`"
            )
        result = calibrate(
            study,
            trainee=args.trainee,
            gold=gold,
            transcripts=names,
            threshold=kept.threshold if args.threshold is None else args.threshold,
        )
    if args.json:
        print_json(result.to_json())
        return 0
    print(
        f"Calibration of {result.trainee} against {result.gold} on "
        f"{', '.join(result.transcripts)}: {result.verdict} (pass mark {result.threshold:g} "
        "for the lower end of each 95% interval)"
    )
    table(
        ("dimension", "sessions", "units", "needs", "figure", "estimate", "95% interval", "result"),
        [
            (
                d.key,
                d.sessions,
                d.units,
                d.required_units,
                d.figure,
                d.estimate,
                f"{d.ci95[0]:.3f} - {d.ci95[1]:.3f}" if d.ci95 else "",
                d.result,
            )
            for d in result.dimensions
        ],
    )
    value_rows = [
        (
            d.key,
            v.label,
            v.gold,
            v.trainee,
            v.sensitivity,
            v.ppv,
            "" if v.assessable else "not assessable",
        )
        for d in result.dimensions
        for v in d.values
    ]
    if value_rows:
        print("\nPer value (units both coded)")
        table(
            ("dimension", "value", "gold", "trainee", "sensitivity", "PPV", ""),
            value_rows,
        )
    notes = [(d.key, n) for d in result.dimensions for n in d.notes]
    if notes:
        print("\nNotes")
        for key, note in notes:
            print(f"  {key}: {note}")
    if result.differences:
        print(f"\n{len(result.differences)} difference(s):")
        for diff in result.differences:
            where = f"segment {diff.segment}" if diff.segment else "session"
            print(
                f"  {diff.dimension} {diff.transcript} {where}: you {diff.trainee}, gold {diff.gold}"
            )
            if diff.text:
                print(f"    {diff.text[:150]}")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        entries = progress(study, coder=args.coder)
    if args.json:
        print_json([e.to_json() for e in entries])
        return 0
    if not entries:
        print("Nothing assigned yet; use `socialcoder assign`.")
        return 0
    if args.coder is not None:  # a coder's own view: no purpose
        table(
            ("transcript", "status", "coded"),
            [(e.transcript, e.status, f"{e.fraction:.0%}") for e in entries],
        )
    else:
        table(
            ("coder", "transcript", "purpose", "status", "coded"),
            [(e.coder, e.transcript, e.purpose, e.status, f"{e.fraction:.0%}") for e in entries],
        )
    done = sum(e.status == AssignmentStatus.COMPLETE for e in entries)
    print(f"{done} of {len(entries)} assignment(s) complete.")
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        rename_coder(study, args.old, args.new)
    print(f"Renamed coder {args.old} to {args.new}.")
    return 0


def cmd_deactivate(args: argparse.Namespace) -> int:
    with study_of(args) as study:
        set_coder_active(study, args.name, args.undo)
    print(f"Coder {args.name} {'reactivated' if args.undo else 'deactivated'}.")
    return 0
