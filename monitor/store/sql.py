"""Small pieces the store's query modules share when they build SQLAlchemy Core statements.

The query modules select columns rather than ORM objects (a report or an export reads far more
rows than it needs objects for), so they work on each model's :class:`~sqlalchemy.Table`, and they
split long ``IN`` lists so that no statement exceeds a database's bound-parameter limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Subquery, Table, literal, union_all
from sqlalchemy import select as core_select

__all__ = ["CHUNK", "ROWS_PER_INSERT", "chunked", "literal_rows", "table"]

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
