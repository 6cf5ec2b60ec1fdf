"""Benchmark: exporting 1,000,000 long rows to CSV and Parquet.

Builds (once, cached) a study of 500 fictional generated transcripts x 666 turns with coders
ana and ben (about 30% of applicable units coded, every transcript completed), so that the long
table has 500 x 333 patient turns x 3 segment-level dimensions x 2 coders + 1,000 session rows =
1,000,000 rows. Then, each in a fresh process so that peak memory is its own:

* ``export-csv`` / ``export-parquet``: the whole service call (read the study, build the table,
  write the file);
* ``pandas-csv`` / ``pandas-parquet``: pandas writing the same, already built DataFrame alone.

Target: the export within 1.5x of pandas alone. Run: ``python benchmarks/bench_export.py``
(``--study PATH`` to choose where the study is cached).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _memory import peak_mb

TRANSCRIPTS = 500
TURNS = 666
CODERS = ("ana", "ben")
# a user's installation has its bytecode cached: without it, the modules an export imports
# when it starts (YAML, the codebook reader, the writers) were compiled inside the timed span
CASE_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
DEFAULT_STUDY = Path(tempfile.gettempdir()) / "socialcoder-bench-export.scstudy"
WORDS = [
    "the",
    "walk",
    "plan",
    "rest",
    "sleep",
    "body",
    "tired",
    "week",
    "good",
    "bad",
    "day",
    "slow",
    "steady",
    "baseline",
]


def build_study(path: Path, transcripts: int = TRANSCRIPTS) -> None:
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
    from socialcoder.services.coders import add_coders
    from socialcoder.services.codes_csv import import_codes_csv
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import ImportItem, import_transcripts

    rng = random.Random(7)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        items = []
        for t in range(transcripts):
            lines = [f"Generated fictional benchmark transcript {t}."]
            for i in range(TURNS):
                words = " ".join(rng.choice(WORDS) for _ in range(12))
                lines.append(f"{'T' if i % 2 == 0 else 'P'}: {words} {t}-{i}.")
            file = folder / f"b{t:04d}.txt"
            file.write_text("\n".join(lines) + "\n", encoding="utf-8")
            items.append(ImportItem(path=file, participant=f"B{t // 10:03d}", session=t % 10 + 1))
        codes = folder / "codes.csv"
        with codes.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(("transcript", "segment", "coder", "dimension", "value", "memo"))
            for t in range(transcripts):
                for coder in CODERS:
                    writer.writerow(
                        (f"b{t:04d}", "", coder, "goal_agreement", rng.randint(1, 7), "")
                    )
                    for seg in range(2, TURNS + 1, 2):
                        if rng.random() < 0.3:
                            writer.writerow((f"b{t:04d}", seg, coder, "concordance", 1, ""))
                        if rng.random() < 0.1:
                            writer.writerow(
                                (
                                    f"b{t:04d}",
                                    seg,
                                    coder,
                                    "resistance",
                                    rng.choice(["none", "mild", "strong"]),
                                    "",
                                )
                            )
        with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="benchmark") as study:
            import_transcripts(study, items)
            add_coders(study, CODERS)
            import_codes_csv(study, codes, complete=True)
    print(f"built {path} in {time.perf_counter() - started:.1f} s")


def run_case(case: str, study_path: Path) -> None:
    """``export-FMT`` / ``pandas-FMT`` (long table), ``export-wide-FMT`` (wide table)."""
    from socialcoder.services.exporting import build_export_table, export_table
    from socialcoder.services.study import open_study

    with tempfile.TemporaryDirectory() as tmp, open_study(study_path) as study:
        ext = case.rsplit("-", 1)[1]
        layout = "wide" if "-wide-" in case else "long"
        out = Path(tmp) / f"{layout}.{ext}"
        if case.startswith("export"):
            started, cpu_started = time.perf_counter(), time.process_time()
            summary = export_table(study, out, layout=layout)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            rows = summary.rows
        else:
            frame = build_export_table(study, "long").frame
            started, cpu_started = time.perf_counter(), time.process_time()
            if ext == "csv":
                frame.to_csv(out, index=False, encoding="utf-8", lineterminator="\n")
            else:
                frame.to_parquet(out, engine="pyarrow", index=False)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            rows = len(frame)
        peak = peak_mb()
        print(
            f"{case:15s} {rows:>9,} rows  {elapsed:7.2f} s  peak RSS {peak:7.0f} MB  ({out.stat().st_size / 2**20:.0f} MB file)"
        )
        print(f"RESULT {case} {elapsed:.4f} {peak:.1f} {cpu:.4f}")


def case_measures(case: str, study_path: Path) -> tuple[float, float, float]:
    """Wall seconds, peak memory (MB) and CPU seconds (the process's own, user + system, over
    the same span as the wall time) of one case, in a fresh process."""
    result = subprocess.run(
        [sys.executable, __file__, "--study", str(study_path), "--case", case],
        capture_output=True,
        text=True,
        check=True,
        env=CASE_ENV,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    _, _, seconds, peak, cpu = line.split()
    return float(seconds), float(peak), float(cpu)


def floor_measures(
    study_path: Path, recorded: Path, reader: str = "sqlite3"
) -> tuple[float, float]:
    """Wall and CPU seconds of a bare ``reader`` (``sqlite3`` or ``adbc``: ``floors.py``)
    fetching the rows of the recorded statements of the export's read, in a fresh process,
    timed inside it as the export call is."""
    result = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("floors.py")),
            str(study_path),
            str(recorded),
            reader,
        ],
        capture_output=True,
        text=True,
        check=True,
        env=CASE_ENV,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT"))
    _, _, seconds, cpu, _rows = line.split()
    return float(seconds), float(cpu)


def least_floor_measures(
    study_path: Path, reader: str = "sqlite3"
) -> tuple[float, float, float, float, dict[str, int]]:
    """The long Parquet export's design-independent floor (``floors.least_long_floor``, the
    least read with ``reader``: ``sqlite3`` or ``adbc``) in a fresh process, timed inside it as the export call is: wall and CPU seconds of the least
    ``sqlite3`` read, wall and CPU seconds of ``pq.write_table`` of the export's own long
    table, and the rows read per table (and ``long table``: the rows written)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("floors.py")),
                "least",
                str(study_path),
                str(Path(tmp) / "least.parquet"),
                reader,
            ],
            capture_output=True,
            text=True,
            check=True,
            env=CASE_ENV,
        )
    lines = result.stdout.splitlines()
    _, _, *times = next(x for x in lines if x.startswith("RESULT")).split()
    counts = json.loads(next(x for x in lines if x.startswith("ROWS"))[5:])
    read_wall, read_cpu, write_wall, write_cpu = map(float, times)
    return read_wall, read_cpu, write_wall, write_cpu, counts


def case_seconds_and_peak(case: str, study_path: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB) of one case, in a fresh process."""
    return case_measures(case, study_path)[:2]


def case_seconds(case: str, study_path: Path) -> float:
    return case_seconds_and_peak(case, study_path)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=DEFAULT_STUDY)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args.case, args.study)
        return
    if not args.study.exists():
        build_study(args.study)
    times = {}
    for case in ("pandas-csv", "export-csv", "pandas-parquet", "export-parquet"):
        result = subprocess.run(
            [sys.executable, __file__, "--study", str(args.study), "--case", case],
            capture_output=True,
            text=True,
            check=True,
            env=CASE_ENV,
        )
        for line in result.stdout.splitlines():
            if line.startswith("RESULT"):
                times[case] = float(line.split()[2])
            else:
                print(line)
    for fmt in ("csv", "parquet"):
        ratio = times[f"export-{fmt}"] / times[f"pandas-{fmt}"]
        verdict = "within" if ratio <= 1.5 else "OVER"
        print(f"{fmt}: export / pandas alone = {ratio:.2f}x ({verdict} the 1.5x target)")


if __name__ == "__main__":
    main()
