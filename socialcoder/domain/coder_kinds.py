"""What each kind of coder is and may do: the one place that answers it (issues #17, #19).

A study's coders are of four kinds (stored in ``coders.kind``):

* ``coder``: a human coder;
* ``consensus``: the consensus layer (the lead's settled values), never counted as a coder;
* ``machine``: a machine coder, writing one stored model's codes (named with the model's
  version, e.g. ``machine talk v2``);
* ``retest``: a coder's blind second pass (intra-rater stability), a coder identity of its own
  linked to the coder (``coders.retest_of``; named ``<coder> (retest)``). A person codes it by
  hand, in their own window, where its transcripts look like any other masked transcript. Its
  codes are kept apart from the first pass: they are never part of inter-rater reliability
  (not even when named), consensus, the final layer, default exports, the lead's default
  coder lists or anything shown to a blind coder; they are read only by the test-retest
  report (``reliability --retest``), which pairs them with the coder's first pass.

Every place that lists coders asks here: reliability's default coders, the dashboard, the
export's coder selection and its ``coder_kind`` column, the final layer, consensus,
assignment, a blind coder's view. A machine coder counts in human reliability only when
named, is never shown to a blind coder, is never assigned work, is never a source of the
final layer or of consensus, and is never presented as a human (exports and REFI projects
say its kind).
"""

from __future__ import annotations

import re
from enum import StrEnum


class CoderKind(StrEnum):
    """A coder's kind; the value is what ``coders.kind`` stores."""

    HUMAN = "coder"
    CONSENSUS = "consensus"
    MACHINE = "machine"
    RETEST = "retest"


HUMAN = CoderKind.HUMAN
CONSENSUS = CoderKind.CONSENSUS
MACHINE = CoderKind.MACHINE
RETEST = CoderKind.RETEST
KINDS = tuple(CoderKind)
#: what exports call each kind (the ``coder_kind`` column)
EXPORT_NAMES: dict[str, str] = {
    HUMAN: "human",
    CONSENSUS: "consensus",
    MACHINE: "machine",
    RETEST: "retest",
}
MACHINE_PREFIX = "machine "
RETEST_SUFFIX = " (retest)"
_MACHINE_FORM = re.compile(r"machine \S.* v\d+", re.IGNORECASE)


def is_human(kind: str) -> bool:
    return kind == HUMAN


def is_machine(kind: str) -> bool:
    return kind == MACHINE


def is_retest(kind: str) -> bool:
    return kind == RETEST


def listed_by_default(kind: str) -> bool:
    """Among the coders a command or view uses when none are named: humans only."""
    return kind == HUMAN


def may_be_named(kind: str) -> bool:
    """May be chosen by name (``--coders``, the dashboard's selection): humans and machines."""
    return kind in (HUMAN, MACHINE)


def counts_in_reliability(kind: str, *, named: bool) -> bool:
    """A human always; a machine coder only when named explicitly."""
    return kind == HUMAN or (kind == MACHINE and named)


def shown_to_blind_coder(kind: str) -> bool:
    """A blind coder sees only their own work; a machine coder's codes are never shown."""
    return kind == HUMAN


def may_be_assigned(kind: str) -> bool:
    """Who the lead may assign work to by hand or by a design plan (a retest identity's
    assignments come only from a retest plan)."""
    return kind == HUMAN


def feeds_final_layer(kind: str) -> bool:
    """Whose codes may make the final layer: humans (and the consensus layer above them)."""
    return kind == HUMAN


def writes_by_hand(kind: str) -> bool:
    """Whose codes a person may set, clear or import: a human coder's (the consensus layer
    has its own commands; a machine coder's codes come only from its model). A retest
    identity's second pass is coded by hand too."""
    return kind in (HUMAN, RETEST)


def in_test_retest(kind: str) -> bool:
    """Whose codes the test-retest report reads as a second pass: a retest identity's only."""
    return kind == RETEST


def export_name(kind: str) -> str:
    return EXPORT_NAMES[kind]


def machine_coder_name(dimension: str, version: int) -> str:
    return f"{MACHINE_PREFIX}{dimension} v{version}"


def retest_coder_name(coder: str) -> str:
    """The name of ``coder``'s retest identity (the second pass)."""
    return f"{coder}{RETEST_SUFFIX}"


def kind_by_form(name: str) -> CoderKind | None:
    """The kind whose names ``name`` is formed like: :data:`RETEST` for ``<coder> (retest)``,
    :data:`MACHINE` for ``machine <dimension> v<N>``; None for any other name. A human coder
    may not take such a name: it would pass for a second pass or a model (and a codes file
    or a copy would bring a machine's codes back as a person's)."""
    if name.casefold().endswith(RETEST_SUFFIX) and len(name) > len(RETEST_SUFFIX):
        return RETEST
    if _MACHINE_FORM.fullmatch(name):
        return MACHINE
    return None


def retest_base(name: str) -> str:
    """The coder whose second pass ``name`` (``<coder> (retest)``) is."""
    return name[: -len(RETEST_SUFFIX)]


def from_export_name(text: str) -> CoderKind | None:
    """The kind an export's ``coder_kind`` column names (``human``, ``consensus``,
    ``machine``, ``retest``), or None for anything else."""
    found = {v: k for k, v in EXPORT_NAMES.items()}.get(text.strip().casefold())
    return None if found is None else CoderKind(found)
