"""How a reliability figure is shown: its text, its colour, its state, its flags, its table row.

One home for the rule used by the dashboard's tables and the HTML reliability report alike
(:mod:`socialcoder.export.report_html`), so that both show the same figures in the same colours.

Colours follow the **lower end of the 95% interval**, not the point estimate: green when even
the lower end reaches 0.8, amber when it reaches 0.667, red below; grey **too few units** when
the sample-size requirement is not met (the interval is then withheld); no colour without an
interval (bootstrap 0, or alpha undefined). The flags repeat the state in words, then every
note of the JSON item (``socialcoder reliability --json``), so the window, the HTML report and
the command line say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

GOOD, FLOOR = 0.8, 0.667
#: the marks the states are shown with: each front end gives them colours (the window its
#: theme's, ``socialcoder.gui.themes.Marks``; the HTML report :data:`REPORT_BACKGROUNDS`)
GOOD_BG, TENTATIVE_BG, POOR_BG, FEW_BG = "good_bg", "tentative_bg", "poor_bg", "few_bg"
#: the marks on the HTML report's white page (the light theme's)
REPORT_BACKGROUNDS = {
    GOOD_BG: "#cdeccd",
    TENTATIVE_BG: "#fde7c2",
    POOR_BG: "#f7cccc",
    FEW_BG: "#e0e0e0",
}
TOO_FEW = "too few units"

DIMENSION_HEADERS = (
    "Dimension",
    "Scale",
    "α",
    "95% interval",
    "q: P(α < .667) / P(α < .8)",
    "Specific agreement",
    "AC1 (unweighted)",
    "AC2 (ordinal weights)",
    "Fleiss κ (unweighted)",
    "Agreement",
    "Pairable units",
    "Pairable values",
    "Flags and notes",
)
PAIR_HEADERS = (
    "Coders",
    "Dimension",
    "α",
    "95% interval",
    "Cohen κ",
    "PABAK",
    "Prevalence index",
    "Bias index",
    "Agreement",
    "Pairable units",
    "Notes",
)
TRANSCRIPT_HEADERS = (
    "Transcript",
    "Dimension",
    "α",
    "95% interval",
    "AC1 (unweighted)",
    "Agreement",
    "Pairable units",
    "Notes",
)


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text, tooltip, background, weight, alignment."""

    text: str
    tip: str = ""
    #: a background: the name of a mark (``"good_bg"``: each front end gives it its colour),
    #: or a '#rrggbb' that encodes data (a heat map)
    background: str | None = None
    bold: bool = False
    align_right: bool = False


