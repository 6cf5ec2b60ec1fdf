"""The final layer: the one value per unit that a study with a double-coded share analyses.

A study codes every transcript once (its *primary* coder) and a share of them twice or more
for reliability; disagreements in that share are settled into the consensus layer. What the
analyses use is then, per unit (a turn on a segment-level dimension, or a transcript on a
session-level one):

* the **consensus** value where the unit was settled (the consensus layer has a value on it);
* otherwise the **primary coder's** value (as the completion rule gives it: a binary code left
  empty on a completed transcript is ``0``, on an unfinished one missing);
* nothing where the transcript has no primary coder and the unit was not settled.

Every final value keeps its source: the primary coder's name or :data:`CONSENSUS_SOURCE`.

Who is a transcript's primary coder (:func:`primary_coder`): the one coder assigned to it with
purpose ``primary``; when no coder is assigned as primary and exactly one coder worked on it,
that coder; otherwise (several primaries, or several coders and none assigned primary) there
is none, and the transcript contributes only its settled units (reported, never guessed).

Pure functions over plain values: no database, no pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from socialcoder.domain.serial import record

#: The name of the layer in selections (``--coders final``, ``--codes final``).
FINAL = "final"
#: The source of a value taken from the consensus layer.
CONSENSUS_SOURCE = "consensus"
PRIMARY = "primary"


@dataclass(frozen=True, slots=True)
class FinalValue:
    """One unit's final value (None: missing) and where it came from (a coder's name or
    ``'consensus'``; None when there is neither a settled value nor a primary coder)."""

    value: str | None
    source: str | None


def final_value(
    *, settled: str | None, primary: str | None, primary_value: str | None
) -> FinalValue:
    """The final value of one unit: ``settled`` is the consensus layer's value (None: not
    settled), ``primary`` the transcript's primary coder (None: none), ``primary_value`` that
    coder's value on the unit (None: none)."""
    if settled is not None:
        return FinalValue(settled, CONSENSUS_SOURCE)
    if primary is None:
        return FinalValue(None, None)
    return FinalValue(primary_value, primary)


def final_values(
    settled: Sequence[str | None],
    primaries: Sequence[str | None],
    primary_values: Sequence[str | None],
) -> list[FinalValue]:
    """:func:`final_value` over aligned columns (one item per unit)."""
    if not len(settled) == len(primaries) == len(primary_values):
        raise ValueError("final_values needs columns of the same length")
    return [
        final_value(settled=s, primary=p, primary_value=v)
        for s, p, v in zip(settled, primaries, primary_values, strict=True)
    ]


def primary_coder(assigned: Mapping[str, str], worked: Iterable[str]) -> str | None:
    """A transcript's primary coder (see the module doc). ``assigned``: coder -> purpose of
    their assignment to it; ``worked``: the coders with codes, memos or a completion on it
    (the consensus layer is never among them)."""
    primaries = sorted(c for c, purpose in assigned.items() if purpose == PRIMARY)
    if len(primaries) == 1:
        return primaries[0]
    if primaries:
        return None
    coders = set(worked) | set(assigned)
    return next(iter(coders)) if len(coders) == 1 else None


@dataclass(frozen=True, slots=True)
class FinalCounts:
    """Where a final layer's values came from: ``from_consensus`` settled units,
    ``from_coders`` per primary coder, ``missing`` units without a value (not settled and the
    primary coder gave none), ``without_primary`` transcripts that have no primary coder."""

    from_consensus: int = 0
    from_coders: dict[str, int] = field(default_factory=dict)
    missing: int = 0
    without_primary: tuple[str, ...] = ()

    @property
    def from_single_coders(self) -> int:
        return sum(self.from_coders.values())

    def to_json(self) -> dict[str, object]:
        return record(
            self,
            ("from_consensus", "from_single_coders", "from_coders", "missing", "without_primary"),
            rename={"without_primary": "transcripts_without_primary"},
            values={"from_coders": dict(sorted(self.from_coders.items()))},
        )

    def sentence(self) -> str:
        coders = ", ".join(f"{c} {n}" for c, n in sorted(self.from_coders.items()))
        text = (
            f"final layer: {self.from_consensus} value(s) from consensus, "
            f"{self.from_single_coders} from single coders"
            + (f" ({coders})" if coders else "")
            + f", {self.missing} missing"
        )
        if self.without_primary:
            text += (
                f"; {len(self.without_primary)} transcript(s) without one primary coder "
                f"(only settled units used): {', '.join(self.without_primary)}"
            )
        return text


def count_sources(values: Iterable[FinalValue], without_primary: Iterable[str] = ()) -> FinalCounts:
    """How many final values came from the consensus layer and from each coder."""
    consensus = missing = 0
    coders: dict[str, int] = {}
    for v in values:
        if v.value is None:
            missing += 1
        elif v.source == CONSENSUS_SOURCE:
            consensus += 1
        elif v.source is not None:
            coders[v.source] = coders.get(v.source, 0) + 1
    return FinalCounts(consensus, coders, missing, tuple(sorted(without_primary)))
