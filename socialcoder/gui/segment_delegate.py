"""Paints one segment row: index and time, a role-coloured speaker label, the wrapped text
and this coder's codes as coloured chips in a column on the right.

Row layout (widths scale with the font)::

    | #12    [ P ]  wrapped text of the turn ...........  [concordance      ] |
    | 01:28          ...................................   [resistance: mild ] |

Row heights are cached per row and width and dropped when a row changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from socialcoder.gui.segment_model import SEGMENT_ROLE, SegmentListModel
from socialcoder.gui.theme import format_time, role_color, text_on

_Index = QModelIndex | QPersistentModelIndex
PAD = 6
GAP = 10


@dataclass(frozen=True, slots=True)
class RowGeometry:
    gutter: QRect
    speaker: QRect
    text: QRect
    chips: QRect


class SegmentDelegate(QStyledItemDelegate):
    """Delegate for :class:`SegmentListModel` rows (no widget per segment)."""

    def __init__(self, model: SegmentListModel, parent: Any = None) -> None:
        super().__init__(parent)
        self._model = model
        self._heights: dict[int, tuple[int, int, int]] = {}  # row -> (width, point size, h)
        #: (width, font) -> (metrics, text width, least height): the same for every row, so
        #: that laying out a long transcript measures only each row's text
        self._frame: tuple[tuple[int, str], QFontMetrics, int, int] | None = None
        model.dataChanged.connect(self._forget_rows)
        model.modelReset.connect(self._heights.clear)
        model.layoutChanged.connect(self._heights.clear)

    def _forget_rows(self, top: QModelIndex, bottom: QModelIndex, *_: Any) -> None:
        for row in range(top.row(), bottom.row() + 1):
            self._heights.pop(row, None)

    def forget_row(self, row: int) -> None:
        """Measure ``row`` again when next asked (it changed)."""
        self._heights.pop(row, None)

    def forget_all(self) -> None:
        self._heights.clear()

    # -- geometry ----------------------------------------------------------------------------
    @staticmethod
    def _metrics(font: QFont) -> tuple[QFontMetrics, int, int, int]:
        fm = QFontMetrics(font)
        gutter = fm.horizontalAdvance("#00000") + PAD
        bold = QFont(font)
        bold.setBold(True)  # the label is painted bold in a pill: measure it so
        speaker = QFontMetrics(bold).horizontalAdvance("Therapist") + 2 * PAD + 10
        chips = fm.horizontalAdvance("incongruent_principles") + 3 * PAD
        return fm, gutter, speaker, chips

    def geometry(self, rect: QRect, font: QFont) -> RowGeometry:
        fm, gutter_w, speaker_w, chips_w = self._metrics(font)
        inner = rect.adjusted(PAD + 4, PAD, -PAD, -PAD)
        gutter = QRect(inner.left(), inner.top(), gutter_w, inner.height())
        speaker = QRect(gutter.right() + GAP, inner.top(), speaker_w, fm.height() + 4)
        chips = QRect(inner.right() - chips_w + 1, inner.top(), chips_w, inner.height())
        text_left = speaker.right() + GAP
        text = QRect(
            text_left, inner.top(), max(80, chips.left() - GAP - text_left), inner.height()
        )
        return RowGeometry(gutter, speaker, text, chips)

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        width = option.rect.width()
        if width <= 0 and isinstance(option.widget, QAbstractScrollArea):
            width = option.widget.viewport().width()
        font = option.font
        row = index.row()
        cached = self._heights.get(row)
        if cached and cached[0] == width and cached[1] == font.pointSize():
            return QSize(width, cached[2])
        key = (width, font.key())
        if self._frame is None or self._frame[0] != key:
            fm = QFontMetrics(font)
            geo = self.geometry(QRect(0, 0, max(width, 400), 10_000), font)
            self._frame = (key, fm, geo.text.width(), max(2 * fm.height(), geo.speaker.height()))
        _key, fm, text_w, least = self._frame
        seg = self._model.segment(row)
        text_h = fm.boundingRect(
            QRect(0, 0, text_w, 100_000), Qt.TextFlag.TextWordWrap, seg.text
        ).height()
        chips = self._model.chip_count(row)
        chips_h = chips * (fm.height() + 6)
        height = max(text_h, chips_h, least) + 2 * PAD + 2
        self._heights[row] = (width, font.pointSize(), height)
        return QSize(width, height)

    # -- painting ----------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        seg = index.data(SEGMENT_ROLE)
        if seg is None:
            return
        palette: QPalette = option.palette
        rect: QRect = option.rect
        font = option.font
        fm = QFontMetrics(font)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if selected:
            highlight = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill = QColor(highlight)
            fill.setAlpha(55)
            painter.fillRect(rect, fill)
            painter.fillRect(QRect(rect.left(), rect.top(), 5, rect.height()), highlight)
        line = QColor(palette.color(QPalette.ColorRole.Mid))
        line.setAlpha(90)
        painter.setPen(line)
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())

        geo = self.geometry(rect, font)
        text_color = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        # gutter: index and time
        painter.setFont(font)
        painter.setPen(text_color if selected else muted)
        painter.drawText(
            QRect(geo.gutter.left(), geo.gutter.top(), geo.gutter.width(), fm.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"#{seg.index}",
        )
        if seg.start is not None:
            small = QFont(font)
            small.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
            painter.setFont(small)
            painter.drawText(
                QRect(
                    geo.gutter.left(),
                    geo.gutter.top() + fm.height(),
                    geo.gutter.width(),
                    fm.height(),
                ),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                format_time(seg.start, estimated=seg.start_estimated),
            )
            painter.setFont(font)
        # speaker label as a filled pill
        self._pill(painter, geo.speaker, role_color(seg.role), seg.label, fm, bold=True)
        # text
        painter.setPen(text_color)
        painter.drawText(geo.text, Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignTop, seg.text)
        # chips
        top = geo.chips.top()
        for text, color in self._model.chips(index.row()):
            chip = QRect(geo.chips.left(), top, geo.chips.width(), fm.height() + 2)
            self._pill(painter, chip, color, text, fm)
            top += fm.height() + 6
        painter.restore()

    @staticmethod
    def _pill(
        painter: QPainter,
        rect: QRect,
        color: QColor,
        text: str,
        fm: QFontMetrics,
        *,
        bold: bool = False,
    ) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, rect.height() / 2.5, rect.height() / 2.5)
        painter.setPen(text_on(color))
        font = QFont(painter.font())
        font.setBold(bold)
        painter.setFont(font)
        elided = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 10)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, elided)
        font.setBold(False)
        painter.setFont(font)