def fmt(value: object, digits: int = 3) -> str:
    """A figure as shown in the tables: 3 decimals, '–' for undefined."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_ci(ci: Sequence[float] | None) -> str:
    return "–" if not ci else f"{ci[0]:.3f} – {ci[1]:.3f}"


def fmt_pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def specific_text(item: dict[str, Any], digits: int = 3) -> str:
    """Specific agreement of a JSON item as text, for tables: ``+0.667 / -0.990`` (binary:
    positive / negative) or ``none 0.950, mild 0.400`` (per value); '' when not computed."""
    specific = item.get("specific_agreement")
    if not specific:
        return ""

    def num(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.{digits}f}"

    if set(specific) == {"positive", "negative"}:
        return f"+{num(specific['positive'])} / -{num(specific['negative'])}"
    return ", ".join(f"{label} {num(v)}" for label, v in specific.items())


def state(item: dict[str, Any]) -> str:
    """``too few units``, ``reliable``, ``tentative``, ``not reliable``, ``no interval`` or
    ``undefined``."""
    if item.get("krippendorff_alpha") is None:
        return "undefined"
    size = item.get("sample_size") or {}
    if item.get("pairable_units") and size.get("enough") is False:
        return TOO_FEW
    ci = item.get("alpha_ci95")
    if not ci:
        return "no interval"
    low = ci[0]
    return "reliable" if low >= GOOD else "tentative" if low >= FLOOR else "not reliable"


BACKGROUND = {
    TOO_FEW: FEW_BG,
    "reliable": GOOD_BG,
    "tentative": TENTATIVE_BG,
    "not reliable": POOR_BG,
}
MEANING = {
    TOO_FEW: "too few units for a trustworthy figure: the interval is withheld",
    "reliable": "the whole 95% interval lies at or above 0.8",
    "tentative": "the 95% interval reaches below 0.8 but not below 0.667: tentative only",
    "not reliable": "the 95% interval reaches below 0.667",
    "no interval": "no interval (set Bootstrap above 0): not judged",
    "undefined": "alpha is undefined",
}


def flags(item: dict[str, Any]) -> str:
    """The state in words (when judged), then every note."""
    notes = list(item.get("notes") or [])
    current = state(item)
    if current in ("tentative", "not reliable", TOO_FEW):
        notes.insert(0, MEANING[current])
    return "; ".join(notes)


def alpha_cell(item: dict[str, Any]) -> Cell:
    current = state(item)
    tip = MEANING[current]
    if current == "undefined":
        tip = "; ".join(item.get("notes") or []) or tip
    return Cell(
        fmt(item.get("krippendorff_alpha")),
        tip,
        BACKGROUND.get(current),
        bold=True,
        align_right=True,
    )


def ci_cell(item: dict[str, Any]) -> Cell:
    current = state(item)
    text = TOO_FEW if current == TOO_FEW else fmt_ci(item.get("alpha_ci95"))
    boot = item.get("bootstrap") or {}
    tip = MEANING[current]
    if boot:
        tip += (
            f" · {boot.get('replicates_used')} of {boot.get('replicates_requested')} replicates,"
            f" resampling {boot.get('by')}s ({boot.get('clusters')}), seed {boot.get('seed')}"
        )
    return Cell(text, tip, BACKGROUND.get(current))


def q_text(item: dict[str, Any]) -> str:
    """``0.000 / 0.235``: the share of bootstrap replicates below 0.667 and below 0.8."""
    q = item.get("q_below")
    if not q:
        return "–"
    return f"{q['0.667']:.3f} / {q['0.8']:.3f}"


def _right(text: str) -> Cell:
    return Cell(text, align_right=True)


def dimension_row(d: dict[str, Any]) -> list[Cell]:
    """The row of one dimension (:data:`DIMENSION_HEADERS`)."""
    ac2 = (d.get("gwet_ac2") or {}).get("ordinal")
    return [
        Cell(d["label"], f"{d['key']} ({d['scale']}, {d['unit']} level)", bold=True),
        Cell(d["scale"] if d["scale"] == d["level"] else f"{d['scale']} ({d['level']} α)"),
        alpha_cell(d),
        ci_cell(d),
        _right(q_text(d)),
        Cell(specific_text(d)),
        _right(fmt(d.get("gwet_ac1"))),
        _right(fmt(ac2) if d.get("gwet_ac2") else ""),
        _right(fmt(d.get("fleiss_kappa"))),
        _right(fmt_pct(d.get("percent_agreement"))),
        _right(str(d.get("pairable_units", 0))),
        _right(str(d.get("pairable_values", 0))),
        Cell(flags(d), "; ".join(d.get("notes") or [])),
    ]


def pair_rows(dimensions: Sequence[dict[str, Any]]) -> list[list[Cell]]:
    """One row per dimension and coder pair (:data:`PAIR_HEADERS`), from a report ``by="pair"``."""
    rows = []
    for d in dimensions:
        for g in d.get("groups", []):
            pair = (g.get("cohen_kappa_pairs") or [{}])[0]
            rows.append(
                [
                    Cell(" & ".join(g["pair"])),
                    Cell(d["label"]),
                    alpha_cell(g),
                    ci_cell(g),
                    _right(fmt(pair.get("kappa"))),
                    _right(fmt(pair.get("pabak"))),
                    _right(fmt(pair.get("prevalence_index"))),
                    _right(fmt(pair.get("bias_index"))),
                    _right(fmt_pct(g.get("percent_agreement"))),
                    _right(str(g.get("pairable_units", 0))),
                    Cell(flags(g)),
                ]
            )
    return rows


def transcript_rows(dimensions: Sequence[dict[str, Any]]) -> list[list[Cell]]:
    """One row per dimension and transcript (:data:`TRANSCRIPT_HEADERS`), from a report
    ``by="transcript"``."""
    rows = []
    for d in dimensions:
        for g in d.get("groups", []):
            rows.append(
                [
                    Cell(g["transcript"]),
                    Cell(d["label"]),
                    alpha_cell(g),
                    ci_cell(g),
                    _right(fmt(g.get("gwet_ac1"))),
                    _right(fmt_pct(g.get("percent_agreement"))),
                    _right(str(g.get("pairable_units", 0))),
                    Cell(flags(g)),
                ]
            )
    return rows
