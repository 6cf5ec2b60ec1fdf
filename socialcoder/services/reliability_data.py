"""Reliability data from a study: one ``coders x units`` matrix per dimension (what a matrix,
its units and a selection are: :mod:`socialcoder.services.reliability_matrix`, re-exported
here).

Which units: for a segment-level dimension, the segments whose speaker role the dimension
applies to, in transcripts that at least two of the selected coders worked on (codes, memos or
a completion: :func:`socialcoder.domain.rules.worked`). For a session-level dimension, one
unit per such transcript. The consensus layer is never a coder here.

The completion rule (:mod:`socialcoder.domain.rules`, applied to the matrices by
:func:`apply_completion_rule`): a coder's empty cell is missing, except
on a transcript the coder has completed, where a cell with **no code at all** takes the
dimension's empty value (:attr:`Dimension.empty_value`: ``0`` for binary dimensions, the
codebook's ``empty_means`` for nominal/ordinal ones). Such values are *implied* and marked in
``DimensionData.implied``. With ``since``/``until`` only codes whose last change falls in the
window count; a cell whose code was changed outside the window is missing in that window (never
implied), and implied values count only when the completion falls in the window.

Speed: a study of 3 coders x 500,000 segments is read column-wise into numpy arrays (codes
arrive as integer category positions computed by the database, packed into numbers that numpy
parses from text), so neither Python objects per code nor per unit are built. The reads are
plain SQL on the study's DBAPI connection (:class:`_Reader`), the one read path for an open
:class:`~socialcoder.services.study.Study` (SQLite or PostgreSQL) and for a study file opened
without SQLAlchemy (``socialcoder reliability``'s fast start, issue #14): importing this module
imports no SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from socialcoder.domain import coder_kinds
from socialcoder.domain.codebook import Codebook, Dimension, Unit
from socialcoder.domain.rules import (
    ROLE_NUMBERS,
    ROLE_OF_NUMBER,
    empty_value,
    implied_mask,
    role_number,
    roles_of,
    worked,
)
from socialcoder.errors import NotFound, StudyError
from socialcoder.services.reliability_matrix import (
    DimensionData,
    Selection,
    UnitRef,
    Units,
    is_categorical,
    level_for,
    selection_time,
)

__all__ = [
    "CHUNK",
    "DimensionData",
    "ReadableStudy",
    "Selection",
    "UnitRef",
    "Units",
    "apply_completion_rule",
    "is_categorical",
    "level_for",
    "load_dimension_data",
    "selection_time",
]

CHUNK = 200_000
_ROLE_SPAN = max(ROLE_NUMBERS.values()) + 1
#: role number -> role name (index 0: no role)
_ROLE_NAMES = np.array(
    [ROLE_OF_NUMBER[n].value if n in ROLE_OF_NUMBER else None for n in range(_ROLE_SPAN)],
    dtype=object,
)


class _Reader:
    """The study's tables through a DBAPI connection (the one read path of this module, for
    a :class:`~socialcoder.services.study.Study` and a study file opened without SQLAlchemy
    alike): plain SQL that SQLite and PostgreSQL read alike. Ids, which come from the
    database itself, are written into the statements as numbers; texts are parameters
    (marked ``?`` here, ``%s`` for PostgreSQL's driver)."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self.connection = connection
        self.postgresql = dialect == "postgresql"

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgresql else sql

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(self._sql(sql), tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def arrays(self, sql: str, params: Sequence[Any], columns: int) -> np.ndarray:
        """Rows as a ``rows x columns`` float array (None -> NaN), fetched in chunks: the
        columns are plain numbers, so no row objects are kept."""
        cursor = self.connection.cursor()
        parts = []
        try:
            cursor.execute(self._sql(sql), tuple(params))
            while chunk := cursor.fetchmany(CHUNK):
                parts.append(np.array(chunk, dtype=np.float64).reshape(-1, columns))
        finally:
            cursor.close()
        return np.concatenate(parts) if parts else np.zeros((0, columns), dtype=np.float64)

    def numbers(self, columns: Sequence[str], rest: str, params: Sequence[Any] = ()) -> np.ndarray:
        """The integer ``columns`` of ``SELECT ... rest``, row after row, as one int64 array
        parsed by numpy in C from text: no Python object per row. Never one value of the
        database: PostgreSQL streams the rows out with ``COPY (SELECT ...) TO STDOUT`` (a text
        value there is capped at 1 GB); SQLite, whose driver has no COPY, concatenates them
        (``group_concat``; SQLite's own cap on a value is 1e9 bytes, about 80 million
        numbers per column). On SQLite each column is its own ``group_concat`` of the one pass
        (no text joined per row: a third less of SQLite's time for the segments), so no column
        may be NULL."""
        if not self.postgresql:
            aggregates = ", ".join(f"group_concat({c}, ' ')" for c in columns)
            found = self.rows(f"SELECT {aggregates} {rest}", params)
            texts = found[0] if found else [None] * len(columns)
            parsed = [np.fromstring(t or "", dtype=np.int64, sep=" ") for t in texts]
            if not len(parsed[0]):
                return np.zeros(0, dtype=np.int64)
            return parsed[0] if len(parsed) == 1 else np.column_stack(parsed).ravel()
        cursor = self.connection.cursor()
        sql = self._sql(f"COPY (SELECT {', '.join(columns)} {rest}) TO STDOUT")
        with cursor, cursor.copy(sql, tuple(params)) as copy:
            text = b"".join(bytes(block) for block in copy).decode("ascii")
        if not text:
            return np.zeros(0, dtype=np.int64)
        return np.fromstring(text, dtype=np.int64, sep=" ")


def _ids(ids: Iterable[int]) -> str:
    """``(1, 2, 3)`` for ``column IN ...``; an empty list matches nothing."""
    listed = ", ".join(str(int(i)) for i in ids)
    return f"({listed})" if listed else "(NULL)"


def _coders(
    reader: _Reader,
    names: tuple[str, ...] | None,
    with_consensus: bool = False,
    with_retest: bool = False,
) -> dict[int, str]:
    """Coder id -> name: every human coder when ``names`` is None; else the named coders,
    where a machine coder may be named (:func:`coder_kinds.counts_in_reliability`) and the
    consensus layer only ``with_consensus``."""
    everyone = reader.rows("SELECT id, name, kind FROM coders")
    if names is None:
        rows = {i: n for i, n, k in everyone if coder_kinds.counts_in_reliability(k, named=False)}
        return dict(sorted(rows.items(), key=lambda kv: kv[1]))
    rows = {
        i: n
        for i, n, k in everyone
        if coder_kinds.counts_in_reliability(k, named=True)
        or (with_consensus and k == coder_kinds.CONSENSUS)
        or (with_retest and coder_kinds.in_test_retest(k))
    }
    by_name = {v: k for k, v in rows.items()}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise StudyError(
            f"unknown coder(s) {', '.join(unknown)} (coders: {', '.join(sorted(by_name)) or 'none'})"
        )
    return {by_name[n]: n for n in names}


def _stamp(value: datetime | str | None) -> datetime | None:
    """A stored time: PostgreSQL's driver gives a datetime, SQLite's the text SQLAlchemy's
    ``DateTime`` wrote (read back the way SQLAlchemy reads it)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _aware(stamp: datetime) -> datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _in_window(stamp: datetime | None, selection: Selection) -> bool:
    if stamp is None:
        return False
    stamp = _aware(stamp)
    if selection.since and stamp < selection.since:
        return False
    return not (selection.until and stamp >= selection.until)


@dataclass(slots=True)
class _Study:
    """Everything read once for all dimensions of one request."""

    coders: dict[int, str]
    coder_row: dict[int, int]
    transcripts: dict[int, str]
    eligible: list[int]
    coded_by: dict[int, set[int]]
    completions: dict[tuple[int, int], datetime]
    segments: np.ndarray  # rows: id, transcript id, index, role number (eligible/index order)
    participants: dict[int, str | None]


class ReadableStudy(Protocol):
    """What reading reliability data needs of a study: an open
    :class:`~socialcoder.services.study.Study`, or a study file opened without SQLAlchemy
    (:class:`~socialcoder.services.study_file.StudyFile`)."""

    name: str

    @property
    def codebook(self) -> Codebook: ...

    def dimension(self, key: str) -> Any: ...  # .id, .dimension

    def dbapi_read(self) -> AbstractContextManager[tuple[Any, str]]: ...


def load_dimension_data(
    study: ReadableStudy, selection: Selection | None = None
) -> list[DimensionData]:
    """One :class:`DimensionData` per selected dimension."""
    selection = selection or Selection()
    keys = selection.dimensions or study.codebook.keys
    dims = [study.dimension(k) for k in keys]
    with study.dbapi_read() as (connection, dialect):
        reader = _Reader(connection, dialect)
        with _small_page_cache(reader, dialect):
            base = _read_base(reader, selection)
            return [
                _matrix(dim.dimension, base, codes, selection)
                for dim, codes in _each_dimension(reader, dims, base, selection)
            ]


def _each_dimension(
    reader: _Reader, dims: list[Any], base: _Study, selection: Selection
) -> Iterator[tuple[Any, _Codes]]:
    """Each selected dimension with its codes, read the fastest way that fits it."""
    windowed = selection.since is not None or selection.until is not None
    coded = _dimensions_with_codes(reader, base)
    for dim in dims:
        d = dim.dimension
        if dim.id not in coded:  # no query (a codebook of 10,000 dimensions, few coded)
            codes = _Codes.empty(windowed=windowed)
        elif windowed:
            codes = _windowed_codes(reader, d, dim.id, base, selection)
        elif is_categorical(d) and len(d.values) < 256 and max(base.coders, default=0) < 65536:
            codes = _packed_codes(reader, d, dim.id, base)
        else:
            codes = _row_codes(reader, d, dim.id, base)
        yield dim, codes


@contextmanager
def _small_page_cache(reader: _Reader, dialect: str) -> Iterator[None]:
    """SQLite: these reads pass once over whole tables, so a big page cache (the study's 64 MiB,
    kept for imports) would only fill with pages never read again; 4 MiB while they run."""
    if dialect != "sqlite":
        yield
        return
    before = reader.rows("PRAGMA cache_size")[0][0]
    reader.rows("PRAGMA cache_size=-4096")
    try:
        yield
    finally:
        reader.rows(f"PRAGMA cache_size={int(before or -2000)}")


def _position(d: Dimension) -> tuple[str, list[str]]:
    """The value's 0-based position in codebook order, computed by the database (SQL and its
    parameters, the value texts)."""
    whens = " ".join(f"WHEN ? THEN {i}" for i in range(len(d.value_texts)))
    return f"CASE value_enum {whens} END", list(d.value_texts)


def _code_query(
    d: Dimension, dim_id: int, base: _Study, *, updated: bool = False
) -> tuple[str, list[str]]:
    value, params = _position(d) if is_categorical(d) else ("value", [])
    stamp = ", updated_at" if updated else ""
    where = f"dimension_id = {int(dim_id)} AND coder_id IN {_ids(base.coders)}"
    return (
        f"SELECT coder_id, transcript_id, segment_id, {value}{stamp} FROM codes WHERE {where}",
        params,
    )


@dataclass(frozen=True, slots=True)
class _Codes:
    """One dimension's codes as columns: the coder id, the unit's key (segment id for a
    segment-level dimension, transcript id for a session-level one; -1 when absent), the value
    (category position or number; NaN when not a number) and, in a time window, whether the
    code's last change falls in it (a code changed outside it makes its cell missing)."""

    coder: np.ndarray
    key: np.ndarray
    value: np.ndarray
    in_window: np.ndarray | None = None

    @classmethod
    def empty(cls, *, windowed: bool) -> _Codes:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, np.zeros(0), np.zeros(0, dtype=bool) if windowed else None)

    @classmethod
    def of_rows(cls, d: Dimension, rows: np.ndarray) -> _Codes:
        """From ``rows x (coder id, transcript id, segment id, value[, in window])``."""
        unit = rows[:, 1] if d.unit is Unit.SESSION else rows[:, 2]
        return cls(
            rows[:, 0].astype(np.int64),
            np.nan_to_num(unit, nan=-1).astype(np.int64),
            np.ascontiguousarray(rows[:, 3]),
            rows[:, 4] > 0 if rows.shape[1] > 4 else None,
        )


