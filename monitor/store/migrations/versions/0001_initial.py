"""The initial schema: projects, repos, observations, releases and run bookkeeping.

Written out table by table (not ``metadata.create_all``) so this revision stays what it was when
the models change later; every constraint and index is named so later revisions can alter it.
Datetimes are naive UTC (see ``monitor.store.models``).

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project"),
        sa.UniqueConstraint("name", name="uq_project_name"),
    )
    op.create_table(
        "repo",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("platform_id", sa.BigInteger(), nullable=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("config_key", sa.String(450), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_repo"),
        sa.UniqueConstraint("platform", "platform_id", name="uq_repo_platform_id"),
        sa.UniqueConstraint("config_key", name="uq_repo_config_key"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name="fk_repo_project_id", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_repo_project_id", "repo", ["project_id"])
    op.create_table(
        "observation",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        # Also the range index: equality on repo_id and metric, a range on observed_at.
        sa.PrimaryKeyConstraint(
            "repo_id", "metric", "observed_at", "source", name="pk_observation"
        ),
        sa.ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_observation_repo_id"),
        sa.CheckConstraint("source IN ('collected', 'backfill')", name="ck_observation_source"),
    )
    op.create_table(
        "repo_release",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(400), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("prerelease", sa.Boolean(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("repo_id", "tag", name="pk_repo_release"),
        sa.ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_repo_release_repo_id"),
    )
    op.create_table(
        "collection_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_collection_run"),
    )
    op.create_index("ix_collection_run_kind_started_at", "collection_run", ["kind", "started_at"])
    op.create_table(
        "run_platform",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("budget_remaining", sa.Integer(), nullable=True),
        sa.Column("budget_limit", sa.Integer(), nullable=True),
        sa.Column("budget_reset_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "platform", name="pk_run_platform"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["collection_run.id"], name="fk_run_platform_run_id", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "repo_error",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_repo_error"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["collection_run.id"], name="fk_repo_error_run_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["repo_id"], ["repo.id"], name="fk_repo_error_repo_id"),
    )
    op.create_index("ix_repo_error_run_id", "repo_error", ["run_id"])
    op.create_index("ix_repo_error_repo_id_occurred_at", "repo_error", ["repo_id", "occurred_at"])


def downgrade() -> None:
    for table in (
        "repo_error",
        "run_platform",
        "collection_run",
        "repo_release",
        "observation",
        "repo",
        "project",
    ):
        op.drop_table(table)
