"""The Jinja2 templates, importable as ``monitor.templates`` from an installed copy."""