def _dimensions_with_codes(reader: _Reader, base: _Study) -> set[int]:
    """The ids of dimensions the selected coders have codes of: one index probe per
    dimension (ix_codes_dimension), so that reading scales with the codes, not the
    codebook's size."""
    return {
        int(i)
        for (i,) in reader.rows(
            "SELECT d.id FROM dimensions AS d WHERE EXISTS (SELECT 1 FROM codes "
            f"WHERE codes.dimension_id = d.id AND codes.coder_id IN {_ids(base.coders)})"
        )
    }


def _row_codes(reader: _Reader, d: Dimension, dim_id: int, base: _Study) -> _Codes:
    """One dimension's codes, read row by row."""
    return _Codes.of_rows(d, reader.arrays(*_code_query(d, dim_id, base), 4))


def _windowed_codes(
    reader: _Reader, d: Dimension, dim_id: int, base: _Study, selection: Selection
) -> _Codes:
    """Every code, with whether its last change falls in the window (the cell is missing, not
    empty, when it does not)."""
    rows = reader.rows(*_code_query(d, dim_id, base, updated=True))
    kept = [(*r[:4], 1.0 if _in_window(_stamp(r[4]), selection) else 0.0) for r in rows]
    return _Codes.of_rows(d, np.array(kept, dtype=np.float64).reshape(-1, 5))


