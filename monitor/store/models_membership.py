"""The ``membership`` table, beside :mod:`monitor.store.models` (which holds every other table
and the conventions they all follow: naive UTC columns, constraint names spelled out).

Kept and read through :mod:`monitor.store.members`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, PrimaryKeyConstraint, text
from sqlmodel import Field, SQLModel

from monitor.store.models import UTCDateTime

__all__ = ["OPEN_STAY", "Membership"]

#: The stays that have not ended: a project's members now.
OPEN_STAY = "left_at IS NULL"


class Membership(SQLModel, table=True):
    """One stay of a repo in a project: from ``joined_at`` to ``left_at`` (``None``: a member
    now). A repo that leaves and comes back, or moves to another project, has one row per stay;
    it is a member of at most one project at a time (``uq_membership_open``).

    ``via`` is the owner id (``github:OWNER``) whose listing brought the repo in, ``None`` for
    a repo ``repos.toml`` names. The rows go with the repo row (``ON DELETE CASCADE``).
    """

    __tablename__ = "membership"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_membership"),
        ForeignKeyConstraint(
            ["repo_id"], ["repo.id"], name="fk_membership_repo_id", ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["project_id"], ["project.id"], name="fk_membership_project_id", ondelete="CASCADE"
        ),
        # The members now (one seek, and no repo in two projects at once) ...
        Index("uq_membership_open", "repo_id", unique=True,
              sqlite_where=text(OPEN_STAY), postgresql_where=text(OPEN_STAY)),
        # ... each repo's stays, and the stays that ended, newest first.
        Index("ix_membership_repo_id", "repo_id", "joined_at"),
        Index("ix_membership_left_at", "left_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int
    project_id: int
    via: str | None = Field(default=None, max_length=200)
    joined_at: datetime = Field(sa_type=UTCDateTime)  # given by the caller's clock
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
