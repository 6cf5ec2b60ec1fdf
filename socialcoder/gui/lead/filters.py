"""The dashboard's filters beside the coders: transcripts and a date range, as the CLI's
``--transcripts``, ``--since`` and ``--until`` (the same :class:`Selection` fields, read by
the same parsers: :func:`~socialcoder.domain.names.selection` and
:func:`~socialcoder.services.reliability_data.selection_time`)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from socialcoder.domain.names import selection as selection_names
from socialcoder.services.reliability_data import Selection, selection_time


class SelectionFilters(QWidget):
    """Transcripts (comma-separated; empty = all), From and Until (YYYY-MM-DD: codes last
    changed on or after From, before Until). Pressing Enter in a field recomputes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.transcripts = self._field(
            row,
            "&Transcripts:",
            "all (or e.g. P01_s1, P02_s4)",
            "Comma-separated transcript names; empty = every transcript (as --transcripts)",
            stretch=3,
        )
        self.since = self._field(
            row,
            "&From:",
            "YYYY-MM-DD",
            "Only codes last changed on or after this date (as --since); empty = no limit",
        )
        self.until = self._field(
            row,
            "U&ntil:",
            "YYYY-MM-DD",
            "Only codes last changed before this date (as --until); empty = no limit",
        )

    def _field(
        self, row: QHBoxLayout, label: str, placeholder: str, tip: str, stretch: int = 1
    ) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(tip)
        edit.setClearButtonEnabled(True)
        name = label.replace("&", "").rstrip(":")
        edit.setAccessibleName(name)
        edit.setAccessibleDescription(tip)
        caption = QLabel(label, self)
        caption.setBuddy(edit)
        row.addWidget(caption)
        row.addWidget(edit, stretch)
        return edit

    def apply(self, base: Selection) -> Selection:
        """``base`` narrowed by these fields; a field that does not parse raises one line."""
        return replace(
            base,
            transcripts=selection_names(self.transcripts.text()),
            since=selection_time(self.since.text(), "From"),
            until=selection_time(self.until.text(), "Until"),
        )
