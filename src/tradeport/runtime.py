"""The one background event loop that serves every sync client (DESIGN.md principle 3)."""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import threading
import weakref
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
log = logging.getLogger("tradeport.runtime")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


class _Closable(Protocol):
    async def close(self) -> None: ...


# clients of the sync API still open: closed at interpreter exit (a notebook rarely
# closes what it opened), so sessions, servers and tasks end cleanly
_open: weakref.WeakSet[Any] = weakref.WeakSet()


def track(obj: _Closable) -> None:
    _open.add(obj)


def untrack(obj: _Closable) -> None:
    _open.discard(obj)


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
    if loop.is_running():
        future = asyncio.run_coroutine_threadsafe(_close_all(), loop)
        try:
            future.result(timeout=5)
        except (concurrent.futures.TimeoutError, RuntimeError) as exc:
            log.warning("closing open clients at exit did not finish: %r", exc)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=2)
    if not loop.is_running():
        loop.close()


async def _close_all() -> None:
    for obj in list(_open):
        try:
            await asyncio.wait_for(obj.close(), timeout=2)
        except Exception as exc:  # at exit: report and go on closing the others
            log.warning("closing %r at exit failed: %r", obj, exc)
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
