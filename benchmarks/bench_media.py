"""The recording beside the transcript: what it costs the coding window.

Run: ``python benchmarks/bench_media.py`` (offscreen, no sound card needed: QtMultimedia then
plays against the system clock). Builds two studies in a temp folder with the same generated
60-minute transcript (500 timed turns), one with a 60-minute WAV attached. Prints:

* opening the transcript + first screen with its recording vs without (target: adds < 300 ms);
* seek: choosing a turn while playing -> the first audio buffer from that turn's start reaches
  the audio output (target < 100 ms);
* the overview of the 60-minute WAV, computed in the background (target < 5 s), and of the
  sample study's compressed recording (Opus, 46 min) decoded by QtMultimedia, scaled to 60 min;
* Enter's cut: where the audio handed to the output ends, against the turn's end, at 1x and
  1.5x (target: within 50 ms);
* coding keypress stored + repainted while the recording plays and the Opus overview is being
  decoded (target p95 < 16 ms), against the same without a recording (the anchor).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random
import shutil
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FOLDER = Path(tempfile.mkdtemp(prefix="sc-bench-media-"))
os.environ["SOCIALCODER_MEDIA_CONFIG"] = str(FOLDER / "media.json")
os.environ["SOCIALCODER_OVERVIEW_CACHE"] = str(FOLDER / "overviews")

from PySide6.QtCore import QElapsedTimer, QSettings  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH  # noqa: E402
from socialcoder.gui.app import make_app  # noqa: E402
from socialcoder.gui.main_window import MainWindow  # noqa: E402
from socialcoder.gui.media.overview import OverviewBuilder  # noqa: E402
from socialcoder.services.coders import add_coders  # noqa: E402
from socialcoder.services.media import attach_media  # noqa: E402
from socialcoder.services.study import create_study  # noqa: E402
from socialcoder.services.transcript_import import ImportItem, import_transcripts  # noqa: E402

TURNS = 500
MINUTES = 60
RATE = 16_000
DEMO_OPUS = ROOT / "sample_transcripts" / "P02_session04.opus"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def write_transcript(path: Path) -> Path:
    rng = random.Random(7)
    words = [
        "I",
        "walked",
        "to",
        "the",
        "shop",
        "and",
        "felt",
        "tired",
        "after",
        "it",
        "but",
        "kept",
        "to",
        "the",
        "plan",
        "we",
        "made",
    ]
    lines = ["FICTIONAL TRANSCRIPT generated for the benchmark."]
    step = MINUTES * 60 / TURNS
    for i in range(TURNS):
        s = int(i * step)
        text = " ".join(rng.choice(words) for _ in range(rng.randint(4, 40)))
        lines.append(f"[{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}] {'TP'[i % 2]}: {text}.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_wav(path: Path) -> Path:
    """60 minutes, 16 kHz mono: quiet noise with louder bursts (a stand-in for speech)."""
    rng = np.random.default_rng(1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        for minute in range(MINUTES):
            block = rng.normal(0, 300, RATE * 60)
            for start in range(0, 60, 7):
                a = (start + minute % 3) * RATE
                block[a : a + 3 * RATE] *= 12
            w.writeframes(np.clip(block, -32767, 32767).astype("<i2").tobytes())
    return path


def make_study(path: Path, transcript: Path, media: Path | None) -> None:
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH) as study:
        import_transcripts(study, [ImportItem(path=transcript, name="session")])
        add_coders(study, ["bench"])
        if media is not None:
            attach_media(study, "session", media)


def wait_for(app, condition, timeout: float = 30.0) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    while not condition():
        app.processEvents()
        if time.perf_counter() - t > timeout:
            raise TimeoutError
        time.sleep(0.0005)
    return time.perf_counter() - t


def overview_time(app, path: Path, sha: str) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    shutil.rmtree(FOLDER / "overviews", ignore_errors=True)
    builder = OverviewBuilder()
    got = []
    builder.ready.connect(got.append)
    t = time.perf_counter()
    builder.start(path, sha)
    wait_for(app, lambda: bool(got), timeout=600)
    return time.perf_counter() - t, len(got[0].levels)


def keypresses(app, window, n: int = 200) -> list[float]:  # type: ignore[no-untyped-def]
    view = window.segment_view
    ctl = window.controller
    ctl.set_current(1)
    out = []
    plan = ["c", "c", "i", "i"]
    for step in range(n):
        t = time.perf_counter()
        QTest.keyClick(view, plan[step % len(plan)])
        app.processEvents()
        out.append(1000 * (time.perf_counter() - t))
        if step % len(plan) == len(plan) - 1:
            ctl.set_current(min(ctl.current_row() + 2, TURNS - 1))
            app.processEvents()
    return out


def main() -> int:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(FOLDER))
    transcript = write_transcript(FOLDER / "session.txt")
    t = time.perf_counter()
    wav = write_wav(FOLDER / "session.wav")
    print(
        f"generated a {MINUTES}-minute WAV ({wav.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s"
    )
    make_study(FOLDER / "plain.scstudy", transcript, None)
    make_study(FOLDER / "media.scstudy", transcript, wav)
    app = make_app()
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()

    # -- opening ------------------------------------------------------------------------------
    times: dict[str, list[float]] = {"plain": [], "media": []}
    for round_ in range(4):
        for kind in ("plain", "media"):
            t = time.perf_counter()
            assert window.open_study(str(FOLDER / f"{kind}.scstudy"), "bench", "session")
            window.segment_view.viewport().repaint()
            if kind == "media":
                window.media.pane.repaint()
            elapsed = 1000 * (time.perf_counter() - t)
            if round_ or kind == "plain":
                times[kind].append(elapsed)
            else:
                print(
                    f"first opening with a recording (loads QtMultimedia and FFmpeg): {elapsed:.0f} ms"
                )
            app.processEvents()
    plain, media = min(times["plain"]), min(times["media"])
    print(
        f"open study + transcript + first screen: without recording {plain:.0f} ms, with "
        f"{media:.0f} ms (best of {len(times['media'])}): the recording adds {media - plain:.0f} ms "
        "(target < 300 ms)"
    )

    # -- seeking while playing --------------------------------------------------------------------
    player = window.media.player
    assert player is not None, window.media.pane.message.text()
    wait_for(app, lambda: player.duration is not None)
    buffers: list[float] = []
    probe = player.buffers.audioBufferReceived
    record = lambda b: buffers.append(b.startTime() / 1e6)  # noqa: E731
    probe.connect(record)
    ctl = window.controller
    ctl.set_current(10)
    player.play()
    wait_for(app, lambda: bool(buffers))
    seeks = []
    rng = random.Random(3)
    for _ in range(20):
        row = rng.randrange(20, TURNS - 5)
        target = ctl.model.segment(row).start
        buffers.clear()
        clock = QElapsedTimer()
        clock.start()
        ctl.set_current(row)
        wait_for(app, lambda target=target: any(abs(b - target) < 0.05 for b in buffers), timeout=5)
        seeks.append(clock.nsecsElapsed() / 1e6)
        wait_for(app, lambda: len(buffers) >= 3, timeout=5)
    player.pause()
    app.processEvents()
    print(
        f"seek to a chosen turn while playing, until its first audio reaches the output: "
        f"p50 {statistics.median(seeks):.0f} ms, p95 {percentile(seeks, 0.95):.0f} ms (target < 100 ms)"
    )

    # -- the cut at a turn's end (Enter: play the selected turn only) ----------------------------
    ends: list[tuple[float, float]] = []  # (start, end) of each buffer handed to the output
    probe.disconnect(record)
    record = lambda b: ends.append(  # noqa: E731
        (b.startTime() / 1e6, (b.startTime() + b.duration()) / 1e6)
    )
    probe.connect(record)
    for rate in (1.0, 1.5):
        player.set_rate(rate)
        past = []
        for _ in range(12):
            start = round(rng.uniform(60, MINUTES * 60 - 60), 3)
            stop = start + rng.uniform(0.4, 1.2)  # a short turn
            ends.clear()
            player.play_span(start, stop)
            wait_for(app, lambda: player.playing, timeout=5)
            wait_for(app, lambda: not player.playing, timeout=10)
            t = time.perf_counter()
            while time.perf_counter() - t < 0.3:  # buffers written before the pause took effect
                app.processEvents()
            past.append(1000 * (max(e for _, e in ends) - stop) if ends else float("nan"))
        print(
            f"play a turn at {rate:g}x: the audio handed to the output ends "
            f"{statistics.median(past):+.0f} ms from the turn's end (median; "
            f"{min(past):+.0f} to {max(past):+.0f} ms) (target: within 50 ms)"
        )
    player.set_rate(1.0)
    probe.disconnect(record)
    app.processEvents()

    # -- overviews --------------------------------------------------------------------------------
    rec = window.media.recording
    assert rec is not None
    seconds, bins = overview_time(app, wav, rec.sha256 or "x")
    print(
        f"overview of the {MINUTES}-minute WAV, in the background: {seconds:.2f} s ({bins} levels; target < 5 s)"
    )
    if DEMO_OPUS.exists():
        import mutagen

        length = mutagen.File(DEMO_OPUS).info.length
        seconds, _ = overview_time(app, DEMO_OPUS, "opus-bench")
        print(
            f"overview of the sample Opus recording ({length / 60:.0f} min) decoded by QtMultimedia: "
            f"{seconds:.1f} s, i.e. {seconds * 3600 / length:.1f} s for 60 minutes "
            "(computed once per machine, then read from the cache)"
        )

    # -- keypresses while playing and decoding ------------------------------------------------------
    assert window.open_study(str(FOLDER / "plain.scstudy"), "bench", "session")
    anchor = keypresses(app, window)
    shutil.copy(DEMO_OPUS, FOLDER / "demo.opus")
    with create_study(FOLDER / "busy.scstudy", codebook_path=DEFAULT_CODEBOOK_PATH) as study:
        import_transcripts(study, [ImportItem(path=transcript, name="session")])
        add_coders(study, ["bench"])
        attach_media(study, "session", FOLDER / "demo.opus")
    shutil.rmtree(FOLDER / "overviews", ignore_errors=True)
    assert window.open_study(str(FOLDER / "busy.scstudy"), "bench", "session")
    wait_for(app, lambda: window.media.player is not None)
    window.media.follow = False  # the coder stays on the turns being coded
    window.media.player.play()
    wait_for(app, lambda: window.media.player.playing)
    busy = keypresses(app, window)
    still_decoding = window.media.builder.busy
    print(
        f"coding keypress stored + repainted: without a recording p95 {percentile(anchor, 0.95):.1f} ms "
        f"(p50 {statistics.median(anchor):.1f}); while the recording plays"
        f"{' and its overview is decoded' if still_decoding else ''} "
        f"p95 {percentile(busy, 0.95):.1f} ms (p50 {statistics.median(busy):.1f}, max {max(busy):.1f}); "
        f"ratio of p95 {percentile(busy, 0.95) / percentile(anchor, 0.95):.2f} (target p95 < 16 ms)"
    )
    window.close()
    shutil.rmtree(FOLDER, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
