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

That floor is the present design's: it replays the statements the export happens to run. For
the long Parquet export a second floor holds for any design (:func:`least_long_read`, run by
``python benchmarks/floors.py least STUDY OUT [READER]``): the least bare read of what the
long table draws on (one scan per table: every row of the long roles' segments and of the
coders' codes, memos and completions, and of the small tables; with ``sqlite3`` each column one
``group_concat``, numbers parsed by numpy, texts split; with ADBC a plain ``SELECT`` of the same
columns into Arrow), plus pyarrow's ``pq.write_table`` (the writer pandas' ``to_parquet``
itself calls) of the export's own long table, converted to Arrow once before the timed span
(pandas' conversion excluded: it is the export's work, not any design's). The statements are derived from :func:`long_sources`
(each column of the long table -> the model columns it draws on) and SQLAlchemy's models: a
renamed table or column follows, a removed one fails, and a long-table column not listed there
stops the floor.
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


def long_sources() -> dict[str, tuple[Any, ...]]:
    """Each column of the long table -> the study's columns it draws on, with the keys that put
    a value in its row (the models' attributes: SQLAlchemy names the tables and columns). The
    one place the design-independent floor's read comes from (:func:`least_long_statements`);
    ``()`` for a column computed from others and the codebook alone."""
    from socialcoder.storage import models

    T, S, C, K = models.TranscriptRow, models.SegmentRow, models.CodeRow, models.CoderRow
    D, V, M, Done = (
        models.DimensionRow,
        models.CodebookVersionRow,
        models.SegmentMemoRow,
        models.CompletionRow,
    )

    return {
        "transcript": (T.id, T.name),
        "participant": (T.id, T.participant),
        "therapist": (T.id, T.therapist),
        "session": (T.id, T.session_number),
        "date": (T.id, T.session_date),
        "segment": (S.id, S.transcript_id, S.idx),
        "role": (S.id, S.role),
        "speaker": (S.id, S.label),
        "start": (S.id, S.start_s),
        "end": (S.id, S.end_s),
        "start_estimated": (S.id, S.start_estimated),
        "end_estimated": (S.id, S.end_estimated),
        "coder": (C.id, C.transcript_id, C.segment_id, C.coder_id, K.id, K.name, K.kind),
        "dimension": (C.id, C.dimension_id, D.id, D.key),
        "unit": (),  # session or segment: from the dimension's level in the codebook
        "value": (C.id, C.value),
        "value_numeric": (),  # the value's number and label: from the codebook
        "value_label": (),
        "memo": (C.id, C.memo),
        "segment_memo": (M.id, M.segment_id, M.coder_id, M.text),
        "completed": (Done.transcript_id, Done.coder_id),
        "implied": (),  # the completion rule on the units and the completions
        "codebook_version": (C.id, C.codebook_version_id, V.id, V.version),
    }


#: a text column's separator and NULL in the least read (ASCII unit separator and record
#: separator): a text holding one would misalign its column, and the row counts then disagree
TEXT_SEPARATOR, TEXT_NULL = "\x1f", "\x1e"


def least_long_statements(study: Any, reader: str = "sqlite3") -> list[tuple[str, str, list[str]]]:
    """The least read of what the long table of ``study`` (a :class:`Study`, every default
    coder) draws on, as ``(table, sql, kinds)``: one scan per table of :func:`long_sources`,
    the rows the long table needs (segments of the roles a segment-level dimension applies to,
    the coders' codes, memos and completions, every row of the small tables), one value per
    row of each column it uses. Each column is one ``group_concat`` (numbers: a NULL as -1 or
    nan; text: :data:`TEXT_SEPARATOR` between values, :data:`TEXT_NULL` for NULL), so SQLite
    renders the scan as a few texts. ``kinds``: ``int``, ``float`` or ``text`` per column.
    For the ``adbc`` reader, which reads a result into Arrow columns in C, the same columns and
    rows as a plain ``SELECT`` (``kinds``: ``arrow``)."""
    from sqlalchemy import Boolean, Float, Integer, func, literal, select
    from sqlalchemy.dialects import sqlite

    from socialcoder.services.exporting import long_roles, resolve_coders
    from socialcoder.storage.models import (
        CodeRow,
        CoderRow,
        CompletionRow,
        SegmentMemoRow,
        SegmentRow,
    )

    with study.read() as session:
        ids = dict(session.execute(select(CoderRow.name, CoderRow.id)).all())
    coders = [ids[name] for name in resolve_coders(study)]
    rows_of = {
        SegmentRow.__table__: SegmentRow.role.in_(sorted(long_roles(study))),
        CodeRow.__table__: CodeRow.coder_id.in_(coders),
        SegmentMemoRow.__table__: SegmentMemoRow.coder_id.in_(coders),
        CompletionRow.__table__: CompletionRow.coder_id.in_(coders),
    }
    options: dict[str, Any] = {
        "dialect": sqlite.dialect(),
        "compile_kwargs": {"literal_binds": True},
    }
    columns: dict[Any, dict[str, Any]] = {}
    for sources in long_sources().values():
        for column in sources:
            columns.setdefault(column.table, {})[column.key] = column
    statements: list[tuple[str, str, list[str]]] = []
    for table, used in columns.items():
        where = rows_of.get(table, literal(True))
        if reader == "adbc":
            sql = select(*used.values()).where(where).compile(**options)
            statements.append((table.name, str(sql), ["arrow"]))
            continue
        kinds = [
            "float"
            if isinstance(c.type, Float)
            else "int"
            if isinstance(c.type, Integer | Boolean)
            else "text"
            for c in used.values()
        ]
        stmt = select(
            *(
                func.group_concat(func.ifnull(c, "nan"), ",")
                if kind == "float"
                else func.group_concat(func.ifnull(c, -1), ",")
                if kind == "int"
                else func.group_concat(func.ifnull(c, TEXT_NULL), TEXT_SEPARATOR)
                for c, kind in zip(used.values(), kinds, strict=True)
            )
        ).where(where)
        sql = stmt.compile(**options)
        statements.append((table.name, str(sql), kinds))
    return statements


def least_long_read(
    study_path: Path, statements: list[tuple[str, str, list[str]]]
) -> tuple[float, float, dict[str, int]]:
    """Wall and CPU seconds of running ``statements`` (:func:`least_long_statements`) on a
    bare ``sqlite3`` connection, one snapshot, every row fetched, the numbers parsed by numpy
    and the texts split; and how many rows of each table it read (raises when the columns of a
    table disagree). Statements of the ``adbc`` reader are read with the ADBC SQLite driver
    (read-only, one snapshot, each result one Arrow table)."""
    import numpy as np

    if statements and statements[0][2] == ["arrow"]:
        return _least_long_read_adbc(study_path, statements)
    started, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(study_path, isolation_level=None)
    connection.execute("BEGIN")
    counts: dict[str, set[int]] = {}
    for table, sql, kinds in statements:
        sizes = counts.setdefault(table, set())
        for text, kind in zip(connection.execute(sql).fetchone(), kinds, strict=True):
            if text is None:
                sizes.add(0)
            elif kind == "text":
                sizes.add(len(text.split(TEXT_SEPARATOR)))
            else:
                dtype = np.float64 if kind == "float" else np.int64
                sizes.add(len(np.fromstring(str(text), dtype=dtype, sep=",")))
    connection.execute("ROLLBACK")
    connection.close()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if any(len(sizes) != 1 for sizes in counts.values()):
        raise RuntimeError(f"the columns of a table read different numbers of rows: {counts}")
    return wall, cpu, {table: sizes.pop() for table, sizes in counts.items()}


def _least_long_read_adbc(
    study_path: Path, statements: list[tuple[str, str, list[str]]]
) -> tuple[float, float, dict[str, int]]:
    from urllib.parse import quote

    import adbc_driver_sqlite.dbapi

    started, cpu = time.perf_counter(), time.process_time()
    connection = adbc_driver_sqlite.dbapi.connect(f"file:{quote(str(study_path))}?mode=ro")
    cursor = connection.cursor()
    cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(ADBC_BATCH_ROWS)})
    counts = {}
    for table, sql, _kinds in statements:
        cursor.execute(sql)
        counts[table] = cursor.fetch_arrow_table().num_rows
    cursor.close()
    connection.rollback()
    connection.close()
    return time.perf_counter() - started, time.process_time() - cpu, counts


