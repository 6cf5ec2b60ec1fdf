"""What the machine coder reads: every turn of the transcripts, the codes of one dimension, and
the dimension itself.

**turns** (a DataFrame), one row per speaker turn, *every* turn of each transcript (all roles:
the neighbouring turns are features):

* ``transcript`` (str), ``segment`` (int: the turn's number within its transcript, as in the
  export tables; only the order matters), ``role`` (str, e.g. ``therapist``/``patient``),
  ``text`` (str; missing is read as an empty turn);
* optionally ``participant`` and ``therapist`` (str or missing): cross-validation keeps the
  sessions of one person out of each other's folds when they are known.

**codes** (a DataFrame), the export's long layout filtered to the dimension:

* ``transcript``, ``segment``, ``coder`` (str), ``value`` (the codebook's text form; missing
  means "not coded" and the row is dropped; for a binary dimension pass the long table's values,
  where an absent code on a completed transcript is already ``"0"``);
* optionally ``kind``: ``human``, ``consensus`` or ``machine``. Without it, a coder named
  ``consensus`` (the export's name of the consensus layer) is the consensus layer and every
  other coder is human. Machine codes are dropped: a machine coder never learns from, nor is
  measured against, machine codes.

**DimensionSpec**: the dimension key, its values in codebook order, the roles it applies to,
its level of measurement and the codebook version (from a codebook ``Dimension``).

Pure: no database, no Qt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialcoder.domain.codebook import Dimension, Scale, Unit, value_text
from socialcoder.export.model import CONSENSUS
from socialcoder.machine.errors import MachineInputError

HUMAN = "human"
KIND_CONSENSUS = "consensus"
MACHINE = "machine"
KINDS = (HUMAN, KIND_CONSENSUS, MACHINE)

#: Training sources: the settled data (consensus where settled, else the humans' agreed value),
#: every human code as one example, or one named coder's codes.
SOURCE_CONSENSUS = "consensus"
SOURCE_ALL = "all"

TURN_COLUMNS = ("transcript", "segment", "role", "text")
PERSON_COLUMNS = ("participant", "therapist")
CODE_COLUMNS = ("transcript", "segment", "coder", "value")


@dataclass(frozen=True, slots=True)
class DimensionSpec:
    """The dimension a machine coder learns.

    ``values``: value texts in codebook order; ``numbers``: what reliability statistics see for
    each (category positions 0, 1, ... for binary, nominal and ordinal scales; the numbers for
    interval and ratio scales); ``roles``: speaker roles the dimension applies to; ``level``:
    Krippendorff's level (the scale's name).
    """

    key: str
    values: tuple[str, ...]
    roles: tuple[str, ...]
    level: str = "nominal"
    codebook_version: str = ""
    numbers: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if len(self.values) < 2:
            raise MachineInputError(
                f"dimension {self.key!r} has {len(self.values)} value(s); a machine coder "
                "needs a fixed list of at least two"
            )
        if len(set(self.values)) != len(self.values):
            raise MachineInputError(f"dimension {self.key!r} lists a value twice")
        if not self.roles:
            raise MachineInputError(f"dimension {self.key!r} applies to no speaker role")
        if not self.numbers:
            object.__setattr__(self, "numbers", tuple(float(i) for i in range(len(self.values))))
        if len(self.numbers) != len(self.values):
            raise MachineInputError(f"dimension {self.key!r}: one number per value is needed")

    @classmethod
    def from_dimension(cls, dim: Dimension, codebook_version: str) -> DimensionSpec:
        """The spec of a codebook dimension; refuses session-level and open-valued ones."""
        if dim.unit is not Unit.SEGMENT:
            raise MachineInputError(
                f"{dim.key!r} is rated once per session; the machine coder codes turns"
            )
        if not dim.enumerated:
            raise MachineInputError(
                f"{dim.key!r} has no fixed list of values; the machine coder chooses among "
                "the values a codebook lists"
            )
        if dim.scale.is_numeric:
            numbers = tuple(float(v) for v in dim.value_texts)
        else:
            numbers = tuple(float(i) for i in range(len(dim.values)))
        roles = tuple(sorted(r.value for r in dim.applies_to))
        return cls(dim.key, dim.value_texts, roles, dim.scale.value, codebook_version, numbers)

    @property
    def is_categorical(self) -> bool:
        return self.level not in (Scale.INTERVAL.value, Scale.RATIO.value)


@dataclass(frozen=True, slots=True, eq=False)
class Examples:
    """Training examples: ``rows`` of the turns table (a row repeats when several coders'
    codes of it are examples), ``labels`` (value positions) and ``weights``. ``unsettled``
    counts units left out because their human coders disagree and nothing settled them."""

    rows: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    source: str
    unsettled: int = 0

    def __len__(self) -> int:
        return int(self.rows.size)

    def units(self) -> int:
        return int(np.unique(self.rows).size)

    def counts(self, values: tuple[str, ...]) -> dict[str, int]:
        """Distinct units per value (a unit counts once per value it has)."""
        pairs = np.unique(np.stack([self.rows, self.labels]), axis=1)
        found = np.bincount(pairs[1], minlength=len(values))
        return {v: int(n) for v, n in zip(values, found, strict=True)}

    def subset(self, keep: np.ndarray) -> Examples:
        return Examples(
            self.rows[keep], self.labels[keep], self.weights[keep], self.source, self.unsettled
        )


def _texts(series: pd.Series) -> pd.Series:
    return series.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else v)


def _optional(series: pd.Series) -> pd.Series:
    return series.map(
        lambda v: (
            None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
        )
    ).astype(object)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MachineInputError(
            f"the {table} table has no column {', '.join(repr(c) for c in missing)}"
        )


def prepare_turns(turns: pd.DataFrame) -> pd.DataFrame:
    """Checked turns, sorted by transcript and segment, indexed 0..n-1 (the turn *rows*)."""
    _require(turns, TURN_COLUMNS, "turns")
    frame = pd.DataFrame(
        {
            "transcript": turns["transcript"].astype(str).to_numpy(),
            "segment": pd.to_numeric(turns["segment"], errors="coerce").to_numpy(),
            "role": turns["role"].astype(str).str.lower().to_numpy(),
            "text": _texts(turns["text"]).astype(str).to_numpy(),
        }
    )
    bad = np.isnan(frame["segment"].to_numpy(dtype=float))
    if bad.any() or (frame["segment"] != np.floor(frame["segment"])).any():
        raise MachineInputError("the turns table has a segment that is not a whole number")
    frame["segment"] = frame["segment"].astype(np.int64)
    for column in PERSON_COLUMNS:
        frame[column] = _optional(turns[column]).to_numpy() if column in turns.columns else None
    dup = frame.duplicated(["transcript", "segment"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise MachineInputError(
            f"the turns table has segment {row['segment']} of {row['transcript']!r} more than once"
        )
    return frame.sort_values(["transcript", "segment"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True, slots=True, eq=False)
class MachineData:
    """Checked turns and codes of one dimension (build with :func:`prepare`).

    ``turns``: every turn, sorted, one row per turn (row numbers are positions);
    ``session``: the transcript number of each row (``transcripts[session[row]]``);
    ``previous``/``following``: the row of the neighbouring turn in the same transcript or -1;
    ``is_unit``: the dimension applies to the turn's role; ``position``: where the turn falls
    in its transcript, from 0 (first turn) to 1 (last);
    ``codes``: ``row``, ``coder``, ``kind``, ``value`` (position in ``spec.values``).
    """

    spec: DimensionSpec
    turns: pd.DataFrame
    transcripts: tuple[str, ...]
    session: np.ndarray
    previous: np.ndarray
    following: np.ndarray
    is_unit: np.ndarray
    position: np.ndarray
    codes: pd.DataFrame

    @property
    def units(self) -> np.ndarray:
        return np.flatnonzero(self.is_unit)

    def human_codes(self) -> pd.DataFrame:
        return self.codes[self.codes["kind"] == HUMAN]

    def coders(self) -> tuple[str, ...]:
        """Human coders and the consensus layer, sorted by name."""
        return tuple(sorted(self.codes.loc[self.codes["kind"] != MACHINE, "coder"].unique()))

    def people(self) -> tuple[list[str | None], list[str | None]]:
        """Participant and therapist of each transcript (the first named on its turns)."""
        out: list[list[str | None]] = []
        for column in PERSON_COLUMNS:
            named = self.turns[column].notna().to_numpy()
            first = (
                pd.Series(self.turns[column].to_numpy()[named]).groupby(self.session[named]).first()
            )
            out.append([first.get(s) for s in range(len(self.transcripts))])
        return out[0], out[1]

    def training_examples(
        self, source: str = SOURCE_CONSENSUS, sessions: np.ndarray | None = None
    ) -> Examples:
        """Examples from ``source`` on the rows of the given transcript numbers (all when
        ``None``): see :data:`SOURCE_CONSENSUS`, :data:`SOURCE_ALL`, or a coder's name."""
        codes = self.codes[self.codes["kind"] != MACHINE]
        if sessions is not None:
            codes = codes[np.isin(self.session[codes["row"].to_numpy()], sessions)]
        if source == SOURCE_ALL:
            chosen = codes[codes["kind"] == HUMAN]
            per_row = chosen.groupby("row")["coder"].transform("size").to_numpy(dtype=float)
            return Examples(
                chosen["row"].to_numpy(np.int64),
                chosen["value"].to_numpy(np.int64),
                1.0 / per_row,
                source,
            )
        if source == SOURCE_CONSENSUS:
            return _settled(codes)
        if source not in set(self.coders()):
            known = ", ".join(self.coders()) or "none"
            raise MachineInputError(f"no codes of coder {source!r} (coders: {known})")
        chosen = codes[codes["coder"] == source]
        return Examples(
            chosen["row"].to_numpy(np.int64),
            chosen["value"].to_numpy(np.int64),
            np.ones(len(chosen)),
            source,
        )

    def fingerprint(self, examples: Examples) -> str:
        """SHA-256 of what a model learns from: the training transcripts' turns (all roles) and
        the examples; the same data give the same hash."""
        sessions = np.unique(self.session[examples.rows])
        turns = self.turns[np.isin(self.session, sessions)]
        digest = hashlib.sha256()
        head = {"dimension": self.spec.key, "values": list(self.spec.values)}
        digest.update(json.dumps(head, sort_keys=True).encode())
        digest.update(_fields(turns[["transcript", "segment", "role", "text"]]))
        order = np.lexsort((examples.labels, examples.rows))
        rows = examples.rows[order]
        labelled = pd.DataFrame(
            {
                "transcript": self.turns["transcript"].to_numpy()[rows],
                "segment": self.turns["segment"].to_numpy()[rows],
                "value": np.asarray(self.spec.values, dtype=object)[examples.labels[order]],
                "weight": [repr(round(float(w), 12)) for w in examples.weights[order]],
            }
        )
        digest.update(_fields(labelled))
        return digest.hexdigest()