def _packed_codes(reader: _Reader, d: Dimension, dim_id: int, base: _Study) -> _Codes:
    """Like :func:`_row_codes`, but for large studies, with no Python object per code: the
    units arrive as text that numpy parses in C. SQLite: :func:`_grouped_codes`. PostgreSQL:
    the database packs each code into one integer ((unit id x 2^16 + coder id) x 2^8 +
    position), copied out (:meth:`_Reader.numbers`)."""
    unit = "transcript_id" if d.unit is Unit.SESSION else "segment_id"
    if not reader.postgresql:
        return _grouped_codes(reader, d, dim_id, base, unit)
    position, params = _position(d)
    packed = f"(CAST({unit} AS BIGINT) * 65536 + coder_id) * 256 + {position}"
    where = f"FROM codes WHERE dimension_id = {int(dim_id)} AND coder_id IN {_ids(base.coders)}"
    values = reader.numbers([packed], where, params)
    return _Codes(
        coder=(values >> 8) & 65535,
        key=values >> 24,
        value=(values & 255).astype(np.float64),
    )


def _grouped_codes(reader: _Reader, d: Dimension, dim_id: int, base: _Study, unit: str) -> _Codes:
    """SQLite: one row per coder and value, its units' ids as one text (``group_concat``),
    read from ``ix_codes_reliability`` alone (revision 0014: the index holds every column
    named here, in the order grouped by), so that SQLite neither visits the table nor
    computes anything per code. A value that is not the dimension's is left out, as the
    packed read leaves it out."""
    rows = reader.rows(
        f"SELECT coder_id, value_enum, group_concat({unit}, ' ') FROM codes "
        f"WHERE dimension_id = {int(dim_id)} AND coder_id IN {_ids(base.coders)} "
        "GROUP BY coder_id, value_enum"
    )
    position = {text: i for i, text in enumerate(d.value_texts)}
    parts = [
        (coder, position[value], np.fromstring(text, dtype=np.int64, sep=" "))
        for coder, value, text in rows
        if value in position and text
    ]
    if not parts:
        return _Codes.empty(windowed=False)
    sizes = [len(units) for _, _, units in parts]
    return _Codes(
        coder=np.repeat(np.array([c for c, _, _ in parts], dtype=np.int64), sizes),
        key=np.concatenate([units for _, _, units in parts]),
        value=np.repeat(np.array([v for _, v, _ in parts], dtype=np.float64), sizes),
    )


