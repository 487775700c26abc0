"""Alembic migrations, shipped inside the package; run them through ``Database.upgrade()``."""
