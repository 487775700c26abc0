"""The database: tables (:mod:`.models`), engine and migrations (:mod:`.db`), the read/write
API collect and backfill use (:mod:`.series`, :mod:`.history`, :mod:`.runs`, :mod:`.cache`,
:mod:`.daemon`), and one query module per reader (:mod:`.status`, :mod:`.prometheus`,
:mod:`.export`, :mod:`.reports`). Nothing outside this package builds SQL.
"""

from monitor.store.db import Database, head_revision, open_database

__all__ = ["Database", "head_revision", "open_database"]
