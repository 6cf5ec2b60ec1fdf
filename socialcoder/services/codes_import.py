"""Importing codes from CSV: ``transcript, segment, coder, dimension, value[, memo]``.

The whole file is checked before anything is stored (so one bad row stores nothing, and the
message names the first bad row); checking and storing are one transaction (so a kill half way
leaves the study as it was, and a concurrent writer on a lab server cannot slip in between: if
one gets in the way, the whole unit of work runs again, as single codes do). The checks run column-wise with pandas so that files of millions of rows take
seconds: transcript, coder, segment, dimension, value (against the scale), unit (segment vs
session), speaker role, and one value per coder, unit and dimension.

A row with an empty ``dimension`` and ``value`` but a ``memo`` is a coder's segment memo.
An optional ``coder_kind`` column (``human``, ``consensus``, ``machine``, ``retest``: what
``codes export`` writes when a study has machine coders or retest passes) says each coder's kind:
it must match the coder's kind in the study, and coders added with ``--add-coders`` get it, so
a machine's codes never come back as a person's.
Every new or changed code gets an audit entry (action ``import``); the storing is
:mod:`socialcoder.services.codes_store`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain import names as name_rules
from socialcoder.domain.codebook import Unit
from socialcoder.domain.numbers import SEGMENT
from socialcoder.domain.rules import roles_of
from socialcoder.errors import Input, Remedy, UserError
from socialcoder.services.coders import check_new_coders, coder_ids
from socialcoder.services.codes_store import CodesImportSummary, store_codes
from socialcoder.services.csv_check import check_head, not_utf8
from socialcoder.services.study import Study, retry_transient
from socialcoder.storage.bulk import fetch_tuples
from socialcoder.storage.models import (
    SESSION_UNIT,
    CoderRow,
    SegmentRow,
    TranscriptRow,
)

COLUMNS = ("transcript", "segment", "coder", "dimension", "value", "memo")
REQUIRED = COLUMNS[:5]
#: the optional column saying each coder's kind (its values: ``coder_kinds.EXPORT_NAMES``)
KIND_COLUMN = "coder_kind"
MAX_BYTES = 2 * 1024**3
_TOO_MANY = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
# Another writer inserted the same code, coder or memo first (23505), or removed a transcript
# the file names (23503): the retry checks the file again against what is there now.
_retry = retry_transient(also=frozenset({"23505", "23503"}))

Progress = Callable[[int, int, str], None]


def _not_applicable(key: str, role: pd.Series, seg_idx: pd.Series) -> Callable[[int], str]:
    """The message for a code of ``key`` on the turn at position i, of a role it skips."""
    return lambda i: (
        f"{key!r} does not apply to {role.iat[i]} turns "
        f"(segment {seg_idx.iat[i]} is a {role.iat[i]} turn)"
    )


class _Problems:
    """Collects the first failing row of each check; the earliest row is reported."""

    def __init__(self, source: str, rows: pd.Series) -> None:
        self.source = source
        self.rows = rows  # CSV row number of every frame row
        self.first: tuple[int, str, Remedy | None] | None = None

    def check(
        self,
        bad: pd.Series | np.ndarray,
        message: Callable[[int], str],
        *,
        remedy: Remedy | None = None,
    ) -> None:
        positions = np.flatnonzero(np.asarray(bad))
        if len(positions):
            pos = int(positions[0])
            row = int(self.rows.iloc[pos])
            if self.first is None or row < self.first[0]:
                self.first = (row, message(pos), remedy)

    def check_text(self, bad: pd.Series | np.ndarray, message: str) -> None:
        """:meth:`check` with a message that names no row's values."""
        self.check(bad, lambda _: message)

    def raise_first(self) -> None:
        if self.first is not None:
            row, message, remedy = self.first
            raise UserError(message, source=self.source, row=row, remedy=remedy)


