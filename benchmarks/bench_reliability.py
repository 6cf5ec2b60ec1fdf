"""Reliability end to end: a study with 3 coders x 500,000 segments on one nominal dimension
with 10 values; `socialcoder reliability` (database to numbers) against `krippendorff.alpha`
on the same in-memory matrix, plus a 1,000-replicate bootstrap.

    python benchmarks/bench_reliability.py [--segments 500000] [--keep DIR]

Each measurement runs in its own process so that its peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _memory import peak_mb

CODEBOOK = """\
name: Benchmark
version: "1"
dimensions:
  - key: category
    label: Category
    scale: nominal
    shortcut: c
    values: [v0, v1, v2, v3, v4, v5, v6, v7, v8, v9]
"""
PER_TRANSCRIPT = 5_000


def build(folder: Path, segments: int) -> Path:
    from socialcoder.services.coders import add_coders
    from socialcoder.services.codes_csv import import_codes_csv
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import ImportItem, import_transcripts

    (folder / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    study_path = folder / "bench.scstudy"
    rng = np.random.default_rng(1)
    n_transcripts = segments // PER_TRANSCRIPT
    items = []
    for t in range(n_transcripts):
        path = folder / f"t{t:04d}.txt"
        lines = [
            f"{'T' if i % 2 else 'P'}: turn {i} of transcript {t}" for i in range(PER_TRANSCRIPT)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        items.append(ImportItem(path=path))
    study = create_study(study_path, codebook_path=folder / "cb.yaml")
    start = time.perf_counter()
    import_transcripts(study, items)
    print(f"  built {segments:,} segments in {time.perf_counter() - start:.1f} s")
    add_coders(study, ["c1", "c2", "c3"])
    truth = rng.integers(0, 10, size=segments)
    codes = folder / "codes.csv"
    with codes.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("transcript", "segment", "coder", "dimension", "value"))
        for c in ("c1", "c2", "c3"):
            noise = rng.random(segments)
            values = np.where(noise < 0.8, truth, rng.integers(0, 10, size=segments))
            missing = rng.random(segments) < 0.05
            for unit in range(segments):
                if not missing[unit]:
                    t, i = divmod(unit, PER_TRANSCRIPT)
                    writer.writerow((f"t{t:04d}", i + 1, c, "category", f"v{values[unit]}"))
    start = time.perf_counter()
    import_codes_csv(study, codes)
    print(f"  imported the codes in {time.perf_counter() - start:.1f} s")
    study.close()
    return study_path


def measure(kind: str, study_path: str) -> None:
    """Runs in a child process; prints one JSON line."""
    from socialcoder.services.study import open_study

    baseline = peak_mb()
    if kind == "ours":
        from socialcoder.services.reliability_report import reliability_report

        cpu = time.process_time()
        start = time.perf_counter()
        with open_study(study_path) as study:
            report = reliability_report(study)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        alpha = report.dimensions[0]["krippendorff_alpha"]
    elif kind == "bootstrap":
        from socialcoder.reliability import bootstrap_alpha
        from socialcoder.services.reliability_data import load_dimension_data

        with open_study(study_path) as study:
            matrix = load_dimension_data(study)[0].data
        cpu = time.process_time()
        start = time.perf_counter()
        ci = bootstrap_alpha(matrix, "nominal", replicates=1000, seed=1)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        alpha = [ci.low, ci.high]
    else:
        import krippendorff

        from socialcoder.services.reliability_data import load_dimension_data

        with open_study(study_path) as study:
            matrix = load_dimension_data(study)[0].data
        baseline = peak_mb()
        cpu = time.process_time()
        start = time.perf_counter()
        alpha = float(
            krippendorff.alpha(
                reliability_data=matrix,
                level_of_measurement="nominal",
                value_domain=np.arange(10, dtype=float),
            )
        )
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    print(
        json.dumps(
            {
                "kind": kind,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_mb": peak_mb(),
                "baseline_mb": baseline,
                "result": alpha,
            }
        )
    )


def child(kind: str, study_path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(study_path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=500_000)
    parser.add_argument("--keep", type=Path, help="build the study in this folder and keep it")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="sc-bench-rel-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"Reliability benchmark: 3 coders x {args.segments:,} segments, nominal, 10 values, 5% missing"
    )
    study_path = folder / "bench.scstudy"
    if not study_path.exists():
        study_path = build(folder, args.segments)
    ours = child("ours", study_path)
    package = child("package", study_path)
    boot = child("bootstrap", study_path)
    print(
        f"  socialcoder reliability, end to end (open study, read codes, all coefficients): "
        f"{ours['seconds']:.2f} s, peak {ours['peak_mb']:.0f} MB  alpha={ours['result']:.4f}"
    )
    print(
        f"  krippendorff.alpha on the in-memory matrix alone:                       "
        f"{package['seconds']:.2f} s, peak {package['peak_mb']:.0f} MB (before the call {package['baseline_mb']:.0f} MB)  alpha={package['result']:.4f}"
    )
    print(
        f"  1,000-replicate bootstrap of alpha:                                      "
        f"{boot['seconds']:.2f} s, peak {boot['peak_mb']:.0f} MB  95% CI={boot['result']}"
    )
    print("  targets: end to end <= package call; peak < 400 MB; bootstrap < 10 s")


if __name__ == "__main__":
    main()
