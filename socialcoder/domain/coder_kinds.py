"""What each kind of coder is and may do: the one place that answers it (issue #17).

A study's coders are of three kinds (stored in ``coders.kind``):

* ``coder``: a human coder;
* ``consensus``: the consensus layer (the lead's settled values), never counted as a coder;
* ``machine``: a machine coder, writing one stored model's codes (named with the model's
  version, e.g. ``machine talk v2``).

Every place that lists coders asks here: reliability's default coders, the dashboard, the
export's coder selection and its ``coder_kind`` column, the final layer, consensus,
assignment, a blind coder's view. A machine coder counts in human reliability only when
named, is never shown to a blind coder, is never assigned work, is never a source of the
final layer or of consensus, and is never presented as a human (exports and REFI projects
say its kind).
"""

from __future__ import annotations

HUMAN = "coder"
CONSENSUS = "consensus"
MACHINE = "machine"
KINDS = (HUMAN, CONSENSUS, MACHINE)
#: what exports call each kind (the ``coder_kind`` column)
EXPORT_NAMES = {HUMAN: "human", CONSENSUS: "consensus", MACHINE: "machine"}
MACHINE_PREFIX = "machine "


def is_human(kind: str) -> bool:
    return kind == HUMAN


def is_machine(kind: str) -> bool:
    return kind == MACHINE


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
    return kind == HUMAN


def feeds_final_layer(kind: str) -> bool:
    """Whose codes may make the final layer: humans (and the consensus layer above them)."""
    return kind == HUMAN


def writes_by_hand(kind: str) -> bool:
    """Whose codes a person may set, clear or import: a human coder's (the consensus layer
    has its own commands; a machine coder's codes come only from its model)."""
    return kind == HUMAN


def export_name(kind: str) -> str:
    return EXPORT_NAMES[kind]


def machine_coder_name(dimension: str, version: int) -> str:
    return f"{MACHINE_PREFIX}{dimension} v{version}"
