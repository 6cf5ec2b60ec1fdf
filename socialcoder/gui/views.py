"""The segment list view and the find bar above it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStyleOptionViewItem,
    QToolButton,
    QWidget,
)

from socialcoder.gui.accessibility import annotate

KeyHandler = Callable[[QKeyEvent], bool]


class SegmentListView(QListView):
    """A list of segments painted by a delegate; coding keys go to ``key_handler`` first.

    Rows have varying heights (wrapped text), laid out in batches so that the first screen
    of a long transcript appears at once.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key_handler: KeyHandler | None = None
        self.setObjectName("segments")
        self.setUniformItemSizes(False)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(60)
        # The delegate wraps the text itself, but word wrap must stay on: with it off, a change
        # of the list's width alone (its scroll bar appearing, the panes resized) lays no row out
        # again and rows overlap (a turn's height depends on the width). A changed row is still
        # repainted alone (dataChanged below).
        self.setWordWrap(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAccessibleName("Transcript segments")
        annotate(
            self,
            description="One row per speaker turn with its speaker, time, text and your codes; "
            "j/k or the arrow keys move, a dimension's key codes the current turn, M writes a memo",
        )

    def event(self, e: QEvent) -> bool:
        # Let single-key coding keys reach keyPressEvent even if an action claims them.
        if e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent):
            mods = e.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
            if mods == Qt.KeyboardModifier.NoModifier and (e.text() or e.key() == Qt.Key.Key_F1):
                e.accept()
                return True
        return super().event(e)

    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        """One row changed (a code, a memo) and kept its height: repaint that row only.
        QListView lays out and repaints every row on any change (Qt 6), which cost a coding
        key a few ms on a long transcript (issue #14); a row that grew or shrank (a chip
        more than its text's lines) still takes that path."""
        if topLeft.isValid() and topLeft.row() == bottomRight.row() and self._same_height(topLeft):
            QAbstractItemView.dataChanged(self, topLeft, bottomRight, list(roles))
            return
        super().dataChanged(topLeft, bottomRight, list(roles))

    def _same_height(self, changed: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.model()
        if model is None:
            return False
        index = model.index(changed.row(), changed.column())
        delegate = self.itemDelegateForIndex(index)
        forget = getattr(delegate, "forget_row", None)
        if delegate is None or forget is None:
            return False  # a height cached elsewhere: the full path
        forget(index.row())  # measure it as it is now
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        laid_out = self.visualRect(index).height()
        return laid_out > 0 and delegate.sizeHint(option, index).height() == laid_out

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if self.key_handler is not None and self.key_handler(e):
            e.accept()
            return
        super().keyPressEvent(e)


class FindBar(QWidget):
    """Ctrl+F: search the transcript text; Enter = next match, Shift+Enter = previous,
    Esc closes. Emits ``searched(text, forward)`` and ``closed``."""

    searched = Signal(str, bool)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("Find:"))
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(
            "words in the transcript (Enter = next, Shift+Enter = previous)"
        )
        self.edit.setClearButtonEnabled(True)
        annotate(
            self.edit,
            "Find in the transcript",
            "Type words to find in the turns; Enter goes to the next match, Shift+Enter to the "
            "previous, Escape closes",
        )
        layout.addWidget(self.edit, 1)
        self.result = QLabel("", self)
        layout.addWidget(self.result)
        for text, tip, forward in (
            ("▲", "Previous match (Shift+Enter)", False),
            ("▼", "Next match (Enter)", True),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(
                lambda _=False, f=forward: self.searched.emit(self.edit.text(), f)
            )
            layout.addWidget(button)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Close the find bar (Esc)")
        close.clicked.connect(self.close_bar)
        layout.addWidget(close)
        self.edit.installEventFilter(self)
        self.hide()

    def open_bar(self) -> None:
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        if obj is self.edit and e.type() == QEvent.Type.KeyPress and isinstance(e, QKeyEvent):
            if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                backward = bool(e.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.searched.emit(self.edit.text(), not backward)
                return True
            if e.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(obj, e)
