"""CSV transcripts: a header row, then one turn per row.

Columns (header names case-insensitive; spaces and hyphens count as underscores):

* ``speaker`` (aliases ``interlocutor``, ``speaker_label``, ``label``, ``role``) - required
* ``text`` (aliases ``utterance_text``, ``utterance``, ``content``, ``turn``) - required
* ``start`` (aliases ``start_time``, ``timestamp``, ``time``, ``begin``) - optional
* ``end`` (aliases ``end_time``, ``stop``) - optional

Times are seconds (``12.5``) or ``hh:mm:ss`` / ``mm:ss`` with an optional fraction; an empty
cell means unknown. The delimiter (comma, semicolon or tab) is the one that occurs most often in
the header line. Rows are numbered as in a spreadsheet (the header is row 1); blank rows are
skipped; an empty speaker or text cell, or a bad time, is refused naming the row. Other columns
that hold text, and cells beyond the header, are not read, and the import summary says so.
"""

from __future__ import annotations

import csv
import io

from socialcoder.domain.transcript import ParsedSegment
from socialcoder.errors import ImportFormatError
from socialcoder.importers.speakers import LabelRoles, SpeakerResolver
from socialcoder.importers.times import parse_time

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "speaker": ("speaker", "interlocutor", "speaker_label", "label", "role"),
    "text": ("text", "utterance_text", "utterance", "content", "turn"),
    "start": ("start", "start_time", "timestamp", "time", "begin"),
    "end": ("end", "end_time", "stop"),
}
REQUIRED_COLUMNS = ("speaker", "text")
_DELIMITERS = (",", ";", "\t")


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter occurring most often in the header line (comma on a tie)."""
    return max(_DELIMITERS, key=header_line.count)


def _norm(name: str) -> str:
    return "_".join(name.strip().casefold().replace("-", " ").split())


def _columns(header: list[str], *, source: str) -> dict[str, int]:
    """Field name -> column index; an exact name beats an alias, the first column wins."""
    names = [_norm(h) for h in header]
    found: dict[str, int] = {}
    for field, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[field] = names.index(alias)
                break
    missing = [f for f in REQUIRED_COLUMNS if f not in found]
    if missing:
        shown = ", ".join(repr(h) for h in header) or "nothing"
        raise ImportFormatError(
            f"missing column(s) {', '.join(missing)} in the header row (found {shown})",
            source=source,
            row=1,
        )
    return found


def _time(cell: str, what: str, *, source: str, row: int) -> float | None:
    """Seconds in a time cell; None when the cell is blank."""
    if not cell.strip():
        return None
    try:
        return parse_time(cell)
    except ValueError as exc:
        raise ImportFormatError(f"{what}: {exc}", source=source, row=row) from None


def _unread(header: list[str], used: set[int], filled: set[int], longer: list[int]) -> list[str]:
    """The import summary's warnings: columns with text that no field reads, and cells beyond
    the header."""
    warnings = []
    unread = [repr(header[i].strip()) for i in sorted(filled - used) if i < len(header)]
    if unread:
        warnings.append(
            f"column(s) {', '.join(unread)} not read (a CSV transcript reads speaker, text, "
            "start and end): their cells are not in the study"
        )
    if longer:
        warnings.append(
            f"{len(longer)} row(s) have more cells than the header (first: row {longer[0]}): "
            "the cells beyond it were not read"
        )
    return warnings


def csv_segments(
    text: str, *, source: str, resolver: SpeakerResolver
) -> tuple[list[ParsedSegment], list[str]]:
    """Decoded CSV text (``\\n`` line ends) -> segments, one per non-blank row, and warnings
    for what was not read (columns no field reads that hold text; cells beyond the header).

    A row without an end time ends where the next row starts (when that is not earlier).
    Raises :class:`ImportFormatError` naming the row, or
    :class:`~socialcoder.errors.UnknownSpeakersError` listing every unknown speaker.
    """
    header_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(header_line))
    # Columns, turned into segments at the end (one C-level map instead of a Python loop).
    speakers: list[str] = []
    texts: list[str] = []
    starts: list[float | None] = []
    ends: list[float | None] = []
    try:
        header = next(reader, [])
        cols = _columns(header, source=source)
        i_speaker, i_text = cols["speaker"], cols["text"]
        i_start, i_end = cols.get("start"), cols.get("end")
        width = max(cols.values()) + 1
        filled: set[int] = set()  # columns with a non-blank cell
        longer: list[int] = []  # rows with more cells than the header
        for row_number, row in enumerate(reader, start=2):
            if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
                longer.append(row_number)
            filled.update(i for i, cell in enumerate(row) if cell.strip())
            if len(row) < width:
                if not any(cell.strip() for cell in row):
                    continue
                row = row + [""] * (width - len(row))
            speaker = row[i_speaker].strip()
            body = row[i_text].strip()
            if not speaker or not body:
                if not any(cell.strip() for cell in row):
                    continue
                what = "speaker" if not speaker else "text"
                raise ImportFormatError(f"empty {what} cell", source=source, row=row_number)
            start = end = None
            start_cell = row[i_start] if i_start is not None else ""
            if start_cell:
                start = _time(start_cell, "start", source=source, row=row_number)
            if i_end is not None and (end_cell := row[i_end]):
                end = _time(end_cell, "end", source=source, row=row_number)
                if start is not None and end is not None and end < start:
                    raise ImportFormatError(
                        f"the turn ends ({end_cell.strip()}) before it starts "
                        f"({start_cell.strip()})",
                        source=source,
                        row=row_number,
                    )
            speakers.append(speaker)
            texts.append(body)
            starts.append(start)
            ends.append(end)
    except csv.Error as exc:
        raise ImportFormatError(f"malformed CSV: {exc}", source=source) from None
    if not speakers:
        raise ImportFormatError("no rows with turns below the header", source=source)
    memo = LabelRoles(resolver)
    for speaker in dict.fromkeys(speakers):
        memo.resolve(speaker)
    memo.raise_unknown(source=source)
    following = starts[1:]
    following.append(None)
    ends = [
        e if e is not None else (b if a is not None and b is not None and b >= a else None)
        for a, b, e in zip(starts, following, ends, strict=True)
    ]
    segments = list(
        map(ParsedSegment, map(memo.roles.__getitem__, speakers), speakers, texts, starts, ends)
    )
    return segments, _unread(header, set(cols.values()), filled, longer)