def least_long_floor(
    study_path: Path, out: Path, reader: str = "sqlite3"
) -> tuple[tuple[float, float], tuple[float, float], dict[str, int]]:
    """The long Parquet export's design-independent floor, in this process: (wall, CPU) of
    :func:`least_long_read` with ``reader``, (wall, CPU) of ``pq.write_table`` of the export's own long table
    (converted to Arrow before, untimed) to ``out``, and the rows read per table. Stops when the
    long table has a column :func:`long_sources` does not list."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from socialcoder.services.exporting import build_export_table
    from socialcoder.services.study import open_study

    with open_study(study_path) as study:
        frame = build_export_table(study, "long").frame
        statements = least_long_statements(study, reader)
    unlisted = set(frame.columns) ^ set(long_sources())
    if unlisted:
        raise SystemExit(
            f"the long table's columns and floors.long_sources differ ({', '.join(sorted(unlisted))}):"
            " say there where each column comes from"
        )
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    del frame
    read_wall, read_cpu, counts = least_long_read(study_path, statements)
    started, cpu = time.perf_counter(), time.process_time()
    pq.write_table(arrow, out)
    write = (time.perf_counter() - started, time.process_time() - cpu)
    counts["long table"] = arrow.num_rows
    return (read_wall, read_cpu), write, counts


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


if __name__ == "__main__" and sys.argv[1] == "least":  # floors.py least STUDY OUT [READER]
    if sys.argv[4:] == ["adbc"]:
        import adbc_driver_sqlite.dbapi
    read, write, counts = least_long_floor(Path(sys.argv[2]), Path(sys.argv[3]), *sys.argv[4:5])
    print(f"RESULT least {read[0]:.4f} {read[1]:.4f} {write[0]:.4f} {write[1]:.4f}")
    print(f"ROWS {json.dumps(counts)}")
elif __name__ == "__main__":  # python benchmarks/floors.py STUDY RECORDED.json [READER]
    if len(sys.argv) > 3 and sys.argv[3] == "adbc":
        import adbc_driver_sqlite.dbapi  # noqa: F401  (imported before the timed span, as the
        # export's modules are imported before its call is timed)
    wall, cpu, rows = replay(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4])
    print(f"RESULT floor {wall:.4f} {cpu:.4f} {rows}")
