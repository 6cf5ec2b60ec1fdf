"""A SIGKILL during a large codes import leaves the study as it was before or after the import,
never between: the codes table holds none of the file's rows or all of them, and SQLite's
integrity check passes. At least one kill must land mid-import (the process had written to the
-wal file and not committed), or the test proves nothing. (SQLite-file specific: it watches the
-wal file.)"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.services.study import create_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts

REPO = Path(__file__).resolve().parents[2]
TURNS = 4000  # 2000 patient turns
CODERS = 10  # x 2000 patient turns x 3 patient-only dimensions = 60,000 rows
VALUES = {
    "concordance": ("0", "1"),
    "incongruent_principles": ("0", "1"),
    "resistance": ("none", "mild", "strong"),
}
ROWS = CODERS * (TURNS // 2) * len(VALUES)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A study with one 4,000-turn transcript, and a codes CSV of 60,000 rows for it."""
    folder = tmp_path_factory.mktemp("kill")
    transcript = folder / "long.txt"
    transcript.write_text(
        "".join(
            f"{'T' if i % 2 == 0 else 'P'}: turn {i}, fictional words for the test\n"
            for i in range(TURNS)
        ),
        encoding="utf-8",
    )
    study = folder / "base.scstudy"
    with create_study(study, codebook_path=DEFAULT_CODEBOOK_PATH) as s:
        import_transcripts(s, [ImportItem(path=transcript)])
    codes = folder / "codes.csv"
    with codes.open("w", encoding="utf-8", newline="") as fh:
        fh.write("transcript,segment,coder,dimension,value,memo\n")
        for c in range(CODERS):
            for seg in range(2, TURNS + 1, 2):
                for key, values in VALUES.items():
                    fh.write(f"long,{seg},c{c:02d},{key},{values[(seg + c) % len(values)]},\n")
    return study, codes


def _wal_size(study: Path) -> int:
    try:
        return Path(f"{study}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def _start(study: Path, codes: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "socialcoder",
            "codes",
            "import",
            str(study),
            str(codes),
            "--add-coders",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _after_wal_grows(by: int) -> Callable[[Path, float], bool]:
    """Kill once the -wal file has grown ``by`` bytes past its size at the start."""
    state: dict[str, int] = {}

    def ready(study: Path, _elapsed: float) -> bool:
        size = _wal_size(study)
        start = state.setdefault("start", size)
        return size > start + by

    return ready


KILL_WHEN = {
    "as soon as the wal grows": _after_wal_grows(0),
    "wal grew 4 MB": _after_wal_grows(4 * 1024 * 1024),
}


def test_kill_leaves_none_or_all_rows(base, tmp_path: Path):
    study, codes = base
    runs = {}
    for label, when in KILL_WHEN.items():  # run side by side: the test takes the time of one run
        copy = tmp_path / f"{label.replace(' ', '_')}.scstudy"
        shutil.copyfile(study, copy)
        runs[label] = (copy, when, _start(copy, codes), time.monotonic())
    killed: dict[str, str] = {}
    wal_at_kill: dict[str, int] = {}
    deadline = time.monotonic() + 120
    while len(killed) < len(runs) and time.monotonic() < deadline:
        for label, (copy, when, proc, started) in runs.items():
            if label in killed:
                continue
            if proc.poll() is not None:
                killed[label] = f"finished first (exit {proc.returncode})"
            elif when(copy, time.monotonic() - started):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                wal_at_kill[label] = _wal_size(copy)
                killed[label] = (
                    f"killed at {time.monotonic() - started:.1f} s, wal {_wal_size(copy)} bytes"
                )
        time.sleep(0.005)
    for _copy, _when, proc, _started in runs.values():
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(killed) == len(runs), "imports neither finished nor became killable in time"

    outcomes = {}
    for label, (copy, _when, proc, _started) in runs.items():
        assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")
        conn = sqlite3.connect(copy)  # recovers the -wal left by the killed process
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], label
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], label
            codes_n = conn.execute("SELECT count(*) FROM codes").fetchone()[0]
            audit_n = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
            coders_n = conn.execute("SELECT count(*) FROM coders WHERE kind = 'coder'").fetchone()[
                0
            ]
        finally:
            conn.close()
        assert (codes_n, audit_n, coders_n) in {(0, 0, 0), (ROWS, ROWS, CODERS)}, (
            label,
            killed[label],
            codes_n,
        )
        outcomes[label] = codes_n
    # killed while writing (not after the commit), so they must have left nothing
    for label, outcome in outcomes.items():
        assert outcome == 0 or "finished" in killed[label], (label, killed[label])
    # and at least one kill landed mid-import: the process was writing (its -wal file had grown)
    # and had not committed, so the test saw the 'none' side of 'none or all' at least once
    mid_import = [label for label in runs if wal_at_kill.get(label, 0) > 0 and outcomes[label] == 0]
    assert mid_import, killed
