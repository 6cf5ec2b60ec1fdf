"""The recording beside the transcript, driven from the keyboard (pytest-qt, offscreen).

CI has no sound card: QtMultimedia's FFmpeg backend then plays against the system clock (the
position advances at the playback rate, nothing is heard), which is what these tests use. What
would reach the speakers is read back with a QAudioBufferOutput: each buffer carries its start
time and its samples, so a test can check that the tone burst at a turn's start is what plays
after seeking there, and that nothing after a turn's end plays when only that turn was asked for.

The recording: silence with a 0.3 s tone at the start of each turn (1, 3, 5, 7, 9, 11 s)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from media_support import tone_wav
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.gui.main_window import MainWindow
from socialcoder.services.coders import add_coders
from socialcoder.services.media_import import Excerpt, import_recording
from socialcoder.services.study import create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import show_transcript

STARTS = [1.0, 3.0, 5.0, 7.0, 9.0, 11.0]
CTRL = Qt.KeyboardModifier.ControlModifier

pytest.importorskip("PySide6.QtMultimedia", reason="QtMultimedia did not load (libpulse0 missing?)")


def _vtt(with_times: bool) -> str:
    if not with_times:
        return "".join(
            f"{'Therapist' if i % 2 == 0 else 'Patient'}: Turn {i + 1}, a few words said here.\n"
            for i in range(len(STARTS))
        )
    cues = "".join(
        f"00:00:{int(s):02d}.000 --> 00:00:{int(s) + 1:02d}.500\n"
        f"<v {'Therapist' if i % 2 == 0 else 'Patient'}>Turn {i + 1}, a few words said here.\n\n"
        for i, s in enumerate(STARTS)
    )
    return "WEBVTT\n\n" + cues


@pytest.fixture
def media_study(tmp_path: Path) -> Path:
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "timed.vtt").write_text(_vtt(True), encoding="utf-8")
    (folder / "untimed.txt").write_text(_vtt(False), encoding="utf-8")
    wav = tone_wav(folder / "session.wav", [(s, s + 0.3) for s in STARTS], 14.0)
    path = folder / "media.scstudy"
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="media") as study:
        import_transcripts(
            study,
            [
                ImportItem(path=folder / "timed.vtt", name="timed", media=wav),
                ImportItem(path=folder / "untimed.txt", name="untimed", media=wav),
            ],
        )
        import_recording(study, wav, name="miti", excerpt=Excerpt(2.0, 12.0))
        add_coders(study, ["ana"])
    return path


def key(qtbot, window: MainWindow, k, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.segment_view, k, mods)


def open_at(qtbot, window: MainWindow, path: Path, transcript: str):
    assert window.open_study(str(path), "ana", transcript)
    media = window.media
    qtbot.waitUntil(
        lambda: media.player is not None or media.pane.message.text() != "", timeout=5000
    )
    return media


class Heard:
    """What the player renders: (start seconds, mono samples) per buffer."""

    def __init__(self, player) -> None:
        self.buffers: list[tuple[float, np.ndarray]] = []
        self.rate = 0
        player.buffers.audioBufferReceived.connect(self._got)

    def _got(self, buf) -> None:
        self.rate = buf.format().sampleRate()
        samples = np.frombuffer(buf.constData(), dtype=np.int16)[
            :: max(1, buf.format().channelCount())
        ]
        self.buffers.append((buf.startTime() / 1e6, samples.astype(np.float64) / 32768))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


def test_choosing_a_turn_seeks_to_its_start_and_plays_its_tone(qtbot, window, media_study):
    media = open_at(qtbot, window, media_study, "timed")
    assert media.player is not None, media.pane.message.text()
    heard = Heard(media.player)
    key(qtbot, window, "j")
    key(qtbot, window, "j")  # turn 3, starting at 5 s
    assert abs(media.player.position - STARTS[2]) < 0.05
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(heard.buffers) >= 2, timeout=5000)
    start, samples = heard.buffers[0]
    assert abs(start - STARTS[2]) < 0.05
    assert rms(samples[:160]) > 0.2  # the tone (amplitude 0.5: RMS 0.35) from the first 10 ms
    key(qtbot, window, Qt.Key.Key_Space)
    assert not media.player.playing


def test_follow_mode_selects_the_turn_being_played(qtbot, window, media_study):
    media = open_at(qtbot, window, media_study, "timed")
    ctl = window.controller
    key(qtbot, window, "j")  # turn 2 at 3 s
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: media.player.position > 5.3, timeout=6000)
    position, row = media.player.position, ctl.current_row()
    expected = max(i for i, s in enumerate(STARTS) if s <= position)
    assert row == expected  # turn 3 (5-6.5 s)
    qtbot.waitUntil(lambda: media.player.position > 7.3, timeout=6000)
    assert ctl.current_row() == 3
    # coding keys keep working while it plays, and are stored
    key(qtbot, window, "c")
    qtbot.waitUntil(lambda: "concordance" in (ctl.current_segment().codes or {}), timeout=2000)
    coded_row = ctl.current_row()
    key(qtbot, window, Qt.Key.Key_Space)
    with open_study(media_study) as study:
        segs = show_transcript(study, "timed", coder="ana").segments
    assert segs[coded_row].codes.get("concordance") == "1"


def test_play_turn_stops_at_the_turns_end(qtbot, window, media_study):
    media = open_at(qtbot, window, media_study, "timed")
    heard = Heard(media.player)
    key(qtbot, window, "j")  # turn 2: 3.0-4.5 s
    key(qtbot, window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: media.player.playing, timeout=3000)
    qtbot.waitUntil(lambda: not media.player.playing, timeout=6000)
    assert abs(media.player.position - 4.5) < 0.05
    assert heard.buffers and abs(heard.buffers[0][0] - 3.0) < 0.05
    # the audio output plays all it was given, paused or not: what was written to it ends at
    # the block boundary nearest 4.5 s (blocks of 1024 samples, 64 ms, from 3.0 s: 4.472 s, 28 ms
    # before the end). It was two blocks and more after it when only the clock-driven timer
    # paused (a last buffer starting at 4.6 s on CI), and 64 ms after it when the player paused
    # at the buffer holding the end.
    qtbot.wait(300)  # buffers written before the pause took effect
    heard_until = max(s + len(b) / heard.rate for s, b in heard.buffers)
    assert abs(heard_until - 4.5) < 0.05, heard_until
    assert media.player.stopped_late == pytest.approx(heard_until - 4.5, abs=1e-3)
    assert window.controller.current_row() == 1


@pytest.mark.parametrize("stop", [4.452, 4.508])
def test_a_span_is_cut_at_the_block_boundary_nearest_its_end(qtbot, window, media_study, stop):
    """Played from 4.0 s, the blocks handed to the output are 64 ms long (4.448, 4.512, ...).
    A stop 4 ms after a boundary is cut at that boundary (pausing at the block that holds it
    let 60 ms more be heard); a stop 4 ms before one, at it."""
    media = open_at(qtbot, window, media_study, "timed")
    heard = Heard(media.player)
    media.player.play_span(4.0, stop)
    qtbot.waitUntil(lambda: media.player.playing, timeout=3000)
    qtbot.waitUntil(lambda: not media.player.playing, timeout=6000)
    qtbot.wait(300)  # buffers written before the pause took effect
    heard_until = max(s + len(b) / heard.rate for s, b in heard.buffers)
    assert abs(heard_until - stop) < 0.05, heard_until
    assert abs(media.player.position - stop) < 0.05


def test_rate_changes_apply_and_keep_pitch(qtbot, window, media_study):
    media = open_at(qtbot, window, media_study, "timed")
    key(qtbot, window, Qt.Key.Key_Period, CTRL)
    key(qtbot, window, Qt.Key.Key_Period, CTRL)
    assert media.player.rate == pytest.approx(1.5)
    assert media.player.qt.pitchCompensation()
    assert "1.5×" in media.pane.time.text()
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: media.player.position > 1.2, timeout=3000)
    p0, t0 = media.player.position, time.monotonic()
    qtbot.wait(1200)
    speed = (media.player.position - p0) / (time.monotonic() - t0)
    key(qtbot, window, Qt.Key.Key_Space)
    assert 1.2 < speed < 1.8
    for _ in range(8):
        key(qtbot, window, Qt.Key.Key_Comma, CTRL)
    assert media.player.rate == pytest.approx(0.5)


def test_skip_replay_and_volume_keys(qtbot, window, media_study):
    media = open_at(qtbot, window, media_study, "timed")
    assert media.player.position == pytest.approx(1.0, abs=0.05)  # turn 1 is selected
    key(qtbot, window, Qt.Key.Key_Right, CTRL)
    key(qtbot, window, Qt.Key.Key_Right, CTRL)
    assert media.player.position == pytest.approx(11.0, abs=0.05)
    assert window.controller.current_row() == 5  # follow: turn 6 (11 s)
    key(qtbot, window, Qt.Key.Key_Left, CTRL)
    assert media.player.position == pytest.approx(6.0, abs=0.05)
    assert window.controller.current_row() == 2
    volume = media.player.volume
    key(qtbot, window, Qt.Key.Key_Down, CTRL)
    assert media.player.volume == pytest.approx(volume - 0.1)
    key(qtbot, window, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: media.player.playing, timeout=3000)
    assert media.player.position < 2.0


def test_missing_file_is_reported_and_coding_carries_on(qtbot, window, media_study, tmp_path):
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.move(media_study.parent / "session.wav", moved / "session.wav")
    media = open_at(qtbot, window, media_study, "timed")
    assert media.player is None
    assert "is not at" in media.pane.message.text()
    key(qtbot, window, Qt.Key.Key_Space)  # nothing to play: no crash
    key(qtbot, window, "j")
    key(qtbot, window, "c")
    with open_study(media_study) as study:
        assert show_transcript(study, "timed", coder="ana").segments[1].codes == {
            "concordance": "1"
        }


def test_missing_file_found_in_this_machines_media_folder(qtbot, window, media_study, tmp_path):
    from socialcoder.services import media_local

    moved = tmp_path / "mine" / "audio"
    moved.mkdir(parents=True)
    shutil.move(media_study.parent / "session.wav", moved / "renamed.wav")
    media_local.add_folder(tmp_path / "mine")
    media = open_at(qtbot, window, media_study, "timed")
    qtbot.waitUntil(lambda: media.player is not None, timeout=5000)
    assert "Found by content" in media.pane.message.text()


def test_changed_file_is_not_played(qtbot, window, media_study):
    wav = media_study.parent / "session.wav"
    tone_wav(wav, [(s + 0.1, s + 0.4) for s in STARTS], 14.0)  # same size, other content
    media = open_at(qtbot, window, media_study, "timed")
    qtbot.waitUntil(lambda: "content" in media.pane.message.text(), timeout=5000)
    assert media.player is None
    assert "not the recording that was attached" in media.pane.message.text()


def test_unplayable_file_gives_a_message(qtbot, window, media_study):
    wav = media_study.parent / "session.wav"
    size = wav.stat().st_size
    wav.write_bytes(b"\x00" * size)  # same size: quick check passes, the player refuses
    media = open_at(qtbot, window, media_study, "timed")
    qtbot.waitUntil(
        lambda: (
            "cannot be played" in media.pane.message.text()
            or "not the recording" in media.pane.message.text()
        ),
        timeout=5000,
    )
    key(qtbot, window, "j")  # a patient turn
    key(qtbot, window, "c")
    assert window.controller.current_segment().codes == {"concordance": "1"}


def test_timing_mode_stamps_turns_with_undo(qtbot, window, media_study):
    media = open_at(qtbot, window, media_study, "untimed")
    ctl = window.controller
    assert all(s.start is None for s in ctl.model.segments)
    key(qtbot, window, Qt.Key.Key_T, CTRL)
    assert media.timing
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: media.player.position >= 1.0, timeout=4000)
    key(qtbot, window, Qt.Key.Key_F9)  # turn 1 starts now
    first = ctl.model.segments[0].start
    assert ctl.current_row() == 1 and 1.0 <= first < 2.0
    qtbot.waitUntil(lambda: media.player.position >= 3.0, timeout=4000)
    key(qtbot, window, Qt.Key.Key_F9)  # turn 2
    key(qtbot, window, Qt.Key.Key_Space)
    with open_study(media_study) as study:
        segs = show_transcript(study, "untimed").segments
    assert [s.start_estimated for s in segs] == [False, False, True, True, True, True]
    assert segs[0].start == first and segs[1].start >= 3.0
    assert segs[5].end == pytest.approx(14.0) and segs[5].end_estimated
    assert "≈" in window.controller.model.data(
        window.controller.model.index(3), Qt.ItemDataRole.ToolTipRole
    )
    key(qtbot, window, Qt.Key.Key_Z, CTRL)  # undo the second stamp
    with open_study(media_study) as study:
        segs = show_transcript(study, "untimed").segments
    assert [s.start_estimated for s in segs] == [False, True, True, True, True, True]
    assert ctl.model.segments[1].start_estimated


def test_recording_without_transcript_role_keys_open_turns(qtbot, window, media_study):
    media = open_at(qtbot, window, media_study, "miti")
    ctl = window.controller
    assert ctl.model.rowCount() == 0 and media.player is not None
    assert media.player.position == pytest.approx(2.0, abs=0.05)  # the excerpt's start
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: media.player.position >= 3.0, timeout=4000)
    key(qtbot, window, Qt.Key.Key_1, CTRL)
    qtbot.waitUntil(lambda: media.player.position >= 5.0, timeout=4000)
    key(qtbot, window, Qt.Key.Key_2, CTRL)
    assert ctl.model.rowCount() == 2 and ctl.current_row() == 1
    key(qtbot, window, "c")
    key(qtbot, window, Qt.Key.Key_Space)
    with open_study(media_study) as study:
        segs = show_transcript(study, "miti", coder="ana").segments
    assert [(s.role, s.start_estimated) for s in segs] == [("therapist", False), ("patient", False)]
    assert 3.0 <= segs[0].start < segs[1].start and segs[1].codes == {"concordance": "1"}
    key(qtbot, window, Qt.Key.Key_Z, CTRL)  # undo the code
    key(qtbot, window, Qt.Key.Key_Z, CTRL)  # undo the second turn
    assert ctl.model.rowCount() == 1


def test_player_keys_are_in_the_keyboard_sheet_and_menu(window):
    from socialcoder.domain.media_keys import PLAYER_KEYS
    from socialcoder.gui.dialogs import shortcuts_html

    sheet = shortcuts_html(None)
    for k in PLAYER_KEYS:
        assert k.keys[0] in sheet
        assert window.media.actions[k.name].shortcut().toString()


def test_a_transcript_without_recording_hides_the_player(qtbot, window, gui_study):
    assert window.open_study(str(gui_study), "ana", "P03_session06")
    assert window.media.player is None and not window.media.dock.isVisible()


SAMPLE_OPUS = Path(__file__).resolve().parents[2] / "sample_transcripts" / "P02_session04.opus"


def test_compressed_recording_overview_is_decoded_in_the_background(qtbot, window, gui_study):
    """The sample study's Opus recording: QtMultimedia decodes it in its own thread; the first
    cue (3.0-9.7 s) is loud, the silence before it is not. Switching transcripts while it
    decodes neither blocks nor crashes."""
    assert window.open_study(str(gui_study), "ana", "P02_session04")
    media = window.media
    qtbot.waitUntil(lambda: media.player is not None, timeout=5000)
    window.open_transcript("P01_session02")  # cancels the decoding under way
    assert media.player is None
    window.open_transcript("P02_session04")
    qtbot.waitUntil(lambda: media.pane.overview.overview is not None, timeout=120_000)
    qtbot.waitUntil(lambda: not media.builder.busy, timeout=120_000)
    ov = media.pane.overview.overview
    assert ov.duration == pytest.approx(45 * 60 + 57, abs=5)
    assert max(ov.levels[: int(2.5 / ov.step)]) < 0.2
    assert np.mean(ov.levels[int(3.2 / ov.step) : int(4.5 / ov.step)]) > 0.5  # speech


def test_overview_marks_turns_and_this_coders_codes_and_a_click_seeks(qtbot, window, media_study):
    media = open_at(qtbot, window, media_study, "timed")
    overview = media.pane.overview
    assert [m.start for m in overview.marks] == STARTS
    assert all(m.color is None for m in overview.marks)
    key(qtbot, window, "j")  # turn 2, a patient turn
    key(qtbot, window, "c")  # concordance present
    qtbot.waitUntil(lambda: overview.marks[1].color is not None, timeout=2000)
    assert [m.color is not None for m in overview.marks] == [False, True] + [False] * 4
    overview.resize(700, overview.height())
    x = round(overview._x(7.2))
    qtbot.mouseClick(overview, Qt.MouseButton.LeftButton, pos=QPoint(x, overview.height() // 2))
    assert abs(media.player.position - overview.time_at(x)) < 0.05
    assert abs(media.player.position - 7.2) < 0.05


def test_no_sound_device_is_said_in_the_pane_and_playback_goes_on(
    qtbot, window, media_study, monkeypatch
):
    from PySide6.QtMultimedia import QMediaDevices

    monkeypatch.setattr(QMediaDevices, "audioOutputs", staticmethod(lambda: []))  # as on CI
    media = open_at(qtbot, window, media_study, "timed")
    assert media.player is not None
    assert media.pane.message.text().startswith("No sound device on this machine")
    start = media.player.position
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: media.player.position > start + 0.3, timeout=5000)
    key(qtbot, window, Qt.Key.Key_Space)
    key(qtbot, window, "j")  # coding keys still move
    assert window.controller.current_row() == 1


# -- lifetimes: the player, the overview's decoding child, the window -----------------------------
_DROP_BUILDER = """
import os, sys, time
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from socialcoder.gui.media.overview import OverviewBuilder
app = QCoreApplication([])
for _ in range(2):
    builder = OverviewBuilder()  # no parent: Python owns it, as in benchmarks/bench_media.py
    got = []
    builder.ready.connect(got.append)
    builder.failed.connect(got.append)
    builder.start(Path(sys.argv[1]), None)
    t = time.monotonic()
    while not got and time.monotonic() - t < 60:
        app.processEvents()
        time.sleep(0.005)
    assert got, "no overview"
    del builder  # the last reference: the builder goes while its finished child is deleted later
    t = time.monotonic()
    while time.monotonic() - t < 0.5:
        app.processEvents()
        time.sleep(0.005)
