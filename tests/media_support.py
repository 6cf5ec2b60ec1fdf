"""Recordings made in the tests: WAV files of silence with tone bursts at known times.

``tone_wav(path, bursts, duration)`` writes a mono 16-bit WAV (numpy + wave): silence, with a
440 Hz tone (amplitude 0.5) during each (start, end) in ``bursts`` (seconds). A player or an
overview that lands at a burst's start hears the tone; anywhere else, silence.
"""

from __future__ import annotations

import struct
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

RATE = 16_000
TONE_HZ = 440.0
AMPLITUDE = 0.5


def tone_samples(
    bursts: Sequence[tuple[float, float]], duration: float, rate: int = RATE
) -> np.ndarray:
    samples = np.zeros(round(duration * rate), dtype=np.float64)
    for start, end in bursts:
        a, b = round(start * rate), round(end * rate)
        t = np.arange(b - a) / rate
        samples[a:b] = AMPLITUDE * np.sin(2 * np.pi * TONE_HZ * t)
    return samples


def tone_wav(
    path: Path,
    bursts: Sequence[tuple[float, float]],
    duration: float,
    *,
    rate: int = RATE,
    channels: int = 1,
) -> Path:
    samples = tone_samples(bursts, duration, rate)
    pcm = np.round(samples * 32767).astype("<i2")
    if channels > 1:
        pcm = np.repeat(pcm[:, None], channels, axis=1).reshape(-1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def _ebml(ident: int, payload: bytes) -> bytes:
    size = len(payload)
    return (
        ident.to_bytes((ident.bit_length() + 7) // 8, "big")
        + (0x01 << 56 | size).to_bytes(8, "big")
        + payload
    )


def matroska_header(path: Path, duration_ms: float, *, timecode_scale: int = 1_000_000) -> Path:
    """A Matroska file with only what a reader of its duration needs (EBML header, Segment,
    Info with TimecodeScale and Duration as a 64-bit float)."""
    header = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm"))
    info = _ebml(0x2AD7B1, timecode_scale.to_bytes(4, "big")) + _ebml(
        0x4489, struct.pack(">d", duration_ms * 1_000_000 / timecode_scale)
    )
    segment = _ebml(0x18538067, _ebml(0x114D9B74, b"") + _ebml(0x1549A966, info))
    path.write_bytes(header + segment)
    return path
