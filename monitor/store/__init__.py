"""The database: tables (:mod:`.models`), engine and migrations (:mod:`.db`), and the read/write
API the rest of the monitor uses (:mod:`.series`). Nothing outside this package writes SQL.
"""

from monitor.store.db import Database, head_revision, open_database

__all__ = ["Database", "head_revision", "open_database"]
