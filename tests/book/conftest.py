"""Every book test runs on each level store built here: the compiled one (_levels.c)
and the pure-Python one it must agree with."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tradeport.book.levels import level_store, use_level_store

STORES = ("compiled", "python")


@pytest.fixture(autouse=True, params=STORES)
def store(request: pytest.FixtureRequest) -> Iterator[str]:
    name: str = request.param
    before = level_store()
    try:
        use_level_store(name)
    except ValueError:
        pytest.skip("the compiled level store was not built (no C compiler at install)")
    try:
        yield name
    finally:
        use_level_store(before)
