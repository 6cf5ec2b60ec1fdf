"""Benchmark of the study engine on a synthetic study (not part of the test suite).

    python benchmarks/bench_study.py [--transcripts 400] [--segments 500] [--profile]

Generates TRANSCRIPTS plain-text transcripts of SEGMENTS alternating therapist/patient turns,
then measures, through the same services the command line uses:

1. transcript import (all files in one call): segments per second   (target >= 50,000)
2. codes CSV import, 3 coders x the 3 segment-level dimensions on every segment they apply to
   (all patient-only in the default codebook, so half the segments): rows per second
                                                                     (target >= 100,000)
3. loading one 5,000-segment transcript with one coder's codes (show_transcript): milliseconds,
   the first load and the median of 10                               (target < 50 ms)
4. peak memory of the process (resource.getrusage maxrss)

``--profile`` runs the codes import under cProfile and prints where the time goes.
Everything is written to a temporary folder (``--keep`` keeps it and prints where).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.services.coders import add_coders
from socialcoder.services.codes_csv import import_codes_csv
from socialcoder.services.study import Study, create_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import show_transcript

T = TypeVar("T")
CODERS = ("ana", "ben", "cleo")
# The segment-level dimensions of the default codebook (all apply to patient turns only).
VALUES = {
    "concordance": ("0", "1"),
    "incongruent_principles": ("0", "1"),
    "resistance": ("none", "mild", "strong"),
}
BIG = 5_000
WORDS = [
    "I",
    "tried",
    "to",
    "walk",
    "a",
    "little",
    "further",
    "each",
    "day",
    "and",
    "it",
    "was",
    "hard",
    "but",
    "I",
    "kept",
    "the",
    "diary",
    "going",
    "even",
    "when",
    "I",
    "felt",
    "tired",
    "so",
    "we",
    "could",
    "look",
    "at",
    "it",
    "together",
]


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def write_transcript(path: Path, number: int, segments: int) -> None:
    """``segments`` turns, therapist first, every turn unique to this file."""
    lines = []
    for i in range(segments):
        label = "T" if i % 2 == 0 else "P"
        words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(8 + i % 12))
        lines.append(
            f"[{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}] {label}: {words} ({number}.{i})\n"
        )
    path.write_text("".join(lines), encoding="utf-8")


def write_codes(path: Path, names: list[str], segments: int, coders: tuple[str, ...]) -> int:
    """Codes for every patient turn (the even 1-based indexes) of every named transcript."""
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("transcript,segment,coder,dimension,value,memo\n")
        for t, name in enumerate(names):
            for c, coder in enumerate(coders):
                for seg in range(2, segments + 1, 2):
                    for key, values in VALUES.items():
                        fh.write(
                            f"{name},{seg},{coder},{key},{values[(seg + t + c) % len(values)]},\n"
                        )
                        rows += 1
    return rows


def report(label: str, value: float, unit: str, target: str, ok: bool) -> None:
    print(
        f"  {label:<44} {value:>12,.1f} {unit:<10} target {target:<12} {'ok' if ok else 'MISSED'}"
    )


def run(transcripts: int, segments: int, folder: Path, profile: bool) -> None:
    print(
        f"Synthetic study: {transcripts} transcripts x {segments} segments, {len(CODERS)} coders, "
        f"{len(VALUES)} segment-level dimensions; files in {folder}"
    )
    files = folder / "transcripts"
    files.mkdir()
    names = [f"S{n:04d}" for n in range(transcripts)]
    for n, name in enumerate(names):
        write_transcript(files / f"{name}.txt", n, segments)
    study: Study = create_study(folder / "bench.scstudy", codebook_path=DEFAULT_CODEBOOK_PATH)
    add_coders(study, CODERS)

    items = [ImportItem(path=files / f"{name}.txt") for name in names]
    summary, seconds = timed(lambda: import_transcripts(study, items))
    rate = summary.segments / seconds
    print("Results")
    report(
        f"transcript import ({summary.segments:,} segments, {seconds:.2f} s)",
        rate,
        "segments/s",
        ">= 50,000",
        rate >= 50_000,
    )

    codes = folder / "codes.csv"
    rows = write_codes(codes, names, segments, CODERS)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result, seconds = timed(lambda: import_codes_csv(study, codes))
    if profiler:
        profiler.disable()
    assert result.inserted == rows, (result, rows)
    rate = rows / seconds
    report(
        f"codes CSV import ({rows:,} rows, {seconds:.2f} s)",
        rate,
        "rows/s",
        ">= 100,000",
        rate >= 100_000,
    )

    write_transcript(files / "BIG.txt", transcripts + 1, BIG)
    import_transcripts(study, [ImportItem(path=files / "BIG.txt")])
    big_codes = folder / "big_codes.csv"
    write_codes(big_codes, ["BIG"], BIG, CODERS[:1])
    import_codes_csv(study, big_codes)
    view, first = timed(lambda: show_transcript(study, "BIG", coder=CODERS[0]))
    assert len(view.segments) == BIG and sum(len(s.codes) for s in view.segments) == BIG // 2 * len(
        VALUES
    )
    times = [timed(lambda: show_transcript(study, "BIG", coder=CODERS[0]))[1] for _ in range(10)]
    median = statistics.median(times)
    report("load a 5,000-segment transcript, first (ms)", first * 1000, "ms", "< 50", first < 0.05)
    report(
        "load a 5,000-segment transcript, median of 10 (ms)",
        median * 1000,
        "ms",
        "< 50",
        median < 0.05,
    )

    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak_kb / 1024 if sys.platform != "darwin" else peak_kb / 1024 / 1024
    print(f"  {'peak memory (maxrss)':<44} {peak_mb:>12,.1f} MB")
    size = (folder / "bench.scstudy").stat().st_size / 1024**2
    print(f"  {'study file size':<44} {size:>12,.1f} MB")
    study.close()
    if profiler:
        print("\nWhere the codes import spends its time (cProfile, top 25 by own time):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transcripts", type=int, default=400)
    parser.add_argument("--segments", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="profile the codes import")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="socialcoder-bench-"))
    try:
        run(args.transcripts, args.segments, folder, args.profile)
    finally:
        if args.keep:
            print(f"Files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
