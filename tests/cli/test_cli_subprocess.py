"""The real program: `python -m socialcoder` exit statuses and stderr, with no traceback.
(Only two runs: each start of the program costs a few seconds of imports.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SOCIALCODER_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "socialcoder", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_success_exit_status(sample_study: Path):
    listed = run("transcripts", sample_study)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    assert "P01_session02" in listed.stdout


def test_refusal_exit_status_is_2_with_one_line_and_no_traceback(
    study_path: Path, tmp_path: Path, dump
):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    before = dump(study_path)
    refused = run("import", study_path, empty)
    assert refused.returncode == 2
    assert refused.stderr.startswith("socialcoder: error: ")
    assert "empty.txt" in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert "Traceback" not in refused.stderr and refused.stdout == ""
    assert dump(study_path) == before
