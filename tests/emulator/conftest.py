from __future__ import annotations

import pytest

from tradeport.emulator.engine import Engine

from .builders import BTC, DOGE, Clock, D


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def spot(clock: Clock) -> Engine:
    engine = Engine("spot", [BTC, DOGE], clock=clock)
    for account in ("alice", "bob", "carol"):
        engine.open_account(account, {"BTC": D(10), "USDT": D(1_000_000), "DOGE": D(100_000)})
    return engine


@pytest.fixture
def perp(clock: Clock) -> Engine:
    engine = Engine("perp", [BTC, DOGE], maker_fee=D("0.0002"), taker_fee=D("0.0004"), clock=clock)
    engine.open_account("alice", {"USDT": D(100_000)})
    engine.open_account("bob", {"USDT": D(10_000_000)})
    return engine
