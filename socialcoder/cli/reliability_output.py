"""Text and CSV forms of the reliability report (the JSON is the report itself).

Both show the same figures and notes as ``--json``: per dimension (and group) the units,
pairable units and values, alpha with and without implied values, the interval and ``q``,
agreement (unweighted coefficients labelled as such, AC2 for ordinal dimensions), per coder pair
kappa with Byrt's indices, and every note, including the notes of groups.
"""

from __future__ import annotations

import csv
import sys
from typing import Any, TextIO

from socialcoder.cli.output import table
from socialcoder.export.reliability_figures import specific_text


def _fmt(value: object) -> object:
    return "n/a" if value is None else value


def _ci(item: dict[str, Any]) -> str:
    ci = item.get("alpha_ci95")
    return f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""


def _q(item: dict[str, Any], level: str) -> object:
    q = item.get("q_below")
    return None if not q else q.get(level)


def group_label(group: dict[str, Any]) -> str:
    return str(
        group.get("transcript") or "/".join(group.get("pair", [])) or group.get("value_label", "")
    )


def rows_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per dimension and per group (``group`` = '' for the dimension itself)."""
    rows: list[dict[str, Any]] = []
    for item in data["dimensions"]:
        rows.append({"group": "", **item})
        for group in item.get("groups", []):
            rows.append({**group, "group": group_label(group)})
    return rows


def interval_text(data: dict[str, Any]) -> str:
    """'1000 bootstrap replicates, resampling participants, seed 7' (or 'no interval')."""
    for item in data["dimensions"]:
        boot = item.get("bootstrap")
        if boot:
            return (
                f"{boot['replicates_requested']} bootstrap replicates, resampling "
                f"{data.get('bootstrap_by') or boot['by']}s (top level), seed {boot['seed']}"
            )
    return "no interval (--bootstrap N for one)"


def print_text(data: dict[str, Any], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    rows = rows_of(data)
    coders = data["dimensions"][0]["coders"] if data["dimensions"] else []
    out.write(
        f"Reliability — {data['study']}, codebook {data['codebook_version']}; coders: "
        + ", ".join(coders)
        + f"\nInterval: {interval_text(data)}\n\n"
    )
    table(
        (
            "dimension",
            "group",
            "level",
            "units",
            "pairable units",
            "pairable values",
            "alpha",
            "explicit only",
            "95% CI",
            "q<.667",
            "q<.8",
        ),
        [
            (
                r["key"],
                r["group"],
                r["level"],
                r["units"],
                r["pairable_units"],
                r["pairable_values"],
                _fmt(r["krippendorff_alpha"]),
                r.get("krippendorff_alpha_explicit") if r.get("implied_values") else "",
                _ci(r),
                _q(r, "0.667"),
                _q(r, "0.8"),
            )
            for r in rows
        ],
        out,
    )
    out.write("\nAgreement (exact matches; AC2 credits near misses on ordinal dimensions)\n")
    table(
        (
            "dimension",
            "group",
            "agree",
            "specific agreement",
            "Fleiss k (unweighted)",
            "AC1 (unweighted)",
            "AC2 (ordinal w.)",
        ),
        [
            (
                r["key"],
                r["group"],
                _fmt(r["percent_agreement"]),
                specific_text(r),
                _fmt(r["fleiss_kappa"]),
                _fmt(r["gwet_ac1"]),
                (r.get("gwet_ac2") or {}).get("ordinal"),
            )
            for r in rows
        ],
        out,
    )
    pair_rows = [
        (
            item["key"],
            " & ".join(p["coders"]),
            p["units"],
            _fmt(p["kappa"]),
            _fmt((p.get("weighted_kappa") or {}).get("linear")),
            _fmt((p.get("weighted_kappa") or {}).get("quadratic")),
            _fmt(p["percent_agreement"]),
            p.get("prevalence_index"),
            p.get("bias_index"),
            p.get("pabak"),
        )
        for item in data["dimensions"]
        for p in item["cohen_kappa_pairs"]
    ]
    if pair_rows:
        out.write("\nCoder pairs\n")
        table(
            (
                "dimension",
                "coders",
                "units",
                "Cohen k",
                "weighted k (lin)",
                "(quad)",
                "agree",
                "PI",
                "BI",
                "PABAK",
            ),
            pair_rows,
            out,
        )
    notes = [
        (r["key"] + (f" [{r['group']}]" if r["group"] else ""), n) for r in rows for n in r["notes"]
    ]
    if notes:
        out.write("\nNotes\n")
        for where, text in notes:
            out.write(f"  {where}: {text}\n")


CSV_COLUMNS = (
    "key",
    "group",
    "level",
    "units",
    "pairable_units",
    "pairable_values",
    "open_pairs",
    "implied_values",
    "krippendorff_alpha",
    "krippendorff_alpha_explicit",
    "alpha_ci95",
    "q_below_0.667",
    "q_below_0.8",
    "bootstrap_by",
    "replicates_used",
    "more_units_needed_0.667",
    "percent_agreement",
    "specific_agreement",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2_ordinal",
    "notes",
)


def write_csv(data: dict[str, Any], out: TextIO | None = None) -> None:
    """One row per dimension and group; ``alpha_ci95`` as ``low;high``; ``notes`` joined by
    `` | ``."""
    writer = csv.writer(out or sys.stdout)
    writer.writerow(CSV_COLUMNS)
    for r in rows_of(data):
        ci = r.get("alpha_ci95")
        boot = r.get("bootstrap") or {}
        size = r.get("sample_size") or {}
        values = {
            **r,
            "alpha_ci95": f"{ci[0]};{ci[1]}" if ci else "",
            "q_below_0.667": _q(r, "0.667"),
            "q_below_0.8": _q(r, "0.8"),
            "bootstrap_by": boot.get("by"),
            "replicates_used": boot.get("replicates_used"),
            "more_units_needed_0.667": (size.get("more_units_needed") or {}).get("0.667"),
            "specific_agreement": specific_text(r, digits=6),
            "gwet_ac2_ordinal": (r.get("gwet_ac2") or {}).get("ordinal"),
            "notes": " | ".join(r.get("notes") or []),
        }
        writer.writerow(["" if values.get(c) is None else values.get(c) for c in CSV_COLUMNS])
