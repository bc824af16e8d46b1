"""The one background event loop that serves every sync client (DESIGN.md principle 3)."""

from __future__ import annotations

import asyncio
import atexit
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """Start (once) and return the shared loop running in a daemon thread."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="tradeport-loop", daemon=True)
            thread.start()
            _loop = loop
            atexit.register(_shutdown, loop, thread)
        return _loop


def run(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run a coroutine on the shared loop from any other thread and wait for it."""
    loop = background_loop()
    if _running_in(loop):
        coro.close()
        raise RuntimeError("sync tradeport call made from inside its own event loop")
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


def _running_in(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _shutdown(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=2)
