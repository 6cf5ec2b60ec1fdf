"""Parts of the review view: the context text, the coders' values side by side with the value
buttons, and the 'accept all agreements' dialog."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.codebook import Dimension, Scale
from socialcoder.gui import themes
from socialcoder.gui.lead.review_keys import value_key
from socialcoder.gui.theme import role_color, text_on
from socialcoder.services.consensus import Disagreement
from socialcoder.services.review import ReviewContext


def value_text(dim: Dimension, value: str | None) -> str:
    """'present', 'mild', '4 (partial agreement)'; '—' for no value."""
    return "—" if value is None else dim.shown(value)


def short_value(dim: Dimension, value: str | None) -> str:
    """Compact form for the list: labels of binary/named values, numbers as they are."""
    if value is None:
        return "—"
    return (
        value if value[:1].isdigit() and dim.scale is not Scale.BINARY else value_text(dim, value)
    )


MEMO_PREVIEW = 280  # characters of a memo shown beside the values; the rest on demand
_LONG_RUN = re.compile(r"(\S{12})(?=\S)")


def memo_preview(text: str) -> tuple[str, bool]:
    """(what the panel shows of a memo, whether it was shortened): at most
    :data:`MEMO_PREVIEW` characters, with a break opportunity in every run of 12 characters
    without a space, so that no memo can widen the window."""
    short = text if len(text) <= MEMO_PREVIEW else text[:MEMO_PREVIEW].rstrip() + "…"
    return _LONG_RUN.sub("\\1\u200b", short), len(text) > MEMO_PREVIEW


class MemoDialog(QDialog):
    """A coder's whole memo, scrollable and selectable (read-only)."""

    def __init__(self, coder: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Memo of {coder}")
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(text)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 480)


def context_html(d: Disagreement, dim: Dimension, ctx: ReviewContext) -> str:
    e = html.escape
    marks = themes.marks()
    head = (
        f"<h3>{e(dim.label)} · {e(d.transcript)} · "
        f"{'whole session' if d.segment is None else f'segment {d.segment}'}</h3>"
    )
    if dim.definition:
        head += f"<p style='color:{marks.muted}'><i>{e(dim.definition[:400])}</i></p>"
    if not ctx.turns:
        return head + "<p>A session-level rating: the coders rated the whole session.</p>"
    rows = []
    for t in ctx.turns:
        role = role_color(t.role)
        color, on_color = role.name(), text_on(role).name()
        style = (
            f"background:{marks.focal_bg};color:{text_on(QColor(marks.focal_bg)).name()};"
            if t.focal
            else f"color:{marks.muted};"
        )
        rows.append(
            f"<tr><td style='{style}padding:4px' valign='top'>"
            f"<span style='background:{color};color:{on_color}'>&nbsp;{e(t.label or t.role)}"
            "&nbsp;</span>"
            f"&nbsp;<small>{t.index}</small></td>"
            f"<td style='{style}padding:4px'>{'<b>' if t.focal else ''}{e(t.text)}"
            f"{'</b>' if t.focal else ''}</td></tr>"
        )
    return head + "<table width='100%' cellspacing='0'>" + "".join(rows) + "</table>"


class ValuesPanel(QGroupBox):
    """Each coder's value and memo (numbered 1, 2, 3… = the keys that take them) and one
    button per value of the dimension. Emits ``valueChosen(value)``."""

    valueChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Coders' values", parent)
        self.box = QVBoxLayout(self)
        self.grid = QGridLayout()
        self.box.addLayout(self.grid)
        self.buttons_row = QHBoxLayout()
        self.box.addLayout(self.buttons_row)
        self.settled = QLabel("", self)
        self.box.addWidget(self.settled)
        self.cells: dict[str, QLabel] = {}

    def _clear(self) -> None:
        for layout in (self.grid, self.buttons_row):
            while layout.count():
                item = layout.takeAt(0)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    widget.hide()
                    widget.setParent(None)
                    widget.deleteLater()
        self.cells.clear()

    def show_unit(
        self,
        dim: Dimension | None,
        coders: list[str],
        values: dict[str, str | None],
        memos: dict[str, str],
        consensus: str | None = None,
        implied: tuple[str, ...] = (),
    ) -> None:
        self._clear()
        if dim is None:
            self.settled.setText("")
            return
        for col, coder in enumerate(coders):
            name = QLabel(f"<b>{col + 1}</b> · {html.escape(coder)}", self)
            shown = html.escape(value_text(dim, values.get(coder)))
            if coder in implied:
                shown += " <small>(implied: left empty after completing)</small>"
            elif values.get(coder) is None:
                shown += " <small>(left empty)</small>"
            value = QLabel(f"<big><b>{shown}</b></big>", self)
            value.setObjectName(f"value_{coder}")
            full = memos.get(coder, "")
            shown, shortened = memo_preview(full)
            memo = QLabel(html.escape(shown) or "<i>no memo</i>", self)
            memo.setWordWrap(True)
            memo.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            memo.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            memo.setObjectName(f"memo_{coder}")
            for row, w in enumerate((name, value, memo)):
                self.grid.addWidget(w, row, col)
            if shortened:
                more = QPushButton(f"Whole memo ({len(full):,} characters)…", self)
                more.setObjectName(f"more_{coder}")
                more.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                more.clicked.connect(lambda _=False, c=coder, t=full: MemoDialog(c, t, self).exec())
                self.grid.addWidget(more, 3, col)
            self.cells[coder] = value
        self.buttons_row.addWidget(QLabel("Consensus:", self))
        for i, v in enumerate(dim.values):
            key = value_key(dim, i)
            button = QPushButton(f"{value_text(dim, v.value)}  [{key}]", self)
            button.setToolTip(f"Settle on {v.value} (key {key})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, value=v.value: self.valueChosen.emit(value))
            self.buttons_row.addWidget(button)
        self.buttons_row.addStretch(1)
        self.settled.setText(
            f"Settled: <b>{html.escape(value_text(dim, consensus))}</b> (choose again to change)"
            if consensus is not None
            else "Not settled yet."
        )


class AcceptDialog(QDialog):
    """Which coders must agree for a value to enter the consensus layer."""

    def __init__(self, coders: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Accept all agreements")
        layout = QVBoxLayout(self)
        note = QLabel(
            "Copy into the consensus layer every value on which <b>all</b> the chosen coders "
            "agree (units where one of them has no value are left for review). Values already "
            "settled are never overwritten.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.boxes = []
        for c in coders:
            box = QCheckBox(c, self)
            box.setChecked(True)
            self.boxes.append(box)
            layout.addWidget(box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        return [b.text() for b in self.boxes if b.isChecked()]
