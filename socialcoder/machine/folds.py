"""Cross-validation folds that never split a session, and where possible not a person.

Sessions (transcripts) are joined into groups: two sessions of the same participant, or of the
same therapist, belong to one group (connected components, so a chain of shared people is one
group). A group is never split between training and test. When that leaves fewer groups than
folds (one therapist saw every patient, say), the therapist link is dropped, then the
participant link, down to one group per session; :class:`Grouping` says which was used and why.

Groups go to folds largest first, each to the fold with the fewest units so far (ties to the
lower fold), after a seeded shuffle so that groups of equal size are spread at random.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from socialcoder.machine.errors import TooFewUnitsError

BY_BOTH = "participant and therapist"
BY_PARTICIPANT = "participant"
BY_TRANSCRIPT = "transcript"


@dataclass(frozen=True, slots=True)
class Grouping:
    """``groups[s]``: the group of session ``s``; ``by``: which links joined sessions."""

    groups: np.ndarray
    by: str
    note: str | None = None

    @property
    def count(self) -> int:
        return int(np.unique(self.groups).size)


def _components(n: int, keys: Sequence[Sequence[str | None]]) -> np.ndarray:
    """Group number of each of ``n`` items; items sharing a non-missing key value are joined."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for column in keys:
        first: dict[str, int] = {}
        for i, key in enumerate(column):
            if key is None:
                continue
            j = first.setdefault(key, i)
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    roots = np.asarray([find(i) for i in range(n)], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1].astype(np.int64)


def group_sessions(
    participants: Sequence[str | None], therapists: Sequence[str | None], folds: int
) -> Grouping:
    """Groups of sessions for ``folds`` folds (see the module doc)."""
    n = len(participants)
    known_p = any(p is not None for p in participants)
    known_t = any(t is not None for t in therapists)
    if known_p or known_t:
        both = _components(n, [participants, therapists])
        if np.unique(both).size >= folds:
            return Grouping(both, BY_BOTH if known_t and known_p else _single(known_p))
        if known_p:
            alone = _components(n, [participants])
            if np.unique(alone).size >= folds:
                return Grouping(
                    alone,
                    BY_PARTICIPANT,
                    f"sessions linked by a shared therapist form only {np.unique(both).size} "
                    f"group(s) for {folds} folds, so only a participant's sessions are kept "
                    "together",
                )
        note = (
            f"sessions linked by shared people form fewer groups than {folds} folds, so "
            "folds are grouped by transcript only"
        )
    else:
        note = "participant and therapist are not known: folds are grouped by transcript"
    return Grouping(np.arange(n, dtype=np.int64), BY_TRANSCRIPT, note)


def _single(known_participant: bool) -> str:
    return BY_PARTICIPANT if known_participant else "therapist"


def assign_folds(groups: np.ndarray, sizes: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """Fold number (0..folds-1) of each session: ``groups[s]`` is its group, ``sizes[s]`` its
    number of coded units. Refuses fewer groups than folds."""
    if folds < 2:
        raise TooFewUnitsError("folds", folds, 2)
    labels = np.unique(groups)
    if labels.size < folds:
        raise TooFewUnitsError(
            "groups of sessions with coded turns",
            int(labels.size),
            folds,
            f"cross-validation with {folds} folds needs a group per fold; use fewer folds",
        )
    group_size = np.zeros(int(groups.max()) + 1)
    np.add.at(group_size, groups, sizes)
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(labels)
    order = shuffled[np.argsort(-group_size[shuffled], kind="stable")]
    load = np.zeros(folds)
    fold_of_group = np.zeros(group_size.size, dtype=np.int64)
    for g in order:
        f = int(np.argmin(load))
        fold_of_group[g] = f
        load[f] += group_size[g]
    return fold_of_group[groups]
