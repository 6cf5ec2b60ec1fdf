"""Fast bulk inserts for large imports (hundreds of thousands of rows in one transaction).

SQLAlchemy's generic ``execute(insert(...), rows)`` builds parameters row by row through the
compiler, which costs more than the database's own work for very large imports. Here the
statement is compiled once for the connection's dialect, each column's bind processor (e.g.
DateTime -> text on SQLite) is applied with a cache, since the same timestamps recur, and the rows
go to the driver's ``executemany`` in the dialect's own parameter style. Dialect-neutral: it
works for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice, repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Table, insert

BATCH = 50_000


def bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert ``rows`` (dicts with the same keys) into ``table``; returns the number inserted."""
    if not rows:
        return 0
    keys = list(rows[0].keys())
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    if compiled.positional:
        order = [compiled.binds[name].key for name in compiled.positiontup or []]
    else:
        order = keys
    getter = itemgetter(*order)
    processed = []
    for i, key in enumerate(order):
        processor = _bind_processor(table, key, dialect)
        if processor is not None:
            processed.append((i, _cached(processor)))
    single = len(order) == 1

    def values(row: Mapping[str, Any]) -> list[Any]:
        got = getter(row)
        out = [got] if single else list(got)
        for i, processor in processed:
            out[i] = processor(out[i])
        return out

    if compiled.positional:

        def convert(row: Mapping[str, Any]) -> Any:
            return tuple(values(row))
    else:
        names = [next(n for n in compiled.binds if compiled.binds[n].key == k) for k in order]

        def convert(row: Mapping[str, Any]) -> Any:
            return dict(zip(names, values(row), strict=True))

    sql = str(compiled)
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(sql, [convert(r) for r in rows[start : start + BATCH]])
    return len(rows)


def _bind_processor(table: Table, key: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind processor for ``dialect`` (e.g. DateTime -> text on SQLite), through
    the public ``TypeEngine.dialect_impl`` (SQLAlchemy caches the implementation per dialect)."""
    return table.c[key].type.dialect_impl(dialect).bind_processor(dialect)


def _cached(processor: Any) -> Any:
    cache: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = processor(value)
            return result
        except TypeError:  # unhashable
            return processor(value)

    return run


def bulk_insert_columns(
    connection: Connection, table: Table, columns: Mapping[str, Sequence[Any] | Any]
) -> int:
    """Insert rows given column-wise: each value is a list (one item per row) or a single
    value used for every row. Faster than :func:`bulk_insert` for very large imports."""
    lengths = {len(v) for v in columns.values() if isinstance(v, list)}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths: {sorted(lengths)}")
    n = lengths.pop() if lengths else 1
    if n == 0:
        return 0
    dialect = connection.dialect
    keys = list(columns)
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    order = (
        [compiled.binds[name].key for name in compiled.positiontup or []]
        if compiled.positional
        else keys
    )
    prepared: list[Iterable[Any]] = []
    for key in order:
        value = columns[key]
        processor = _bind_processor(table, key, dialect)
        if isinstance(value, list):
            if processor is not None:
                run = _cached(processor)
                value = [run(v) for v in value]
            prepared.append(value)
        else:
            prepared.append(
                repeat(processor(value) if processor and value is not None else value, n)
            )
    rows: Any = zip(*prepared, strict=False)
    if not compiled.positional:
        names = [next(b for b in compiled.binds if compiled.binds[b].key == k) for k in order]
        rows = (dict(zip(names, r, strict=True)) for r in rows)
    sql = str(compiled)
    batch = list(islice(rows, BATCH))
    while batch:
        connection.exec_driver_sql(sql, batch)
        batch = list(islice(rows, BATCH))
    return n


def fetch_tuples(connection: Connection, statement: Any) -> Sequence[tuple[Any, ...]]:
    """All rows of ``statement`` as plain tuples straight from the driver's cursor, for large
    reads of plain columns (numbers and text) where SQLAlchemy's row objects cost too much."""
    result = connection.execute(statement)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()
