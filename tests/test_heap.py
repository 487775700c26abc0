"""``settled_heap``: the start-up heap frozen for a long command, handed back after it."""

from __future__ import annotations

import gc

from monitor.heap import settled_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the garbage collector frees it


def tracked(obj: object) -> bool:
    """Whether the garbage collector's rounds look at *obj* (frozen objects are left out)."""
    return any(o is obj for o in gc.get_objects())


def test_what_exists_before_is_frozen_and_handed_back_after() -> None:
    before = Node()
    with settled_heap():
        assert not tracked(before)
    assert tracked(before)
    assert gc.get_freeze_count() == 0


def test_garbage_made_during_the_run_is_still_collected() -> None:
    with settled_heap():
        Node()
        assert gc.collect() >= 1
