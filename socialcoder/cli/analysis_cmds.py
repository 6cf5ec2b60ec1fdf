"""``socialcoder analyze STUDY correlations|lagged|sequential``: the lead's analyses of the
study's coded sessions (see :mod:`socialcoder.services.analysis`); they only read the study."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from socialcoder.cli.common import add_study_arg, command, number, study_of
from socialcoder.cli.output import print_json, table
from socialcoder.domain.numbers import REPLICATES, SEED, NumberRange

LAG = NumberRange("lag", "a lag in turns", 1, 1000)


def _f(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _ci(ci: list[float] | None, digits: int = 2) -> str:
    return "-" if not ci else f"[{ci[0]:.{digits}f}, {ci[1]:.{digits}f}]"


def _names(values: list[str] | None) -> list[str]:
    return [n.strip() for v in values or [] for n in v.split(",") if n.strip()]


def _write(study: Any, run: Any, args: argparse.Namespace) -> None:
    out = sys.stderr if args.json else sys.stdout  # keep --json output pure JSON
    if args.report:
        from socialcoder.services.analysis_report import save_report

        saved = save_report(study, run, args.report, force=args.force)
        print(f"wrote the report (table, plot, settings) to {saved}", file=out)
    if not args.out:
        return
    from socialcoder.services.analysis_files import write_analysis_files

    written = write_analysis_files(study, run, args.out, force=args.force)
    print(
        f"wrote {len(written.files)} file(s) to {written.folder}: "
        + ", ".join(p.name for p in written.files),
        file=out,
    )
    for note in written.notes:
        print(f"note: {note}", file=out)


def _layer_line(data: dict[str, Any]) -> str:
    line = f"codes: {data['codes']} (codebook version {data['codebook_version']})"
    counts = data.get("final_counts")
    if counts:
        line += (
            f"; final layer: {counts['from_consensus']} value(s) from consensus, "
            f"{counts['from_single_coders']} from single coders"
        )
    return line


def _reliability(data: dict[str, Any]) -> None:
    """The reliability of each analysed variable's session score (issue 19)."""
    from socialcoder.services.predictor_reliability import RELIABILITY_NOTE, cell

    items = data.get("reliability") or []
    if not items:
        return
    print("reliability of the analysed scores:")
    table(("variable", "role", "reliability"), [(r["variable"], r["role"], cell(r)) for r in items])
    print(RELIABILITY_NOTE)


def cmd_correlations(args: argparse.Namespace) -> int:
    from socialcoder.services.analysis import run_correlations

    with study_of(args) as study:
        run = run_correlations(
            study,
            codes=args.codes,
            rate=args.rate,
            x=_names(args.x),
            y=_names(args.y),
            n_boot=args.bootstrap,
            seed=args.seed,
            count_family=args.count_model,
        )
        data = run.to_dict()
        if args.json:
            print_json(data)
        else:
            print(
                f"{data['sessions']} sessions of {data['participants']} participants; "
                + _layer_line(data)
            )
            rows = [
                (
                    p["x"],
                    p["y"],
                    p["n"],
                    _f(p["spearman_rho"], 2),
                    _ci(p["ci95"]),
                    _f(p["p"]),
                    _f(p["p_adjusted"]),
                    _f(p["pearson_r"], 2),
                    _f(p["between_r"], 2),
                    _f(p["within_r"], 2),
                )
                for p in data["pairs"]
            ]
            table(
                ("x", "y", "n", "rho", "95% CI", "p", "p (BH)", "r", "between r", "within r"), rows
            )
            print(
                "CI: bootstrap over participants; p (BH): Benjamini-Hochberg over the pairs "
                "shown; within r: repeated-measures correlation"
            )
            if "count_model" in data:
                _print_count_models(data["count_model"])
            _reliability(data)
        _write(study, run, args)
    return 0