def _segments(reader: _Reader, transcripts: list[int], *, everything: bool) -> np.ndarray:
    """segments x (id, transcript id, index, role number of
    :data:`~socialcoder.domain.rules.ROLE_NUMBERS`), packed by the database two numbers per
    segment and read as text (see :func:`_packed_codes`)."""
    whens = " ".join(f"WHEN ? THEN {n}" for n in ROLE_NUMBERS.values())
    first = f"CAST(id AS BIGINT) * {_ROLE_SPAN} + CASE role {whens} ELSE 0 END"
    second = "CAST(transcript_id AS BIGINT) * 4194304 + idx"
    rest = "FROM segments"
    if not everything:
        if not transcripts:
            return np.zeros((0, 4), dtype=np.int64)
        rest += f" WHERE transcript_id IN {_ids(transcripts)}"
    numbers = reader.numbers([first, second], rest, [r.value for r in ROLE_NUMBERS])
    if not len(numbers):
        return np.zeros((0, 4), dtype=np.int64)
    numbers = numbers.reshape(-1, 2)
    out = np.empty((len(numbers), 4), dtype=np.int64)
    out[:, 0], out[:, 3] = np.divmod(numbers[:, 0], _ROLE_SPAN)
    out[:, 1], out[:, 2] = np.divmod(numbers[:, 1], 4_194_304)
    return out


