"""Recordings as files: probing kind and duration, hashing, the loudness overview."""

from __future__ import annotations

import hashlib
import wave

import numpy as np
import pytest
from media_support import matroska_header, tone_samples, tone_wav

from socialcoder.errors import UserError
from socialcoder.media.hashing import file_sha256
from socialcoder.media.overview import LevelAccumulator, levels_of, wav_overview
from socialcoder.media.probe import probe


def test_wav_duration_kind_and_size(tmp_path):
    path = tone_wav(tmp_path / "s.wav", [(1, 2)], 12.5)
    info = probe(path)
    assert (info.kind, info.format, info.size) == ("audio", "wav", path.stat().st_size)
    assert info.duration == pytest.approx(12.5, abs=1e-3)


@pytest.mark.parametrize("scale", [1_000_000, 100_000])
def test_matroska_duration_read_from_the_header(tmp_path, scale):
    path = matroska_header(tmp_path / "v.webm", 83_250.0, timecode_scale=scale)
    info = probe(path)
    assert (info.kind, info.format) == ("video", "webm")
    assert info.duration == pytest.approx(83.25, abs=1e-6)


def test_a_file_of_a_known_format_without_a_readable_header_has_no_duration(tmp_path):
    path = tmp_path / "noise.mp3"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    assert probe(path).duration is None


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"x", "not a recording SocialCoder can play"),
        ("empty.wav", b"", "empty"),
        ("fake.mkv", b"not matroska", "is not a mkv file"),
    ],
)
def test_unusable_files_are_refused_with_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        probe(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(UserError, match="no such recording"):
        probe(tmp_path / "gone.wav")


def test_sha256_of_the_whole_file_matches_hashlib(tmp_path):
    path = tmp_path / "big.bin"
    data = np.random.default_rng(2).integers(0, 256, 3 * (1 << 20) + 17, dtype=np.uint8).tobytes()
    path.write_bytes(data)
    seen = []
    assert file_sha256(path, lambda d, t: seen.append((d, t))) == hashlib.sha256(data).hexdigest()
    assert seen[-1] == (len(data), len(data))


def test_a_change_in_the_middle_changes_the_hash(tmp_path):
    """The reason for hashing whole files: a muted passage keeps size and both ends."""
    path = tmp_path / "a.wav"
    tone_wav(path, [(0, 30)], 30)
    before = file_sha256(path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000] = bytes(2000)
    path.write_bytes(bytes(data))
    assert file_sha256(path) != before


def _expected_levels(samples: np.ndarray, rate: int, step: float) -> np.ndarray:
    """Independent computation: RMS of each step in dBFS, mapped -60..0 -> 0..1."""
    n = round(rate * step)
    out = []
    for i in range(0, len(samples), n):
        block = samples[i : i + n]
        rms = np.sqrt(np.mean(block**2))
        db = 20 * np.log10(max(rms, 1e-6))
        out.append(min(max((db + 60) / 60, 0.0), 1.0))
    return np.array(out)


@pytest.mark.parametrize("channels", [1, 2])
def test_wav_overview_shows_the_bursts_where_they_are(tmp_path, channels):
    bursts = [(1.0, 1.5), (4.2, 5.0)]
    path = tone_wav(tmp_path / "t.wav", bursts, 6.0, channels=channels)
    ov = wav_overview(path, step=0.1)
    assert ov is not None and len(ov.levels) == 60
    pcm = np.round(tone_samples(bursts, 6.0) * 32767) / 32768
    assert np.allclose(ov.levels, _expected_levels(pcm, 16_000, 0.1), atol=1e-4)
    loud = {i for i, v in enumerate(ov.levels) if v > 0.5}
    assert loud == set(range(10, 15)) | set(range(42, 50))


def test_24_bit_wav_overview(tmp_path):
    samples = tone_samples([(0.5, 1.0)], 2.0)
    ints = np.round(samples * (2**23 - 1)).astype(np.int32)
    raw = np.stack([(ints >> s) & 0xFF for s in (0, 8, 16)], axis=1).astype(np.uint8).tobytes()
    path = tmp_path / "t24.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(3)
        w.setframerate(16_000)
        w.writeframes(raw)
    ov = wav_overview(path, step=0.25)
    assert ov is not None
    assert np.allclose(ov.levels, _expected_levels(samples, 16_000, 0.25), atol=1e-3)


def test_accumulator_gives_the_same_levels_whatever_the_blocks(tmp_path):
    samples = tone_samples([(0.3, 0.9), (1.7, 2.2)], 3.0)
    whole = LevelAccumulator(16_000, 0.1)
    whole.add(samples)
    pieces = LevelAccumulator(16_000, 0.1)
    rng = np.random.default_rng(3)
    i = 0
    while i < len(samples):
        n = int(rng.integers(1, 3000))
        pieces.add(samples[i : i + n])
        i += n
    assert np.allclose(whole.result().levels, pieces.result().levels)
    assert np.allclose(whole.result().levels, _expected_levels(samples, 16_000, 0.1), atol=1e-4)


def test_levels_floor_and_ceiling():
    assert list(levels_of(np.array([0.0, 1.0, 1e-3]))) == pytest.approx([0.0, 1.0, 0.5])


def test_not_a_wav_gives_no_direct_overview(tmp_path):
    path = tmp_path / "x.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    assert wav_overview(path) is None
