"""How a reliability figure is shown in the lead's tables: its colour, its state, its flags.

Colours follow the **lower end of the 95% interval**, not the point estimate: green when even
the lower end reaches 0.8, amber when it reaches 0.667, red below; grey **too few units** when
the sample-size requirement is not met (the interval is then withheld); no colour without an
interval (bootstrap 0, or alpha undefined). The flags repeat the state in words, then every
note of the JSON item, so the window, the HTML report and ``socialcoder reliability`` say the
same.
"""

from __future__ import annotations

from typing import Any

from socialcoder.gui.lead.tables import Cell, fmt, fmt_ci

GOOD, FLOOR = 0.8, 0.667
#: the theme's marks (socialcoder.gui.themes.Marks) the states are shown with
GOOD_BG, TENTATIVE_BG, POOR_BG, FEW_BG = "good_bg", "tentative_bg", "poor_bg", "few_bg"
TOO_FEW = "too few units"


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