def _read_base(reader: _Reader, selection: Selection) -> _Study:
    coders = _coders(reader, selection.coders, selection.with_consensus, selection.with_retest)
    coder_row = {cid: i for i, cid in enumerate(coders)}
    rows = reader.rows("SELECT id, name, participant FROM transcripts")
    transcripts = {t: name for t, name, _ in rows}
    participants = {t: person for t, _, person in rows}
    if selection.transcripts is not None:
        wanted = set(selection.transcripts)
        missing = wanted - set(transcripts.values())
        if missing:
            raise NotFound(
                f"no transcript(s) named {', '.join(sorted(missing))}",
                what="transcript",
                names=tuple(sorted(missing)),
            )
        transcripts = {k: v for k, v in transcripts.items() if v in wanted}
    completions = {
        (c, t): at
        for c, t, at in (
            (c, t, _stamp(at))
            for c, t, at in reader.rows(
                "SELECT coder_id, transcript_id, completed_at FROM completions"
            )
        )
        if c in coder_row and t in transcripts and at is not None
    }
    # who coded which transcript: one index probe per (transcript, coder), not a pass over
    # every code (ix_codes_transcript_coder)
    touched = reader.rows(
        "SELECT t.id, c.id FROM transcripts AS t, coders AS c "
        f"WHERE c.id IN {_ids(coders)} AND EXISTS (SELECT 1 FROM codes "
        "WHERE codes.transcript_id = t.id AND codes.coder_id = c.id)"
    )
    memos = reader.rows(
        "SELECT DISTINCT s.transcript_id, m.coder_id FROM segment_memos AS m "
        f"JOIN segments AS s ON s.id = m.segment_id WHERE m.coder_id IN {_ids(coders)}"
    )
    coded_by: dict[int, set[int]] = {}
    for t, c in worked(
        codes=((int(t), int(c)) for t, c in touched),
        memos=((int(t), int(c)) for t, c in memos),
        completions=((t, c) for c, t in completions),
    ):
        if t in transcripts:
            coded_by.setdefault(t, set()).add(c)
    eligible = sorted(
        (t for t, cs in coded_by.items() if len(cs) >= 2), key=lambda t: transcripts[t]
    )
    everything = selection.transcripts is None and len(eligible) == len(transcripts)
    segments = _segments(reader, eligible, everything=everything)
    biggest = max(int(segments[:, 1].max()) if len(segments) else 0, max(transcripts, default=0))
    order_of = np.full(biggest + 1, -1, dtype=np.int64)
    for position, t in enumerate(eligible):
        order_of[t] = position
    if len(segments):
        rank = order_of[segments[:, 1]]
        if (rank < 0).any():
            segments = segments[rank >= 0]
            rank = rank[rank >= 0]
        # in transcript order, then turn order; read in that order already (the usual case:
        # transcripts imported in name order), the rows are kept as they are (no sort)
        order = rank * 4_194_304 + segments[:, 2]  # idx < 2^22, as _segments packs it
        if not (order[1:] >= order[:-1]).all():
            segments = segments[np.lexsort((segments[:, 2], rank))]
    return _Study(
        coders=coders,
        coder_row=coder_row,
        transcripts=transcripts,
        eligible=eligible,
        coded_by=coded_by,
        completions=completions,
        segments=segments,
        participants={t: participants.get(t) for t in eligible},
    )


