"""Star history keyed by what it is: a GitHub week, a Gitee stargazer; not by page.

Pages slide (a new week every Sunday, a withdrawn star moves every later one up), so rows keyed
by page number went stale; ``history_page`` is dropped. Its rows are not converted: every repo's
stars backfill is marked not started, so the next backfill re-reads the history once (resumable
and split by the budget share as any first backfill). ``backfill_state.newest_first`` remembers
the stargazer-list order a platform was last seen to use (Gitee documents none).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "star_week",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("days", sa.String(200), nullable=False),  # JSON [7 counts], Sunday first
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("repo_id", "week", name="pk_star_week"),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_star_week_repo_id", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "star_given",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("starred_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("repo_id", "user_id", name="pk_star_given"),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_star_given_repo_id", ondelete="CASCADE"
        ),
    )
    with op.batch_alter_table("backfill_state") as batch:
        batch.add_column(sa.Column("newest_first", sa.Boolean(), nullable=True))
    op.execute(
        "UPDATE backfill_state SET next_page = 1, pages = NULL, complete = false, "
        "completed_at = NULL WHERE metric = 'stars'"
    )
    op.drop_table("history_page")


def downgrade() -> None:
    op.create_table(
        "history_page",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("days", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("repo_id", "metric", "page", name="pk_history_page"),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_history_page_repo_id", ondelete="CASCADE"
        ),
    )
    op.execute(
        "UPDATE backfill_state SET next_page = 1, pages = NULL, complete = false, "
        "completed_at = NULL WHERE metric = 'stars'"
    )
    with op.batch_alter_table("backfill_state") as batch:
        batch.drop_column("newest_first")
    op.drop_table("star_given")
    op.drop_table("star_week")
