"""Synthesise the sample study's demo recording (fictional) from its transcript.

    python scripts/make_demo_recording.py sample_transcripts/P02_session04.vtt \
        sample_transcripts/P02_session04.opus [UNTIL_SECONDS]

Needs espeak-ng, sox and opusenc (Debian: espeak-ng sox opus-tools); run offline. Each WebVTT cue
is spoken by a synthetic voice (therapist and patient differ) and placed at the cue's start; a cue
whose speech would run past the cue's end is spoken faster so that the recording stays timed to
the transcript. Silence in between. The recording covers the session up to UNTIL_SECONDS (default
2760, i.e. 46 minutes: Opus spends about 3 kbit/s even on silence, so a whole 51-minute session
does not fit in 1 MB); the cues after it are not spoken. Mono, 16 kHz, Opus at 6 kbit/s in 60 ms frames (speech
stays intelligible, the file stays under 1 MB). The Ogg comment says the recording is
fictional and synthetic.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 16_000
VOICES = {"Therapist": ("en-gb+f3", 48), "Patient": ("en-gb+m3", 40)}  # voice, pitch
CUE = re.compile(
    r"(\d+):(\d\d):(\d\d)\.(\d{3}) --> (\d+):(\d\d):(\d\d)\.(\d{3})\n<v ([^>]+)>(.*?)(?:\n\n|\Z)",
    re.S,
)
COMMENT = (
    "FICTIONAL: synthetic speech (espeak-ng) of the fictional sample transcript P02_session04; "
    "not a real patient, therapist or session. Made for SocialCoder as demo data."
)


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _speak(text: str, voice: str, pitch: int, speed: int, out: Path) -> np.ndarray:
    subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(out), text],
        check=True,
    )
    resampled = out.with_suffix(".16k.wav")
    subprocess.run(
        ["sox", str(out), "-r", str(RATE), "-c", "1", "-b", "16", str(resampled)], check=True
    )
    with wave.open(str(resampled)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def main(vtt: Path, target: Path, until: float = 2760.0) -> None:
    cues = [
        (
            _seconds(*m.groups()[0:4]),
            _seconds(*m.groups()[4:8]),
            m.group(9),
            " ".join(m.group(10).split()),
        )
        for m in CUE.finditer(vtt.read_text(encoding="utf-8"))
    ]
    cues = [c for c in cues if c[1] <= until]
    total = cues[-1][1] + 1.0
    track = np.zeros(int(total * RATE), dtype=np.int16)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (start, end, who, text) in enumerate(cues):
            voice, pitch = VOICES[who]
            speed = 175
            samples = _speak(text, voice, pitch, speed, Path(tmp) / f"{i}.wav")
            room = end - start
            if len(samples) / RATE > room:
                speed = min(450, int(speed * len(samples) / RATE / room) + 5)
                samples = _speak(text, voice, pitch, speed, Path(tmp) / f"{i}b.wav")
            a = int(start * RATE)
            n = min(len(samples), len(track) - a, int(room * RATE))
            track[a : a + n] = samples[:n]
        wav = Path(tmp) / "all.wav"
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(track.tobytes())
        subprocess.run(
            [
                "opusenc",
                "--quiet",
                "--bitrate",
                "6",
                "--framesize",
                "60",
                "--comp",
                "10",
                "--title",
                "P02_session04 (fictional, synthetic speech)",
                "--comment",
                f"COMMENT={COMMENT}",
                str(wav),
                str(target),
            ],
            check=True,
        )
    print(
        f"{target}: {target.stat().st_size / 1e6:.2f} MB, {total / 60:.1f} minutes, {len(cues)} turns"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), *(float(a) for a in sys.argv[3:4]))
