"""A BingX emulator on a loopback port per test, and real clients connected to it.

The folder is not a package: helpers reach the tests as fixtures."""

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from tests.emulated import clients, serving

from tradeport.venues.bingx.client import BingxClient
from tradeport.venues.bingx.emulator import BingxEmulator

KEY = "BINGX___SWAP"
Connect = Callable[..., Awaitable[BingxClient]]


@pytest.fixture
async def emulator() -> AsyncIterator[BingxEmulator]:
    # the market moves only when a test moves it: outcomes are exact
    async for emu in serving(BingxEmulator(step_interval=None, seed=11)):
        yield emu


@pytest.fixture
async def fast_emulator() -> AsyncIterator[BingxEmulator]:
    """An emulator whose stream clock runs 100 times faster (a Ping every 50 ms, the
    mark and the ticker every 10 ms)."""
    async for emu in serving(BingxEmulator(step_interval=None, stream_time_scale=0.01)):
        yield emu


@pytest.fixture
async def connect(emulator: BingxEmulator) -> AsyncIterator[Connect]:
    """`await connect(account=1, **client_options)`; closed at the end."""
    async for make in clients(emulator, BingxClient):
        yield functools.partial(make, KEY)


@pytest.fixture
async def client(connect: Connect) -> BingxClient:
    return await connect()


PATIENCE = 30.0  # a stuck test fails instead of hanging; nothing waits for it


class Arrivals:
    """Wakes a test on every event its watches deliver: give `into(list)` (or `note`)
    as a watch's callback, then `until(check)` re-checks at each arrival; with `step`,
    the market is moved one step before each wait (for what only a moving market
    brings)."""

    def __init__(self) -> None:
        self._arrived = asyncio.Event()

    def note(self, event: object = None) -> None:
        self._arrived.set()

    def into(self, sink: list[Any]) -> Callable[[Any], None]:
        def add(event: Any) -> None:
            sink.append(event)
            self._arrived.set()

        return add

    async def until(
        self, check: Callable[[], object], step: Callable[[], None] | None = None
    ) -> None:
        async with asyncio.timeout(PATIENCE):
            while not check():
                self._arrived.clear()
                if step is not None:
                    step()
                await self._arrived.wait()

    async def wait_for(self, event: asyncio.Event) -> None:
        """Until `event` is set (something other than a watch signals it)."""
        async with asyncio.timeout(PATIENCE):
            await event.wait()


@pytest.fixture
def arrivals() -> Arrivals:
    return Arrivals()
