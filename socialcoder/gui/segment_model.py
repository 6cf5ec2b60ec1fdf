"""The transcript as a Qt list model: one row per segment (speaker turn) of one coder's view.

The model holds the :class:`~socialcoder.services.transcript_view.SegmentView` values that
``show_transcript(..., coder=<this coder>)`` returned and is updated in place from each
:class:`~socialcoder.services.coding.Change`, emitting ``dataChanged`` for that one row.

A long transcript is read a page at a time (:meth:`SegmentListModel.set_source`): the model
holds the segments read so far (the first rows of the transcript), ``rowCount`` is their
number, and Qt's ``canFetchMore``/``fetchMore`` read the next page when the view scrolls to
the end of them; :meth:`SegmentListModel.load_to` reads up to a row first (go to a segment,
End, a search hit, the next uncoded segment). Row = segment index - 1 as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from socialcoder.domain.codebook import Codebook
from socialcoder.gui.theme import MEMO_CHIP, chip_text, dimension_color, format_time
from socialcoder.gui.themes import chip_color
from socialcoder.services.transcript_view import SegmentView

#: a suggestion's chip: faint grey, so it never looks like a code
SUGGESTION_CHIP = "#f3f3f3"

SEGMENT_ROLE = Qt.ItemDataRole.UserRole + 1
"""data(index, SEGMENT_ROLE) -> SegmentView"""
CHIPS_ROLE = Qt.ItemDataRole.UserRole + 2
"""data(index, CHIPS_ROLE) -> list[tuple[str, QColor]]: chip text and fill colour, in codebook
order, then a memo chip when the segment has a memo."""
CODES_ROLE = Qt.ItemDataRole.UserRole + 3
"""data(index, CODES_ROLE) -> dict[str, str]: this coder's codes, key -> value text."""

_Index = QModelIndex | QPersistentModelIndex

#: segments read at a time from a long transcript (a few screens)
PAGE = 400

#: reads ``count`` segments from position ``offset`` in transcript order
PageLoader = Callable[[int, int], list[SegmentView]]