def _print_count_models(counts: dict[str, Any]) -> None:
    family = {"negbin": "negative binomial", "poisson": "Poisson"}[counts["family"]]
    print()
    print(f"count model ({family}; code turns with the applicable turns as exposure):")
    rows = []
    notes: list[str] = []
    for fit in counts["fits"]:
        m = fit["model"]
        if m is None:
            rows.append((fit["x"], fit["y"], "-", "-", "-", "-", "-", "-"))
            notes.append(f"{fit['x']} / {fit['y']}: {fit['refusal']}")
            continue
        t = next(t for t in m["terms"] if t["term"] == fit["x"])
        rows.append(
            (
                fit["x"],
                fit["y"],
                m["n_observations"],
                f"{m['total_count']}/{m['total_turns']}",
                _f(t["rate_ratio"]),
                _ci(t["rate_ratio_ci95"], 3),
                _f(t["p"]),
                _f(m["alpha"]),
            )
        )
        notes += [f"{fit['x']} / {fit['y']}: {n}" for n in m["notes"]]
    table(("x", "y", "n", "count/turns", "rate ratio", "95% CI", "p", "alpha"), rows)
    print(
        "rate ratio: exp(estimate), per unit of x; standard errors cluster-robust by "
        "participant (population-averaged; Atkins et al. 2013)"
    )
    for note in dict.fromkeys(notes):
        print(f"note: {note}")


def cmd_lagged(args: argparse.Namespace) -> int:
    from socialcoder.services.analysis import run_lagged

    with study_of(args) as study:
        run = run_lagged(
            study,
            outcome=args.outcome,
            predictor=args.predictor,
            control=args.control,
            codes=args.codes,
            rate=args.rate,
            detrend=args.detrend,
            random_slope=args.random_slope,
            therapist=args.therapist,
        )
        data = run.to_dict()
        if args.json:
            print_json(data)
        else:
            print(
                f"{args.outcome} at t+1 on {args.predictor} at t: "
                f"{data['n_observations']} session pairs of {data['n_participants']} "
                f"participants; converged: {'yes' if data['converged'] else 'NO'}"
            )
            print(_layer_line(data))
            table(
                ("term", "estimate", "SE", "95% CI", "p"),
                [
                    (e["term"], _f(e["estimate"]), _f(e["se"]), _ci(e["ci95"], 3), _f(e["p"], 4))
                    for e in data["fixed_effects"]
                ],
            )
            for note in data.get("notes", []):
                print(f"note: {note}")
            print(f"note: {data.get('dynamic_panel_note', '')}")
            _reliability(data)
        _write(study, run, args)
    return 0


def cmd_sequential(args: argparse.Namespace) -> int:
    from socialcoder.services.analysis import run_sequential

    with study_of(args) as study:
        run = run_sequential(
            study,
            given=_names(args.given),
            target=_names(args.target),
            lag=args.lag,
            matrix=args.matrix,
            given_role=args.given_role,
            target_role=args.target_role,
            codes=args.codes,
            n_boot=args.bootstrap,
            seed=args.seed,
        )
        data = run.to_dict(per_session=args.per_session)
        if args.json:
            print_json(data)
        else:
            print(
                f"{data['base']}: {data['base_pairs']} pairs in {data['sessions']} sessions "
                f"of {data['participants']} participants; " + _layer_line(data)
            )
            rows = []
            warn = False
            for t in data["tables"]:
                c = t["counts"]
                small = bool(t.get("warnings"))
                warn = warn or small
                rows.append(
                    (
                        t["given"],
                        t["target"],
                        f"{c['a']}/{c['b']}/{c['c']}/{c['d']}",
                        _f(t["transitional_probability"]),
                        _f(t["expected"], 1),
                        _f(t["adjusted_residual"], 2) + ("*" if small else ""),
                        _f(t["yules_q"], 2),
                        _f(t["session_yules_q"]["mean"], 2),
                        _ci(t["session_yules_q"]["ci95"]),
                    )
                )
            table(
                (
                    "given",
                    "target",
                    "a/b/c/d",
                    "P(target|given)",
                    "expected",
                    "z",
                    "Q",
                    "mean session Q",
                    "95% CI",
                ),
                rows,
            )
            if warn:
                print("* an expected count is below 5: do not read this residual as z")
            print(
                "pooled tables treat every turn pair as independent (descriptive); the "
                "per-session Q and its participant-level interval are the inferential figure"
            )
        _write(study, run, args)
    return 0


