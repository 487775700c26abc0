"""The test suite, a package so that every test module has one dotted name (``tests.store.x``).

Each folder carries an ``__init__.py``: pytest then imports a conftest or helper under the name
the tests use (``tests.reports.conftest``), and mypy can check two ``conftest.py`` side by side.
"""
