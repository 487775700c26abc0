"""The daemon's health record and its jobs' next runs, for ``status``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daemon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("config_error", sa.Text(), nullable=True),
        sa.Column("config_error_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_daemon"),
    )
    op.create_table(
        "daemon_job",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_daemon_job"),
    )


def downgrade() -> None:
    op.drop_table("daemon_job")
    op.drop_table("daemon")
