"""Which observation a read shows where a collected and a backfilled one describe the same day:
the collected one (SPEC), decided once, in SQL, for every reader.

:func:`effective_observations` is the rule as a subquery (export and the boundary values of
:mod:`monitor.store.series` read it); :class:`DayBefore` is the "24 hours before" it needs, in
each database's own date arithmetic (the reports' boundary scan uses it too). Both are
:mod:`monitor.store.history`'s, where callers import them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Subquery, func, literal_column, union_all
from sqlalchemy import select as core_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from monitor.store.models import Observation
from monitor.store.sql import table

__all__ = ["DayBefore", "effective_observations"]


class DayBefore(FunctionElement[datetime]):
    """A stored time minus 24 hours, computed in the database in the column's own format."""

    type = DateTime()
    inherit_cache = True


@compiles(DayBefore)
def _day_before(element: DayBefore, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - INTERVAL '24 hours')"


@compiles(DayBefore, "sqlite")
def _day_before_sqlite(element: DayBefore, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff': datetime() shifts the first 19 characters and
    # drops the fraction, which a whole day leaves as it was, so it is put back as stored.
    at = compiler.process(element.clauses, **kw)
    return f"(datetime({at}, '-1 day') || substr({at}, 20))"


def effective_observations(
    repo_ids: Collection[int] | None = None,
    metrics: Collection[str] | None = None,
    *,
    until: datetime | None = None,
    through: datetime | None = None,
) -> Subquery:
    """The observations reads show: every stored one except the backfill rows a collected one
    shadows. Columns: ``repo_id, metric, observed_at, value, source``.

    The SPEC's rule: where a collected and a backfilled observation describe the same day,
    reports and export use the collected one (both stay stored). A backfill row at *E* describes
    the platform day that ends at *E*, and that day starts at the previous backfill row of the
    same repo and metric (24 hours before *E* for the first row), which also gets 23 and 25 hour
    days right across DST changes. So a backfill row is dropped when a collected row of the same
    repo and metric lies in ``(start, E]``: a window function (``LAG``) finds each start and a
    ``NOT EXISTS`` probes the observation key for the collected row.

    The optional filters are applied before the window: *repo_ids* and *metrics* select whole
    series, and *until* (``observed_at < until``) and *through* (``observed_at <= through``) cut
    only later rows, which never change an earlier row's start. A lower bound would, so callers
    apply theirs to the result.
    """
    o = table(Observation)
    conditions: list[ColumnElement[bool]] = []
    if repo_ids is not None:
        conditions.append(o.c.repo_id.in_(list(repo_ids)))
    if metrics is not None:
        conditions.append(o.c.metric.in_(list(metrics)))
    if until is not None:
        conditions.append(o.c.observed_at < until)
    if through is not None:
        conditions.append(o.c.observed_at <= through)
    columns = (o.c.repo_id, o.c.metric, o.c.observed_at, o.c.value, o.c.source)
    collected = core_select(*columns).where(o.c.source == "collected", *conditions)
    previous = func.lag(o.c.observed_at).over(
        partition_by=(o.c.repo_id, o.c.metric), order_by=o.c.observed_at
    )
    days = (
        core_select(*columns, previous.label("day_start"))
        .where(o.c.source == "backfill", *conditions)
        .subquery("backfill_day")
    )
    c = table(Observation).alias("shadow")
    shadowed = (
        core_select(literal_column("1"))
        .select_from(c)
        .where(
            c.c.repo_id == days.c.repo_id,
            c.c.metric == days.c.metric,
            c.c.observed_at > func.coalesce(days.c.day_start, DayBefore(days.c.observed_at)),
            c.c.observed_at <= days.c.observed_at,
            c.c.source == "collected",
        )
        # OFFSET 0 keeps PostgreSQL from turning the probe into a hash anti-join, which cannot
        # use the time range and compares every backfill row with every collected row of its
        # series; as a correlated subplan it is one primary-key range probe a row.
        .offset(literal_column("0"))
        .exists()
    )
    backfill = core_select(
        days.c.repo_id, days.c.metric, days.c.observed_at, days.c.value, days.c.source
    ).where(~shadowed)
    return union_all(collected, backfill).subquery("effective_observation")
