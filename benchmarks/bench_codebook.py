"""A study whose codebook has many dimensions (issue #14: start-up independent of the
codebook's size). Used by ``python -m benchmarks``; alone:

    python benchmarks/bench_codebook.py [--dimensions 10000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WideStudy:
    path: Path
    dimensions: int


def build_wide_study(folder: Path, dimensions: int) -> WideStudy:
    """A study with ``dimensions`` nominal patient-turn dimensions (flow style keeps the YAML
    under the codebook size limit)."""
    from socialcoder.services.study import create_study

    lines = ['name: Wide benchmark codebook\nversion: "1"\ndimensions:\n']
    lines += [
        f"- {{key: d{i:05d}, label: D{i}, scale: nominal, applies_to: [patient], values: [a, b]}}\n"
        for i in range(dimensions)
    ]
    codebook = folder / "wide.yaml"
    codebook.write_text("".join(lines), encoding="utf-8")
    path = folder / "wide.scstudy"
    create_study(path, codebook_path=codebook).close()
    return WideStudy(path, dimensions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dimensions", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wide = build_wide_study(Path(tmp), args.dimensions)
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "socialcoder", "info", str(wide.path)],
                check=True,
                capture_output=True,
            )
            print(f"info, {args.dimensions:,} dimensions: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
