"""Small pieces the store's query modules share when they build SQLAlchemy Core statements.

The query modules select columns rather than ORM objects (a report or an export reads far more
rows than it needs objects for), so they work on each model's :class:`~sqlalchemy.Table`, and they
split long ``IN`` lists so that no statement exceeds a database's bound-parameter limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, Insert, Subquery, Table, literal, union_all
from sqlalchemy import select as core_select

__all__ = ["CHUNK", "ROWS_PER_INSERT", "chunked", "execute_many", "literal_rows", "table"]

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


def _memo(process: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """*process* (a column type's bind processor), remembering each distinct value's result;
    None where the column's values go to the driver as they are."""
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
