"""``socialcoder reliability STUDY --sessions``: reliability of the session-level scores."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any

from socialcoder.cli.common import study_of
from socialcoder.cli.output import print_json, table
from socialcoder.errors import UserError

#: Options of ``reliability`` that mean nothing for session scores.
NOT_WITH_SESSIONS = (
    ("by", "--by"),
    ("bootstrap", "--bootstrap"),
    ("level", "--level"),
    ("since", "--since"),
    ("until", "--until"),
    ("seed", "--seed"),
)
GUIDE = (
    "Guide (Koo & Li 2016): below .50 poor, .50-.75 moderate, .75-.90 good, above .90 "
    "excellent; judge by the interval's lower bound."
)


def _names(text: str | None) -> tuple[str, ...] | None:
    from socialcoder.domain.names import selection

    return selection(text)  # comma-separated; "a,b" in double quotes is one name


def _ci(ci: list[float] | None) -> str:
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-"


def cmd_session_reliability(args: argparse.Namespace) -> int:
    from socialcoder.services.session_reliability import session_reliability_report

    for attr, flag in NOT_WITH_SESSIONS:
        if getattr(args, attr, None):
            raise UserError(f"--sessions cannot be combined with {flag}")
    with study_of(args) as study:
        report = session_reliability_report(
            study,
            dimensions=_names(args.dimension),
            coders=_names(args.coders),
            transcripts=_names(getattr(args, "transcripts", None)),
        )
    data = report.to_json()
    if args.json:
        print_json(data)
    elif args.csv:
        _write_csv(data)
    else:
        _print_text(data)
    return 0


def _write_csv(data: dict[str, Any]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(
        (
            "measure",
            "n_sessions",
            "n_double_coded",
            "raters_per_session",
            "design",
            "method",
            "icc_a1",
            "icc_lower",
            "icc_upper",
            "g_qk",
            "g_lower",
            "g_upper",
            "r_change",
            "r_change_lower",
            "r_change_upper",
            "reason",
        )
    )
    for item, change in zip(
        data["session_reliability"], data["within_change_reliability"], strict=True
    ):
        icc, g, rc = (
            item["icc_ci95"] or [None, None],
            item["g_ci95"] or [None, None],
            (change["r_change_ci95"] or [None, None]),
        )
        writer.writerow(
            (
                item["measure"],
                item["n_sessions"],
                item["n_double_coded"],
                item["raters_per_session"],
                item["design"],
                item["method"],
                item["icc_a1"],
                *icc,
                item["g_qk"],
                *g,
                change["r_change"],
                *rc,
                item["reason"],
            )
        )


def _grouped(pairs: list[tuple[str, str]], every: list[str]) -> list[tuple[str, str]]:
    """(text, the measures it concerns) with each distinct text once, in first-seen order;
    ``every`` (all measures) is said as "all measures"."""
    out: dict[str, list[str]] = {}
    for measure, text in pairs:
        out.setdefault(text, []).append(measure)
    return [
        (text, "all measures" if len(every) > 1 and names == every else ", ".join(names))
        for text, names in out.items()
    ]


def _print_text(data: dict[str, Any]) -> None:
    print(f"Session-level reliability — {data['study']}, codebook {data['codebook_version']}")
    print(
        f"Coders: {', '.join(data['coders']) or 'none'}; {data['completed_pairs']} completed "
        f"(coder, session) pair(s)"
        + (
            f"; {data['incomplete_pairs']} not completed, left out"
            if data["incomplete_pairs"]
            else ""
        )
    )
    print(
        "Reliability of ONE coder's score per session, absolute agreement: ICC(A,1) where the "
        "double-coded\nsessions are fully crossed, G(q,k) with q = 1, k = 1 on any design (equal "
        "when fully crossed).\n"
    )
    items = data["session_reliability"]
    if items:
        table(
            (
                "measure",
                "sessions",
                "double",
                "coders/session",
                "G(q,k)",
                "95% CI",
                "ICC(A,1)",
                "95% CI",
                "design",
            ),
            [
                (
                    i["measure"],
                    i["n_sessions"],
                    i["n_double_coded"],
                    i["raters_per_session"],
                    i["g_qk"],
                    _ci(i["g_ci95"]),
                    i["icc_a1"],
                    _ci(i["icc_ci95"]),
                    i["design"] or "-",
                )
                for i in items
            ],
        )
    else:
        print("No session-level scores in the selected dimensions.")
    _print_change(data["within_change_reliability"], [i["measure"] for i in items])
    why = [(i["measure"], i["reason"]) for i in items if i["reason"]]
    why += [(i["measure"], f"ICC(A,1): {i['icc_reason']}") for i in items if i["icc_reason"]]
    why += [(s["dimension"], s["reason"]) for s in data["skipped"]]
    notes = [(i["measure"], n) for i in items for n in i["notes"]]
    every = [i["measure"] for i in items]
    for title, rows in (("Not computed", why), ("Notes", notes)):
        if rows:
            print(f"\n{title}")
            for text, measures in _grouped(rows, every):
                print(f"  {measures}: {text}")
    print(f"\n{GUIDE}")


def _print_change(changes: list[dict[str, Any]], every: list[str]) -> None:
    print("\nWithin-patient change (Cranford et al. 2006): reliability of one coder's score")
    defined = [c for c in changes if c["r_change"] is not None]
    if defined:
        table(
            ("measure", "patients", "sessions", "R_change", "95% CI"),
            [
                (
                    c["measure"],
                    c["n_patients"],
                    c["n_sessions"],
                    c["r_change"],
                    _ci(c["r_change_ci95"]),
                )
                for c in defined
            ],
        )
    reasons = _grouped([(c["measure"], c["reason"]) for c in changes if c["reason"]], every)
    for text, measures in reasons:
        print(f"  not computed for {measures}: {text}")
    notes = _grouped([(c["measure"], n) for c in changes for n in c["notes"]], every)
    for text, measures in notes:
        print(f"  note on {measures}: {text}")
