"""A call repeated in the background every `interval` seconds (a listen key's
keep-alive, a recording's contract re-check). A TradeportError from one call is the
venue's and is handed to `failed`: the schedule goes on. Anything else is a bug: it is
logged loudly and ends the schedule."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tradeport.model.errors import TradeportError


class Periodic:
    def __init__(
        self,
        call: Callable[[], Awaitable[object]],
        interval: float,
        *,
        name: str,
        failed: Callable[[TradeportError], None],
        log: logging.Logger,
    ) -> None:
        self.call = call
        self.interval = interval
        self.name = name
        self.failed = failed
        self.log = log
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)
            self._task.add_done_callback(self._ended)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.log.error("%s stopped", self.name, exc_info=task.exception())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.call()
            except TradeportError as exc:
                self.failed(exc)
