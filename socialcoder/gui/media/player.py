"""Playback with QtMultimedia (FFmpeg backend), behind a small API the rest of the window uses.

QtMultimedia is imported on first use, so that a machine where it cannot load (on Linux it
needs the PulseAudio client library, libpulse.so.0) still codes; :func:`multimedia_problem`
says why in one line. Without any sound device the player still runs: its clock advances,
follow and timing modes work, nothing is heard (:func:`sound_problem`).

Times are seconds; ``bounds`` (the excerpt coded, or the whole file) limit seeking and playing.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, QTimer, QUrl, Signal

from socialcoder.domain.media_keys import RATES

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QAudioBuffer, QAudioOutput, QMediaPlayer
    from PySide6.QtQml import QQmlComponent, QQmlEngine


@functools.cache
def multimedia_problem() -> str | None:
    """None when QtMultimedia loads; else why not, in one line."""
    try:
        from PySide6 import QtMultimedia  # noqa: F401
    except ImportError as exc:
        hint = ""
        if "libpulse" in str(exc):
            hint = " Install the PulseAudio client library (Debian/Ubuntu: libpulse0)."
        return (
            f"Playback is not available on this machine: QtMultimedia did not load ({exc}).{hint}"
        )
    return None


def sound_problem() -> str | None:
    """None when there is an audio output device; else what that means for the coder."""
    from PySide6.QtMultimedia import QMediaDevices

    if QMediaDevices.audioOutputs():
        return None
    return "No sound device on this machine: the recording plays silently (times, follow and timing still work)."


_ENGINE_QML = b"import QtMultimedia\nMediaPlayer { audioOutput: AudioOutput {} }\n"
#: why the player's engine objects were made from Python after all (None: made by QML)
engine_fallback: str | None = None


def _engine_objects(parent: QObject) -> tuple[QMediaPlayer, QAudioOutput]:
    """A QMediaPlayer and its QAudioOutput made on the C++ side (by a QML component), owned by
    ``parent``.

    Made from Python they would be Shiboken wrappers, whose virtual functions first look for a
    Python override, holding the GIL. The FFmpeg engine's threads call some of them: its audio
    renderer, deleted in its own thread, disconnects from the QAudioOutput's signals, and
    ~QObject then calls the output's disconnectNotify() with Qt's signal-slot mutex held. With
    a wrapper that call waited for the GIL while the GUI thread, holding the GIL in
    setSource()/stop(), waited for that mutex: the window hung for ever (seen in the tests).
    Plain C++ objects never call into Python from the engine's threads.
    """
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

    global engine_fallback
    try:
        _engine, component = _engine_component()
        made = component.create()
        why = component.errorString().strip()
    except ImportError as exc:  # QtQml missing (a trimmed bundle)
        made, why = None, str(exc)
    if isinstance(made, QMediaPlayer) and isinstance(made.audioOutput(), QAudioOutput):
        made.setParent(parent)
        return made, made.audioOutput()
    # Without QtMultimedia's QML module the recording still plays, with the objects made from
    # Python (and the rare hang on closing it that the QML component avoids).
    if engine_fallback is None:
        engine_fallback = why or "QtMultimedia's QML MediaPlayer could not be made"
        print(f"socialcoder: playback objects made from Python: {engine_fallback}", file=sys.stderr)
    qmp = QMediaPlayer(parent)
    audio = QAudioOutput(parent)
    qmp.setAudioOutput(audio)
    return qmp, audio


@functools.cache
def _engine_component() -> tuple[QQmlEngine, QQmlComponent]:
    from PySide6.QtQml import QQmlComponent, QQmlEngine

    engine = QQmlEngine(QCoreApplication.instance())  # lives as long as the application
    component = QQmlComponent(engine, engine)
    component.setData(_ENGINE_QML, QUrl())
    return engine, component


class Player(QObject):
    """One QMediaPlayer. Signals: ``positionChanged(seconds)``, ``playingChanged(bool)``,
    ``durationKnown(seconds)``, ``problem(message)`` (a file that cannot be played),
    ``spanEnded()`` (play_span reached its end)."""

    positionChanged = Signal(float)
    playingChanged = Signal(bool)
    durationKnown = Signal(float)
    problem = Signal(str)
    spanEnded = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QAudioBufferOutput, QMediaPlayer

        self._qmp = QMediaPlayer
        self.qt, self.audio = _engine_objects(self)
        # Each buffer the renderer writes to the audio sink is also handed here (start time and
        # samples), in the GUI thread: a span is paused at the buffer boundary nearest its end
        # (see _fed). Probes (tests, benchmark) connect to it too.
        self.buffers = QAudioBufferOutput(self)
        self.qt.setAudioBufferOutput(self.buffers)
        self.buffers.audioBufferReceived.connect(self._fed)
        self.audio.setVolume(0.8)
        self.bounds: tuple[float, float | None] = (0.0, None)
        self.path: Path | None = None
        self._span_end: float | None = None
        self._pending_seek: float | None = None
        self._last_stop: float | None = None  # where the last span or the bounds stopped
        self._clock_late: float | None = None  # the playback clock then, minus that stop
        self._fed_from = 0.0  # the last seek's target: buffers before it are stale
        self.fed_until: float | None = None  # end of the audio handed to the output since then
        self._stop = QTimer(self)
        self._stop.setSingleShot(True)
        self._stop.timeout.connect(self._check_span)
        self.qt.positionChanged.connect(self._position)
        self.qt.playbackStateChanged.connect(self._state)
        self.qt.durationChanged.connect(self._duration)
        self.qt.errorOccurred.connect(self._error)
        self.qt.mediaStatusChanged.connect(self._status)

    # -- source --------------------------------------------------------------------------------
    def open(self, path: Path, bounds: tuple[float, float | None] = (0.0, None)) -> None:
        self.path = path
        self.bounds = bounds
        self._span_end = None
        self._pending_seek = None
        self.qt.setSource(QUrl.fromLocalFile(str(path)))
        if bounds[0] > 0:
            self.seek(bounds[0])

    def close(self) -> None:
        self._stop.stop()
        self.qt.stop()
        self.qt.setSource(QUrl())
        self.path = None

    def set_video_output(self, sink: QObject) -> None:
        self.qt.setVideoOutput(sink)

    # -- state ---------------------------------------------------------------------------------
    @property
    def position(self) -> float:
        if self._pending_seek is not None:
            return self._pending_seek
        return self.qt.position() / 1000.0

    def _loaded(self) -> bool:
        s = self.qt.mediaStatus()
        M = self._qmp.MediaStatus
        return s in (M.LoadedMedia, M.BufferingMedia, M.BufferedMedia, M.EndOfMedia)

    @property
    def playing(self) -> bool:
        return self.qt.playbackState() == self._qmp.PlaybackState.PlayingState

    @property
    def duration(self) -> float | None:
        d = self.qt.duration()
        return d / 1000.0 if d > 0 else None

    @property
    def rate(self) -> float:
        return self.qt.playbackRate()

    @property
    def volume(self) -> float:
        return self.audio.volume()

    def _end(self) -> float | None:
        end = self.bounds[1]
        return end if end is not None else self.duration

    # -- actions -------------------------------------------------------------------------------
    def play(self) -> None:
        if self.path is None:
            return
        end = self._end()
        if end is not None and self.position >= end - 0.05:
            self.seek(self.bounds[0])
        self.qt.play()
        self._arm_stop()

    def pause(self) -> None:
        self._span_end = None
        self._stop.stop()
        self.qt.pause()

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self._span_end = None
            self.play()

    def seek(self, seconds: float) -> None:
        lo, hi = self.bounds[0], self._end()
        seconds = max(lo, seconds if hi is None else min(seconds, hi))
        if not self._loaded():  # a position set while loading would be lost
            self._pending_seek = seconds
            self.positionChanged.emit(seconds)
            return
        self._pending_seek = None
        self._fed_from, self.fed_until = seconds, None
        self.qt.setPosition(round(seconds * 1000))
        self._arm_stop()

    def play_span(self, start: float, end: float | None) -> None:
        """Play from ``start`` and pause at ``end`` (the end of the bounds when None)."""
        self.seek(start)
        limit = self._end()
        self._span_end = end if end is not None else limit
        if self._span_end is not None and limit is not None:
            self._span_end = min(self._span_end, limit)
        self.qt.play()
        self._arm_stop()

    def skip(self, delta: float) -> None:
        self.seek(self.position + delta)

    def replay(self, seconds: float) -> None:
        self.seek(self.position - seconds)
        if not self.playing:
            self.qt.play()
            self._arm_stop()

    def step_rate(self, direction: int) -> float:
        rate = self.rate
        if direction > 0:
            new = next((r for r in RATES if r > rate + 1e-6), RATES[-1])
        else:
            new = next((r for r in reversed(RATES) if r < rate - 1e-6), RATES[0])
        self.set_rate(new)
        return new

    def set_rate(self, rate: float) -> None:
        self.qt.setPitchCompensation(True)  # slower or faster, the voice keeps its pitch
        self.qt.setPlaybackRate(max(RATES[0], min(RATES[-1], rate)))
        self._arm_stop()

    def step_volume(self, delta: float) -> float:
        self.audio.setVolume(max(0.0, min(1.0, round(self.audio.volume() + delta, 2))))
        return self.audio.volume()

    # -- stopping at the end of a span or of the bounds ------------------------------------------
    def _stop_at(self) -> float | None:
        ends = [e for e in (self._span_end, self.bounds[1]) if e is not None]
        return min(ends) if ends else None

    def _arm_stop(self) -> None:
        """A timer for the moment playback reaches its stop (re-checked when it fires, since
        the clock and the timer drift apart a little)."""
        stop = self._stop_at()
        if stop is None or not (
            self.playing or self.qt.playbackState() == self._qmp.PlaybackState.PlayingState
        ):
            self._stop.stop()
            return
        rate = self.rate or 1.0
        ms = max(0, round((stop - self.position) * 1000 / rate))
        self._stop.start(min(ms, 60_000))

    def _fed(self, buffer: QAudioBuffer) -> None:
        """A buffer was handed to the audio output. The output plays whatever it was given,
        paused or not, so a stop (a turn's end, the excerpt's) is kept by pausing at the buffer
        boundary nearest to it: now, when this buffer holds the stop or ends less than half a
        buffer before it (the next one is not written yet). What is heard then ends within half
        a buffer of the stop (32 ms for 16 kHz audio in 1024-sample blocks, 30 ms for 60 ms Opus
        packets), a buffer more when the GUI thread came too late."""
        start = buffer.startTime() / 1e6
        end = start + buffer.duration() / 1e6
        if end <= self._fed_from:  # from before the last seek
            return
        self.fed_until = end if self.fed_until is None else max(self.fed_until, end)
        stop = self._stop_at()
        if stop is None or not self.playing:
            return
        if start - 1e-4 <= stop <= end + 1e-4 or end <= stop <= end + (end - start) / 2:
            self._finish(stop)

    @property
    def stopped_late(self) -> float | None:
        """How far past its stop the last stopped span is heard: the end of the audio handed to
        the output minus the stop (negative: cut before it); from the playback clock when no
        buffer was seen. None before any stop."""
        if self._last_stop is None:
            return None
        if self.fed_until is not None:
            return self.fed_until - self._last_stop
        return self._clock_late

    def _check_span(self) -> None:
        stop = self._stop_at()
        if stop is None or not self.playing:
            return
        remaining = stop - self.position
        if remaining > 0.005:
            self._stop.start(max(1, round(remaining * 1000 / (self.rate or 1.0))))
            return
        self._finish(stop)

    def _finish(self, stop: float) -> None:
        self._stop.stop()
        self.qt.pause()
        self._last_stop, self._clock_late = stop, self.position - stop
        self.qt.setPosition(round(stop * 1000))
        ended_span = self._span_end is not None
        self._span_end = None
        if ended_span:
            self.spanEnded.emit()

    # -- Qt signals ------------------------------------------------------------------------------
    def _position(self, ms: int) -> None:
        self.positionChanged.emit(ms / 1000.0)

    def _state(self, _state: object) -> None:
        self.playingChanged.emit(self.playing)
        if self.playing:
            self._arm_stop()

    def _duration(self, ms: int) -> None:
        if ms > 0:
            self.durationKnown.emit(ms / 1000.0)

    def _status(self, status: object) -> None:
        if self._pending_seek is not None and self._loaded():
            seconds, self._pending_seek = self._pending_seek, None
            self.qt.setPosition(round(seconds * 1000))
            self._arm_stop()
        if status == self._qmp.MediaStatus.InvalidMedia:
            self.problem.emit(
                f"This recording cannot be played here: its format or codec is not supported "
                f"({self.qt.errorString() or 'invalid media'})."
            )

    def _error(self, error: object, message: str) -> None:
        if error == self._qmp.Error.NoError:
            return
        if error == self._qmp.Error.FormatError:
            self.problem.emit(
                f"This recording cannot be played here: its format or codec is not supported ({message})."
            )
        elif error == self._qmp.Error.ResourceError:
            self.problem.emit(f"The recording cannot be opened ({message}).")
        else:
            self.problem.emit(f"Playback stopped: {message}")
