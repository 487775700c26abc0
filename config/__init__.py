"""The shipped default configuration, importable as ``monitor.defaults`` from an installed copy."""
