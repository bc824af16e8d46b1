"""Funding history, open interest and the transaction log, as ccxt's bybit reads them."""

from __future__ import annotations

import itertools
from decimal import Decimal

from tradeport.venues.bybit.emulator import BybitEmulator

from .conftest import RawClient


async def test_funding_history_is_the_flat_rate_every_eight_hours(raw: RawClient) -> None:
    reply = await raw.public(
        "/v5/market/funding/history", category="linear", symbol="BTCUSDT", limit=3
    )
    rows = reply.result["list"]
    times = [int(r["fundingRateTimestamp"]) for r in rows]
    assert [a - b for a, b in itertools.pairwise(times)] == [8 * 3_600_000] * 2
    assert {r["fundingRate"] for r in rows} == {"0.0001"}


async def test_open_interest_and_the_log_follow_a_fill(emu: BybitEmulator, raw: RawClient) -> None:
    assert (await raw.order("linear", "BTCUSDT", "Buy", "0.01")).code == 0
    reply = await raw.public(
        "/v5/market/open-interest", category="linear", symbol="BTCUSDT", intervalTime="5min"
    )
    (row,) = reply.result["list"]
    assert Decimal(row["openInterest"]) >= Decimal("0.01")
    log = (await raw.get("/v5/account/transaction-log", accountType="UNIFIED")).result["list"]
    (entry,) = log
    assert entry["type"] == "TRADE" and entry["category"] == "linear"
    assert Decimal(entry["change"]) == -Decimal(entry["fee"])
    wallet = emu.linear.wallet(emu.keys.refs[0].engine_id, "USDT")
    assert Decimal(entry["cashBalance"]) == wallet.balance
    bad = await raw.public("/v5/market/open-interest", category="linear", symbol="BTCUSDT")
    assert bad.code == 10001  # intervalTime is required


async def test_price_limit_is_what_each_category_enforces(
    emu: BybitEmulator, raw: RawClient
) -> None:
    spot = (await raw.public("/v5/market/price-limit", category="spot", symbol="BTCUSDT")).result
    over = str(Decimal(spot["buyLmt"]) + Decimal("0.01"))
    assert (await raw.order("spot", "BTCUSDT", "Buy", "0.001", over)).code == 170193
    assert (await raw.order("spot", "BTCUSDT", "Buy", "0.001", spot["buyLmt"])).code == 0
    linear = (
        await raw.public("/v5/market/price-limit", category="linear", symbol="BTCUSDT")
    ).result
    far = str(Decimal(linear["buyLmt"]) * 2)
    placed = await raw.order("linear", "BTCUSDT", "Buy", "0.01", far)
    # futures move the price to the limit (Bybit's default) and the order goes ahead
    state = await raw.order_state("linear", placed.result["orderId"])
    assert Decimal(state["price"]) == Decimal(linear["buyLmt"])
