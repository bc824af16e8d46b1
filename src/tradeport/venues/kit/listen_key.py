"""Keeping a listen key alive (Binance USDⓈ-M, BingX): the venue drops a key it has not
heard of for an hour, so the session extends it every `interval` seconds while it runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tradeport.model.errors import TradeportError


class ListenKeyKeeper:
    """Calls `extend` every `interval` seconds between `start` and `stop`."""

    def __init__(
        self,
        extend: Callable[[], Awaitable[object]],
        interval: float,
        *,
        venue: str,
        log: logging.Logger,
    ) -> None:
        self.extend = extend
        self.interval = interval
        self.venue = venue
        self.log = log
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.extend()
            except TradeportError as exc:
                # a lapsed key is announced on the socket (listenKeyExpired) and the
                # reconnect creates a new one; nothing else to do here
                self.log.warning("%s: listen key keep-alive failed: %s", self.venue, exc)
