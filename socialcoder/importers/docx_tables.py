"""Turns inside Word tables: each row becomes a plain-text turn line, in document order.

Layouts read (docs/transcripts.md):

* a **header row** naming the columns (the CSV transcript names: ``Speaker``/``Label``/...,
  ``Text``/``Utterance``/..., optionally ``Time``/``Start``; case and spaces ignored): the
  header row is skipped and those columns are read;
* **no header**: columns whose filled cells are all clock times (``00:01:05``, ``[1:05]``)
  are the start time, a first column of whole numbers is line numbers (ignored), and the two
  remaining columns with text are speaker and text, in that order (``Speaker | Text``,
  ``Time | Speaker | Text``, ``No. | Speaker | Time | Text``...). A table with one text column
  gives one text line per row.

A row becomes ``[time] Speaker: text``. A row with an empty speaker cell continues the previous
turn (its text lines are appended); a row whose cells are merged across the whole table (a
heading inside the table) is one text line; the repeated part of a vertically merged cell is
read once. Anything else is refused naming the table and row: a speaker cell that is not a
label (e.g. with brackets), a table inside a cell, a table with more text columns than
speaker and text without a header row, a bad time. An ``End`` column is not read (ends come
from the next turn's start): the import says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from socialcoder.errors import ImportFormatError
from socialcoder.importers.csv_turns import COLUMN_ALIASES
from socialcoder.importers.speakers import LABEL_PATTERN
from socialcoder.importers.times import CLOCK_PATTERN, format_clock, parse_time

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CLOCK_CELL_RE = re.compile(rf"[\[(]?({CLOCK_PATTERN})[\])]?")
_NUMBER_RE = re.compile(r"\d+\.?")
_LABEL_RE = re.compile(LABEL_PATTERN)


@dataclass(slots=True)
class _Entry:
    """One ``w:tc``: its first grid column, how many it spans, its text, and whether it
    continues a vertically merged cell (its content was read in the row above)."""

    column: int
    span: int
    text: str
    continued: bool


@dataclass(slots=True)
class TableLines:
    """What a table contributes: lines for the text pipeline, the speaker labels of its rows
    (speakers whatever their shape), and notes for the import summary."""

    lines: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _int_attr(element: Any, path: str) -> int | None:
    found = element.find(path)
    if found is None:
        return None
    value = found.get(f"{W}val")
    return int(value) if value and value.isdigit() else None


def _cell_blocks(container: Any) -> Iterator[Any]:
    """Paragraphs and tables directly in a cell (content controls opened)."""
    for child in container.iterchildren():
        if child.tag in (f"{W}p", f"{W}tbl"):
            yield child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _cell_blocks(content)


def _rows(tbl: Any, number: int, paragraph_text: Any, source: str) -> list[list[_Entry]]:
    rows: list[list[_Entry]] = []
    for r, tr in enumerate(tbl.iterchildren(f"{W}tr"), start=1):
        column = _int_attr(tr, f"{W}trPr/{W}gridBefore") or 0
        entries: list[_Entry] = []
        cells = [c for c in tr.iterchildren(f"{W}tc")]
        for sdt in tr.iterchildren(f"{W}sdt"):
            content = sdt.find(f"{W}sdtContent")
            if content is not None:
                cells += list(content.iterchildren(f"{W}tc"))
        for tc in cells:
            span = _int_attr(tc, f"{W}tcPr/{W}gridSpan") or 1
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            continued = merge is not None and merge.get(f"{W}val") in (None, "continue")
            texts = []
            for block in _cell_blocks(tc):
                if block.tag == f"{W}tbl":
                    raise ImportFormatError(
                        f"table {number}, row {r}: a table inside a table cell is not read; "
                        "move its text out of the cell",
                        source=source,
                    )
                texts.append(paragraph_text(block))
            text = "\n".join(t.strip() for t in texts if t.strip())
            entries.append(_Entry(column, span, text, continued))
            column += span
        rows.append(entries)
    return rows


def _norm(text: str) -> str:
    return "_".join(text.strip().casefold().replace("-", " ").split())


def _header(row: list[_Entry]) -> dict[str, int] | None:
    names = {_norm(e.text): e.column for e in row}
    found: dict[str, int] = {}
    for field_name, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in names:
                found[field_name] = names[alias]
                break
    return found if "speaker" in found and "text" in found else None


def _layout(rows: list[list[_Entry]], number: int, source: str) -> dict[str, int]:
    """Column of 'speaker', 'text' and (optionally) 'start' from the cells' content."""
    values: dict[int, list[str]] = {}
    for row in rows:
        for e in row:
            if e.text and not e.continued and e.span == 1:
                values.setdefault(e.column, []).append(e.text)
    clocks = [c for c, v in values.items() if all(_CLOCK_CELL_RE.fullmatch(x) for x in v)]
    numbers = [
        c for c, v in values.items() if c == min(values) and all(_NUMBER_RE.fullmatch(x) for x in v)
    ]
    content = sorted(c for c in values if c not in clocks and c not in numbers)
    layout: dict[str, int] = {"start": clocks[0]} if clocks else {}
    if len(content) == 1:
        return {**layout, "text": content[0]}
    if len(content) == 2:
        return {**layout, "speaker": content[0], "text": content[1]}
    raise ImportFormatError(
        f"table {number}: cannot tell the speaker column from the text column "
        f"({len(content)} columns hold text); give the table a header row such as "
        "'Speaker | Text' (optionally 'Time'), or move the turns out of the table",
        source=source,
    )