def _common(p: argparse.ArgumentParser, *, rate: bool = True) -> None:
    p.add_argument(
        "--codes",
        default="final",
        metavar="final|consensus|CODER|mean",
        help="whose codes: the final layer (default: consensus where settled, else the primary "
        "coder's), the consensus layer, one coder, or the mean over coders",
    )
    if rate:
        p.add_argument(
            "--rate",
            choices=("per100", "proportion"),
            default="per100",
            help="code rates per 100 applicable turns (default) or as proportions",
        )
    p.add_argument("--json", action="store_true", help="documented, stable JSON")
    p.add_argument(
        "--out",
        type=Path,
        metavar="FOLDER",
        help="also write the analysis data set (CSV, .sav, Mplus .dat/.inp, data "
        "dictionary) and its companions into FOLDER",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="FILE.html",
        help="also write the HTML report: the table, the plot (scatter with the fitted line, "
        "effects with intervals, or the heat map of adjusted residuals), the settings and what "
        "the figures cannot tell",
    )
    p.add_argument("--force", action="store_true", help="replace files in FOLDER or FILE.html")


def _boot(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bootstrap",
        type=number(REPLICATES),
        default=2000,
        help="bootstrap replicates (participants resampled; default 2000, 0 = none)",
    )
    p.add_argument("--seed", type=number(SEED), default=1, help="bootstrap seed (default 1)")


def register(commands: Any) -> None:
    parent = commands.add_parser(
        "analyze",
        help="Analyse the coded sessions: correlations, lagged within/between model, "
        "sequential analysis.",
        description="Analyses of the study's completed transcripts (a lead's command).",
    )
    add_study_arg(parent)
    sub = parent.add_subparsers(dest="analysis", metavar="ANALYSIS", required=True)

    p = command(
        sub,
        "correlations",
        cmd_correlations,
        "Session code rates, ratings and measures: Spearman and Pearson correlations "
        "with participant-bootstrap intervals, between- and within-patient r.",
    )
    _common(p)
    _boot(p)
    p.add_argument(
        "--x",
        action="append",
        metavar="VAR[,VAR]",
        help="x variables (default: every session rating and measure)",
    )
    p.add_argument(
        "--y", action="append", metavar="VAR[,VAR]", help="y variables (default: every code rate)"
    )
    p.add_argument(
        "--count-model",
        nargs="?",
        const="negbin",
        choices=("negbin", "poisson"),
        help="also, per pair, a count model for rare codes: the count of y's turns on x with "
        "the applicable turns as exposure (negative binomial by default, or poisson)",
    )

    p = command(
        sub,
        "lagged",
        cmd_lagged,
        "Outcome at session t+1 on a predictor at t, split into within- and "
        "between-patient parts (Falkenstrom et al. 2013), random intercept per patient.",
    )
    _common(p)
    p.add_argument("--outcome", required=True, metavar="M", help="a measure or code rate")
    p.add_argument("--predictor", required=True, metavar="P", help="a measure or code rate")
    p.add_argument(
        "--control", metavar="C", help="control at session t (default: the outcome at t)"
    )
    p.add_argument(
        "--detrend",
        action="store_true",
        help="within part: residual of each patient's linear trend over sessions",
    )
    p.add_argument(
        "--random-slope", action="store_true", help="a random slope of the within term per patient"
    )
    p.add_argument(
        "--therapist",
        action="store_true",
        help="a random intercept per therapist (patients nested in therapists)",
    )

    p = command(
        sub,
        "sequential",
        cmd_sequential,
        "Lag-sequential 2x2 tables of turn t (given) and turn t+lag (target).",
    )
    _common(p, rate=False)
    _boot(p)
    p.add_argument(
        "--given",
        action="append",
        metavar="ROLE:DIM[=VALUE]",
        help="given code(s) on turn t (e.g. therapist:incongruent_advice)",
    )
    p.add_argument(
        "--target",
        action="append",
        metavar="ROLE:DIM[=VALUE]",
        help="target code(s) on turn t+lag (e.g. patient:resistance=mild)",
    )
    p.add_argument("--lag", type=number(LAG), default=1, help="lag in turns (default 1)")
    p.add_argument(
        "--matrix",
        action="store_true",
        help="every code of the given role against every code of the target role",
    )
    p.add_argument(
        "--given-role",
        default="therapist",
        choices=("therapist", "patient"),
        help="with --matrix: the role of turn t (default therapist)",
    )
    p.add_argument(
        "--target-role",
        default="patient",
        choices=("therapist", "patient"),
        help="with --matrix: the role of turn t+lag (default patient)",
    )
    p.add_argument(
        "--per-session",
        action="store_true",
        help="JSON: include each session's 2x2 counts and Yule's Q",
    )