def _lookup(keys: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position of each ``query`` id in ``keys`` (distinct ids); -1 where absent. Database ids
    are small non-negative integers, so a table indexed by id does it in one pass; sorting is
    the fallback for sparse ids."""
    if len(keys) == 0 or len(query) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    low, top = int(min(keys.min(), query.min())), int(max(keys.max(), query.max()))
    if low >= -1 and top < 4 * (len(keys) + len(query)) + (1 << 20):
        table = np.full(top + 2, -1, dtype=np.int64)  # the last entry answers -1
        table[keys] = np.arange(len(keys), dtype=np.int64)
        return table[query]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    pos = np.clip(np.searchsorted(sorted_keys, query), 0, len(sorted_keys) - 1)
    return np.where(sorted_keys[pos] == query, order[pos], -1)


def _matrix(d: Dimension, base: _Study, codes: _Codes, selection: Selection) -> DimensionData:
    windowed = selection.since is not None or selection.until is not None
    if d.unit is Unit.SESSION:
        unit_transcript = np.asarray(base.eligible, dtype=np.int64)
        units = Units(unit_transcript, base.transcripts)
        unit_keys = unit_transcript
    else:
        allowed = [role_number(r) for r in roles_of(d)]
        wanted = np.isin(base.segments[:, 3], allowed)
        chosen = base.segments if wanted.all() else base.segments[wanted]
        unit_transcript = chosen[:, 1]
        roles = _ROLE_NAMES[chosen[:, 3]]
        units = Units(unit_transcript, base.transcripts, chosen[:, 0], chosen[:, 2], roles)
        unit_keys = chosen[:, 0]
    n = len(unit_transcript)
    shape = (len(base.coders), n)
    data = np.full(shape, np.nan)
    has_code = np.zeros(shape, dtype=bool)
    span: dict[int, tuple[int, int]] = {}
    if n:
        change = np.flatnonzero(np.diff(unit_transcript)) + 1  # units are grouped by transcript
        starts, ends = np.r_[0, change], np.r_[change, n]
        span = {
            int(unit_transcript[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)
        }
    if len(codes.key):
        cols = _lookup(unit_keys, codes.key)
        rows = _lookup(np.fromiter(base.coder_row, dtype=np.int64), codes.coder)
        found = (cols >= 0) & (rows >= 0)
        flat = rows * n + cols  # a cell's position in the coders x units matrix
        # (the masks select every code in the usual case: then no copies of the columns)
        has_code.ravel()[flat if found.all() else flat[found]] = True
        counted = found & ~np.isnan(codes.value)
        if codes.in_window is not None:  # only codes last changed in the window count
            counted &= codes.in_window
        if counted.all():
            data.ravel()[flat] = codes.value
        else:
            data.ravel()[flat[counted]] = codes.value[counted]
    involved = np.zeros(shape, dtype=bool)
    completed = np.zeros(shape, dtype=bool)
    implied_in = np.zeros(shape, dtype=bool)  # completion falls in the window
    for t, (a, b) in span.items():
        for c in base.coded_by.get(t, ()):
            if c in base.coder_row:
                involved[base.coder_row[c], a:b] = True
        for c in base.coder_row:
            at = base.completions.get((c, t))
            if at is None:
                continue
            row = base.coder_row[c]
            completed[row, a:b] = not (selection.until and _aware(at) >= selection.until)
            implied_in[row, a:b] = not windowed or _in_window(at, selection)
    implied = apply_completion_rule(d, data, has_code, implied_in)
    categorical = is_categorical(d)
    return DimensionData(
        dimension=d,
        coders=tuple(base.coders.values()),
        units=units,
        data=data,
        categories=tuple(v.label for v in d.values) if categorical else None,
        involved=involved,
        implied=implied,
        completed=completed,
        participants=base.participants,
    )


def apply_completion_rule(
    d: Dimension, data: np.ndarray, has_code: np.ndarray, completed: np.ndarray
) -> np.ndarray:
    """The completion rule of :mod:`socialcoder.domain.rules` on a coders x units matrix: a
    cell with no code at all, of a coder who completed the unit's transcript (in the window,
    if any), takes the dimension's empty value (:func:`~socialcoder.domain.rules.empty_value`).
    Fills ``data`` in place and returns the mask of the cells it filled (the implied values).
    A cell whose code lies outside a time window has a code, so it stays missing."""
    empty = empty_value(d)
    if empty is None or not data.size:
        return np.zeros(data.shape, dtype=bool)
    position = float(d.value_texts.index(empty)) if is_categorical(d) else float(empty)
    implied = implied_mask(has_code, completed)
    data[implied] = position
    return implied
