"""The coding design: who codes what, in which order, and which share is double-coded.

:func:`plan_design` draws a plan for transcripts not yet assigned, seeded (the same seed and
study give the same plan):

* **Primary coders** are balanced (the coder with the fewest transcripts, counting existing
  assignments, gets the next one; ties drawn at random).
* **The double-coded share** (``overlap_percent`` of the transcripts planned) is drawn
  **stratified** by the attributes named in ``stratify`` (therapist, site, phase; a missing
  value is a stratum of its own): each stratum gets its proportional share, rounded by largest
  remainders so that the total is the share of all transcripts and no stratum is off by a
  whole transcript or more (:func:`allocate`). The second coder is the lightest other coder.
  With ``covert``, which of the two codings is the primary one is drawn at random.
* **Anchor transcripts** (``anchors``): transcripts every coder codes, to measure each coder's
  drift against a fixed standard (assignments marked ``anchor``; one coder, drawn at random,
  holds the primary coding, the others reliability codings).
* **Each coder's order** is a random permutation, recorded as positions 1, 2, ... after the
  coder's existing assignments. With ``covert`` the double-coded and anchor transcripts are
  spread over the coding period: the queue is cut into as many equal blocks as there are such
  transcripts and each falls at a random place in its own block (evenly spread, yet with no
  regular pattern a coder could learn). So drift, session order and the reliability sample are
  not confounded (Romanczyk et al. 1973; Taplin & Reid 1973: coders who know they are checked
  agree more).

Pure: no database.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from socialcoder.domain.serial import record
from socialcoder.errors import Input, Remedy

PRIMARY = "primary"
RELIABILITY = "reliability"
PURPOSES = (PRIMARY, RELIABILITY)
STRATIFIERS = ("therapist", "site", "phase")
UNKNOWN = "(none)"


@dataclass(frozen=True, slots=True)
class DesignUnit:
    """A transcript to plan, with the attributes a design may stratify by."""

    name: str
    therapist: str | None = None
    site: str | None = None
    phase: str | None = None

    def stratum(self, by: Sequence[str]) -> tuple[str, ...]:
        return tuple(getattr(self, a) or UNKNOWN for a in by)


@dataclass(frozen=True, slots=True)
class DesignSpec:
    coders: tuple[str, ...]
    overlap_percent: float = 0.0
    stratify: tuple[str, ...] = ()
    covert: bool = False
    anchors: int = 0
    seed: int | None = None

    def to_json(self) -> dict[str, object]:
        return record(self)


@dataclass(frozen=True, slots=True)
class Planned:
    coder: str
    transcript: str
    purpose: str
    position: int  # 1-based place in the coder's order
    anchor: bool = False


@dataclass(frozen=True, slots=True)
class StratumShare:
    stratum: tuple[str, ...]
    transcripts: int
    double_coded: int
    expected: float  # the stratum's exact proportional share


@dataclass(frozen=True, slots=True)
class DesignPlan:
    spec: DesignSpec
    assignments: tuple[Planned, ...]
    strata: tuple[StratumShare, ...] = ()
    anchors: tuple[str, ...] = ()
    double_coded: tuple[str, ...] = field(default_factory=tuple)


class DesignError(ValueError):
    """A design that cannot be drawn (one readable line; ``remedy`` what to change)."""

    def __init__(self, message: str, remedy: Remedy | None = None) -> None:
        super().__init__(message)
        self.remedy = remedy


def check_spec(spec: DesignSpec) -> None:
    if not spec.coders:
        raise DesignError(
            "at least one coder is needed", Remedy.give(Input.CODERS, example="A,B,C")
        )
    if len(set(spec.coders)) != len(spec.coders):
        raise DesignError("a coder is named twice", Remedy.change(Input.CODERS))
    if not 0 <= spec.overlap_percent <= 100:
        raise DesignError(
            "the overlap must be a percentage between 0 and 100", Remedy.change(Input.OVERLAP)
        )
    if (spec.overlap_percent > 0 or spec.anchors > 0) and len(spec.coders) < 2:
        raise DesignError("double coding and anchors need at least two coders")
    unknown = [a for a in spec.stratify if a not in STRATIFIERS]
    if unknown:
        raise DesignError(f"cannot stratify by {', '.join(unknown)} (use {', '.join(STRATIFIERS)})")
    if spec.anchors < 0:
        raise DesignError("the number of anchors must be 0 or more", Remedy.change(Input.ANCHORS))


def allocate(sizes: Mapping[tuple[str, ...], int], total: int) -> dict[tuple[str, ...], int]:
    """Split ``total`` over strata in proportion to their ``sizes`` by largest remainders:
    every stratum gets the floor of its exact share, the rest go to the largest remainders
    (ties in stratum order). Each stratum is within one of its exact share."""
    n = sum(sizes.values())
    if n == 0 or total == 0:
        return {s: 0 for s in sizes}
    exact = {s: total * k / n for s, k in sizes.items()}
    out = {s: math.floor(x) for s, x in exact.items()}
    left = total - sum(out.values())
    for s in sorted(sizes, key=lambda s: (-(exact[s] - out[s]), s))[:left]:
        out[s] += 1
    return out


def spread(special: Sequence[str], plain: Sequence[str], rng: random.Random) -> list[str]:
    """An order of ``special`` and ``plain`` items (each already in random order) with the
    special ones spread over it: one at a random place in each of ``len(special)`` equal
    blocks of the queue."""
    n, k = len(special) + len(plain), len(special)
    if k == 0:
        return list(plain)
    slots = []
    for i in range(k):
        lo, hi = (i * n) // k, ((i + 1) * n) // k  # block i: positions lo .. hi-1
        slots.append(rng.randrange(lo, hi))
    out: list[str | None] = [None] * n
    for slot, item in zip(slots, special, strict=True):
        out[slot] = item
    rest = iter(plain)
    return [x if x is not None else next(rest) for x in out]


def plan_design(
    units: Sequence[DesignUnit],
    spec: DesignSpec,
    *,
    load: Mapping[str, int] | None = None,
    last_position: Mapping[str, int] | None = None,
) -> DesignPlan:
    """A seeded plan for ``units`` (transcripts without assignments; see the module doc).
    ``load``: transcripts each coder already has; ``last_position``: the last place taken in
    each coder's order."""
    check_spec(spec)
    rng = random.Random(spec.seed)
    pool = sorted(units, key=lambda u: u.name)
    rng.shuffle(pool)
    counts = Counter({c: 0 for c in spec.coders})
    for c in spec.coders:
        counts[c] += (load or {}).get(c, 0)
    if spec.anchors > len(pool):
        raise DesignError(f"{spec.anchors} anchors asked for, {len(pool)} transcripts to plan")
    anchors = [u.name for u in pool[: spec.anchors]]
    rest = pool[spec.anchors :]

    def lightest(exclude: set[str]) -> str:
        candidates = [c for c in spec.coders if c not in exclude]
        best = min(counts[c] for c in candidates)
        return rng.choice([c for c in candidates if counts[c] == best])

    queues: dict[str, list[tuple[str, str]]] = {c: [] for c in spec.coders}
    for name in anchors:
        holder = rng.choice(spec.coders)  # the anchor's primary coding
        for c in spec.coders:
            queues[c].append((name, PRIMARY if c == holder else RELIABILITY))
    first: dict[str, str] = {}
    for u in rest:
        c = lightest(set())
        counts[c] += 1
        first[u.name] = c
    target = round(len(rest) * spec.overlap_percent / 100)
    groups: dict[tuple[str, ...], list[DesignUnit]] = {}
    for u in rest:
        groups.setdefault(u.stratum(spec.stratify), []).append(u)
    shares = allocate({s: len(g) for s, g in groups.items()}, target)
    doubled: list[str] = []
    strata = []
    for s in sorted(groups):
        chosen = rng.sample(groups[s], shares[s])
        doubled += [u.name for u in chosen]
        strata.append(
            StratumShare(s, len(groups[s]), shares[s], len(groups[s]) * target / len(rest))
        )
    doubled_set, anchor_set = set(doubled), set(anchors)
    for u in rest:
        c = first[u.name]
        if u.name not in doubled_set:
            queues[c].append((u.name, PRIMARY))
            continue
        second = lightest({c})
        counts[second] += 1
        pair = [c, second]
        if spec.covert:
            rng.shuffle(pair)  # which coding is the primary one: drawn at random
        queues[pair[0]].append((u.name, PRIMARY))
        queues[pair[1]].append((u.name, RELIABILITY))
    planned: list[Planned] = []
    for c in spec.coders:
        items = dict(queues[c])
        names = [n for n, _ in queues[c]]
        rng.shuffle(names)
        if spec.covert:
            special = [n for n in names if n in doubled_set or n in anchor_set]
            plain = [n for n in names if n not in doubled_set and n not in anchor_set]
            order = spread(special, plain, rng)
        else:
            order = names
        start = (last_position or {}).get(c, 0)
        planned += [
            Planned(c, n, items[n], start + i, n in anchor_set) for i, n in enumerate(order, 1)
        ]
    return DesignPlan(spec, tuple(planned), tuple(strata), tuple(anchors), tuple(doubled))
