"""Session measures (questionnaire scores) imported from CSV and read for the sessions table.

The CSV has the columns ``participant``, ``session`` and then one column per measure (e.g.
``calpas_total``, ``wai_sr_total``, ``core_om``). Every cell is a number or empty (missing). Each
row must match a transcript of the study by participant and session number; a row that matches
none is refused with its row number. The whole file is checked before anything is stored, and it
is stored in one transaction. Re-importing replaces the value of the same participant, session
and measure (an empty cell sets it to missing); measures not in the file are left as they were.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, insert, select, tuple_

from socialcoder.domain.numbers import SESSION
from socialcoder.errors import UserError
from socialcoder.services.csv_check import check_head, not_utf8
from socialcoder.services.study import Study
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.measures_model import session_measures
from socialcoder.storage.models import TranscriptRow

MAX_BYTES = 200 * 1024**2
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_KEY_COLUMNS = ("participant", "session")


@dataclass(frozen=True, slots=True)
class MeasuresImportSummary:
    rows: int
    measures: tuple[str, ...]
    values: int  # cells stored (missing ones included)
    missing: int  # empty cells
    transcripts: frozenset[str] = frozenset()  # the transcripts whose sessions got measures

    @property
    def change(self) -> StudyChange:
        return StudyChange.of(ChangeKind.MEASURES, transcripts=self.transcripts)


def _read(path: Path) -> list[list[str]]:
    source = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError("file is larger than 200 MB", source=source)
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", source=source) from None
    check_head(data[: 1 << 16], source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8(path, source) from None
    if "\x00" in text:
        raise UserError("is a binary file, not CSV", source=source)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UserError(f"is not valid CSV: {exc}", source=source) from None
    if not rows:
        raise UserError("is empty", source=source)
    return rows


def _parse_header(header: list[str], source: str) -> list[str]:
    names = [h.strip() for h in header]
    if [n.lower() for n in names[:2]] != list(_KEY_COLUMNS):
        raise UserError(
            "the first two columns must be 'participant' and 'session', then one column per measure",
            source=source,
        )
    measures = names[2:]
    if not measures:
        raise UserError("no measure columns after participant and session", source=source)
    seen: set[str] = set()
    for name in measures:
        if not _NAME_RE.fullmatch(name):
            raise UserError(
                f"measure column {name!r} is not a usable name (a letter, then letters, digits "
                "or underscores, at most 64 characters)",
                source=source,
            )
        if name.lower() in seen:
            raise UserError(f"measure column {name!r} appears twice", source=source)
        seen.add(name.lower())
    return measures


def import_measures(study: Study, path: Path) -> MeasuresImportSummary:
    """Check and store a measures CSV (see the module doc); returns what was stored."""
    source = str(path)
    rows = _read(path)
    measures = _parse_header(rows[0], source)
    with study.read() as session:
        known: dict[tuple[str, int], list[str]] = {}
        for p, s, name in session.execute(
            select(TranscriptRow.participant, TranscriptRow.session_number, TranscriptRow.name)
        ).all():
            if p is not None and s is not None:
                known.setdefault((p, s), []).append(name)
    values: dict[tuple[str, int, str], float | None] = {}
    first_row: dict[tuple[str, int], int] = {}
    missing = count = 0
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(measures) + 2:
            raise UserError(
                f"has {len(row)} cells, expected {len(measures) + 2}", source=source, row=number
            )
        participant = row[0].strip()
        session_text = row[1].strip()
        try:
            session_number = SESSION.parse_int(session_text)
        except ValueError as exc:
            raise UserError(str(exc), source=source, row=number) from None
        if (participant, session_number) not in known:
            raise UserError(
                f"no transcript of participant {participant!r}, session {session_number} in the study",
                source=source,
                row=number,
            )
        if (participant, session_number) in first_row:
            raise UserError(
                f"participant {participant!r}, session {session_number} is already on row "
                f"{first_row[(participant, session_number)]}",
                source=source,
                row=number,
            )
        first_row[(participant, session_number)] = number
        count += 1
        for name, cell in zip(measures, row[2:], strict=True):
            text = cell.strip()
            value: float | None = None
            if text:
                try:
                    value = float(text)
                except ValueError:
                    value = math.nan
                if not math.isfinite(value):
                    raise UserError(f"{name} {text!r} is not a number", source=source, row=number)
            else:
                missing += 1
            values[(participant, session_number, name)] = value
    if not values:
        raise UserError("has no data rows", source=source)
    with study.write() as session:
        keys = list(values)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            session.execute(
                delete(session_measures).where(
                    tuple_(
                        session_measures.c.participant,
                        session_measures.c.session_number,
                        session_measures.c.measure,
                    ).in_(chunk)
                )
            )
        session.execute(
            insert(session_measures),
            [
                {"participant": p, "session_number": s, "measure": m, "value": v}
                for (p, s, m), v in values.items()
            ],
        )
    return MeasuresImportSummary(
        rows=count,
        measures=tuple(measures),
        values=len(values),
        missing=missing,
        transcripts=frozenset(name for key in first_row for name in known[key]),
    )


def read_measures(study: Study) -> pd.DataFrame:
    """Stored measures as a wide frame: ``participant``, ``session`` and a float column per
    measure (sorted by name); empty when none are stored."""
    with study.read() as session:
        rows = session.execute(
            select(
                session_measures.c.participant,
                session_measures.c.session_number,
                session_measures.c.measure,
                session_measures.c.value,
            )
        ).all()
    if not rows:
        return pd.DataFrame(columns=["participant", "session"])
    frame = pd.DataFrame(rows, columns=["participant", "session", "measure", "value"])
    wide = frame.pivot(index=["participant", "session"], columns="measure", values="value")
    wide = wide.reindex(columns=sorted(wide.columns)).astype("float64")
    wide.columns.name = None
    return wide.reset_index()
