"""How a reliability figure is shown in the lead's tables: the rule lives in the core
(:mod:`socialcoder.export.reliability_figures`), shared with the HTML report; re-exported here
for the lead views."""

from __future__ import annotations

from socialcoder.export.reliability_figures import (
    BACKGROUND,
    FEW_BG,
    FLOOR,
    GOOD,
    GOOD_BG,
    MEANING,
    POOR_BG,
    TENTATIVE_BG,
    TOO_FEW,
    alpha_cell,
    ci_cell,
    flags,
    q_text,
    state,
)

__all__ = [
    "BACKGROUND",
    "FEW_BG",
    "FLOOR",
    "GOOD",
    "GOOD_BG",
    "MEANING",
    "POOR_BG",
    "TENTATIVE_BG",
    "TOO_FEW",
    "alpha_cell",
    "ci_cell",
    "flags",
    "q_text",
    "state",
]
