"""A coder's process for the concurrency tests: waits for a start signal, then runs its coding
actions through the service (``set_code``), each its own transaction.

Usage: python coding_worker.py STUDY JOBS.json START_FILE
JOBS.json: [[coder, transcript, segment, dimension, value], ...]
Prints the number of actions done; exits 1 with the error on stderr when one fails.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(study_target: str, jobs_file: str, start_file: str) -> int:
    from socialcoder.services.coding import set_code
    from socialcoder.services.study import open_study

    jobs = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    with open_study(study_target) as study:
        deadline = time.monotonic() + 60
        while not Path(start_file).exists():  # start together, so that writes overlap
            if time.monotonic() > deadline:
                print("no start signal", file=sys.stderr)
                return 1
            time.sleep(0.01)
        for coder, transcript, segment, dimension, value in jobs:
            set_code(
                study,
                coder=coder,
                transcript=transcript,
                segment=segment,
                dimension=dimension,
                value=value,
            )
    print(len(jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
