"""Side panels: the transcripts list (left), the codebook (right) and the session panel."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.codebook import Codebook, Dimension, Scale
from socialcoder.domain.keys import coding_shortcut
from socialcoder.gui import themes
from socialcoder.gui.accessibility import annotate
from socialcoder.gui.cells import header_item, item_at
from socialcoder.gui.theme import chip_text, dimension_color, text_on
from socialcoder.services.transcript_list import TranscriptSummary
from socialcoder.services.transcript_view import SegmentView


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        item.setToolTip(tip)
    return item


class TranscriptsPanel(QWidget):
    """Transcripts with *this coder's* progress only (blind coding); a filter box on top.
    Emits ``opened(name)`` on click or Enter."""

    opened = Signal(str)
    COLUMNS = ("Transcript", "Participant", "Session", "Mine", "Done")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter transcripts…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setToolTip("Show only transcripts whose name, participant or session match")
        self.filter.setAccessibleName("Filter transcripts")
        self.filter.textChanged.connect(self._apply_filter)
        layout.addWidget(self.filter)
        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("transcripts")
        self.table.setAccessibleName("Transcripts")
        self.table.setAccessibleDescription("Your progress per transcript; Enter opens one")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table (no focus trap)
        self.table.setHorizontalHeaderLabels(("Transcript", "Part.", "Sess.", "Mine", "✓"))
        tips = (
            "Transcript name",
            "Participant",
            "Session number",
            "Your progress: share of codable segments you have coded",
            "✓ = you marked it complete",
        )
        for col, tip in enumerate(tips):
            header_item(self.table, col).setToolTip(tip)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellClicked.connect(lambda row, _c: self._open_row(row))
        self.table.cellActivated.connect(lambda row, _c: self._open_row(row))
        layout.addWidget(self.table, 1)
        self._rows: dict[str, int] = {}

    def load(self, summaries: list[TranscriptSummary], coder: str) -> None:
        self.table.setRowCount(len(summaries))
        self._rows.clear()
        for row, t in enumerate(summaries):
            self._rows[t.name] = row
            self.table.setItem(
                row, 0, _item(t.name, f"{t.name} ({t.segments} segments, {t.format})")
            )
            self.table.setItem(row, 1, _item(t.participant or ""))
            self.table.setItem(row, 2, _item("" if t.session is None else str(t.session)))
            if t.masked:  # blinded: the label is all a coder sees
                item_at(self.table, row, 0).setToolTip(f"{t.name} ({t.segments} segments)")
            mine = t.progress.get(coder)
            self.table.setItem(row, 3, _item(""))
            self.table.setItem(row, 4, _item(""))
            if mine is not None:
                self.set_progress(t.name, mine.coded, mine.codable, mine.completed)
            else:
                self.set_progress(t.name, 0, 0, False)
        masked = any(t.masked for t in summaries)
        for col in (1, 2):  # participant and session: never shown to a blinded coder
            self.table.setColumnHidden(col, masked)
        self._apply_filter(self.filter.text())

    def set_progress(self, name: str, coded: int, codable: int, completed: bool) -> None:
        row = self._rows.get(name)
        if row is None:
            return
        pct = f"{round(100 * coded / codable)} %" if codable else "–"
        item = item_at(self.table, row, 3)
        item.setText(pct)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setToolTip(f"You have coded {coded} of {codable} codable segments")
        done = item_at(self.table, row, 4)
        done.setText("✓" if completed else "")
        done.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        done.setToolTip("You marked it complete" if completed else "Not marked complete")

    def names(self) -> set[str]:
        """The transcripts listed."""
        return set(self._rows)

    def select(self, name: str) -> None:
        row = self._rows.get(name)
        if row is not None:
            self.table.blockSignals(True)
            self.table.selectRow(row)
            self.table.blockSignals(False)

    def row_text(self, name: str) -> list[str]:
        row = self._rows[name]
        return [item_at(self.table, row, c).text() for c in range(len(self.COLUMNS))]

    def _open_row(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.opened.emit(item.text())

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.table.rowCount()):
            cells = " ".join(item_at(self.table, row, c).text() for c in range(3)).casefold()
            self.table.setRowHidden(row, bool(needle) and needle not in cells)


def details_html(dim: Dimension) -> str:
    """Definition, values, include/exclude criteria and examples of one dimension."""
    e = html.escape
    parts = [f"<h3>{e(dim.label)} <small>({e(dim.key)}, {dim.scale.value})</small></h3>"]
    if dim.definition:
        parts.append(f"<p>{e(dim.definition)}</p>")
    if dim.scale is Scale.BINARY:
        key = (dim.shortcut or "").upper()
        parts.append(f"<p><b>{e(key)}</b> toggles: present ↔ not coded.</p>" if key else "")
    elif dim.values:
        rows = "".join(
            f"<li><b>{e(v.shortcut.upper() + ' or ' if v.shortcut else '')}{i}</b>"
            f" &nbsp;{e(v.value)}" + (f" – {e(v.label)}" if v.label != v.value else "") + "</li>"
            for i, v in enumerate(dim.values, start=1)
        )
        armed = f"{e((dim.shortcut or '').upper())} then " if dim.shortcut else ""
        parts.append(f"<p><b>Values</b> (press {armed}the key)</p><ul>{rows}</ul>")
        if dim.empty_means is not None:
            parts.append(
                f"<p>A turn left empty counts as <b>{e(dim.label_of(dim.empty_means))}</b> once "
                "you mark the transcript complete.</p>"
            )
    for title, items in (
        ("Include", dim.include),
        ("Exclude", dim.exclude),
        ("Examples", dim.examples),
    ):
        if items:
            parts.append(
                f"<p><b>{title}</b></p><ul>" + "".join(f"<li>{e(x)}</li>" for x in items) + "</ul>"
            )
    return "".join(parts)


class CodebookPanel(QWidget):
    """The dimensions that apply to the current segment's role, with shortcut and this coder's
    current value; below, the selected dimension's details (toggled with F1 or ?).
    Emits ``dimensionClicked(key)`` and ``dimensionActivated(key)`` (double click)."""

    dimensionClicked = Signal(str)
    dimensionActivated = Signal(str)

    def __init__(self, codebook: Codebook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.codebook = codebook
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("Codebook", self)
        self.heading.setWordWrap(True)
        font = QFont(self.heading.font())
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("dimensions")
        self.table.setAccessibleName("Codebook dimensions")
        self.table.setAccessibleDescription(
            "Each dimension's key, name and your code on the current segment; Enter codes the "
            "selected dimension on the current segment"
        )
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(("Key", "Dimension", "Your code"))
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Tab reaches it; a click does not
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellClicked.connect(self._clicked)
        self.table.activated.connect(  # double click, or Enter once Tab reached the table
            lambda index: self.dimensionActivated.emit(self._keys[index.row()])
        )
        layout.addWidget(self.table)
        self.hint = QLabel("", self)
        self.hint.setWordWrap(True)
        self._keep_hint_height()
        layout.addWidget(self.hint)
        self.details = QTextBrowser(self)
        self.details.setObjectName("details")
        self.details.setOpenLinks(False)
        self.details.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.details.setToolTip("Details of the selected dimension (F1 or ? shows/hides)")
        annotate(
            self.details,
            "Dimension details",
            "Definition, inclusion and exclusion criteria and anchor examples of the selected "
            "dimension (F1 or ? shows or hides them)",
        )
        layout.addWidget(self.details, 1)
        layout.addStretch(0)
        self._keys: list[str] = []
        self._selected: str | None = None
        self._shown_details: str | None = None
        #: laid-out details per (HTML, font): switching dimensions while coding swaps a
        #: document instead of parsing and laying out HTML on every key (issue #14)
        self._documents: dict[tuple[str, str], QTextDocument] = {}

    def _keep_hint_height(self) -> None:
        """Two lines kept for the armed prompt, shown or not: a prompt that appeared and went
        on each key moved the details below it and repainted the whole panel (issue #14)."""
        self.hint.setMinimumHeight(2 * self.hint.fontMetrics().lineSpacing())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:  # zoom
            self._keep_hint_height()
        super().changeEvent(event)

    def show_segment(self, seg: SegmentView | None) -> None:
        dims = [] if seg is None else list(self.codebook.segment_dimensions(seg.role))
        if seg is None:
            self.heading.setText("Codebook")
        elif dims:
            self.heading.setText(f"Codebook · segment {seg.index} ({seg.role} turn)")
        else:
            self.heading.setText(f"Segment {seg.index}: nothing to code on {seg.role} turns")
        keys = [d.key for d in dims]
        if keys == self._keys and keys:
            for row, dim in enumerate(dims):  # same dimensions: update the values only
                item_at(self.table, row, 2).setText(self._value_text(dim, seg))
            return
        self._keys = keys
        self.table.setRowCount(len(dims))
        for row, dim in enumerate(dims):
            shortcut = coding_shortcut(dim)
            key = _item(
                (shortcut or "").upper(),
                f"Press {shortcut} to code {dim.key}" if shortcut else "No key: double-click",
            )
            key.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(row, 0, key)
            self.table.setItem(row, 1, _item(dim.label, dim.definition))
            self.table.setItem(row, 2, _item(self._value_text(dim, seg)))
        self.recolour()
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth() + 6
        height += sum(self.table.rowHeight(r) for r in range(len(dims)))
        self.table.setFixedHeight(max(height, self.table.horizontalHeader().height() + 30))
        if self._selected in self._keys:
            self.table.selectRow(self._keys.index(self._selected))

    def recolour(self) -> None:
        """Colour each dimension's key cell for the current theme (3:1 against its
        background; the window calls this again when the theme changes)."""
        for row, key in enumerate(self._keys):
            item = self.table.item(row, 0)
            if item is None:
                continue
            color = dimension_color(self.codebook.dimension(key))
            item.setBackground(color)
            item.setForeground(text_on(color))

    @staticmethod
    def _value_text(dim: Dimension, seg: SegmentView | None) -> str:
        value = seg.codes.get(dim.key) if seg else None
        if value is None:
            return "—"
        if value == "1" and dim.scale is Scale.BINARY:
            return "present"
        return chip_text(dim, dim.key, value).split(": ")[-1]

    def value_text(self, key: str) -> str | None:
        if key not in self._keys:
            return None
        return item_at(self.table, self._keys.index(key), 2).text()

    def select_dimension(self, dim: Dimension | None) -> None:
        self._selected = dim.key if dim else None
        if dim is not None and dim.key in self._keys:
            self.table.selectRow(self._keys.index(dim.key))
        if dim is None:
            return
        text = details_html(dim)  # by content: a new codebook version may redefine a key
        if text != self._shown_details:  # else the same document stays (no layout, no paint)
            self._shown_details = text
            self.details.setDocument(self._details_document(text))

    def _details_document(self, text: str) -> QTextDocument:
        font = self.details.font()
        key = (text, font.toString())
        doc = self._documents.get(key)
        if doc is None:
            if len(self._documents) > 64:  # after many zooms or theme changes
                self._documents.clear()
            doc = QTextDocument(self)  # the panel's, so that the browser never deletes it
            doc.setDefaultFont(font)
            doc.setDocumentMargin(self.details.document().documentMargin())
            doc.setHtml(text)
            self._documents[key] = doc
        return doc

    def set_armed(self, dim: Dimension | None, prompt: str) -> None:
        self.hint.setText(f"<b>Choose a value</b> — {html.escape(prompt)}" if dim else "")

    def _clicked(self, row: int, _col: int) -> None:
        self.dimensionClicked.emit(self._keys[row])


class SessionPanel(QGroupBox):
    """Session-level dimensions of the open transcript (e.g. goal agreement) and completion.
    Emits ``valueChosen(key, value or None)``."""

    valueChosen = Signal(str, object)

    def __init__(self, codebook: Codebook, parent: QWidget | None = None) -> None:
        super().__init__("Whole session", parent)
        self.codebook = codebook
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.combos: dict[str, QComboBox] = {}
        for dim in codebook.session_dimensions():
            combo = QComboBox(self)
            combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            combo.setAccessibleName(f"{dim.label} (whole session)")
            combo.addItem("— not rated —", None)
            for i, v in enumerate(dim.values, start=1):
                label = v.value if v.label == v.value else f"{v.value} – {v.label}"
                combo.addItem(label, v.value)
                combo.setItemData(i, f"Digit {i}", Qt.ItemDataRole.ToolTipRole)
            combo.setToolTip(f"{dim.label}: press {dim.shortcut or '?'} then a digit")
            combo.activated.connect(
                lambda i, k=dim.key, c=combo: self.valueChosen.emit(k, c.itemData(i))
            )
            short = f" [{dim.shortcut.upper()}]" if dim.shortcut else ""
            form.addRow(f"{dim.label}{short}", combo)
            self.combos[dim.key] = combo
        self.state = QLabel("", self)
        self.state.setWordWrap(True)
        form.addRow(self.state)
        implied = [
            f"{d.label.lower()} as {d.label_of(d.empty_means)}"
            for d in codebook.segment_dimensions()
            if d.empty_means is not None
        ]
        self.complete_text = "✓ <b>Complete</b> — empty binary codes count as absent" + (
            f" ({', '.join(implied)})" if implied else ""
        )
        row = QHBoxLayout()
        row.addStretch(1)
        self.complete_button = QPushButton("Mark complete", self)
        self.complete_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.complete_button.setToolTip("Mark complete (Ctrl+Enter) or reopen (Ctrl+Shift+Enter)")
        row.addWidget(self.complete_button)
        form.addRow(row)

    def show_state(self, codes: dict[str, str], completed: bool) -> None:
        for key, combo in self.combos.items():
            index = combo.findData(codes.get(key)) if key in codes else 0
            combo.setCurrentIndex(max(index, 0))
        self.state.setText(
            self.complete_text if completed else "In progress — empty codes are 'not coded yet'"
        )
        self.complete_button.setText("Reopen" if completed else "Mark complete")
        self._completed = completed
        self.recolour()

    def recolour(self) -> None:
        """The state line in the theme's success colour once the transcript is complete."""
        done = getattr(self, "_completed", False)
        self.state.setStyleSheet(f"color: {themes.marks().success};" if done else "")
