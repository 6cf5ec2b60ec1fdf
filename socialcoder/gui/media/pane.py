"""The player dock's widgets (layout only): a status line, the video (for video recordings),
the overview of the session, a row of buttons that name their keys, and one message line.
Nothing here takes keyboard focus: keys stay with the transcript."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.media_keys import player_key
from socialcoder.domain.timing import format_clock
from socialcoder.gui.media.overview import OverviewWidget


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "–:––"
    tenths = round(seconds * 10) % 10
    return f"{format_clock(seconds)}.{tenths}"


class PlayerPane(QWidget):
    BUTTONS = ("back", "play_pause", "play_turn", "forward", "slower", "faster", "follow", "timing")
    TEXT: ClassVar[dict[str, str]] = {
        "back": "−5 s",
        "play_pause": "Play",
        "play_turn": "▶ Turn",
        "forward": "+5 s",
        "slower": "Slower",
        "faster": "Faster",
        "follow": "Follow",
        "timing": "Timing",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("player_pane")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        top = QHBoxLayout()
        self.title = QLabel("No recording", self)
        self.title.setObjectName("player_title")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        top.addWidget(self.title, 1)
        self.time = QLabel("", self)
        self.time.setObjectName("player_time")
        top.addWidget(self.time)
        layout.addLayout(top)
        self.video_host = QWidget(self)
        self.video_host.setMinimumHeight(160)
        self.video_host.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video_layout = QVBoxLayout(self.video_host)
        self.video_layout.setContentsMargins(0, 0, 0, 0)
        self.video_host.hide()
        layout.addWidget(self.video_host, 1)
        self.overview = OverviewWidget(self)
        layout.addWidget(self.overview)
        row = QHBoxLayout()
        self.buttons: dict[str, QToolButton] = {}
        for name in self.BUTTONS:
            key = player_key(name)
            button = QToolButton(self)
            button.setText(self.TEXT[name])
            button.setToolTip(f"{key.what} ({key.keys[0]})")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setCheckable(name in ("follow", "timing"))
            row.addWidget(button)
            self.buttons[name] = button
        row.addStretch(1)
        self.mode = QLabel("", self)
        self.mode.setObjectName("player_mode")
        row.addWidget(self.mode)
        layout.addLayout(row)
        self.message = QLabel("", self)
        self.message.setObjectName("player_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b34700;")
        self.message.hide()
        layout.addWidget(self.message)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_time(self, position: float, end: float | None, rate: float, volume: float) -> None:
        extra = []
        if abs(rate - 1.0) > 1e-6:
            extra.append(f"{rate:g}×")
        extra.append(f"vol {round(volume * 100)}%")
        self.time.setText(f"{clock(position)} / {clock(end)}  ·  " + "  ".join(extra))
