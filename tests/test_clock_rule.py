"""Time is an input: no module of monitor/ but monitor/clock.py asks the wall clock.

Read by walking each module's syntax tree (not by grepping text), so a docstring that mentions
``datetime.now`` is fine and an aliased import (``from time import time``) is still caught.
``time.monotonic`` stays allowed: it measures durations for logs, it does not tell the time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import monitor

ROOT = Path(monitor.__file__).parent
ALLOWED = {ROOT / "clock.py"}
#: (module or class, attribute) pairs that read the wall clock.
READS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"),
    ("time", "ctime"), ("time", "asctime"), ("time", "strftime"),
}  # fmt: skip
#: These read the clock only when the instant argument (at this position) is left out:
#: ``time.gmtime(record.created)`` formats a given instant, ``time.gmtime()`` asks for one.
WHEN_ARGLESS = {"localtime": 0, "gmtime": 0, "ctime": 0, "asctime": 0, "strftime": 1}


def _reads(node: ast.Call, name: tuple[str, str]) -> bool:
    if name not in READS:
        return False
    position = WHEN_ARGLESS.get(name[1])
    return position is None or (len(node.args) <= position and not node.keywords)


def _qualified(node: ast.expr) -> tuple[str, str] | None:
    """``datetime.now`` or ``dt.datetime.now`` → ("datetime", "now"); else None."""
    if not isinstance(node, ast.Attribute):
        return None
    owner = node.value
    if isinstance(owner, ast.Name):
        return owner.id, node.attr
    if isinstance(owner, ast.Attribute):
        return owner.attr, node.attr
    return None


def clock_reads(path: Path) -> list[str]:
    """``file:line: what`` for every wall-clock read in *path*."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported: set[str] = set()  # names bound by ``from time import time`` and the like
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"time", "datetime"}:
            for alias in node.names:
                if (node.module, alias.name) in READS:
                    imported.add(alias.asname or alias.name)
        if isinstance(node, ast.Call):
            name = _qualified(node.func)
            if name is not None and _reads(node, name):
                found.append(f"{path}:{node.lineno}: {name[0]}.{name[1]}()")
            elif isinstance(node.func, ast.Name) and node.func.id in imported:
                found.append(f"{path}:{node.lineno}: {node.func.id}()")
            elif isinstance(node.func, ast.Name) and node.func.id == "utcnow":
                found.append(f"{path}:{node.lineno}: utcnow()")
    return found


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = [
        line
        for path in sorted(ROOT.rglob("*.py")) if path not in ALLOWED
        for line in clock_reads(path)
    ]
    assert offenders == [], "read the clock passed down instead:\n" + "\n".join(offenders)


def test_the_rule_catches_what_it_forbids(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import datetime as dt\nfrom time import time as tick\nfrom datetime import date\n"
        "a = dt.datetime.now()\nb = tick()\nc = date.today()\nimport time\n"
        'e = time.strftime("%Y", time.gmtime(1.0))\nf = time.strftime("%Y")\n'
        '"""datetime.now() in a docstring is fine"""\nd = __import__("time").monotonic()\n'
    )
    assert [line.rsplit(": ", 1)[1] for line in clock_reads(module)] == [
        "datetime.now()", "tick()", "date.today()", "time.strftime()",
    ]