print("survived")
"""


def test_an_overview_builder_let_go_after_its_child_finished_does_not_crash(tmp_path):
    """benchmarks/bench_media.py died with a segmentation fault at its next key press after the
    Opus overview: the finished QProcess's lambda held the last reference to its parentless
    builder, so deleting the process (deleteLater) deleted the builder, which deleted the
    process being deleted. A WAV named .flac goes through the decoding child (only .wav is
    read directly), quickly."""
    import os
    import subprocess
    import sys

    recording = tone_wav(tmp_path / "tones.flac", [(1.0, 1.3)], 6.0)
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        SOCIALCODER_OVERVIEW_CACHE=str(tmp_path / "cache"),
    )
    run = subprocess.run(
        [sys.executable, "-c", _DROP_BUILDER, str(recording)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    assert "survived" in run.stdout


def test_the_decoding_child_gives_up_at_once_on_a_file_it_cannot_open(tmp_path):
    """The decoder fails before the child's event loop runs: quit() then did nothing and the
    child (at nice 15) waited for ever, one per unplayable recording opened."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialcoder.gui.media.decode_child",
            str(tmp_path / "missing.mp3"),
            str(tmp_path / "out.npy"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "cannot decode missing.mp3" in run.stderr
    assert not (tmp_path / "out.npy").exists()


def _close_and_delete(qtbot, win) -> None:
    import gc

    win.close()
    win.deleteLater()
    del win
    gc.collect()
    qtbot.wait(1500)  # deferred deletions, a killed child's end, late thread signals


def test_closing_the_window_while_the_overview_is_decoded(qtbot, gui_study):
    """The window closed (and deleted) while the Opus overview is decoded in its child: the
    QProcess, destroyed with the window, reported its end to the builder's Python side, already
    gone (RuntimeError: Internal C++ object already deleted, from `_child_done`)."""
    win = MainWindow()
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    assert win.open_study(str(gui_study), "ana", "P02_session04")
    qtbot.waitUntil(lambda: win.media.builder.busy, timeout=10_000)
    qtbot.wait(200)
    _close_and_delete(qtbot, win)


def test_seeking_while_playing_then_another_study_then_closing_while_playing(
    qtbot, media_study, gui_study
):
    """What bench_media.py did before it crashed, as a coder would: play, choose turns while it
    plays, open another study, code there; open the recording again and close the window while
    it plays."""
    win = MainWindow()
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    media = open_at(qtbot, win, media_study, "timed")
    assert media.player is not None
    key(qtbot, win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: media.player.playing, timeout=3000)
    for row in (3, 1, 4, 2, 5, 0, 3):
        win.controller.set_current(row)
        qtbot.wait(60)
        assert media.player is not None and abs(media.player.position - STARTS[row]) < 0.3
    assert win.open_study(str(gui_study), "ana", "P01_session02")
    assert media.player is None
    key(qtbot, win, "j")
    key(qtbot, win, "c")
    qtbot.wait(300)
    assert win.controller.current_segment().codes
    media = open_at(qtbot, win, media_study, "untimed")
    key(qtbot, win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: media.player is not None and media.player.playing, timeout=3000)
    _close_and_delete(qtbot, win)


# -- the engine's threads never wait for the GIL ---------------------------------------------------
def test_the_players_engine_objects_are_plain_cpp_objects(qtbot, window, media_study):
    """QMediaPlayer and QAudioOutput made from Python are Shiboken wrappers: the FFmpeg audio
    renderer, deleted in its own thread, called the output's disconnectNotify() with a
    signal-slot mutex held, and the wrapper waited there for the GIL, which the GUI thread held
    in setSource() while it waited for that mutex (a hang seen in the tests' teardown)."""
    import shiboken6

    media = open_at(qtbot, window, media_study, "timed")
    player = media.player
    assert player is not None
    assert not shiboken6.createdByPython(player.qt)
    assert not shiboken6.createdByPython(player.audio)
    assert player.qt.audioOutput() is player.audio
    assert player.qt.parent() is player  # deleted with the player


def test_without_qtmultimedias_qml_module_the_player_is_made_from_python(qapp, monkeypatch):
    """A bundle without the QML module: the objects are made from Python (a crash here would
    take the coding window with it). No recording is opened: no engine thread runs."""
    import shiboken6

    from socialcoder.gui.media import player as player_module

    monkeypatch.setattr(player_module, "_ENGINE_QML", b"import NoSuchModule\nItem {}\n")
    monkeypatch.setattr(player_module, "engine_fallback", None)
    player_module._engine_component.cache_clear()
    try:
        player = player_module.Player()
        assert shiboken6.createdByPython(player.qt)
        assert player.qt.audioOutput() is player.audio
        assert player.audio.volume() == pytest.approx(0.8)
        assert player_module.engine_fallback and "NoSuchModule" in player_module.engine_fallback
        player.deleteLater()
    finally:
        player_module._engine_component.cache_clear()


_OPEN_PLAY_CLOSE = """
import sys, time
from pathlib import Path
from PySide6.QtWidgets import QApplication
from socialcoder.gui.media.player import Player
app = QApplication([])
wav = Path(sys.argv[1])

def spin(done, timeout):
    t = time.monotonic()
    while not done() and time.monotonic() - t < timeout:
        app.processEvents()
        time.sleep(0.002)

for i in range(int(sys.argv[2])):
    player = Player()
    player.open(wav)
    spin(lambda: player.duration is not None, 5)
    player.play_span(3.0, 3.05 + (i % 5) * 0.04)  # a turn
    spin(lambda: player.playing, 2)
    if i % 4 == 0:
        spin(lambda: not player.playing, 2)  # to its end
    else:
        t0 = time.monotonic()
        spin(lambda: time.monotonic() - t0 > 0.013 * (i % 7), 1)  # closed while it plays
    player.close()
    player.deleteLater()
    app.processEvents()
    del player
print("closed", sys.argv[2], "times")
"""


def test_opening_playing_a_turn_and_closing_again_and_again_does_not_hang(tmp_path):
    """The hang above, as it was met: open, play a turn, close (at its end or while it plays),
    many times in a row. Before the player's engine objects were made on the C++ side this
    stopped for good in Player.close within 40 rounds in about one run of three; the timeout
    is generous, the test asserts only that every round finished."""
    import os
    import subprocess
    import sys

    recording = tone_wav(tmp_path / "tones.wav", [(s, s + 0.3) for s in STARTS], 14.0)
    run = subprocess.run(
        [sys.executable, "-c", _OPEN_PLAY_CLOSE, str(recording), "60"],
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    assert "closed 60 times" in run.stdout


def test_timing_mode_on_a_long_transcript_keeps_the_turns_read(qtbot, window, tmp_path):
    """A stamp on a transcript read in part (more turns than the window's first page) shows
    the new times without reading the transcript anew."""
    folder = tmp_path / "long"
    folder.mkdir()
    (folder / "long.txt").write_text(
        "".join(
            f"{'Therapist' if i % 2 == 0 else 'Patient'}: Turn {i + 1}.\n" for i in range(1000)
        ),
        encoding="utf-8",
    )
    wav = tone_wav(folder / "session.wav", [(1.0, 1.3)], 14.0)
    path = folder / "long.scstudy"
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="long") as study:
        import_transcripts(study, [ImportItem(path=folder / "long.txt", name="long", media=wav)])
        add_coders(study, ["ana"])
    media = open_at(qtbot, window, path, "long")
    ctl = window.controller
    assert ctl.model.rowCount() < ctl.model.total == 1000
    resets: list[int] = []
    ctl.model.modelReset.connect(lambda: resets.append(1))
    key(qtbot, window, Qt.Key.Key_T, CTRL)
    key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: media.player.position >= 1.0, timeout=4000)
    key(qtbot, window, Qt.Key.Key_F9)  # turn 1 starts now
    assert ctl.current_row() == 1 and 1.0 <= (ctl.model.segments[0].start or 0) < 2.5
    last = ctl.model.rowCount() - 1  # the last turn read: the stamp selects the next, unread
    ctl.set_current(last)
    qtbot.waitUntil(lambda: media.player.position >= 2.6, timeout=4000)
    key(qtbot, window, Qt.Key.Key_F9)
    key(qtbot, window, Qt.Key.Key_Space)
    assert ctl.current_row() == last + 1
    assert (ctl.model.segments[last].start or 0) >= 2.6
    assert resets == []  # not read anew
    with open_study(path) as study:
        assert (
            show_transcript(study, "long", limit=1).segments[0].start == ctl.model.segments[0].start
        )


