"""Value objects shared by the export tables and writers.

:class:`StudyData` is what a service reads from a study (plain DataFrames, no ORM objects);
:class:`ExportTable` is a built table plus what each column means, which the writers use for
variable labels, value labels and the Excel column sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

from socialcoder.domain.codebook import Codebook
from socialcoder.export.names import LAYOUTS  # noqa: F401  (re-exported)

CONSENSUS = "consensus"


@dataclass(frozen=True, slots=True)
class StudyData:
    """A study's rows for export, as DataFrames with these columns:

    * ``transcripts``: transcript_id (int), transcript, participant, therapist (str or None),
      session (Int64), date (datetime.date or None), preamble (str)
    * ``segments``: segment_id, transcript_id, segment (1-based int), role, speaker,
      start, end (float or NaN), text (str; may be empty when text was not read)
    * ``involved``: transcript_id, coder, completed (bool) - every (transcript, coder) pair of the
      chosen coders that worked on it: codes, memos or a completion
      (:func:`socialcoder.domain.rules.worked`; an assignment alone is no work)
    * ``codes``: transcript_id, segment_id (NaN for session-level codes), coder, dimension (key),
      value (canonical text), memo (str or None), codebook_version (str)
    * ``segment_memos``: segment_id, coder, segment_memo
    * ``measures``: participant, session, then one float column per measure

    ``coders`` lists the chosen coders in output order (the consensus layer last).
    ``codebook_version`` is the current codebook's version (used for absent codes filled in).

    ``primaries`` is set for the final layer only (transcript id -> its primary coder, None
    where it has none; see :mod:`socialcoder.domain.final`): then ``coders`` is
    ``('final',)`` and the frames hold the rows of the primary coders and the consensus
    layer, which the tables collapse into the final layer (with a ``source`` column).
    """

    codebook: Codebook
    codebook_version: str
    coders: tuple[str, ...]
    transcripts: pd.DataFrame
    segments: pd.DataFrame
    involved: pd.DataFrame
    codes: pd.DataFrame
    segment_memos: pd.DataFrame
    measures: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["participant", "session"])
    )
    study_name: str = "study"
    primaries: Mapping[int, str | None] | None = None
    #: the kind of each chosen coder whose kind is not human (``machine``; see
    #: :mod:`socialcoder.domain.coder_kinds`): the tables then carry a ``coder_kind`` column
    kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    """What one output column holds: ``label`` is the variable label (SPSS/Stata/Excel);
    ``value_labels`` maps stored numbers (or category positions) to their labels."""

    name: str
    label: str
    value_labels: Mapping[float, str] | None = None


@dataclass(frozen=True, slots=True)
class ExportTable:
    """A built table: ``frame`` has exactly the columns of ``columns``, in that order."""

    layout: str
    frame: pd.DataFrame
    columns: tuple[ColumnInfo, ...]
    codebook: Codebook

    def info(self, name: str) -> ColumnInfo:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class TableParts:
    """A table as consecutive parts of its rows, each a frame with exactly the columns of
    ``columns``, built as the writer asks for them (the wide table, a few transcripts at a
    time: the whole frame is never in memory); ``rows`` counts them all. The CSV and Excel
    writers write a built table as its one part."""

    layout: str
    columns: tuple[ColumnInfo, ...]
    codebook: Codebook
    rows: int
    parts: Callable[[], Iterator[pd.DataFrame]]
