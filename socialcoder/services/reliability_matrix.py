"""What one reliability matrix is, apart from how it is read: the selection a computation
covers (:class:`Selection`), the units of a matrix (:class:`Units`, :class:`UnitRef`) and
the matrix with what the completion rule tells about each cell (:class:`DimensionData`).
:mod:`socialcoder.services.reliability_data` reads them from a study (and re-exports them:
import from either)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import overload

import numpy as np

from socialcoder.domain.codebook import Dimension, Scale
from socialcoder.errors import StudyError


@dataclass(frozen=True, slots=True)
class Selection:
    """What a reliability computation covers; ``None`` means everything."""

    dimensions: tuple[str, ...] | None = None
    coders: tuple[str, ...] | None = None
    transcripts: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: also the consensus layer, when named in ``coders`` (as a standard to compare with;
    #: never counted among the coders otherwise)
    with_consensus: bool = False
    #: also coders' retest identities (second passes), when named in ``coders``: for the
    #: test-retest report only (:mod:`socialcoder.services.retest`); never inter-rater figures
    with_retest: bool = False


def selection_time(text: str | None, what: str) -> datetime | None:
    """A ``since``/``until`` bound typed by a user (``YYYY-MM-DD``, midnight UTC, or an ISO
    date-time; UTC when no zone is given); None when empty. ``what`` names the field in the
    one-line error (``--since`` in the CLI, ``From`` in the dashboard)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise StudyError(f"{what} {text!r} is not a date (YYYY-MM-DD) or date-time") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class UnitRef:
    transcript: str
    segment: int | None  # None for session-level units
    role: str | None
    segment_id: int | None


class Units(Sequence[UnitRef]):
    """The units of one matrix, stored as arrays; ``units[i]`` builds a :class:`UnitRef`."""

    def __init__(
        self,
        transcript_ids: np.ndarray,
        names: dict[int, str],
        segment_ids: np.ndarray | None = None,
        indexes: np.ndarray | None = None,
        roles: np.ndarray | None = None,
    ) -> None:
        self.transcript_ids = transcript_ids
        self.names = names
        self.segment_ids = segment_ids
        self.indexes = indexes
        self.roles = roles

    def __len__(self) -> int:
        return len(self.transcript_ids)

    @overload
    def __getitem__(self, i: int) -> UnitRef: ...
    @overload
    def __getitem__(self, i: slice) -> list[UnitRef]: ...
    def __getitem__(self, i: int | slice) -> UnitRef | list[UnitRef]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        name = self.names[int(self.transcript_ids[i])]
        if self.segment_ids is None:
            return UnitRef(name, None, None, None)
        assert self.indexes is not None and self.roles is not None
        return UnitRef(name, int(self.indexes[i]), str(self.roles[i]), int(self.segment_ids[i]))

    def __iter__(self) -> Iterator[UnitRef]:
        return (self[i] for i in range(len(self)))

    def transcript_names(self) -> np.ndarray:
        """The transcript name of every unit (object array), without building UnitRefs."""
        distinct = _distinct(self.transcript_ids)
        names = np.array([self.names[int(t)] for t in distinct], dtype=object)
        return names[np.searchsorted(distinct, self.transcript_ids)]


@dataclass(frozen=True, slots=True)
class DimensionData:
    """``data`` is coders x units (float, NaN = missing); categorical values are positions in
    ``categories`` (codebook order), numeric values are the numbers. ``involved`` (coders x
    units) tells whether the coder coded the unit's transcript at all; ``completed`` whether the
    coder had completed it (by the end of the time window, if any); ``implied`` which values
    the completion rule filled in. ``participants`` maps transcript ids to participant ids
    (``None`` where unknown)."""

    dimension: Dimension
    coders: tuple[str, ...]
    units: Units
    data: np.ndarray
    categories: tuple[str, ...] | None
    involved: np.ndarray | None = None
    implied: np.ndarray | None = None
    completed: np.ndarray | None = None
    participants: dict[int, str | None] = field(default_factory=dict)

    def value_text(self, cell: float) -> str | None:
        if np.isnan(cell):
            return None
        if self.categories is not None:
            return self.dimension.values[int(cell)].value
        return str(int(cell)) if float(cell).is_integer() else repr(float(cell))

    def open_pairs(self, rows: np.ndarray | None = None, cols: np.ndarray | None = None) -> int:
        """(coder, transcript) pairs behind the selected cells whose coder worked on the
        transcript but had not completed it."""
        if self.involved is None or self.completed is None or not len(self.units):
            return 0
        open_cells = self.involved & ~self.completed
        transcripts = self.units.transcript_ids
        if rows is not None:
            open_cells = open_cells[rows]
        if cols is not None:
            open_cells, transcripts = open_cells[:, cols], transcripts[cols]
        coder, unit = np.nonzero(open_cells)
        if not len(coder):
            return 0
        pair = transcripts[unit].astype(np.int64) * open_cells.shape[0] + coder
        seen = np.zeros(int(pair.max()) + 1, dtype=bool)  # transcript ids are small integers
        seen[pair] = True
        return int(seen.sum())

    def clusters(self, by: str) -> np.ndarray:
        """One label per unit: its transcript (``by="transcript"``), or its participant
        (``by="participant"``; a transcript without one is its own participant).

        The labels are ranks of the transcripts' (participants') names, never the ids the
        database gave, which follow the order of import: the bootstrap takes the clusters in
        label order, so that with ids the same seed drew other transcripts from the same
        study imported in another order, and printed another interval."""
        ids = self.units.transcript_ids
        distinct = _distinct(ids)
        names = [self.units.names[int(t)] for t in distinct.tolist()]
        if by != "transcript":
            people = [self.participants.get(int(t)) for t in distinct.tolist()]
            names = [f"p:{p}" if p else f"t:{n}" for n, p in zip(names, people, strict=True)]
        rank = {name: i for i, name in enumerate(sorted(set(names)))}
        labels = np.array([rank[name] for name in names], dtype=np.int64)
        return labels[np.searchsorted(distinct, ids)]

    def nested_sessions(self) -> bool:
        """True when some participant has two or more of the transcripts in the data."""
        ids = {int(t) for t in _distinct(self.units.transcript_ids)}
        people = [self.participants.get(t) for t in ids]
        known = [p for p in people if p]
        return len(known) > len(set(known))


def _distinct(ids: np.ndarray) -> np.ndarray:
    """The distinct ``ids``, sorted: the first id of each run of equal ones, then those few
    sorted (units come grouped by transcript). ``np.unique`` sorts every unit, and its first
    call imports ``numpy.ma`` (issue #14: start-up of ``socialcoder reliability``)."""
    if not len(ids):
        return ids[:0]
    starts = ids[np.r_[0, np.flatnonzero(np.diff(ids)) + 1]]
    return np.array(sorted(set(starts.tolist())), dtype=ids.dtype)


def level_for(dimension: Dimension) -> str:
    if dimension.scale in (Scale.BINARY, Scale.NOMINAL):
        return "nominal"
    return dimension.scale.value


def is_categorical(dimension: Dimension) -> bool:
    return dimension.scale in (Scale.BINARY, Scale.NOMINAL, Scale.ORDINAL)