def _long_timed_study(folder: Path) -> Path:
    """1,000 timed turns (turn i + 1 starts at i * 10 ms) with a 14-second recording: more
    turns than the window reads at first."""
    folder.mkdir()

    def stamp(ms: int) -> str:
        return f"00:00:{ms // 1000:02d}.{ms % 1000:03d}"

    cues = "".join(
        f"{stamp(10 * i)} --> {stamp(10 * i + 10)}\n"
        f"<v {'Therapist' if i % 2 == 0 else 'Patient'}>Turn {i + 1}.\n\n"
        for i in range(1000)
    )
    (folder / "long.vtt").write_text("WEBVTT\n\n" + cues, encoding="utf-8")
    wav = tone_wav(folder / "session.wav", [(1.0, 1.3)], 14.0)
    path = folder / "long.scstudy"
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="long") as study:
        import_transcripts(study, [ImportItem(path=folder / "long.vtt", name="long", media=wav)])
        add_coders(study, ["ana"])
    return path


def test_choosing_a_turn_not_read_yet_seeks_to_it(qtbot, window, tmp_path):
    """End on a long transcript read in part reads the rest and selects the last turn: the
    recording goes there too. Before, the page read on the way made the move look like no
    move, so the recording stayed where it was (and, playing, follow mode pulled the
    selection back: choosing a turn while playing did nothing)."""
    path = _long_timed_study(tmp_path / "longtimed")
    media = open_at(qtbot, window, path, "long")
    ctl = window.controller
    assert ctl.model.rowCount() < ctl.model.total == 1000 and media.follow
    qtbot.wait(300)  # laid out
    read = ctl.model.rowCount()
    ctl.set_current(read - 1)  # the view reads the next page as it scrolls there
    assert ctl.current_row() == read - 1 and ctl.model.rowCount() > read
    qtbot.waitUntil(lambda: abs(media.player.position - (read - 1) / 100) < 0.05, timeout=4000)
    key(qtbot, window, Qt.Key.Key_End)
    assert ctl.current_row() == 999
    qtbot.waitUntil(lambda: abs(media.player.position - 9.99) < 0.05, timeout=4000)


def test_follow_mode_reads_on_past_the_turns_read(qtbot, window, tmp_path):
    """Follow mode on a long timed transcript read in part: playing past the last turn read
    reads on and selects the turn being played."""
    path = _long_timed_study(tmp_path / "longtimed")
    media = open_at(qtbot, window, path, "long")
    ctl = window.controller
    read = ctl.model.rowCount()
    assert read < ctl.model.total == 1000 and media.follow
    key(qtbot, window, Qt.Key.Key_Space)
    seconds = (read + 50) / 100  # the start of a turn well past the last one read
    qtbot.waitUntil(lambda: media.player.position > seconds, timeout=int(1000 * seconds) + 4000)
    position, row = media.player.position, ctl.current_row()
    key(qtbot, window, Qt.Key.Key_Space)
    assert row is not None and row > read and abs(row - 100 * position) < 60
