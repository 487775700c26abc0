"""Fixtures of the daemon tests (the helpers are in harness_daemon.py)."""

from tests.daemon.harness_daemon import daemon_home, fakes

__all__ = ["daemon_home", "fakes"]