def _fields(frame: pd.DataFrame) -> bytes:
    """Rows of ``frame`` as unambiguous text: each field as ``length:text``, one row a line."""
    line = pd.Series("", index=frame.index)
    for column in frame.columns:
        text = frame[column].astype(str)
        line = line + text.str.len().astype(str) + ":" + text
    return ("\n".join(line.tolist()) + "\n").encode("utf-8", "surrogatepass")


def _settled(codes: pd.DataFrame) -> Examples:
    """The consensus value where one was settled, else the value all human coders agree on;
    units whose humans disagree with nothing settled are left out (and counted)."""
    consensus = codes[codes["kind"] == KIND_CONSENSUS].drop_duplicates("row")
    humans = codes[(codes["kind"] == HUMAN) & ~codes["row"].isin(consensus["row"])]
    spread = humans.groupby("row")["value"].agg(["min", "max"])
    agreed = spread[spread["min"] == spread["max"]]
    rows = np.concatenate([consensus["row"].to_numpy(), agreed.index.to_numpy()])
    labels = np.concatenate([consensus["value"].to_numpy(), agreed["min"].to_numpy()])
    order = np.argsort(rows, kind="stable")
    return Examples(
        rows[order].astype(np.int64),
        labels[order].astype(np.int64),
        np.ones(rows.size),
        SOURCE_CONSENSUS,
        unsettled=int(len(spread) - len(agreed)),
    )


