"""The overview of a whole session under the player: loudness over time, the turns' starts,
this coder's codes as coloured marks, the playhead. Click (or drag) to seek.

The loudness comes from :mod:`socialcoder.media.overview`, computed off the GUI thread by
:class:`OverviewBuilder`: a WAV file is read directly (a Python thread; numpy releases the
interpreter lock while it works), other formats are decoded by QtMultimedia's QAudioDecoder in a
child process at low priority (:mod:`.decode_child`). Results are kept per machine in the user's
cache folder, by the recording's SHA-256, so a recording is analysed once. Painting uses two cached pixmaps (levels, marks):
moving the playhead repaints one line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from platformdirs import user_cache_dir
from PySide6.QtCore import QObject, QPointF, QProcess, QRectF, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget
from shiboken6 import isValid

from socialcoder.media.overview import DEFAULT_STEP, LevelAccumulator, Overview, wav_overview

if TYPE_CHECKING:  # QtMultimedia is imported when a decode starts (it is slow to load)
    from PySide6.QtMultimedia import QAudioDecoder


@dataclass(frozen=True, slots=True)
class Mark:
    """A turn on the overview: where it starts (and ends), whether that is an estimate, and
    the colour of this coder's first code on it (None: not coded)."""

    start: float
    end: float | None
    estimated: bool
    color: QColor | None


