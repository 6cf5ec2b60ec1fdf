"""A recording's identity: the SHA-256 of all its bytes, read in 1 MiB blocks.

Why the whole file and not sampled chunks: a recording edited in place (a passage muted for
anonymisation, a few seconds cut and padded) can keep its size and every sampled block, and a
sampled hash would then call a changed file "found". Reading the whole file costs about as much
as copying it once (SHA-256 runs faster than most disks), and it is paid only when a recording is
attached, checked (``media status``) or searched for (``media relink``), never while coding:
relink compares sizes first (a stat call) and hashes only the files whose size matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

BLOCK = 1 << 20

Progress = Callable[[int, int], None]
"""progress(bytes done, bytes total)"""


def file_sha256(path: Path, progress: Progress | None = None) -> str:
    """Hex SHA-256 of the whole file (OSError when it cannot be read)."""
    digest = hashlib.sha256()
    total = path.stat().st_size if progress else 0
    done = 0
    with path.open("rb", buffering=0) as fh:
        buffer = bytearray(BLOCK)
        view = memoryview(buffer)
        while n := fh.readinto(buffer):
            digest.update(view[:n])
            done += n
            if progress:
                progress(done, total)
    return digest.hexdigest()
