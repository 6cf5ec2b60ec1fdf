"""Codes import against its anchor: raw ``sqlite3`` ``executemany`` of the same rows into the
same tables (codes and the audit log), one transaction, the study's own pragmas.

    python benchmarks/bench_import.py [--transcripts 400] [--segments 500]

``import_codes_csv`` reads and checks a CSV file and stores codes and their audit entries in one
transaction; the anchor only inserts the finished rows (read back from the imported study) into a
copy of the study as it was before the import. Target: >= 100,000 rows/s, or >= 1/3 of the anchor.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def measure_import(folder: Path, transcripts: int, segments: int) -> tuple[float, float, int]:
    """(rows/s of import_codes_csv, rows/s of the raw executemany, rows)."""
    from bench_study import CODERS, write_codes, write_transcript

    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
    from socialcoder.services.coders import add_coders
    from socialcoder.services.codes_csv import import_codes_csv
    from socialcoder.services.study import create_study, open_study
    from socialcoder.services.transcript_import import ImportItem, import_transcripts

    files = folder / "transcripts"
    files.mkdir()
    names = [f"S{n:04d}" for n in range(transcripts)]
    for n, name in enumerate(names):
        write_transcript(files / f"{name}.txt", n, segments)
    path = folder / "import.scstudy"
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH) as study:
        add_coders(study, CODERS)
        import_transcripts(study, [ImportItem(path=files / f"{n}.txt") for n in names])
    before = folder / "before.scstudy"
    shutil.copyfile(path, before)
    codes = folder / "codes.csv"
    rows = write_codes(codes, names, segments, CODERS)
    with open_study(path) as study:
        started = time.perf_counter()
        result = import_codes_csv(study, codes)
        seconds = time.perf_counter() - started
    assert result.inserted == rows, (result, rows)
    return rows / seconds, rows / raw_insert(path, before), rows


def raw_insert(imported: Path, before: Path) -> float:
    """Seconds to executemany the rows the import stored into the copy made before it."""
    with sqlite3.connect(imported) as source:
        tables = {}
        for table in ("codes", "audit_log"):
            columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
            rows = source.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            tables[table] = (columns, rows)
    target = sqlite3.connect(before, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=FULL", "cache_size=-65536"):
        target.execute(f"PRAGMA {pragma}")
    started = time.perf_counter()
    target.execute("BEGIN IMMEDIATE")
    for table, (columns, rows) in tables.items():
        marks = ", ".join("?" * len(columns))
        target.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=400)
    parser.add_argument("--segments", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sc-bench-import-") as tmp:
        rate, raw, rows = measure_import(Path(tmp), args.transcripts, args.segments)
    print(
        f"codes import of {rows:,} rows: {rate:,.0f} rows/s; raw sqlite3 executemany of the "
        f"same rows: {raw:,.0f} rows/s; ratio {rate / raw:.2f} (target >= 100,000 rows/s "
        f"or >= 0.33)"
    )


if __name__ == "__main__":
    main()
