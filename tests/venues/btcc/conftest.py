"""A BTCC emulator on a loopback port per test, and real clients logged in to it.

The folder is not a package: helpers reach the tests as fixtures."""

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from tests.emulated import clients, serving

from tradeport.venues.btcc.client import BtccClient
from tradeport.venues.btcc.emulator import BtccEmulator

KEY = "BTCC___SWAP"
Connect = Callable[..., Awaitable[BtccClient]]


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """What a test folder's emulator is started with (a test overrides it)."""
    return {}


@pytest.fixture
async def emulator(emulator_options: dict[str, Any]) -> AsyncIterator[BtccEmulator]:
    # the market moves only when a test moves it: outcomes are exact
    async for emu in serving(BtccEmulator(step_interval=None, seed=11, **emulator_options)):
        yield emu


@pytest.fixture
async def connect(emulator: BtccEmulator) -> AsyncIterator[Connect]:
    """`await connect(account=1, **client_options)`; closed at the end."""
    async for make in clients(emulator, BtccClient):
        yield functools.partial(make, KEY)
