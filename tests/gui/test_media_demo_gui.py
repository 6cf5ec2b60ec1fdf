"""Issue #13's 'done when', as a coder meets it in the sample study (`socialcoder demo`): she
opens it, presses one key and hears the selected turn (and nothing after its end), codes it
without the mouse, and sees the selected turn follow the recording.

The sample study's recording is the fictional session P02_session04 (Opus, synthesised speech,
timed to its WebVTT transcript): turn 3 is the therapist's, 26.207-31.098 s; turn 4, the
patient's, starts at 31.522 s. Offscreen and without a sound card (as on CI) the player runs
against the system clock; what it would send to the speakers is read back from its
QAudioBufferOutput."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from socialcoder.gui.main_window import MainWindow
from socialcoder.services.coders import add_coders
from socialcoder.services.demo import build_demo
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript

pytest.importorskip("PySide6.QtMultimedia", reason="QtMultimedia did not load (libpulse0 missing?)")

TURN3 = (26.207, 31.098)  # therapist: "Oh dear. Tell me about the brilliant days first."
TURN4_START = 31.522


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "sample.scstudy"
    build_demo(path)
    with open_study(path) as study:
        add_coders(study, ["dee"])  # a new coder: nothing of hers coded yet
    return path


@pytest.fixture
def demo_study(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sample.scstudy"
    shutil.copy(demo_template, path)
    return path


def _key(qtbot, window: MainWindow, k) -> None:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    assert QApplication.focusWidget() is window.segment_view  # keys, no mouse
    qtbot.keyClick(window.segment_view, k)


def test_the_sample_study_opens_on_its_recording_and_is_coded_by_keys_while_it_plays(
    qtbot, window, demo_study
):
    assert window.open_study(str(demo_study), "dee")
    media, ctl = window.media, window.controller
    # blinded: the coder sees a label; the window opened the session that has a recording
    with open_study(demo_study) as study:
        from socialcoder.services.transcript_list import list_transcripts

        real = {t.label: t.name for t in list_transcripts(study)}
    assert real[ctl.transcript] == "P02_session04"
    qtbot.waitUntil(lambda: media.player is not None and media.player.duration, timeout=10_000)
    player = media.player
    heard: list[tuple[float, float, np.ndarray]] = []  # start, duration (s), mono samples

    def got(buf) -> None:
        from PySide6.QtMultimedia import QAudioFormat

        fmt = buf.format()
        if fmt.sampleFormat() == QAudioFormat.SampleFormat.Float:
            samples = np.frombuffer(buf.constData(), dtype=np.float32).astype(np.float64)
        else:  # Int16
            samples = np.frombuffer(buf.constData(), dtype=np.int16) / 32768
        samples = samples[:: max(1, fmt.channelCount())]
        heard.append((buf.startTime() / 1e6, buf.duration() / 1e6, samples))

    player.buffers.audioBufferReceived.connect(got)

    # j j: turn 3; Return: it plays, and stops at its end
    _key(qtbot, window, "j")
    _key(qtbot, window, "j")
    assert ctl.current_row() == 2
    assert abs(player.position - TURN3[0]) < 0.05  # choosing a turn seeks to its start
    _key(qtbot, window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: player.playing, timeout=3000)
    qtbot.waitUntil(lambda: not player.playing, timeout=15_000)
    assert abs(player.position - TURN3[1]) < 0.05
    # the first buffer played holds the turn's start (an Opus packet of 60 ms may begin before
    # it); the voice is heard; what the output was given ends within 50 ms of the turn's end
    first_start, first_length, _ = heard[0]
    assert first_start - 0.005 <= TURN3[0] <= first_start + first_length + 0.005
    assert max(float(np.sqrt(np.mean(s**2))) for _, _, s in heard if len(s)) > 0.02
    qtbot.wait(300)  # buffers written before the pause took effect
    heard_until = max(start + length for start, length, _ in heard)
    assert abs(heard_until - TURN3[1]) < 0.05, heard_until
    assert player.stopped_late == pytest.approx(heard_until - TURN3[1], abs=1e-3)
    assert ctl.current_row() == 2

    # x: the therapist turn explains the model; stored at once
    _key(qtbot, window, "x")
    with open_study(demo_study) as study:
        segs = show_transcript(study, "P02_session04", coder="dee").segments
    assert segs[2].codes == {"model_explanation": "1"}

    # Space: playback goes on from the turn's end; the selection follows into turn 4
    _key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.position > TURN4_START + 0.2, timeout=5000)
    assert ctl.current_row() == 3
    _key(qtbot, window, Qt.Key.Key_Space)
    assert not player.playing
