"""The ``membership`` table's SQLModel class, beside :mod:`monitor.store.models`; the table
itself is :data:`monitor.store.tables.membership`. Kept and read through
:mod:`monitor.store.members`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from monitor.store import tables
from monitor.store.tables import OPEN_STAY

__all__ = ["OPEN_STAY", "Membership"]

_membership = tables.membership.c


class Membership(SQLModel, table=True):
    """One stay of a repo in a project: from ``joined_at`` to ``left_at`` (``None``: a member
    now). A repo that leaves and comes back, or moves to another project, has one row per stay;
    it is a member of at most one project at a time (``uq_membership_open``).

    ``via`` is the owner id (``github:OWNER``) whose listing brought the repo in, ``None`` for
    a repo ``repos.toml`` names. The rows go with the repo row (``ON DELETE CASCADE``).
    """

    __table__ = tables.membership

    id: int | None = Field(default=None, sa_column=_membership.id)
    repo_id: int = Field(sa_column=_membership.repo_id)
    project_id: int = Field(sa_column=_membership.project_id)
    via: str | None = Field(default=None, sa_column=_membership.via)
    joined_at: datetime = Field(sa_column=_membership.joined_at)  # given by the caller's clock
    left_at: datetime | None = Field(default=None, sa_column=_membership.left_at)
