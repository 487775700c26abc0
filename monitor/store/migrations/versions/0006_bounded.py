"""Reads that do not grow with history, and an HTTP cache that does not grow without bound.

* ``http_cache`` gains ``repo`` (whose answer it is: an untracked repo's entries are deleted)
  and ``used_at`` (when a request last asked for it: entries nobody asks for any more are
  deleted). Its rows are not converted, they are dropped: which repo a URL belongs to is the
  platforms' knowledge, not the store's. The next cycle asks once without validators.
* ``latest_value`` keeps each repo's newest collected value of each metric, filled here from
  ``observation`` (a scan of the table, once); ``platform_budget`` keeps each platform's newest
  budget, filled from ``run_platform`` as ``status`` read it until now. A scrape and ``status``
  read these instead of the history.
* ``ix_collection_run_kind_finished_at``: each job's newest success is an index seek.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEWEST_BUDGETS = """
INSERT INTO platform_budget
    (platform, run_id, budget_remaining, budget_limit, budget_reset_at, as_of)
SELECT platform, run_id, budget_remaining, budget_limit, budget_reset_at, as_of FROM (
    SELECT p.platform, p.run_id, p.budget_remaining, p.budget_limit, p.budget_reset_at,
           COALESCE(r.finished_at, r.started_at) AS as_of,
           ROW_NUMBER() OVER (
               PARTITION BY p.platform
               ORDER BY COALESCE(r.finished_at, r.started_at) DESC, p.run_id DESC
           ) AS newest
    FROM run_platform p JOIN collection_run r ON r.id = p.run_id
    WHERE p.budget_remaining IS NOT NULL
) ranked
WHERE newest = 1
"""


_LATEST_VALUES = """
INSERT INTO latest_value (repo_id, metric, observed_at, value)
SELECT o.repo_id, o.metric, o.observed_at, o.value
FROM observation o
JOIN (
    SELECT repo_id, metric, MAX(observed_at) AS observed_at
    FROM observation
    WHERE source = 'collected'
    GROUP BY repo_id, metric
) newest
ON o.repo_id = newest.repo_id AND o.metric = newest.metric
    AND o.observed_at = newest.observed_at AND o.source = 'collected'
"""


def _http_cache(*extra: sa.Column[object]) -> None:
    op.create_table(
        "http_cache",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        *extra,
        sa.PrimaryKeyConstraint("key", name="pk_http_cache"),
    )


def upgrade() -> None:
    op.drop_table("http_cache")
    _http_cache(
        sa.Column("repo", sa.String(450), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_http_cache_repo", "http_cache", ["repo"])
    op.create_index("ix_http_cache_used_at", "http_cache", ["used_at"])
    op.create_table(
        "platform_budget",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("budget_remaining", sa.Integer(), nullable=False),
        sa.Column("budget_limit", sa.Integer(), nullable=True),
        sa.Column("budget_reset_at", sa.DateTime(), nullable=True),
        sa.Column("as_of", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", name="pk_platform_budget"),
    )
    op.execute(_NEWEST_BUDGETS)
    op.create_table(
        "latest_value",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("repo_id", "metric", name="pk_latest_value"),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_latest_value_repo_id", ondelete="CASCADE"
        ),
    )
    op.execute(_LATEST_VALUES)
    op.create_index(
        "ix_collection_run_kind_finished_at", "collection_run", ["kind", "finished_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_collection_run_kind_finished_at", table_name="collection_run")
    op.drop_table("latest_value")
    op.drop_table("platform_budget")
    op.drop_table("http_cache")
    _http_cache()
