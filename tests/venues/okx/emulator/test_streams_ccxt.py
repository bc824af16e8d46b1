"""ccxt pro (an independent OKX client) against the emulator's WebSocket side: it merges
`books` updates and checks their CRC32 checksums itself (option `checksum`), and logs in
with its own signing before watching the private channels."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import ccxt.pro as ccxtpro
import pytest

from tradeport.venues.okx.emulator import OkxEmulator


@pytest.fixture
async def emu() -> AsyncIterator[OkxEmulator]:
    async with OkxEmulator(step_interval=0.02, seed=4) as emulator:
        yield emulator


@pytest.fixture
async def okx(emu: OkxEmulator) -> AsyncIterator[ccxtpro.okx]:
    api_key, secret = emu.credentials(0)
    client = ccxtpro.okx(
        {
            "apiKey": api_key,
            "secret": secret,
            "password": emu.passphrase(0),
            "options": {"checksum": True, "fetchMarkets": {"types": ["spot", "swap"]}},
        }
    )
    client.urls["api"] = {
        "rest": emu.base_url,
        "ws": emu.base_url.replace("http", "ws", 1) + "/ws/v5",
    }
    try:
        await client.load_markets()
        yield client
    finally:
        await client.close()


def following(emu: OkxEmulator, channel: str) -> bool:
    """Whether a logged-in connection follows `channel`."""
    sessions = emu.streams.private.sessions
    return any(t.channel == channel for s in sessions for t in s.topics.values())


async def test_ccxt_keeps_a_checksum_verified_book_that_matches_the_engine(
    emu: OkxEmulator, okx: ccxtpro.okx
) -> None:
    nonces = []
    for _ in range(30):
        book = await okx.watch_order_book("BTC/USDT:USDT")  # a bad checksum would raise here
        nonces.append(book["nonce"])
    assert nonces == sorted(nonces) and len(set(nonces)) > 1


async def test_ccxt_logs_in_and_watches_its_order_fill_and_position(
    emu: OkxEmulator, okx: ccxtpro.okx
) -> None:
    balance = await okx.watch_balance()
    assert balance["USDT"]["total"] > 0
    watching = asyncio.create_task(okx.watch_orders())
    while not following(emu, "orders"):  # the server has taken the subscription
        await asyncio.sleep(0.01)
    order = await okx.create_order("ETH/USDT:USDT", "market", "buy", 2)
    filled = None
    while filled is None:
        for seen in await watching:
            if seen["id"] == order["id"] and seen["status"] == "closed":
                filled = seen
        watching = asyncio.create_task(okx.watch_orders())
    watching.cancel()
    assert filled["filled"] == 2
    positions = await okx.watch_positions()
    held = {p["symbol"]: p["contracts"] for p in positions}
    base = emu.swap.positions(emu.keys.refs[0].engine_id)[0].qty
    assert Decimal(str(held["ETH/USDT:USDT"])) == emu.sizing.to_venue("ETH-USDT-SWAP", base) == 2


async def test_orders_over_the_private_socket(emu: OkxEmulator, okx: ccxtpro.okx) -> None:
    """ccxt.pro's create / edit / cancel over `/ws/v5/private` (it names the instrument
    by `instIdCode`)."""
    account = emu.keys.refs[0].engine_id
    bid = emu.spot.depth("BTC-USDT", 1).bids[0][0]
    first, second = (
        float(okx.price_to_precision("BTC/USDT", bid * Decimal(f))) for f in ("0.99", "0.98")
    )
    created = await okx.create_order_ws("BTC/USDT", "limit", "buy", 0.001, first)
    (resting,) = emu.spot.open_orders(account, "BTC-USDT")
    assert resting.price == Decimal(str(first))
    await okx.edit_order_ws(created["id"], "BTC/USDT", "limit", "buy", 0.001, second)
    (resting,) = emu.spot.open_orders(account, "BTC-USDT")
    assert resting.price == Decimal(str(second))
    await okx.cancel_order_ws(created["id"], "BTC/USDT")
    assert emu.spot.open_orders(account, "BTC-USDT") == []
