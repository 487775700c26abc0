"""Fixtures of the daemon tests (the helpers are in harness_daemon.py; ``fakes``, the default
fakes plus acme/booster, comes from tests/world.py like everywhere else)."""

from tests.daemon.harness_daemon import daemon_home

__all__ = ["daemon_home"]
