"""Star-history backfill: the platform's history pages, and each backfill's progress.

Both tables hang off ``repo`` with ``ON DELETE CASCADE``: they describe one repo row, and when a
rename merges two rows the deleted row's pages and progress go with it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "history_page",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("days", sa.Text(), nullable=False),  # JSON {"YYYY-MM-DD": count}
        sa.PrimaryKeyConstraint("repo_id", "metric", "page", name="pk_history_page"),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_history_page_repo_id", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "backfill_state",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("next_page", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("repo_id", "metric", name="pk_backfill_state"),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_backfill_state_repo_id", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("backfill_state")
    op.drop_table("history_page")
