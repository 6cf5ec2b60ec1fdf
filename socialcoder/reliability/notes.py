"""The notes that say how far a dimension's figures can be trusted (thresholds in one place).

Every note is one sentence a lead can paste under a table. The rules:

* **prevalence paradox** (Feinstein & Cicchetti 1990): a chance-corrected coefficient falls
  below .667 although coders agree on at least 80% of pairs *and* on the rare value itself
  (its specific agreement is substantial: above .60, Landis & Koch's 1977 lower bound for
  "substantial"). Only then is a low kappa/alpha a property of the
  marginals rather than of the coding. Coefficients are named with their weighting; ordinal
  alpha is not set against exact agreement.
* **rare value not agreed**: a value makes up less than 10% of values and its specific agreement
  is .60 or lower: the high percent agreement comes from the common value.
* **AC1 with one category**: when only one value occurs, Gwet's AC1 is 1.0 by construction.
* **open transcripts**: empty cells of open (coder, transcript) pairs are missing, not absent.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Thresholds for the paradox and rare-value notes.
PARADOX_AGREEMENT = 0.8
PARADOX_COEFFICIENT = 0.667
SUBSTANTIAL_SPECIFIC = 0.6
RARE_SHARE = 0.10
#: Cluster bootstraps from fewer clusters than this are flagged.
FEW_CLUSTERS = 20


def _rarest(shares: Mapping[str, float]) -> tuple[str, float] | None:
    used = {label: share for label, share in shares.items() if share > 0}
    if len(used) < 2:
        return None
    return min(used.items(), key=lambda item: item[1])


def prevalence_notes(
    agreement: float | None,
    coefficients: Mapping[str, float | None],
    shares: Mapping[str, float],
    specific: Mapping[str, float | None],
) -> list[str]:
    """The paradox note, or the note that the rare value itself is not agreed on.

    ``coefficients``: name (with its weighting) -> value of the chance-corrected coefficients
    that compare exact matches (unweighted); ``shares``: prevalence per value label;
    ``specific``: specific agreement per value label.
    """
    rare = _rarest(shares)
    if agreement is None or rare is None:
        return []
    label, share = rare
    if share >= RARE_SHARE:
        return []
    agreed = specific.get(label)
    if agreed is None:
        return []
    if agreed <= SUBSTANTIAL_SPECIFIC:
        return [
            f"rare value not agreed: '{label}' makes up {share:.1%} of values and, of all the "
            f"times a coder used it, another coder of the same unit did so in only {agreed:.1%} "
            f"(specific agreement); the {agreement:.1%} percent agreement comes from the common "
            "value"
        ]
    low = {name: value for name, value in coefficients.items() if value is not None}
    if agreement < PARADOX_AGREEMENT or not low:
        return []
    name, value = min(low.items(), key=lambda item: item[1])
    if value >= PARADOX_COEFFICIENT:
        return []
    return [
        f"prevalence paradox: {name} is only {value:.3f} although coders agree on "
        f"{agreement:.1%} of pairs and on '{label}' itself in {agreed:.1%} of the times it was "
        f"used (specific agreement), because '{label}' makes up only {share:.1%} of values: "
        "with one value this rare, a few disagreements weigh heavily in chance-corrected "
        "coefficients (Feinstein & Cicchetti 1990); report specific agreement beside them"
    ]


def single_category_note(ac1: float | None, shares: Mapping[str, float]) -> str | None:
    """AC1 = 1.0 because one value is all there is."""
    used = [label for label, share in shares.items() if share > 0]
    if ac1 is None or len(used) != 1:
        return None
    return (
        f"gwet_ac1 is {ac1:.3f} only because one value occurs ('{used[0]}'): with a single "
        "category AC1's chance agreement is 0 by definition, so this is no evidence of "
        "reliability"
    )


def open_pairs_note(open_pairs: int) -> str | None:
    """Open (coder, transcript) pairs behind a figure whose empty cells mean something once
    complete."""
    if open_pairs <= 0:
        return None
    return (
        f"{open_pairs} (coder, transcript) pair(s) still open: until a coder completes a "
        "transcript, the cells they left empty are missing rather than absent, so only the "
        "units they coded so far pair up and agreement may look higher than it will be"
    )


def implied_note(
    implied: int, total: int, empty_label: str | None, explicit: float | None, reason: str | None
) -> str | None:
    """What the completion rule contributes to alpha."""
    if implied <= 0:
        return None
    meaning = f"'{empty_label}'" if empty_label else "a value"
    shown = f"{explicit:.3f}" if explicit is not None else f"undefined ({reason})"
    return (
        f"{implied} of {total} values are implied by the completion rule (an empty cell of a "
        f"completed transcript means {meaning}); alpha on the values coders entered is {shown}"
    )


def dropped_note(dropped: int, requested: int) -> str | None:
    if dropped <= 0:
        return None
    return (
        f"{dropped} of {requested} bootstrap replicates had an undefined alpha (only one value "
        "in the sample) and were left out; the interval describes the others"
    )


def few_clusters_note(clusters: int, by: str) -> str | None:
    if by == "unit" or clusters >= FEW_CLUSTERS or clusters < 2:
        return None
    return (
        f"the interval resamples only {clusters} {by}s: with fewer than {FEW_CLUSTERS} clusters "
        "bootstrap intervals tend to be too narrow (Cameron, Gelbach & Miller 2008); read it as "
        "a lower bound on the uncertainty"
    )