def _read_frame(path: Path) -> tuple[pd.DataFrame, bool]:
    """The file's rows (stripped text, plus the CSV row number) and whether it has a memo
    column."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError("file is larger than 2 GB", source=source)
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", source=source) from None
    check_head(head, source)
    if b"\x00" in head:
        raise UserError("is a binary file, not CSV", source=source)
    try:
        # No header row for pandas: a row with more fields than the header is then an error
        # (with a header, pandas would take a longer first row's first field as an index and
        # shift every column silently).
        raw = pd.read_csv(
            path,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding="utf-8-sig",
            skip_blank_lines=True,
        )
    except UnicodeDecodeError:
        raise not_utf8(path, source) from None
    except pd.errors.EmptyDataError:
        raise UserError("is empty", source=source) from None
    except pd.errors.ParserError as exc:
        found = _TOO_MANY.search(str(exc))
        if found:
            want, row, saw = (int(x) for x in found.groups())
            raise UserError(
                f"too many fields: {saw}, the header has {want} "
                "(a comma in a value needs double quotes around the value)",
                source=source,
                row=row,
            ) from None
        raise UserError(f"is not valid CSV: {str(exc).strip()}", source=source) from None
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = _header(raw.iloc[0], frame, source)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise UserError(f"missing column(s) {', '.join(missing)}; {_HAS_COLUMNS}", source=source)
    frame = frame[[c for c in (*COLUMNS, KIND_COLUMN) if c in frame.columns]].copy()
    has_memo = "memo" in frame.columns
    if not has_memo:
        frame["memo"] = ""
    if KIND_COLUMN not in frame.columns:
        frame[KIND_COLUMN] = ""
    for column in (*COLUMNS, KIND_COLUMN):
        if column != "memo":
            frame[column] = frame[column].str.strip()
    # A code memo is the coder's text, kept as written (the study's own export imported again
    # changes nothing); a cell of spaces only is empty (it removes the code's memo).
    frame["memo"] = frame["memo"].where(frame["memo"].str.strip() != "", "")
    frame["row"] = np.arange(2, len(frame) + 2)
    return frame[(frame[list(COLUMNS)] != "").any(axis=1)].reset_index(drop=True), has_memo


_HAS_COLUMNS = (
    f"a codes CSV has the columns {', '.join(COLUMNS)} (memo optional) and optionally {KIND_COLUMN}"
)


def _header(names: pd.Series, frame: pd.DataFrame, source: str) -> list[str]:
    """The column names (stripped, lower case). A name given twice, or a column the format does
    not have, is refused: its cells would be dropped without a word (a 'comment' column) or
    crash the reading; a column without a name is allowed when all its cells are empty (a
    spreadsheet's trailing comma)."""
    columns = [str(c).strip().lower() for c in names]
    seen: set[str] = set()
    for position, name in enumerate(columns):
        if not name:
            filled = np.flatnonzero(frame.iloc[:, position].str.strip() != "")
            if len(filled):
                raise UserError(
                    f"column {position + 1} has no name but holds text; {_HAS_COLUMNS}",
                    source=source,
                    row=int(filled[0]) + 2,
                )
            columns[position] = f"\x00unnamed {position}"
            continue
        if name in seen:
            raise UserError(f"column {name!r} appears twice; {_HAS_COLUMNS}", source=source, row=1)
        seen.add(name)
        if name not in (*COLUMNS, KIND_COLUMN):
            raise UserError(
                f"unknown column {name!r}, whose cells would not be stored; {_HAS_COLUMNS} "
                "(notes go in memo)",
                source=source,
                row=1,
            )
    return columns


def import_codes_csv(
    study: Study,
    path: Path,
    *,
    complete: bool = False,
    add_coders: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> CodesImportSummary:
    """Check and store a codes CSV (see the module doc); returns what was stored."""
    source = str(path)
    if progress:
        progress(0, 3, "reading")
    frame, has_memo = _read_frame(path)
    summary = _check_and_store(
        study, frame, has_memo, source, complete, add_coders, actor, progress
    )
    if progress:
        progress(3, 3, "done")
    return summary


@_retry
def _check_and_store(
    study: Study,
    frame: pd.DataFrame,
    has_memo: bool,
    source: str,
    complete: bool,
    add_coders: bool,
    actor: str | None,
    progress: Progress | None,
) -> CodesImportSummary:
    with study.write() as session:
        if progress:
            progress(1, 3, "checking rows")
        checked, memos, new_coders = _check(session, study, frame, source, add_coders)
        if progress:
            progress(2, 3, "storing codes")
        return store_codes(session, study, checked, memos, new_coders, complete, actor, has_memo)


def _check(
    session: Session, study: Study, frame: pd.DataFrame, source: str, add_coders: bool
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    problems = _Problems(source, frame["row"])
    transcripts = dict(session.execute(select(TranscriptRow.name, TranscriptRow.id)).all())
    known = coder_ids(session)
    tid = frame["transcript"].map(transcripts)
    problems.check(tid.isna(), lambda i: f"unknown transcript {frame['transcript'].iat[i]!r}")

    kinds = _coder_kinds(session, frame, problems)
    unknown = sorted(set(frame["coder"]) - set(known))
    new_coders: list[str] = []
    if unknown:
        is_unknown = frame["coder"].isin(unknown)
        if not add_coders:
            hint = {n: name_rules.clash(n, known) for n in unknown}
            problems.check(
                is_unknown,
                lambda i: (
                    f"unknown coder {frame['coder'].iat[i]!r}"
                    + (
                        f" (did you mean {hint[frame['coder'].iat[i]]!r}? names are exact)"
                        if hint[frame["coder"].iat[i]]
                        else " (add coders first, or let the import add them)"
                    )
                ),
                remedy=Remedy.switch(Input.ADD_CODERS),
            )
        else:
            accepted: list[str] = []
            for name in unknown:
                try:
                    check_new_coders(
                        [name], [*known, *accepted], kind=kinds.get(name, coder_kinds.HUMAN)
                    )
                    accepted.append(name)
                except UserError as exc:
                    problems.check_text(frame["coder"] == name, exc.message)
            new_coders = unknown

    seg_text = frame["segment"]
    seg_num = pd.to_numeric(seg_text, errors="coerce")
    # the rule is checked once per distinct number (a file repeats a few hundred of them)
    in_range = seg_num.map(
        {v: SEGMENT.contains(float(v)) for v in seg_num.dropna().unique()}
    ).fillna(False)
    bad_seg = (seg_text != "") & ~in_range.astype(bool)
    problems.check(bad_seg, lambda i: SEGMENT.problem(seg_text.iat[i]))
    seg_idx = seg_num.where(~bad_seg).astype("Int64")

    is_memo = (frame["dimension"] == "") & (frame["value"] == "")
    problems.check(
        is_memo & ((frame["memo"] == "") | seg_idx.isna()),
        lambda i: "no dimension and value (and no segment memo on a segment)",
    )

    dims = study.dims
    dim_key = frame["dimension"]
    problems.check(
        ~is_memo & ~dim_key.isin(list(dims)),
        lambda i: f"unknown dimension {dim_key.iat[i]!r} (the codebook has: {', '.join(dims)})",
    )

    # Segments of the transcripts named in the file: (transcript id, index) -> id, role.
    wanted = [int(t) for t in tid.dropna().unique()]
    seg_rows = fetch_tuples(
        session.connection(),
        select(SegmentRow.transcript_id, SegmentRow.idx, SegmentRow.id, SegmentRow.role).where(
            SegmentRow.transcript_id.in_(wanted)
        ),
    )
    segments = pd.DataFrame(seg_rows, columns=["tid", "idx", "seg_id", "role"])
    keys = pd.DataFrame({"tid": tid.astype("Int64"), "idx": seg_idx})
    if len(segments):
        segments = segments.astype({"tid": "Int64", "idx": "Int64"})
        found = keys.merge(segments, on=["tid", "idx"], how="left")
    else:
        found = keys.assign(seg_id=np.nan, role=None)
    seg_id = found["seg_id"].astype("Int64")
    role = found["role"]
    has_segment = seg_idx.notna()
    problems.check(
        has_segment & tid.notna() & seg_id.isna(),
        lambda i: f"transcript {frame['transcript'].iat[i]!r} has no segment {seg_idx.iat[i]}",
    )

    # Values, units and roles, checked once per distinct (dimension, value) / (dimension, role).
    coded = ~is_memo & dim_key.isin(list(dims))
    value = pd.Series("", index=frame.index, dtype=object)
    for (key, raw), index in frame[coded].groupby(["dimension", "value"]).groups.items():
        try:
            value.loc[index] = dims[key].dimension.parse_value(raw)
        except ValueError as exc:
            problems.check_text(frame.index.isin(index), str(exc))
    for key, info in dims.items():
        d = info.dimension
        mine = coded & (dim_key == key)
        if d.unit is Unit.SESSION:
            problems.check_text(
                mine & has_segment, f"{key!r} is session-level: leave 'segment' empty"
            )
        else:
            problems.check_text(
                mine & ~has_segment, f"{key!r} is coded per segment: 'segment' is empty"
            )
            allowed = [r.value for r in roles_of(d)]
            wrong = mine & seg_id.notna() & ~role.isin(allowed).to_numpy()
            problems.check(wrong, _not_applicable(key, role, seg_idx))
    problems.raise_first()

    out = pd.DataFrame(
        {
            "row": frame["row"],
            "coder": frame["coder"],
            "tid": tid.astype("Int64"),
            "seg_id": seg_id,
            "seg_idx": seg_idx,
            "unit_role": role.where(seg_id.notna(), SESSION_UNIT),
            "dimension": dim_key,
            "value": value,
            "memo": frame["memo"],
        }
    )
    memos = out[is_memo].copy()
    # a segment memo follows the rule of every other way in (services.coding: stripped); a code
    # memo is kept as written, as ``socialcoder code --memo`` keeps it
    memos["memo"] = memos["memo"].str.strip()
    codes = out[~is_memo].copy()
    codes["dim_id"] = codes["dimension"].map({k: v.id for k, v in dims.items()}).astype("int64")
    codes["enumerated"] = (
        codes["dimension"].map({k: v.enumerated for k, v in dims.items()}).astype(bool)
    )
    codes["unit"] = codes["seg_id"].fillna(-codes["tid"]).astype("int64")  # session: -transcript id
    duplicate = codes.duplicated(["coder", "dim_id", "unit"], keep=False)
    if duplicate.any():
        dups = codes[duplicate]
        first_row = dups.groupby(["coder", "dim_id", "unit"])["row"].transform("min")
        later = dups[dups["row"] != first_row].sort_values("row")
        raise UserError(
            f"codes the same unit as row {int(first_row.loc[later.index[0]])} "
            "(one value per coder, unit and dimension)",
            source=source,
            row=int(later["row"].iloc[0]),
        )
    return codes, memos, {n: kinds.get(n, coder_kinds.HUMAN) for n in new_coders}


def _existing_kinds(session: Session) -> dict[str, str]:
    return dict(session.execute(select(CoderRow.name, CoderRow.kind)).all())


def _coder_kinds(session: Session, frame: pd.DataFrame, problems: _Problems) -> dict[str, str]:
    """Each coder's kind as the file's ``coder_kind`` column says (coders it leaves empty are
    absent); a kind not known, two kinds for one coder, or a kind other than the study's for an
    existing coder is a problem of the first such row."""
    given = frame[KIND_COLUMN]
    kind = given.map({t: coder_kinds.from_export_name(t) if t else "" for t in given.unique()})
    problems.check(
        kind.isna(),
        lambda i: (
            f"unknown coder_kind {given.iat[i]!r} (one of: "
            + ", ".join(coder_kinds.EXPORT_NAMES.values())
            + ")"
        ),
    )
    said = frame.assign(kind=kind)[kind.notna() & (kind != "")]
    if said.empty:
        return {}
    first = said.drop_duplicates("coder").set_index("coder")["kind"]
    problems.check(
        frame["coder"].map(first).notna()
        & kind.notna()
        & (kind != "")
        & (kind != frame["coder"].map(first)),
        lambda i: f"coder {frame['coder'].iat[i]!r} has two kinds in this file",
    )
    stored = _existing_kinds(session)
    mismatch = (
        frame["coder"].map(stored).notna()
        & kind.notna()
        & (kind != "")
        & (kind != frame["coder"].map(stored))
    )
    problems.check(
        mismatch,
        lambda i: (
            f"coder {frame['coder'].iat[i]!r} is a "
            f"{coder_kinds.export_name(stored[frame['coder'].iat[i]])} coder in the study, "
            f"not {given.iat[i]}"
        ),
    )
    return {str(k): str(v) for k, v in first.items()}
