"""Membership: which repos each project has had, and when (``membership``, one row a stay).

A project's repos now come from the owners' listings as well as from ``repos.toml``, so they
change without the user: a repo joins, leaves, comes back. Each stay is a row (``left_at`` NULL:
a member now); at most one stay of a repo is open (``uq_membership_open``, a partial unique
index, which is also how the members now are found).

Upgrading opens a stay for every repo that has a project and a config key, joined when the repo
was added and named (``via`` NULL), so nothing changes for a user upgrading: the next collection
closes the stays of the repos ``repos.toml`` no longer lists.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPEN = "left_at IS NULL"

_STAYS_OF_TRACKED_REPOS = """
INSERT INTO membership (repo_id, project_id, via, joined_at, left_at)
SELECT id, project_id, NULL, added_at, NULL
FROM repo
WHERE project_id IS NOT NULL AND config_key IS NOT NULL
"""


def upgrade() -> None:
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(200), nullable=True),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_membership"),
        sa.ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_membership_repo_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name="fk_membership_project_id", ondelete="CASCADE"
        ),
    )
    op.create_index(
        "uq_membership_open", "membership", ["repo_id"], unique=True,
        sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN),
    )
    op.create_index("ix_membership_repo_id", "membership", ["repo_id", "joined_at"])
    op.create_index("ix_membership_left_at", "membership", ["left_at"])
    op.execute(_STAYS_OF_TRACKED_REPOS)


def downgrade() -> None:
    op.drop_table("membership")
