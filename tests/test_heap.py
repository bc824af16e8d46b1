"""Freezing what a process made to start: garbage goes first, the rest is out of reach."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from tradeport.heap import freeze_startup_objects


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture
def unfrozen() -> Iterator[None]:
    # no collection but the one asked for; freezing is process-wide: the rest of the
    # suite gets its collector back
    gc.disable()
    yield
    gc.unfreeze()
    gc.enable()


def test_garbage_is_collected_and_what_lives_is_frozen(unfrozen: None) -> None:
    garbage = weakref.ref(_Node())
    kept = _Node()
    assert garbage() is not None  # a cycle outlives its last reference
    frozen = freeze_startup_objects()
    assert garbage() is None
    assert frozen == gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())  # no generation holds it
    gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())
