"""The media controller: the recording of the transcript being coded, beside it.

The main window composes it in a few lines: it makes the dock (:attr:`dock`), the Playback
menu's actions (:meth:`build_menu`), and is told the study and the coding controller
(:meth:`attach`, :meth:`detach`). From then on it follows the coding controller:

* a transcript opened -> its recording is looked for (stat calls only: the first screen does
  not wait), opened, then checked by SHA-256 in the background; a missing, changed or
  unplayable file, or a machine without sound, is one line in the pane; coding carries on;
* a turn chosen -> the player seeks to its start (not while timing); playing with follow mode
  on -> the turn under the playhead is selected;
* keys (:mod:`socialcoder.domain.media_keys`): Space and Return come from the transcript list
  (:meth:`handle_key`, asked before the coding keys); the others are window shortcuts.

Stamps and turns are undoable on the coding controller's undo stack.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

from socialcoder.domain.media_keys import JUMP_SECONDS
from socialcoder.domain.timing import format_clock
from socialcoder.errors import UserError
from socialcoder.gui.controller import CodingController
from socialcoder.gui.errors import describe
from socialcoder.gui.media.commands import StampCommand, TurnCommand
from socialcoder.gui.media.menu import build_playback_menu, single_key_action
from socialcoder.gui.media.overview import Mark, OverviewBuilder
from socialcoder.gui.media.pane import PlayerPane
from socialcoder.gui.media.player import Player, multimedia_problem, sound_problem
from socialcoder.gui.media.turn_times import TurnTimes, next_start
from socialcoder.gui.theme import dimension_color
from socialcoder.services import media_local
from socialcoder.services.media import (
    Recording,
    locate_quick,
    recording_of,
    search_by_content,
    set_duration,
    verify,
)
from socialcoder.services.media_timing import open_turn, segment_times, stamp_start
from socialcoder.services.study import Study
from socialcoder.services.transcript_view import SegmentView


class MediaController(QObject):
    """See the module doc. ``statusMessage(str)`` goes to the window's status bar."""

    statusMessage = Signal(str)
    _checked = Signal(object)  # (generation, kind, value) from a background check

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.pane = PlayerPane()
        self.dock = QDockWidget("Recording", parent)
        self.dock.setObjectName("player_dock")
        self.dock.setWidget(self.pane)
        self.dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.dock.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.actions: dict[str, QAction] = {}
        self.study: Study | None = None
        self.coder: str | None = None
        self.ctl: CodingController | None = None
        self.recording: Recording | None = None
        self.player: Player | None = None
        self.follow = True
        self.timing = False
        self._row: int | None = None
        self._moving = False  # selection moved by follow mode or by a stamp: do not seek
        self._times = TurnTimes([])  # where the turns read so far start
        self._generation = 0
        self.builder = OverviewBuilder(self)
        self.builder.ready.connect(lambda o: self.pane.overview.set_overview(o))
        self.builder.partial.connect(lambda o: self.pane.overview.set_overview(o, ""))
        self.builder.failed.connect(
            lambda m: self.pane.overview.set_overview(None, f"No overview: {m}")
        )
        self.pane.overview.seekRequested.connect(self.seek)
        self._checked.connect(self._on_checked)
        for name, button in self.pane.buttons.items():
            button.clicked.connect(lambda _=False, n=name: self.trigger(n))
        self._show_state()

    # -- menu and keys ---------------------------------------------------------------------------
    def build_menu(self, menu: QMenu) -> list[QAction]:
        """Fill ``menu`` with one action per player key; returns the window-level actions (the
        window adds them so their shortcuts work anywhere in it)."""
        actions, window_actions = build_playback_menu(menu, self.trigger)
        self.actions.update(actions)
        self.dock.visibilityChanged.connect(lambda v: self.actions["player"].setChecked(v))
        self._show_state()
        return window_actions

    def handle_key(self, event: QKeyEvent) -> bool:
        """Space / Return from the transcript list (before the coding keys)."""
        if self.player is None or self.recording is None:
            return False
        name = single_key_action(event)
        if name is None:
            return False
        self.trigger(name)
        return True

    def trigger(self, name: str) -> None:
        handler: Callable[[], None] | None = getattr(self, f"_do_{name}", None)
        if name == "player":
            self.dock.setVisible(not self.dock.isVisible())
            return
        if handler is None:
            return
        if self.player is None and name not in ("follow", "timing"):
            self.statusMessage.emit(self.pane.message.text() or "No recording for this transcript.")
            return
        handler()
        self._show_state()

    # -- attaching to the coding window ------------------------------------------------------------
    def attach(self, study: Study, coder: str, ctl: CodingController) -> None:
        self.detach()
        self.study, self.coder, self.ctl = study, coder, ctl
        ctl.transcriptOpened.connect(self._transcript_opened)
        ctl.currentSegmentChanged.connect(self._segment_changed)
        model = ctl.model
        model.dataChanged.connect(self._marks_changed)
        model.modelReset.connect(self._segments_reset)
        model.rowsInserted.connect(self._segments_read)  # the next page of a long transcript

    def detach(self) -> None:
        self._close_media()
        self.builder.shutdown()
        if self.ctl is not None:
            for signal, slot in (
                (self.ctl.transcriptOpened, self._transcript_opened),
                (self.ctl.currentSegmentChanged, self._segment_changed),
                (self.ctl.model.dataChanged, self._marks_changed),
                (self.ctl.model.modelReset, self._segments_reset),
                (self.ctl.model.rowsInserted, self._segments_read),
            ):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(slot)
        self.study = self.coder = self.ctl = None

    def _segments(self) -> list[SegmentView]:
        return self.ctl.model.segments if self.ctl is not None else []

    # -- opening a transcript's recording -------------------------------------------------------------
    @Slot(str)
    def _transcript_opened(self, name: str) -> None:
        if (
            self.recording is not None
            and self.recording.transcript == name
            and self.player is not None
        ):
            self._segments_reset()
            return
        self._close_media()
        self._generation += 1
        assert self.study is not None
        why = f"{name}: no recording attached (File > Attach recording…)"
        try:
            rec = recording_of(self.study, name)
        except UserError as exc:
            rec, why = None, describe(exc)
        self.recording = rec
        self._segments_reset()
        if rec is None:
            self.pane.title.setText(why)
            self.dock.hide()
            self._show_state()
            return
        self.dock.show()
        self.pane.title.setText(
            f"{rec.file_name or name} ({rec.kind})"
            + (" · coding without transcript" if rec.without_transcript else "")
        )
        self.pane.overview.set_span(rec.origin, rec.end)
        problem = multimedia_problem()
        if problem:
            self.pane.show_message(problem)
            self._show_state()
            return
        found = locate_quick(self.study, rec)
        if found.path is None:
            self.pane.show_message(found.message + self._search_hint())
            self._search_in_background(rec)
        else:
            self._open(found.path, verified=found.verified)
        self._show_state()

    def reopen(self, transcript: str) -> None:
        """Open ``transcript``'s recording again (after one was attached)."""
        self._close_media()
        self._transcript_opened(transcript)

    def _search_hint(self) -> str:
        folders = media_local.load_local().folders
        if folders:
            return " Looking for it by content in this machine's media folders…"
        return " Tell SocialCoder where recordings are on this machine: File > Media folders…"

    def _open(self, path: Path, *, verified: bool) -> None:
        rec = self.recording
        assert rec is not None
        self.player = Player(self)
        self.player.positionChanged.connect(self._position)
        self.player.playingChanged.connect(lambda _p: self._show_state())
        self.player.durationKnown.connect(self._duration)
        self.player.problem.connect(self._problem)
        self.player.spanEnded.connect(lambda: self.statusMessage.emit("End of the turn."))
        if rec.kind == "video":
            from PySide6.QtMultimediaWidgets import QVideoWidget

            video = QVideoWidget(self.pane.video_host)
            self.pane.video_layout.addWidget(video)
            self.player.set_video_output(video)
            self.pane.video_host.show()
        else:
            self.pane.video_host.hide()
        self.player.open(path, (rec.origin, rec.excerpt[1] if rec.excerpt else None))
        self.pane.show_message(sound_problem() or "")
        self.builder.start(path, rec.sha256)
        if not verified and rec.sha256:
            generation = self._generation

            def check() -> None:
                ok = verify(path, rec)
                with contextlib.suppress(RuntimeError):  # the window closed meanwhile
                    self._checked.emit((generation, "verified", (path, ok)))

            threading.Thread(target=check, name="media-verify", daemon=True).start()
        self._position(rec.origin)

    def _search_in_background(self, rec: Recording) -> None:
        folders = media_local.load_local().folders
        if not folders or not rec.sha256 or rec.size is None:
            return
        generation = self._generation
        size, sha = rec.size, rec.sha256

        def search() -> None:
            hit = search_by_content(
                folders, size, sha, rec.file_name, cancelled=lambda: generation != self._generation
            )
            with contextlib.suppress(RuntimeError):  # the window closed meanwhile
                self._checked.emit((generation, "found", hit))

        threading.Thread(target=search, name="media-search", daemon=True).start()

    @Slot(object)
    def _on_checked(self, item: tuple[int, str, object]) -> None:
        generation, kind, value = item
        if generation != self._generation or self.recording is None:
            return
        rec = self.recording
        if kind == "found":
            if value is None:
                self.pane.show_message(
                    f"The recording {rec.file_name} was not found on this machine (searched its media folders by content)."
                )
                return
            assert isinstance(value, Path) and rec.sha256
            media_local.remember(rec.sha256, value)
            self._open(value, verified=True)
            self.pane.show_message(f"Found by content at {value}.")
        elif kind == "verified":
            assert isinstance(value, tuple)
            path, ok = value
            if ok is False:
                self._close_media(keep_recording=True)
                self.pane.show_message(
                    f"The file at {path} is not the recording that was attached (its content "
                    "differs), so it is not played. Find the right one: File > Media folders… or "
                    "socialcoder media relink."
                )
                self._show_state()

    def _close_media(self, *, keep_recording: bool = False) -> None:
        self._generation += 1
        self.builder.cancel()
        if self.player is not None:
            self.player.close()
            self.player.deleteLater()
            self.player = None
        host = self.pane.video_layout
        while host.count():
            item = host.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.pane.video_host.hide()
        self.pane.overview.set_overview(None)
        self.pane.show_message("")
        if not keep_recording:
            self.recording = None
            self.pane.title.setText("No recording")
            self.pane.time.setText("")

    # -- player signals ---------------------------------------------------------------------------------
    def _show_time(self, seconds: float) -> None:
        player, rec = self.player, self.recording
        if player is None:
            return
        end = rec.end if rec is not None else None
        self.pane.show_time(
            seconds, end if end is not None else player.duration, player.rate, player.volume
        )

    @Slot(float)
    def _position(self, seconds: float) -> None:
        player = self.player
        if player is None:
            return
        self.pane.overview.set_position(seconds)
        self._show_time(seconds)
        if self.follow and not self.timing and player.playing:
            self._follow_to(seconds)

    def _follow_to(self, seconds: float) -> None:
        row = self._times.row_at(seconds)
        if row is None or self.ctl is None:
            return
        if row != self.ctl.current_row():
            self._moving = True
            try:
                self.ctl.set_current(row)
            finally:
                self._moving = False

    def _duration(self, seconds: float) -> None:
        rec = self.recording
        if rec is not None and rec.duration is None and self.study is not None:
            set_duration(self.study, rec.transcript, seconds)
            self.recording = recording_of(self.study, rec.transcript)
            if self.recording is not None:
                self.pane.overview.set_span(self.recording.origin, self.recording.end)

    def _problem(self, message: str) -> None:
        self.pane.show_message(message)
        self.statusMessage.emit(message)

    # -- segments -------------------------------------------------------------------------------------
    @Slot()
    def _segments_reset(self) -> None:
        self._index_times()
        self._row = self.ctl.current_row() if self.ctl is not None else None
        self._marks_changed()

    def _index_times(self) -> None:
        self._times = TurnTimes(self._segments())

    def _segments_read(self, *_: object) -> None:
        """The next page of a long transcript was read: index its times. The row last seen
        stays: a page read while the selection moves (the view reads ahead as it scrolls to
        the chosen turn) must not make that move look like no move, or the recording would
        not seek to the turn (and follow mode would pull the selection back)."""
        self._index_times()
        self._marks_changed()

    @Slot()
    def _marks_changed(self, *_: object) -> None:
        if self.recording is None or self.study is None:
            self.pane.overview.set_marks([])
            return
        codebook = self.study.codebook
        marks = []
        for s in self._segments():
            if s.start is None:
                continue
            color = None
            if s.codes:
                key = next(iter(s.codes))
                color = dimension_color(codebook.dimension(key) if codebook.has(key) else None)
            marks.append(Mark(s.start, s.end, s.start_estimated, color))
        self.pane.overview.set_marks(marks)

    @Slot(object)
    def _segment_changed(self, seg: SegmentView | None) -> None:
        row = self.ctl.current_row() if self.ctl is not None else None
        moved, self._row = row != self._row, row
        if not moved or self._moving or self.timing or seg is None or self.player is None:
            return
        if seg.start is not None:
            if self._after_end(seg.start):
                return
            self.player.seek(seg.start)
            self.pane.overview.set_position(seg.start)

    def refresh(self, transcript: str, select: int | None) -> None:
        """After a stamp or a turn: show the new times (and turns), select turn ``select``."""
        ctl = self.ctl
        if ctl is None or self.study is None or ctl.transcript != transcript:
            return
        segs = self._segments()
        times = segment_times(self.study, transcript)
        if len(times) != ctl.model.total:  # turns added or removed
            row = ctl.current_row()
            ctl.open_transcript(transcript)
            segs = self._segments()
            target = (select - 1) if select is not None else row
        else:
            for seg, t in zip(segs, times[: len(segs)], strict=True):  # the turns read so far
                seg.start, seg.end = t.start, t.end
                seg.start_estimated, seg.end_estimated = t.start_estimated, t.end_estimated
            model = ctl.model
            if segs:
                model.dataChanged.emit(model.index(0), model.index(len(segs) - 1))
            target = (select - 1) if select is not None else None
        self._segments_reset()
        if target is not None and 0 <= target < ctl.model.total:
            self._moving = True
            try:
                ctl.set_current(target)
            finally:
                self._moving = False
            self._row = target

    # -- actions ----------------------------------------------------------------------------------------
    def seek(self, seconds: float) -> None:
        if self.player is not None:
            self.player.seek(seconds)
            self.pane.overview.set_position(self.player.position)
            if self.follow and not self.timing:
                self._follow_to(seconds)

    def _after_end(self, seconds: float) -> bool:
        """True (and says so) when ``seconds`` lies after the part of the recording coded."""
        rec, player = self.recording, self.player
        end = rec.end if rec is not None else None
        if end is None and player is not None:
            end = player.duration
        if end is None or seconds <= end:
            return False
        self.statusMessage.emit(
            f"This turn starts after the end of the recording ({format_clock(end)})."
        )
        return True

    def _current(self) -> SegmentView | None:
        return self.ctl.current_segment() if self.ctl is not None else None

    def _do_play_pause(self) -> None:
        assert self.player is not None
        self.player.toggle()

    def _do_play_turn(self) -> None:
        assert self.player is not None
        seg = self._current()
        if seg is None or seg.start is None:
            self.statusMessage.emit(
                "This turn has no time yet: stamp it in timing mode (Ctrl+T, then F9)."
            )
            return
        if self._after_end(seg.start):
            return
        end = seg.end
        if end is None:  # until the next timed turn's start
            row = self.ctl.current_row() if self.ctl is not None else None
            end = None if row is None else next_start(self._segments(), row)
        self.player.play_span(seg.start, end)

    def _do_replay(self) -> None:
        assert self.player is not None
        self.player.replay(JUMP_SECONDS)

    def _do_back(self) -> None:
        self.seek((self.player.position if self.player else 0) - JUMP_SECONDS)

    def _do_forward(self) -> None:
        self.seek((self.player.position if self.player else 0) + JUMP_SECONDS)

    def _do_slower(self) -> None:
        assert self.player is not None
        self.statusMessage.emit(f"Playback {self.player.step_rate(-1):g}×")

    def _do_faster(self) -> None:
        assert self.player is not None
        self.statusMessage.emit(f"Playback {self.player.step_rate(+1):g}×")

    def _do_volume_down(self) -> None:
        assert self.player is not None
        self.statusMessage.emit(f"Volume {round(self.player.step_volume(-0.1) * 100)}%")

    def _do_volume_up(self) -> None:
        assert self.player is not None
        self.statusMessage.emit(f"Volume {round(self.player.step_volume(+0.1) * 100)}%")

    def _do_follow(self) -> None:
        self.follow = not self.follow
        self.statusMessage.emit(f"Follow playback {'on' if self.follow else 'off'}.")

    def _do_timing(self) -> None:
        self.timing = not self.timing
        self.statusMessage.emit(
            "Timing mode: press F9 when the selected turn starts; Ctrl+Z undoes a stamp."
            if self.timing
            else "Timing mode off."
        )

    def _do_stamp(self) -> None:
        assert self.player is not None and self.study is not None and self.coder is not None
        if not self.timing:
            self.statusMessage.emit("F9 stamps turns in timing mode: press Ctrl+T first.")
            return
        seg, ctl = self._current(), self.ctl
        if seg is None or ctl is None or ctl.transcript is None:
            return
        try:
            change = stamp_start(
                self.study,
                coder=self.coder,
                transcript=ctl.transcript,
                segment=seg.index,
                seconds=self.player.position,
            )
        except UserError as exc:
            self.statusMessage.emit(f"Not stored: {describe(exc)}")
            return
        ctl.undo_stack.push(StampCommand(self.study, change, self.refresh))
        self.refresh(
            change.transcript,
            seg.index + 1 if seg.index < ctl.model.total else seg.index,
        )
        self.statusMessage.emit(f"Turn {seg.index} starts at {change.new_start:.1f} s.")

    def _open_turn(self, role: str) -> None:
        assert self.player is not None and self.study is not None and self.coder is not None
        rec, ctl = self.recording, self.ctl
        if rec is None or ctl is None or not rec.without_transcript:
            self.statusMessage.emit("Turns are opened on a recording coded without a transcript.")
            return
        try:
            change = open_turn(
                self.study,
                coder=self.coder,
                transcript=rec.transcript,
                role=role,
                at=self.player.position,
            )
        except UserError as exc:
            self.statusMessage.emit(f"Not stored: {describe(exc)}")
            return
        ctl.undo_stack.push(TurnCommand(self.study, change, self.refresh))
        self.refresh(change.transcript, change.segment)
        self.statusMessage.emit(f"Turn {change.segment} ({role}) starts at {change.start:.1f} s.")

    def _do_therapist_turn(self) -> None:
        self._open_turn("therapist")

    def _do_patient_turn(self) -> None:
        self._open_turn("patient")

    # -- showing the state ---------------------------------------------------------------------------------
    def _show_state(self) -> None:
        loaded = self.player is not None
        for name, action in self.actions.items():
            if name not in ("player", "follow", "timing"):
                action.setEnabled(loaded)
        for name, button in self.pane.buttons.items():
            button.setEnabled(loaded or name in ("follow", "timing"))
        if "follow" in self.actions:
            self.actions["follow"].setChecked(self.follow)
            self.actions["timing"].setChecked(self.timing)
        self.pane.buttons["follow"].setChecked(self.follow)
        self.pane.buttons["timing"].setChecked(self.timing)
        playing = self.player is not None and self.player.playing
        self.pane.buttons["play_pause"].setText("Pause" if playing else "Play")
        mode = []
        if self.timing:
            mode.append("TIMING: F9 = the selected turn starts now")
        elif self.follow:
            mode.append("following")
        self.pane.mode.setText(" · ".join(mode))
        if self.player is not None:
            self._show_time(self.player.position)
