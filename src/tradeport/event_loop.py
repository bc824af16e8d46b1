"""Running a command's coroutine on the event loop the user chose: asyncio's own, or
uvloop's (libuv, in C), whose socket reads and callbacks cost less: reading 500
contracts' streams at real rates measured 14.3 µs of CPU a message on it against 16.8 on
asyncio's (bench/stream_throughput.py --realistic), though recording them into Parquet
measured the same on both (bench/record_throughput.py --loop). uvloop comes with the
`fast` extra; it is not the default because nothing needs it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from tradeport.model.errors import BadParameter

T = TypeVar("T")
LOOPS = ("asyncio", "uvloop")


def run(main: Coroutine[Any, Any, T], loop: str = "asyncio") -> T:
    """`asyncio.run(main)` on the event loop named `loop` (one of `LOOPS`)."""
    if loop == "asyncio":
        return asyncio.run(main)
    if loop != "uvloop":
        main.close()
        raise BadParameter(f"event loop {loop!r}: expected one of {', '.join(LOOPS)}")
    try:
        import uvloop
    except ImportError as exc:
        main.close()
        raise BadParameter(
            "event loop 'uvloop': uvloop is not installed (pip install 'tradeport[fast]')"
        ) from exc
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
