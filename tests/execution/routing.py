"""What the router tests share: a venue on its emulator with an execution port on it,
a second account to trade against, and a fake clock for schedules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.conformance.conftest import SYMBOL, Venue, running

from tradeport.execution.intent import Intent, IntentAction, IntentSide
from tradeport.execution.port import ExecutionPort
from tradeport.model import Fill, Order


@dataclass
class Routed:
    venue: Venue
    port: ExecutionPort

    async def open_orders(self) -> list[Order]:
        return await self.venue.client.get_open_orders(SYMBOL)

    async def fills_of(self, order_id: str | None) -> list[Fill]:
        assert order_id is not None
        return await self.venue.client.get_deals(SYMBOL, 100, order_id=order_id)


@asynccontextmanager
async def routed(key: str, state_dir: Path, **emulator_options: Any) -> AsyncIterator[Routed]:
    """Venue `key` on a still emulator (the market moves only when told), with a
    connected port on its first account."""
    async with running(key, **emulator_options) as venue:
        port = ExecutionPort(venue.client, state_dir=state_dir / key)
        await port.connect()
        try:
            yield Routed(venue, port)
        finally:
            await port.close()


def buy(size: Decimal, **fields: Any) -> Intent:
    long = IntentSide.LONG
    return Intent(asset=SYMBOL, side=long, action=IntentAction.ENTER, size=size, **fields)


class FakeClock:
    """Time that passes only when the algorithm sleeps or waits: a schedule is checked
    exactly, and at once."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)
        await asyncio.sleep(0)

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:
        if not event.is_set():
            self.t += max(0.0, timeout)
            await asyncio.sleep(0)
        return event.is_set()
