"""How loud a recording is over time: the overview the window draws under the player.

Shape: an :class:`Overview` holds one level per ``step`` seconds (RMS of the samples in that
step, mapped from -60..0 dBFS to 0..1), from the start of the file.

Two ways in: :func:`wav_overview` reads an uncompressed WAV file directly (numpy on a memory
map: a 60-minute recording in well under a second), and :class:`LevelAccumulator` takes
decoded PCM blocks as they come (the window feeds it from QtMultimedia's decoder for
compressed formats). Both end in the same numbers for the same samples.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_STEP = 0.1
FLOOR_DB = -60.0


@dataclass(frozen=True, slots=True)
class Overview:
    step: float
    levels: np.ndarray  # float32, 0..1

    @property
    def duration(self) -> float:
        return self.step * len(self.levels)

    def level_at(self, seconds: float) -> float:
        i = int(seconds / self.step)
        return float(self.levels[i]) if 0 <= i < len(self.levels) else 0.0


def levels_of(mean_squares: np.ndarray) -> np.ndarray:
    """Mean squares of samples scaled to -1..1 -> display levels 0..1 (dBFS, floor -60)."""
    with np.errstate(divide="ignore"):
        db = 10.0 * np.log10(np.maximum(mean_squares, 1e-12))
    return np.clip((db - FLOOR_DB) / -FLOOR_DB, 0.0, 1.0).astype(np.float32)


class LevelAccumulator:
    """Mono float samples in -1..1, block by block, at ``rate`` Hz -> one level per ``step``."""

    def __init__(self, rate: int, step: float = DEFAULT_STEP) -> None:
        self.rate = rate
        self.step = step
        self.per_bin = max(1, round(rate * step))
        self._sums: list[np.ndarray] = []
        self._carry = np.zeros(0, dtype=np.float64)
        self.frames = 0

    def add(self, samples: np.ndarray) -> None:
        block = np.concatenate((self._carry, samples.astype(np.float64, copy=False)))
        whole = len(block) // self.per_bin * self.per_bin
        if whole:
            squares = np.square(block[:whole]).reshape(-1, self.per_bin)
            self._sums.append(squares.mean(axis=1))
        self._carry = block[whole:]
        self.frames += len(samples)

    def result(self) -> Overview:
        parts = list(self._sums)
        if len(self._carry):
            parts.append(np.array([np.square(self._carry).mean()]))
        mean_squares = np.concatenate(parts) if parts else np.zeros(0)
        return Overview(self.step, levels_of(mean_squares))


# -- WAV ---------------------------------------------------------------------------------------
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


@dataclass(frozen=True, slots=True)
class WavLayout:
    format_tag: int
    channels: int
    rate: int
    bits: int
    data_offset: int
    data_size: int


def wav_layout(path: Path) -> WavLayout | None:
    """Where the samples of a RIFF/WAVE file are and how they are stored; None when the file
    is not a WAV this module reads (PCM 8/16/24/32-bit or float 32/64-bit)."""
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        fmt: tuple[int, int, int, int] | None = None
        size_on_disk = path.stat().st_size
        while True:
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            ident, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if ident == b"fmt ":
                body = fh.read(size)
                if len(body) < 16:
                    return None
                tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
                if tag == _EXTENSIBLE and len(body) >= 26:
                    tag = struct.unpack("<H", body[24:26])[0]
                fmt = (tag, channels, rate, bits)
                fh.seek(size % 2, 1)
            elif ident == b"data":
                if fmt is None:
                    return None
                tag, channels, rate, bits = fmt
                start = fh.tell()
                size = min(size, size_on_disk - start)  # streamed WAVs may say 0xFFFFFFFF
                ok = (tag == _PCM and bits in (8, 16, 24, 32)) or (
                    tag == _FLOAT and bits in (32, 64)
                )
                if not ok or channels < 1 or rate < 1:
                    return None
                return WavLayout(
                    format_tag=tag,
                    channels=channels,
                    rate=rate,
                    bits=bits,
                    data_offset=start,
                    data_size=size,
                )
            else:
                fh.seek(size + size % 2, 1)


def wav_overview(path: Path, step: float = DEFAULT_STEP) -> Overview | None:
    """The overview of a WAV file read directly, or None when :func:`wav_layout` cannot read
    it (the caller then decodes it like any other format). The first channel stands for all:
    levels of a conversation barely differ between the channels of one recorder."""
    layout = wav_layout(path)
    if layout is None:
        return None
    width = layout.bits // 8
    frames = layout.data_size // (width * layout.channels)
    if frames == 0:
        return Overview(step, np.zeros(0, dtype=np.float32))
    acc = LevelAccumulator(layout.rate, step)
    block_frames = acc.per_bin * 4096
    if layout.bits == 24:
        mapped = np.memmap(path, np.uint8, "r", layout.data_offset, frames * 3 * layout.channels)
        raw = mapped.reshape(frames, layout.channels * 3)[:, :3]
        for start in range(0, frames, block_frames):
            b = raw[start : start + block_frames].astype(np.int32)
            value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
            value = np.where(value >= 1 << 23, value - (1 << 24), value)
            acc.add(value / float(1 << 23))
        return acc.result()
    integers: dict[int, type[np.number[Any]]] = {8: np.uint8, 16: np.int16, 32: np.int32}
    dtype = integers[layout.bits]
    if layout.format_tag == _FLOAT:
        dtype = np.float32 if layout.bits == 32 else np.float64
    samples = np.memmap(
        path, np.dtype(dtype).newbyteorder("<"), "r", layout.data_offset, frames * layout.channels
    )
    data = samples.reshape(frames, layout.channels)[:, 0]
    for start in range(0, frames, block_frames):
        block = np.asarray(data[start : start + block_frames], dtype=np.float64)
        if layout.format_tag == _PCM:
            block = (
                (block - 128.0) / 128.0
                if layout.bits == 8
                else block / float(1 << (layout.bits - 1))
            )
        acc.add(block)
    return acc.result()
