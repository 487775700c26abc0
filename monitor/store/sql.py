"""Small pieces the store's query modules share when they build SQLAlchemy Core statements.

The query modules select columns rather than ORM objects (a report or an export reads far more
rows than it needs objects for), so they work on each model's :class:`~sqlalchemy.Table`, and they
split long ``IN`` lists so that no statement exceeds a database's bound-parameter limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, Insert, Select, Subquery, Table, literal, type_coerce, union_all
from sqlalchemy import select as core_select
from sqlalchemy.types import NullType

__all__ = [
    "CHUNK",
    "ROWS_PER_INSERT",
    "chunked",
    "execute_many",
    "literal_rows",
    "read_many",
    "table",
]

T = TypeVar("T")

#: Repo ids per ``IN`` list: far below the bound-parameter limits of SQLite and PostgreSQL.
CHUNK = 500

#: Rows per multi-row INSERT: at five columns a row, well under SQLite's 32766 bound parameters.
ROWS_PER_INSERT = 1000


def table(model: Any) -> Table:
    """The Core table of a SQLModel class (SQLModel leaves ``__table__`` untyped)."""
    found: Table = model.__table__
    return found


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """*items* in lists of at most *size*, in order (the last one may be shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def literal_rows(values: Sequence[Any], name: str, type_: Any) -> Subquery:
    """A one-column derived table of *values* (UNION ALL: portable where VALUES is not)."""
    selects = [core_select(literal(v, type_).label(name)) for v in values]
    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery(f"{name}_list")


def execute_many(conn: Connection, stmt: Insert, rows: Sequence[Mapping[str, Any]]) -> int:
    """Run *stmt* (an INSERT, maybe ``ON CONFLICT``) once per row of *rows* (dicts with the same
    keys: the table's column names) through the driver's ``executemany``; returns the rows it
    changed (inserted, or updated by an upsert).

    The statement is compiled once and each distinct value converted once by its column's type
    (a cycle stores thousands of values taken at one instant): SQLAlchemy's own many-row path
    converts every value of every row, most of a big write's time. ``executemany`` binds each
    row on its own, so no statement nears a bound-parameter limit.
    """
    if not rows:
        return 0
    dialect = conn.dialect
    names = list(rows[0])
    compiled = stmt.compile(dialect=dialect, column_keys=names)
    table = stmt.table
    order = compiled.positiontup  # None: the driver takes named parameters
    columns = [(name, _memo(table.c[name].type.dialect_impl(dialect).bind_processor(dialect)))
               for name in (names if order is None else order)]
    params: Sequence[Any]
    if order is None:
        params = [{name: row[name] if convert is None else convert(row[name])
                   for name, convert in columns} for row in rows]
    else:
        params = [tuple([row[name] if convert is None else convert(row[name])
                         for name, convert in columns]) for row in rows]
    return conn.exec_driver_sql(compiled.string, params).rowcount


def read_many(conn: Connection, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of *stmt*, each distinct value of a column converted once by the column's type.

    For the reads of thousands of rows that share a few values (the times of the cycles that
    stored them): SQLAlchemy converts every value of every row as it makes the row, which for
    times stored as text (SQLite) is most of such a read's time. Here the columns are read as
    the driver gives them, all rows at once, and converted column by column, each distinct
    value once: the same rows and values as ``conn.execute``, in about a third of the time.
    """
    dialect = conn.dialect
    selected = list(stmt.selected_columns)
    processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected]
    raw = stmt.with_only_columns(
        *[c if process is None else type_coerce(c, NullType())
          for c, process in zip(selected, processors, strict=True)],
        maintain_column_froms=True,
    )
    rows = conn.execute(raw).fetchall()
    if not rows or all(process is None for process in processors):
        return [tuple(row) for row in rows]
    columns = [column if process is None else _converted(column, process)
               for column, process in zip(zip(*rows, strict=True), processors, strict=True)]
    return list(zip(*columns, strict=True))


def _converted(column: Sequence[Any], process: Callable[[Any], Any]) -> Sequence[Any]:
    """*column*'s values converted by *process*, each distinct one once."""
    try:
        found = {value: process(value) for value in set(column)}
    except TypeError:  # an unhashable value: converted one by one
        return [process(value) for value in column]
    return list(map(found.__getitem__, column))


def _memo(process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """*process* (a column type's bind or result processor), remembering each distinct value's
    result; None where the column's values pass as they are."""
    if process is None:
        return None
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            found = seen[value] = process(value)
            return found
        except TypeError:  # unhashable: converted each time
            return process(value)

    return convert
