"""The start-up heap, kept out of the garbage collector's rounds while a long command runs.

What a process makes before its real work — imported modules, SQLAlchemy's mappers and compiled
statements, the settings — lives as long as the process: hundreds of thousands of objects. A full
garbage collection walks every object it tracks, so each full round that a collection cycle's
allocations set off costs tens of milliseconds spent on objects that never die (a repeat cycle of
a thousand repos is otherwise done in a few hundred). :func:`settled_heap` freezes that heap
(:func:`gc.freeze`) for the command's run: objects made later are collected as before, and on the
way out the frozen ones are handed back (an in-process caller, a test, keeps a normal heap).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["settled_heap"]


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """Collect what is garbage now, then keep every object left out of later full rounds."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