def table_lines(tbl: Any, number: int, paragraph_text: Any, source: str) -> TableLines:
    """The turn lines of Word table number ``number`` (1-based, in document order);
    ``paragraph_text(p)`` gives a ``w:p`` element's text."""
    out = TableLines()
    rows = _rows(tbl, number, paragraph_text, source)
    if not rows:
        return out
    width = max((e.column + e.span for row in rows for e in row), default=0)
    layout = _header(rows[0])
    first = 0
    if layout is not None:
        first = 1
        if "end" in layout:
            out.warnings.append(
                f"table {number}: the end-time column is not read (a turn ends where the "
                "next one starts)"
            )
    else:
        layout = _layout(rows, number, source)
    for r, row in enumerate(rows[first:], start=first + 1):
        by_column = {e.column: e for e in row}
        if len(row) == 1 and row[0].span >= width and width > 1:
            if row[0].text and not row[0].continued:
                out.lines.extend(row[0].text.split("\n"))  # a heading across the table
            continue
        text_entry = by_column.get(layout["text"])
        if text_entry is not None and text_entry.continued:
            continue  # a vertically merged text cell: read in the row above
        text = text_entry.text if text_entry is not None else ""
        speaker_entry = by_column.get(layout.get("speaker", -1))
        speaker = ""
        if speaker_entry is not None and not speaker_entry.continued:
            speaker = speaker_entry.text.strip().rstrip(":").strip()
        if not speaker:
            if text:
                out.lines.extend(text.split("\n"))
            continue
        if "\n" in speaker or _LABEL_RE.fullmatch(speaker) is None:
            raise ImportFormatError(
                f"table {number}, row {r}: the speaker cell {speaker[:60]!r} is not a speaker "
                "label (letters, digits, spaces, . - _ ' only, at most 100 characters)",
                source=source,
            )
        stamp = ""
        time_entry = by_column.get(layout.get("start", -1))
        if time_entry is not None and time_entry.text and not time_entry.continued:
            raw = _CLOCK_CELL_RE.fullmatch(time_entry.text)
            try:
                seconds = parse_time(raw.group(1) if raw else time_entry.text)
            except ValueError as exc:
                raise ImportFormatError(f"table {number}, row {r}: {exc}", source=source) from None
            stamp = f"[{format_clock(seconds)}] "
        lines = text.split("\n") if text else [""]
        out.lines.append(f"{stamp}{speaker}: {lines[0]}".rstrip())
        out.lines.extend(lines[1:])
        out.speakers.append(speaker)
    return out