class SegmentListModel(QAbstractListModel):
    """Rows = segments in transcript order (row = segment index - 1)."""

    def __init__(self, codebook: Codebook, parent: Any = None) -> None:
        super().__init__(parent)
        self.codebook = codebook
        self._segments: list[SegmentView] = []
        self._chips: dict[int, list[tuple[str, QColor]]] = {}
        #: machine suggestions (issue #17): segment index -> {dimension key: (value, p)}
        self._suggested: dict[int, dict[str, tuple[str, float]]] = {}
        self._total = 0
        self._loader: PageLoader | None = None

    # -- reading -----------------------------------------------------------------------------
    @property
    def segments(self) -> list[SegmentView]:
        """The segments read so far (all of them once :attr:`complete`)."""
        return self._segments

    @property
    def total(self) -> int:
        """Segments in the transcript, read or not."""
        return self._total

    @property
    def complete(self) -> bool:
        return len(self._segments) >= self._total

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._segments)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._loader is not None and not self.complete

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if not parent.isValid():
            self.load_to(len(self._segments) + PAGE - 1)

    def load_to(self, row: int) -> bool:
        """Read the transcript up to ``row`` (and the rest of its page); False when the
        transcript has no such row."""
        row = min(row, self._total - 1)
        if row < 0:
            return False
        have = len(self._segments)
        if row < have:
            return True
        if self._loader is None:
            return False
        count = ((row - have) // PAGE + 1) * PAGE
        more = self._loader(have, count)
        if not more:
            self._total = have  # the transcript shrank since it was opened
            return False
        self.beginInsertRows(QModelIndex(), have, have + len(more) - 1)
        self._segments.extend(more)
        self.endInsertRows()
        return row < len(self._segments)

    def segment(self, row: int) -> SegmentView:
        return self._segments[row]

    def row_of(self, segment_index: int) -> int | None:
        """Row of the segment numbered ``segment_index`` (1-based in the transcript)."""
        row = segment_index - 1
        if 0 <= row < len(self._segments) and self._segments[row].index == segment_index:
            return row
        # a long transcript read in part: only the segments up to the last one read are shown
        if not self.complete and (not self._segments or self._segments[-1].index < segment_index):
            return None
        for row, s in enumerate(self._segments):
            if s.index == segment_index:
                return row
        return None

    def chips(self, row: int) -> list[tuple[str, QColor]]:
        cached = self._chips.get(row)
        if cached is None:
            seg = self._segments[row]
            cached = []
            for key, value in seg.codes.items():
                dim = self.codebook.dimension(key) if self.codebook.has(key) else None
                cached.append((chip_text(dim, key, value), dimension_color(dim)))
            for key, (value, p) in self.suggested(row).items():
                dim = self.codebook.dimension(key) if self.codebook.has(key) else None
                text = f"{chip_text(dim, key, value)}? (suggested, {p:.2f})"
                cached.append((text, QColor(SUGGESTION_CHIP)))
            if seg.memo:
                cached.append(("✎ memo", chip_color(QColor(MEMO_CHIP))))
            self._chips[row] = cached
        return cached

    def chip_count(self, row: int) -> int:
        """How many chips :meth:`chips` gives for ``row``, without building them (row
        heights of a long transcript)."""
        cached = self._chips.get(row)
        if cached is not None:
            return len(cached)
        seg = self._segments[row]
        suggested = self._suggested.get(seg.index)
        extra = sum(1 for k in suggested if k not in seg.codes) if suggested else 0
        return len(seg.codes) + extra + (1 if seg.memo else 0)

    def forget_colours(self) -> None:
        """Recompute the chips' colours (after a theme change)."""
        self._chips.clear()
        if self._segments:
            self.dataChanged.emit(self.index(0), self.index(len(self._segments) - 1))

    def suggested(self, row: int) -> dict[str, tuple[str, float]]:
        """The machine's suggestions on a row that this coder has not coded yet."""
        seg = self._segments[row]
        mine = self._suggested.get(seg.index, {})
        return {k: v for k, v in mine.items() if k not in seg.codes}

    def set_suggestions(self, suggestions: dict[int, dict[str, tuple[str, float]]]) -> None:
        self._suggested = suggestions
        self._chips.clear()
        if self._segments:
            self.dataChanged.emit(self.index(0), self.index(len(self._segments) - 1))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._segments):
            return None
        seg = self._segments[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return seg.text
        if role == SEGMENT_ROLE:
            return seg
        if role == CHIPS_ROLE:
            return self.chips(index.row())
        if role == CODES_ROLE:
            return dict(seg.codes)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(index.row())
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.accessible_text(index.row())
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return self._tooltip(index.row()).replace("\n", "; ")
        return None

    def accessible_text(self, row: int) -> str:
        """What a screen reader says for a row (the delegate paints it, so there is no child
        widget to read): speaker, time, the turn's text and this coder's codes."""
        seg = self._segments[row]
        when = format_time(seg.start, estimated=seg.start_estimated)
        at = f" at {when.replace('≈', 'about ')}" if when else ""
        codes = []
        for key, value in seg.codes.items():
            dim = self.codebook.dimension(key) if self.codebook.has(key) else None
            label = dim.label if dim is not None else key
            codes.append(f"{label}: {dim.label_of(value) if dim is not None else value}")
        coded = f"Your codes: {'; '.join(codes)}." if codes else "Not coded yet."
        memo = " Has a memo." if seg.memo else ""
        return f"Segment {seg.index}, {seg.label} ({seg.role}){at}: {seg.text} {coded}{memo}"

    def _tooltip(self, row: int) -> str:
        seg = self._segments[row]
        lines = [
            f"Segment {seg.index} · {seg.label} ({seg.role}) {format_time(seg.start, estimated=seg.start_estimated)}"
        ]
        for text, _color in self.chips(row):
            if text != "✎ memo":
                lines.append(f"• {text}")
        if seg.memo:
            lines.append(f"Memo: {seg.memo}")
        if len(lines) == 1:
            lines.append("No codes yet")
        return "\n".join(lines)

    # -- writing -----------------------------------------------------------------------------
    def set_segments(self, segments: list[SegmentView]) -> None:
        """Show a whole transcript."""
        self.set_source(segments, len(segments), None)

    def set_source(self, first: list[SegmentView], total: int, loader: PageLoader | None) -> None:
        """Show a transcript of ``total`` segments of which ``first`` were read; ``loader``
        reads the rest as they are needed."""
        self.beginResetModel()
        self._segments = list(first)
        self._total = max(total, len(self._segments))
        self._loader = loader
        self._suggested = {}
        self._chips.clear()
        self.endResetModel()

    def set_code(self, row: int, key: str, value: str | None) -> None:
        """Show ``key = value`` (or no code when None) on one row, keeping codebook order."""
        seg = self._segments[row]
        codes = dict(seg.codes)
        if value is None:
            codes.pop(key, None)
        else:
            codes[key] = value
        order = {k: i for i, k in enumerate(self.codebook.keys)}
        codes = dict(sorted(codes.items(), key=lambda kv: order.get(kv[0], len(order))))
        self._replace(row, replace(seg, codes=codes))

    def set_memo(self, row: int, memo: str | None) -> None:
        self._replace(row, replace(self._segments[row], memo=memo or None))

    def _replace(self, row: int, seg: SegmentView) -> None:
        self._segments[row] = seg
        self._chips.pop(row, None)
        index = self.index(row)
        self.dataChanged.emit(index, index)
