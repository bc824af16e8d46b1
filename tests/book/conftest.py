"""Every book test runs on each level store built here: the compiled one (_levels.c)
and the pure-Python one it must agree with. Venue tests of the books' hot paths use
`using_store` to run on each as well, and tests of text books `using_text_store` (the
text store, _text_levels.c, and its Python twin)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tradeport.book.levels import level_store, use_level_store
from tradeport.book.text_levels import text_store, use_text_store

STORES = ("compiled", "python")
TEXT_STORES = ("compiled", "python")


@contextmanager
def using_store(name: str) -> Iterator[str]:
    """The level store `name` active inside (the test skipped if it was not built)."""
    before = level_store()
    try:
        use_level_store(name)
    except ValueError:
        pytest.skip("the compiled level store was not built (no C compiler at install)")
    try:
        yield name
    finally:
        use_level_store(before)


@contextmanager
def using_text_store(name: str) -> Iterator[str]:
    """The text level store `name` active inside (the test skipped if it was not built)."""
    before = text_store()
    try:
        use_text_store(name)
    except ValueError:
        pytest.skip("the compiled text store was not built (no C compiler at install)")
    try:
        yield name
    finally:
        use_text_store(before)


@pytest.fixture(autouse=True, params=STORES)
def store(request: pytest.FixtureRequest) -> Iterator[str]:
    with using_store(request.param) as name:
        yield name
