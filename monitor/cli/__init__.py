"""The command line: argument parsing (:mod:`.main`), console output and logging."""

from monitor.cli.main import main

__all__ = ["main"]
