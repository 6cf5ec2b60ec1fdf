"""Floors outside the project's code, measured beside the figures of ``python -m benchmarks``.

A floor is what the figure cannot go below whatever the project's own code does: the
interpreter, ``import numpy`` and SQLite returning the very rows the command reads. The
statements are not written out again here: they are recorded while the project's own read runs
(``sqlite3``'s trace callback for reliability's plain DBAPI read; SQLAlchemy's
``before_cursor_execute`` for the export's), then replayed on a bare ``sqlite3`` connection,
every row fetched, nothing else done with them.

The bare read is the fastest reader available in the run, so that a floor is not merely the
floor of the reader the project chose: Python's ``sqlite3`` (a Python object per cell), and, when
the ``adbc-driver-sqlite`` package is installed (the ``test`` extra has it), the Apache Arrow
project's ADBC SQLite driver, which reads a result straight into Arrow columns in C
(:data:`READERS`). Each reader's replay is measured, interleaved, and the table names the one
the floor used. The project itself reads with ``sqlite3``: see benchmarks/README.md (2026-12-03)
for why not with ADBC.

* reliability: a whole process, ``python -c`` importing numpy (and pyarrow, for ADBC) and
  replaying the statements of ``load_dimension_data`` (the command's read); timed from outside
  like the command;
* export: inside a fresh process, the replay of the statements of ``build_export_table``
  (the service's read of the study), timed like the export call itself.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

#: how many rows the ADBC driver reads before it settles a column's Arrow type: it infers the
#: type from the values of the first batch alone (a declared column type is not used), and a
#: column NULL in the whole first batch then holding text fails the read ("Type mismatch").
#: One batch for the whole result makes the inference see every row.
ADBC_BATCH_ROWS = 1 << 30

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

#: the same with the ADBC SQLite driver (read-only, one snapshot, every result as an Arrow
#: table): the interpreter, numpy's and pyarrow's import (what a reader into numpy needs),
#: the bare read
RELIABILITY_FLOOR_ADBC = """\
import json, sys
from urllib.parse import quote
import numpy
import pyarrow
import adbc_driver_manager, adbc_driver_sqlite
statements = json.load(open(sys.argv[2], encoding="utf-8"))
database = adbc_driver_manager.AdbcDatabase(
    driver=adbc_driver_sqlite._driver_path(), uri="file:" + quote(sys.argv[1]) + "?mode=ro"
)
connection = adbc_driver_manager.AdbcConnection(database)
connection.set_autocommit(False)
for sql in statements:
    statement = adbc_driver_manager.AdbcStatement(connection)
    statement.set_options(**{"adbc.sqlite.query.batch_rows": "BATCH_ROWS"})
    statement.set_sql_query(sql)
    handle, _ = statement.execute_query()
    pyarrow.RecordBatchReader._import_from_c(handle.address).read_all()
    statement.close()
connection.rollback()
connection.close()
database.close()
""".replace("BATCH_ROWS", str(ADBC_BATCH_ROWS))


def readers() -> list[str]:
    """The bare readers this run can measure: ``sqlite3``, and ``adbc`` when installed."""
    found = ["sqlite3"]
    if importlib.util.find_spec("adbc_driver_sqlite") is not None:
        found.append("adbc")
    return found


def reliability_floor_source(reader: str) -> str:
    """The program of a reliability floor process with ``reader``."""
    return RELIABILITY_FLOOR if reader == "sqlite3" else RELIABILITY_FLOOR_ADBC


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


def replay(study_path: Path, recorded: Path, reader: str = "sqlite3") -> tuple[float, float, int]:
    """Wall and CPU seconds of connecting to the study with a bare ``reader`` (``sqlite3`` or
    ``adbc``) and fetching every row of the recorded statements; and how many rows."""
    statements = json.loads(recorded.read_text(encoding="utf-8"))
    if reader == "adbc":
        return _replay_adbc(study_path, statements)
    started, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(study_path, isolation_level=None)
    connection.execute("BEGIN")  # one snapshot, as the export reads
    rows = 0
    for sql, params in statements:
        rows += len(connection.execute(sql, params).fetchall())
    connection.execute("ROLLBACK")
    connection.close()
    return time.perf_counter() - started, time.process_time() - cpu, rows


def _replay_adbc(study_path: Path, statements: list[Any]) -> tuple[float, float, int]:
    """:func:`replay` with the ADBC SQLite driver: read-only, one snapshot (autocommit off),
    each result fetched as one Arrow table."""
    from urllib.parse import quote

    import adbc_driver_sqlite.dbapi

    started, cpu = time.perf_counter(), time.process_time()
    connection = adbc_driver_sqlite.dbapi.connect(f"file:{quote(str(study_path))}?mode=ro")
    cursor = connection.cursor()
    cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(ADBC_BATCH_ROWS)})
    rows = 0
    for sql, params in statements:
        cursor.execute(sql, params or None)
        rows += cursor.fetch_arrow_table().num_rows
    cursor.close()
    connection.rollback()
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


if __name__ == "__main__":  # python benchmarks/floors.py STUDY RECORDED.json [READER]
    if len(sys.argv) > 3 and sys.argv[3] == "adbc":
        import adbc_driver_sqlite.dbapi  # noqa: F401  (imported before the timed span, as the
        # export's modules are imported before its call is timed)
    wall, cpu, rows = replay(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4])
    print(f"RESULT floor {wall:.4f} {cpu:.4f} {rows}")
