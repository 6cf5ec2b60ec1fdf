"""Floors outside the project's code, measured beside the figures of ``python -m benchmarks``.

A floor is what the figure cannot go below whatever the project's own code does: the
interpreter, ``import numpy`` and SQLite returning the very rows the command reads. The
statements are not written out again here: they are recorded while the project's own read runs
(``sqlite3``'s trace callback for reliability's plain DBAPI read; SQLAlchemy's
``before_cursor_execute`` for the export's), then replayed on a bare ``sqlite3`` connection,
every row fetched, nothing else done with them.

* reliability: a whole process, ``python -c`` importing numpy and replaying the statements of
  ``load_dimension_data`` (the command's read); timed from outside like the command;
* export: inside a fresh process, the replay of the statements of ``build_export_table``
  (the service's read of the study), timed like the export call itself.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

#: what a reliability floor process runs: the interpreter, numpy's import, the bare read
RELIABILITY_FLOOR = """\
import json, sqlite3, sys
import numpy
statements = json.load(open(sys.argv[2], encoding="utf-8"))
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN")
for sql in statements:
    connection.execute(sql).fetchall()
connection.execute("ROLLBACK")
connection.close()
"""


def _reads(sql: str) -> bool:
    """A statement that reads (the transaction's BEGIN and ROLLBACK are the replay's own)."""
    return sql.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH", "PRAGMA")


def record_reliability_reads(study_path: Path, out: Path) -> int:
    """The SQL statements of the command's read (``load_dimension_data`` on a study file
    opened without SQLAlchemy, as ``socialcoder reliability`` opens it), written to ``out`` as
    JSON; returns how many."""
    from socialcoder.services.reliability_data import load_dimension_data
    from socialcoder.services.study_file import open_study_file

    study = open_study_file(study_path)
    if study is None:
        raise SystemExit(f"{study_path}: not a study file that opens without SQLAlchemy")
    statements: list[str] = []
    with study:
        study.connection.set_trace_callback(statements.append)
        load_dimension_data(study)
        study.connection.set_trace_callback(None)
    statements = [sql for sql in statements if _reads(sql)]
    out.write_text(json.dumps(statements), encoding="utf-8")
    return len(statements)


def record_export_reads(study_path: Path, out: Path) -> int:
    """The SQL statements (with their parameters) of ``build_export_table(study, "long")``,
    written to ``out`` as JSON; returns how many."""
    from sqlalchemy import event

    from socialcoder.services.exporting import build_export_table
    from socialcoder.services.study import open_study

    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        statements.append((sql, list(params) if params else []))

    with open_study(study_path) as study:
        event.listen(study.engine, "before_cursor_execute", seen)
        build_export_table(study, "long")
        event.remove(study.engine, "before_cursor_execute", seen)
    statements = [(sql, params) for sql, params in statements if _reads(sql)]
    out.write_text(json.dumps(statements), encoding="utf-8")
    return len(statements)


def replay(study_path: Path, recorded: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of connecting to the study with bare ``sqlite3`` and fetching every
    row of the recorded statements; and how many rows."""
    statements = json.loads(recorded.read_text(encoding="utf-8"))
    started, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(study_path, isolation_level=None)
    connection.execute("BEGIN")  # one snapshot, as the export reads
    rows = 0
    for sql, params in statements:
        rows += len(connection.execute(sql, params).fetchall())
    connection.execute("ROLLBACK")
    connection.close()
    return time.perf_counter() - started, time.process_time() - cpu, rows


def verdict(figure: float, floor: float, limit: float) -> str:
    """Whether ``figure`` can reach ``limit`` above ``floor``, said plainly."""
    own = figure - floor
    if figure <= limit:
        return "met"
    if floor >= limit:
        return f"unreachable: the floor alone is {floor / limit:.2f}x the budget"
    if own > limit:
        return (
            f"reachable only by cutting the project's share {own:.3g} -> {limit - floor:.3g} s "
            f"(alone {own / limit:.2f}x the budget)"
        )
    return f"reachable: cut the project's share {own:.3g} -> {limit - floor:.3g} s"


if __name__ == "__main__":  # python benchmarks/floors.py STUDY RECORDED.json: one export replay
    wall, cpu, rows = replay(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"RESULT floor {wall:.4f} {cpu:.4f} {rows}")