def _neighbours(session: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = session.size
    previous = np.arange(n) - 1
    following = np.arange(n) + 1
    if n:
        previous[0] = -1
        following[-1] = -1
        cut = session[1:] != session[:-1]
        previous[1:][cut] = -1
        following[:-1][cut] = -1
    return previous, following


def _positions(session: np.ndarray) -> np.ndarray:
    """Each turn's place in its transcript: 0 for the first, 1 for the last (0 when alone)."""
    if session.size == 0:
        return np.zeros(0)
    starts = np.flatnonzero(np.r_[True, session[1:] != session[:-1]])
    sizes = np.diff(np.r_[starts, session.size])
    index = np.arange(session.size) - np.repeat(starts, sizes)
    return index / np.maximum(np.repeat(sizes, sizes) - 1, 1)


def _kinds(codes: pd.DataFrame) -> np.ndarray:
    if "kind" not in codes.columns:
        return np.where(codes["coder"].astype(str) == CONSENSUS, KIND_CONSENSUS, HUMAN)
    kinds = codes["kind"].astype(str).str.lower()
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise MachineInputError(
            f"unknown coder kind(s) {', '.join(map(repr, unknown))} (use {', '.join(KINDS)})"
        )
    return kinds.to_numpy()


def _prepare_codes(codes: pd.DataFrame, turns: pd.DataFrame, spec: DimensionSpec) -> pd.DataFrame:
    _require(codes, CODE_COLUMNS, "codes")
    frame = codes[codes["value"].notna()]
    kinds = _kinds(frame)
    texts = frame["value"].map(value_text)
    position = {v: i for i, v in enumerate(spec.values)}
    known = texts.isin(position)
    if not known.all():
        bad = sorted(set(texts[~known]))[:5]
        raise MachineInputError(
            f"value(s) {', '.join(map(repr, bad))} are not values of {spec.key!r} "
            f"(allowed: {', '.join(spec.values)})"
        )
    index = pd.Series(
        np.arange(len(turns)),
        index=pd.MultiIndex.from_arrays([turns["transcript"], turns["segment"]]),
    )
    segments = pd.to_numeric(frame["segment"], errors="coerce").to_numpy(dtype=float)
    whole = np.where(segments == np.floor(segments), segments, -1.0)
    keys = pd.MultiIndex.from_arrays(
        [
            frame["transcript"].astype(str).to_numpy(),
            np.nan_to_num(whole, nan=-1.0).astype(np.int64),
        ]
    )
    rows = index.reindex(keys).to_numpy()
    missing = np.isnan(rows.astype(float))
    if missing.any():
        first = keys[int(np.argmax(missing))]
        raise MachineInputError(
            f"{int(missing.sum())} code(s) are on turns the turns table does not have "
            f"(first: segment {first[1]:g} of {first[0]!r})"
        )
    out = pd.DataFrame(
        {
            "row": rows.astype(np.int64),
            "coder": frame["coder"].astype(str).to_numpy(),
            "kind": kinds,
            "value": texts.map(position).to_numpy(np.int64),
        }
    )
    roles = turns["role"].to_numpy()[out["row"].to_numpy()]
    off = ~np.isin(roles, spec.roles)
    if off.any():
        raise MachineInputError(
            f"{int(off.sum())} code(s) of {spec.key!r} are on {roles[off][0]!r} turns; the "
            f"dimension applies to {', '.join(spec.roles)} turns"
        )
    dup = out.duplicated(["row", "coder"])
    if dup.any():
        row = int(out.loc[dup, "row"].iloc[0])
        raise MachineInputError(
            f"coder {out.loc[dup, 'coder'].iloc[0]!r} has two codes on segment "
            f"{turns['segment'].iat[row]} of {turns['transcript'].iat[row]!r}"
        )
    return out.sort_values(["row", "coder"], kind="stable").reset_index(drop=True)


def codes_from_long(long: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The codes table of ``dimension`` from the export's long table
    (``build_long(...).frame``; its turns table is the wide table built with text)."""
    _require(long, (*CODE_COLUMNS, "dimension"), "long")
    rows = long[long["dimension"].astype(str) == dimension]
    if "unit" in rows.columns:
        rows = rows[rows["unit"].astype(str) == Unit.SEGMENT.value]
    columns = [*CODE_COLUMNS, *(["kind"] if "kind" in rows.columns else [])]
    return rows[columns].astype({"coder": str}).reset_index(drop=True)


def prepare(turns: pd.DataFrame, codes: pd.DataFrame, spec: DimensionSpec) -> MachineData:
    """Check and index ``turns`` and ``codes`` (see the module doc) for ``spec``."""
    frame = prepare_turns(turns)
    session, transcripts = pd.factorize(frame["transcript"], sort=False)
    previous, following = _neighbours(session)
    return MachineData(
        spec=spec,
        turns=frame,
        transcripts=tuple(str(t) for t in transcripts),
        session=session.astype(np.int64),
        previous=previous,
        following=following,
        is_unit=np.isin(frame["role"].to_numpy(), spec.roles),
        position=_positions(session),
        codes=_prepare_codes(codes, frame, spec),
    )