class OverviewWidget(QWidget):
    seekRequested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overview")
        self.setMinimumHeight(56)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip(
            "The whole session: loudness, turns and your codes. Click to play from there."
        )
        self.overview: Overview | None = None
        self.marks: list[Mark] = []
        self.span: tuple[float, float] = (0.0, 1.0)
        self.position = 0.0
        self.note = ""
        self._levels_pix: QPixmap | None = None
        self._marks_pix: QPixmap | None = None

    # -- data ----------------------------------------------------------------------------------
    def set_span(self, start: float, end: float | None) -> None:
        self.span = (start, end if end and end > start else start + 1.0)
        self._levels_pix = self._marks_pix = None
        self.update()

    def set_overview(self, overview: Overview | None, note: str = "") -> None:
        self.overview, self.note = overview, note
        self._levels_pix = None
        self.update()

    def set_marks(self, marks: list[Mark]) -> None:
        self.marks = marks
        self._marks_pix = None
        self.update()

    def set_position(self, seconds: float) -> None:
        old, self.position = self._x(self.position), seconds
        new = self._x(seconds)
        if int(old) != int(new):
            h = self.height()
            self.update(int(min(old, new)) - 2, 0, int(abs(new - old)) + 5, h)

    # -- geometry ------------------------------------------------------------------------------
    def _x(self, seconds: float) -> float:
        a, b = self.span
        return (seconds - a) / (b - a) * max(1, self.width() - 1)

    def time_at(self, x: float) -> float:
        a, b = self.span
        return a + max(0.0, min(1.0, x / max(1, self.width() - 1))) * (b - a)

    # -- painting ------------------------------------------------------------------------------
    def _levels_pixmap(self) -> QPixmap:
        w, h = max(1, self.width()), max(1, self.height() - 14)
        pix = QPixmap(w, h)
        pix.fill(self.palette().base().color())
        if self.overview is not None and len(self.overview.levels):
            a, b = self.span
            step = self.overview.step
            lv = self.overview.levels
            edges = np.linspace(a, b, w + 1) / step
            lo = np.clip(edges[:-1].astype(np.int64), 0, len(lv))
            hi = np.clip(np.maximum(edges[1:].astype(np.int64), lo + 1), 0, len(lv))
            heights = np.zeros(w)
            valid = lo < hi
            if valid.any():
                heights[valid] = np.maximum.reduceat(lv, np.minimum(lo[valid], len(lv) - 1))[
                    : valid.sum()
                ]
            painter = QPainter(pix)
            painter.setPen(QPen(QColor("#5b7fa6"), 1))
            mid = h / 2
            for x, value in enumerate(heights):
                if value > 0:
                    half = value * (h / 2 - 1)
                    painter.drawLine(QPointF(x, mid - half), QPointF(x, mid + half))
            painter.end()
        return pix

    def _marks_pixmap(self) -> QPixmap:
        w = max(1, self.width())
        pix = QPixmap(w, self.height())
        pix.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pix)
        h = self.height()
        for m in self.marks:
            x = self._x(m.start)
            pen = QPen(
                QColor(120, 120, 120, 150),
                1,
                Qt.PenStyle.DashLine if m.estimated else Qt.PenStyle.SolidLine,
            )
            painter.setPen(pen)
            painter.drawLine(QPointF(x, 0), QPointF(x, h - 14))
            if m.color is not None:
                end = m.end if m.end is not None else m.start + 1.0
                painter.fillRect(QRectF(x, h - 12, max(2.0, self._x(end) - x), 10), m.color)
        painter.end()
        return pix

    def paintEvent(self, _event: QPaintEvent) -> None:
        if self._levels_pix is None or self._levels_pix.width() != max(1, self.width()):
            self._levels_pix = self._levels_pixmap()
        if self._marks_pix is None or self._marks_pix.width() != max(1, self.width()):
            self._marks_pix = self._marks_pixmap()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._levels_pix)
        painter.drawPixmap(0, 0, self._marks_pix)
        if self.note:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                self.rect().adjusted(6, 0, -6, -14), Qt.AlignmentFlag.AlignCenter, self.note
            )
        x = self._x(self.position)
        painter.setPen(QPen(QColor("#d55e00"), 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._levels_pix = self._marks_pix = None
        super().resizeEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.seekRequested.emit(self.time_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.seekRequested.emit(self.time_at(event.position().x()))


# -- computing the overview off the GUI thread ----------------------------------------------------
CACHE_ENV = "SOCIALCODER_OVERVIEW_CACHE"


def cache_file(sha256: str) -> Path:
    """Where this machine keeps a recording's overview ($SOCIALCODER_OVERVIEW_CACHE, else the
    user's cache folder)."""
    folder = (
        os.environ.get(CACHE_ENV)
        or Path(user_cache_dir("SocialCoder", appauthor=False)) / "overviews"
    )
    return Path(folder) / f"{sha256}.npy"


def load_cached(sha256: str | None) -> Overview | None:
    return load_overview(cache_file(sha256)) if sha256 else None


def save_overview(path: Path, overview: Overview) -> None:
    """Write ``overview`` to ``path`` (.npy: the step, then the levels), replacing atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part.npy")
    np.save(tmp, np.concatenate(([overview.step], overview.levels)).astype(np.float32))
    os.replace(tmp, path)


def load_overview(path: Path) -> Overview | None:
    try:
        data = np.load(path)
    except (OSError, ValueError):
        return None
    if data.ndim != 1 or len(data) < 1:
        return None
    return Overview(float(data[0]), data[1:].astype(np.float32))


def save_cached(sha256: str | None, overview: Overview) -> None:
    if not sha256:
        return
    with contextlib.suppress(OSError):
        save_overview(cache_file(sha256), overview)


class DecoderWorker(QObject):
    """Decodes with QAudioDecoder and accumulates levels (run by :mod:`.decode_child`)."""

    partial = Signal(object)  # (generation, Overview so far)
    done = Signal(object)  # (generation, Overview)
    failed = Signal(object)  # (generation, message)

    def __init__(self, path: Path, generation: int) -> None:
        super().__init__()
        self.path = path
        self.generation = generation
        self.acc: LevelAccumulator | None = None
        self.decoder: QAudioDecoder | None = None
        self._last_emit = 0.0

    @Slot()
    def start(self) -> None:
        from PySide6.QtMultimedia import QAudioDecoder

        decoder = self.decoder = QAudioDecoder(self)
        decoder.bufferReady.connect(self._buffer)
        decoder.finished.connect(self._finished)
        decoder.error.connect(self._error)
        decoder.setSource(QUrl.fromLocalFile(str(self.path)))
        decoder.start()

    @Slot()
    def stop(self) -> None:
        if self.decoder is not None:
            self.decoder.stop()

    def _buffer(self) -> None:
        from PySide6.QtMultimedia import QAudioFormat

        assert self.decoder is not None
        buf = self.decoder.read()
        fmt = buf.format()
        channels = max(1, fmt.channelCount())
        kind = fmt.sampleFormat()
        dtypes = {
            QAudioFormat.SampleFormat.Int16: (np.int16, 32768.0),
            QAudioFormat.SampleFormat.Int32: (np.int32, 2147483648.0),
            QAudioFormat.SampleFormat.Float: (np.float32, 1.0),
            QAudioFormat.SampleFormat.UInt8: (np.uint8, 128.0),
        }
        if kind not in dtypes:
            return
        dtype, scale = dtypes[kind]
        raw = np.frombuffer(buf.constData(), dtype=dtype)[::channels].astype(np.float64)
        if kind == QAudioFormat.SampleFormat.UInt8:
            raw -= 128.0
        if self.acc is None:
            self.acc = LevelAccumulator(fmt.sampleRate(), DEFAULT_STEP)
        self.acc.add(raw / scale)
        seconds = self.acc.frames / self.acc.rate
        if seconds - self._last_emit > 120:
            self._last_emit = seconds
            self.partial.emit((self.generation, self.acc.result()))

    def _finished(self) -> None:
        if self.acc is None:
            self.failed.emit((self.generation, "no audio could be decoded"))
        else:
            self.done.emit((self.generation, self.acc.result()))

    def _error(self, _error: object) -> None:
        assert self.decoder is not None
        self.failed.emit(
            (self.generation, self.decoder.errorString() or "the audio could not be decoded")
        )


class OverviewBuilder(QObject):
    """Compute (or load from the cache) one recording's overview off the GUI thread.
    Signals: ``ready(Overview)``, ``partial(Overview)``, ``failed(str)``."""

    ready = Signal(object)
    partial = Signal(object)
    failed = Signal(str)
    _wav_done = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._process: QProcess | None = None
        self._out: Path | None = None
        self._sha: str | None = None
        self._generation = 0
        self._wav_done.connect(self._from_wav)

    def start(self, path: Path, sha256: str | None) -> None:
        self.cancel()
        self._generation += 1
        self._sha = sha256
        cached = load_cached(sha256)
        if cached is not None:
            QTimer.singleShot(0, lambda g=self._generation: self._emit_ready(g, cached))
            return
        generation = self._generation

        def run() -> None:
            try:
                result = wav_overview(path) if path.suffix.lower() == ".wav" else None
            except (OSError, ValueError):
                result = None
            with contextlib.suppress(RuntimeError):  # the builder went with its window
                self._wav_done.emit((generation, path, result))

        threading.Thread(target=run, name="overview-wav", daemon=True).start()

    def _emit_ready(self, generation: int, overview: Overview) -> None:
        if generation == self._generation:
            self.ready.emit(overview)

    @Slot(object)
    def _from_wav(self, item: tuple[int, Path, Overview | None]) -> None:
        generation, path, result = item
        if generation != self._generation:
            return
        if result is not None:
            save_cached(self._sha, result)
            self.ready.emit(result)
            return
        self._decode(path)

    def _decode(self, path: Path) -> None:
        """Decode in a child process (:mod:`.decode_child`): nothing of it runs in this one."""
        out = Path(tempfile.mkdtemp(prefix="socialcoder-overview-")) / "overview.npy"
        process = QProcess(self)
        generation = self._generation

        # A QProcess destroyed while its child runs (its builder deleted without cancel())
        # reports the end from its destructor, when the Python side of both is gone: nothing
        # is done then (the destructor kills and reaps the child).
        def finished(code: int, _status: QProcess.ExitStatus) -> None:
            if isValid(self) and isValid(process):
                self._child_done(generation, process, out, code)

        def failed(_error: QProcess.ProcessError) -> None:
            if (
                isValid(self)
                and isValid(process)
                and process.state() == QProcess.ProcessState.NotRunning
            ):
                self._child_done(generation, process, out, -1)

        process.finished.connect(finished)
        process.errorOccurred.connect(failed)
        self._process, self._out = process, out
        process.start(
            sys.executable, ["-m", "socialcoder.gui.media.decode_child", str(path), str(out)]
        )

    def _child_done(self, generation: int, process: QProcess, out: Path, code: int) -> None:
        if self._process is not process:
            return  # already released (cancelled, or its error and its end both reported)
        self._process = self._out = None
        overview = load_overview(out) if code == 0 else None
        message = bytes(process.readAllStandardError().data()).decode("utf-8", "replace").strip()
        self._release(process, out)
        if generation != self._generation:
            return
        if overview is None:
            self.failed.emit(
                message.splitlines()[-1] if message else "the audio could not be decoded"
            )
            return
        save_cached(self._sha, overview)
        self.ready.emit(overview)

    @staticmethod
    def _release(process: QProcess, out: Path | None) -> None:
        """Let go of a decoding child: no Python slot stays connected to it (a QProcess that is
        destroyed while its child runs, with the window, reports its end from its destructor,
        when the builder's Python side is already gone), the child is killed and reaped, its
        folder removed, the QProcess deleted."""
        for signal in (process.finished, process.errorOccurred):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect()
        if process.state() != QProcess.ProcessState.NotRunning:
            process.kill()
            process.waitForFinished(1000)
        process.deleteLater()
        if out is not None:
            shutil.rmtree(out.parent, ignore_errors=True)

    @property
    def busy(self) -> bool:
        return self._process is not None

    def cancel(self) -> None:
        """Forget the overview under way: a result still coming is dropped, a decoding child
        is killed (and reaped: at most 1 s)."""
        self._generation += 1
        process, out = self._process, self._out
        self._process = self._out = None
        if process is not None:
            self._release(process, out)

    def shutdown(self) -> None:
        """Before the window goes: stop a decoding child."""
        self.cancel()
